"""The header of every screen: title, profile and server, and the unread badge."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Header

from nep_tui.widgets.unread_badge import UnreadBadge


class AppHeader(Header):
    def __init__(self) -> None:
        super().__init__(icon="◆")

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield UnreadBadge()
