"""A file of that name is already in the upload folder: what to do about it."""

from __future__ import annotations

from enum import Enum

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Label

from nep_tui.formatting import plain


class NameChoice(Enum):
    OVERWRITE = "overwrite"
    KEEP_BOTH = "keep-both"
    SKIP = "skip"
    CANCEL = "cancel"


class NameExistsDialog(ModalScreen[tuple[NameChoice, bool]]):
    """A file of that name is already in the folder: overwrite, keep both, skip, or stop the
    whole upload (the dialog hides the upload screen's own cancel)."""

    DEFAULT_CSS = """
    NameExistsDialog { align: center middle; }
    NameExistsDialog > Vertical {
        width: 78; max-width: 95%; height: auto;
        border: thick $warning 60%; background: $surface; padding: 1 2;
    }
    NameExistsDialog #exists-question { text-style: bold; }
    NameExistsDialog #exists-name { color: $text-accent; margin: 1 0; }
    NameExistsDialog Horizontal { height: auto; margin: 1 0 0 0; }
    NameExistsDialog Button { margin: 0 1 0 0; }
    """

    BINDINGS = [
        Binding(
            "o",
            "choose('overwrite')",
            "Overwrite",
            id="exists-overwrite",
            tooltip="Replace the file in Nextcloud.",
        ),
        Binding(
            "k",
            "choose('keep-both')",
            "Keep both",
            id="exists-keep-both",
            tooltip="Upload under a new name chosen by Nextcloud.",
        ),
        Binding(
            "s,escape",
            "choose('skip')",
            "Skip",
            id="exists-skip",
            tooltip="Do not upload this file.",
        ),
        Binding(
            "c",
            "choose('cancel')",
            "Cancel upload",
            id="exists-cancel",
            tooltip="Stop: nothing more is uploaded, finished files stay linked.",
        ),
    ]

    def __init__(self, file_name: str, *, more_to_come: bool) -> None:
        super().__init__()
        self.file_name = file_name
        self.more_to_come = more_to_come

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("A file with this name is already in the folder.", id="exists-question")
            yield Label(Content(plain(self.file_name)), id="exists-name")
            if self.more_to_come:
                yield Checkbox("Do the same for the other files", id="exists-all")
            with Horizontal():
                yield Button("Overwrite", id="overwrite", variant="error")
                yield Button("Keep both", id="keep-both", variant="primary")
                yield Button("Skip", id="skip")
                yield Button("Cancel upload", id="cancel")
        # The dialog's keys (o, k, s, c) are said where every screen says its keys.
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#keep-both", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(event.button.id or "skip")

    def action_choose(self, choice: str) -> None:
        for_all = self.more_to_come and self.query_one("#exists-all", Checkbox).value
        self.dismiss((NameChoice(choice), for_all))
