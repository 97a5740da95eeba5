"""The header of every screen: title, profile and server, and the unread badge."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.css.query import NoMatches
from textual.widgets import Header
from textual.widgets._header import HeaderTitle

from nep_tui.widgets.unread_badge import UnreadBadge


class AppHeader(Header):
    def __init__(self) -> None:
        super().__init__(icon="◆")

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield UnreadBadge()

    def _on_mount(self, event: events.Mount) -> None:
        # Header's own title watcher fails when the title changes while its screen is being
        # replaced (e.g. right after logging in); a header that is going away just skips it.
        # prevent_default keeps Header._on_mount from adding that watcher as well.
        event.prevent_default()

        def set_title() -> None:
            try:
                self.query_one(HeaderTitle).update(self.format_title())
            except NoMatches:
                pass

        self.watch(self.app, "title", set_title)
        self.watch(self.app, "sub_title", set_title)
        self.watch(self.screen, "title", set_title)
        self.watch(self.screen, "sub_title", set_title)
