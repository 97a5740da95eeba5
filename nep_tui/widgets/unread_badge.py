"""The unread-notifications count, shown in the header of every screen."""

from __future__ import annotations

from textual.widgets import Static


class UnreadBadge(Static):
    """Follows `app.unread_count`; the number is always spelled out, never shown by colour alone."""

    DEFAULT_CSS = """
    UnreadBadge {
        dock: right;
        width: auto;
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    UnreadBadge.-unread {
        background: $accent;
        color: $text;
        text-style: bold;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "unread_count", self._show, init=True)
        self.tooltip = "Unread notifications (ctrl+n)"

    def _show(self, count: int | None) -> None:
        if count is None:
            self.update("")
            self.display = False
            return
        self.display = True
        self.set_class(count > 0, "-unread")
        self.update(f"{count} unread")
