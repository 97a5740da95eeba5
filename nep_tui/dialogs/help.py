"""Help: what nep-tui is for, and every key of the screen it was opened from."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

INTRO = (
    "nep-tui shows your Nepenthes projects, work packages and notifications, and the "
    "Nextcloud files linked to them. Everything works with the keyboard alone. "
    "ctrl+p opens the command palette (context commands such as open in browser, copy link, "
    "download, switch profile). Pasting a work-package link anywhere opens it."
)


class HelpScreen(ModalScreen[None]):
    """The keys of `for_screen` (and the app-wide ones), gathered when help was asked for."""

    CSS_PATH = "help.tcss"
    BINDINGS = [
        Binding(
            "escape,f1,question_mark,q",
            "dismiss",
            "Close help",
            id="help-close",
            tooltip="Back to where you were.",
        ),
    ]

    def __init__(self, for_screen: Screen[object]) -> None:
        super().__init__()
        self.rows = self._key_rows(for_screen)

    def _key_rows(self, screen: Screen[object]) -> list[tuple[str, str, str]]:
        keys_by_action: dict[str, list[str]] = {}
        details: dict[str, tuple[str, str]] = {}
        for active in screen.active_bindings.values():
            binding = active.binding
            # Only the keys we documented (a tooltip), not every editing key of an Input.
            if not binding.tooltip or binding.system:
                continue
            action = f"{active.node.__class__.__name__}.{binding.action}"
            keys_by_action.setdefault(action, []).append(self.app.get_key_display(binding))
            details[action] = (binding.description, binding.tooltip)
        return [
            (", ".join(dict.fromkeys(keys)), *details[action])
            for action, keys in keys_by_action.items()
        ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog"):
            yield Static("Help", id="help-title")
            yield Static(INTRO, id="help-intro")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Static("escape closes this help", id="help-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Action", "What it does")
        for row in self.rows:
            table.add_row(*row)
        table.focus()
