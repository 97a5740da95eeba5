"""The header of every screen: the palette icon, title, profile and server, the unread badge,
the "cached … ago" marker and, while the server is away, the offline banner.

Built from public widgets rather than by subclassing Textual's `Header`: that one's title
watcher (a private mount handler) fails when the title changes while its screen is being
replaced, e.g. right after logging in, and cannot be replaced without private API.
"""

from __future__ import annotations

from datetime import datetime

from textual import events
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Static

from nep_tui.widgets.offline import CachedMarker, OfflineBanner
from nep_tui.widgets.unread_badge import UnreadBadge

ICON = "◆"


class PaletteIcon(Widget):
    """The icon at the left; a click opens the command palette."""

    DEFAULT_CSS = """
    PaletteIcon {
        dock: left;
        padding: 0 1;
        width: 8;
        content-align: left middle;
    }
    PaletteIcon:hover {
        background: $foreground 10%;
    }
    """

    def on_mount(self) -> None:
        self.tooltip = "Open the command palette"

    async def on_click(self, event: events.Click) -> None:
        event.stop()
        await self.run_action("app.command_palette")

    def render(self) -> RenderResult:
        return ICON


class AppHeader(Widget):
    DEFAULT_CSS = """
    AppHeader {
        dock: top;
        width: 100%;
        background: $panel;
        color: $foreground;
        height: auto;
    }
    AppHeader > #header-bar {
        height: 1;
    }
    AppHeader #header-title {
        text-wrap: nowrap;
        text-overflow: ellipsis;
        content-align: center middle;
        width: 100%;
    }
    AppHeader #header-right {
        dock: right;
        width: 10;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="header-bar"):
            yield PaletteIcon()
            yield Static(id="header-title")
            yield Static(id="header-right")
            yield UnreadBadge()
            yield CachedMarker()
        yield OfflineBanner()

    def show_cached(self, fetched_at: datetime | None) -> None:
        """Mark the screen as showing last-seen data from `fetched_at` (None: fresh)."""
        self.query_one(CachedMarker).show_cached(fetched_at)
        self.query_one(OfflineBanner).show_last_seen(fetched_at is not None)

    def on_mount(self) -> None:
        for node, name in (
            (self.app, "title"),
            (self.app, "sub_title"),
            (self.screen, "title"),
            (self.screen, "sub_title"),
        ):
            self.watch(node, name, self._show_title)

    def _show_title(self) -> None:
        screen = self.screen
        title = screen.title if screen.title is not None else self.app.title
        sub_title = screen.sub_title if screen.sub_title is not None else self.app.sub_title
        try:
            self.query_one("#header-title", Static).update(self.app.format_title(title, sub_title))
        except NoMatches:
            pass  # the header is being removed with its screen
