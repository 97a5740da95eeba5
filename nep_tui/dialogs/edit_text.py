"""Write or change a longer text (a comment, a description): here, or in $EDITOR with ctrl+e."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label, TextArea

from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.editor import EditorUnavailable, edit_externally


class EditTextDialog(ModalScreen[str | None]):
    """Dismisses with the text on ctrl+s, or None; typed text is never dropped without asking."""

    CSS_PATH = "edit_text.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="edit-text-save", tooltip="Keep this text."),
        Binding(
            "ctrl+e",
            "external_editor",
            "Editor",
            id="edit-text-editor",
            tooltip="Write the text in $VISUAL or $EDITOR.",
            # Above the text area's own ctrl+e (end of line; the End key does that too).
            priority=True,
        ),
        Binding("escape", "cancel", "Cancel", id="edit-text-cancel", tooltip="Leave the text."),
    ]

    def __init__(self, title: str, text: str = "", *, save_label: str = "Save") -> None:
        super().__init__()
        self.title_text = title
        self.initial_text = text
        self.save_label = save_label

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-text-box"):
            yield Label(Content(self.title_text), id="edit-text-title")
            yield TextArea(self.initial_text, id="edit-text-area", soft_wrap=True)
            with Horizontal(id="edit-text-buttons"):
                yield Button("Cancel", id="edit-text-cancel-button")
                yield Button(self.save_label, id="edit-text-save-button", variant="primary")
        yield Footer()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def action_save(self) -> None:
        self.dismiss(self.text)

    def action_cancel(self) -> None:
        if self.text == self.initial_text:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog(
                "Discard what you typed?",
                f"{len(self.text)} characters",
                confirm_label="Discard",
                cancel_label="Keep editing",
            ),
            answered,
        )

    def action_external_editor(self) -> None:
        area = self.query_one(TextArea)
        try:
            area.text = edit_externally(self.app, area.text)
        except EditorUnavailable as why:
            self.notify(str(why), title="No editor", severity="warning", markup=False)
        area.focus()

    @on(Button.Pressed, "#edit-text-save-button")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#edit-text-cancel-button")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
