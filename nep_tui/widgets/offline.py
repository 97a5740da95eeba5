"""Being offline: the one banner, the "cached … ago" marker, and actions that need the server.

While the app's `offline` is set, every node mixing in `NeedsServer` answers `check_action`
with None for its `SERVER_ACTIONS` (the key shows dimmed in the footer) and says why in a
toast when such a key or button is pressed; when the server is back, `server_back` runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from textual import events
from textual.app import RenderResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Static

from nep_tui.services import AppServices, is_offline

# Each fits one line of an 80-column terminal.
OFFLINE_TEXT = "Offline: the server cannot be reached. Actions that need it are off."
OFFLINE_LAST_SEEN_TEXT = (
    "Offline: the server cannot be reached. Showing what you last saw, read-only."
)
OFFLINE_REASON = "This needs the server, which cannot be reached right now."
MARKER_REFRESH_SECONDS = 30


def _watch_offline(node: DOMNode, callback: Callable[[bool], None]) -> None:
    app = node.app
    if isinstance(app, AppServices):
        node.watch(app, "offline", callback, init=False)


class OfflineBanner(Static):
    """Shown (under the header of every screen) while the server cannot be reached; it speaks
    of last-seen data only while the screen shows some."""

    DEFAULT_CSS = """
    OfflineBanner {
        display: none;
        width: 100%;
        height: 1;
        padding: 0 1;
        background: $warning;
        color: $text;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    OfflineBanner.-offline {
        display: block;
    }
    """

    def __init__(self) -> None:
        super().__init__(OFFLINE_TEXT)

    def on_mount(self) -> None:
        self._show(is_offline(self))
        _watch_offline(self, self._show)

    def _show(self, offline: bool) -> None:
        self.set_class(offline, "-offline")

    def show_last_seen(self, last_seen: bool) -> None:
        self.update(OFFLINE_LAST_SEEN_TEXT if last_seen else OFFLINE_TEXT)


def clock() -> datetime:
    """The moment "… ago" counts to (a test freezes it for snapshots)."""
    return datetime.now(UTC)


def ago(moment: datetime, now: datetime | None = None) -> str:
    seconds = max(0, int(((now or clock()) - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


class CachedMarker(Widget):
    """ "cached 5 min ago" while the screen shows last-seen data; nothing once it is fresh."""

    DEFAULT_CSS = """
    CachedMarker {
        dock: right;
        width: auto;
        padding: 0 1;
        color: $warning;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.fetched_at: datetime | None = None

    def on_mount(self) -> None:
        self.display = False
        self.set_interval(MARKER_REFRESH_SECONDS, self.refresh)

    def show_cached(self, fetched_at: datetime | None) -> None:
        """Mark the screen as showing data fetched at `fetched_at` (None: fresh from the server)."""
        self.fetched_at = fetched_at
        self.display = fetched_at is not None
        self.refresh(layout=True)

    def render(self) -> RenderResult:
        return f"cached {ago(self.fetched_at)}" if self.fetched_at else ""


class NeedsServer:
    """For screens and widgets with actions that need the server (see the module's doc)."""

    SERVER_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    def server_action_state(self, action: str) -> bool | None:
        """None (shown, disabled) for an action that needs the server while it is away."""
        assert isinstance(self, DOMNode)
        return None if action in self.SERVER_ACTIONS and is_offline(self) else True

    def refused_offline(self) -> bool:
        """Say why, and True, when the server is away (for buttons that start such actions)."""
        assert isinstance(self, DOMNode)
        if is_offline(self):
            self.app.notify(OFFLINE_REASON, title="Offline", severity="warning")
            return True
        return False

    def server_back(self) -> None:
        """Load again what is shown (called when the server can be reached again)."""

    def on_mount(self) -> None:
        assert isinstance(self, DOMNode)
        _watch_offline(self, self._offline_changed)

    def _offline_changed(self, offline: bool) -> None:
        assert isinstance(self, DOMNode)
        self.refresh_bindings()
        if not offline:
            self.server_back()

    def on_key(self, event: events.Key) -> None:
        assert isinstance(self, DOMNode)
        if not is_offline(self):
            return
        for binding in type(self).BINDINGS:
            if (
                isinstance(binding, Binding)
                and binding.action in self.SERVER_ACTIONS
                and event.key in binding.key.split(",")
            ):
                event.stop()
                self.refused_offline()
                return
