"""A yes/no question that names the thing it is about, e.g. before unlinking or deleting."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label


class ConfirmDialog(ModalScreen[bool]):
    """Ask before something that cannot be undone. Dismisses with True only on an explicit yes.

    ``subject`` is server text (a file name, a work package subject) and is always shown as
    plain text, never as markup.
    """

    DEFAULT_CSS = """
    ConfirmDialog {
        align: center middle;
    }
    ConfirmDialog > Vertical {
        width: auto;
        min-width: 40;
        max-width: 80%;
        height: auto;
        max-height: 80%;
        border: thick $error 60%;
        background: $surface;
        padding: 1 2;
    }
    ConfirmDialog #confirm-question {
        text-style: bold;
        width: 100%;
    }
    ConfirmDialog #confirm-subject {
        width: 100%;
        max-height: 6;
        margin: 1 0 0 0;
        color: $text-accent;
    }
    ConfirmDialog #confirm-detail {
        width: 100%;
        margin: 1 0 0 0;
        color: $text-muted;
    }
    ConfirmDialog Horizontal {
        width: 100%;
        height: auto;
        align-horizontal: right;
        margin: 1 0 0 0;
    }
    ConfirmDialog Button {
        margin: 0 0 0 2;
    }
    """

    BINDINGS = [
        Binding("escape,n", "answer(False)", "Cancel", id="confirm-cancel", tooltip="Keep it."),
        Binding("y", "answer(True)", "Yes", id="confirm-yes", tooltip="Go ahead."),
    ]

    def __init__(
        self,
        question: str,
        subject: str,
        *,
        detail: str = "",
        confirm_label: str = "Yes",
        cancel_label: str = "Cancel",
        destructive: bool = True,
    ) -> None:
        super().__init__()
        self.question = question
        self.subject = subject
        self.detail = detail
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.question), id="confirm-question")
            yield Label(Content(self.subject), id="confirm-subject")
            if self.detail:
                yield Label(Content(self.detail), id="confirm-detail")
            with Horizontal():
                yield Button(self.cancel_label, id="confirm-no", variant="default")
                yield Button(
                    self.confirm_label,
                    id="confirm-yes",
                    variant="error" if self.destructive else "primary",
                )
        # The dialog's keys (y, n) are said where every screen says its keys.
        yield Footer()

    def on_mount(self) -> None:
        # Focus "cancel" so an absent-minded Enter does not delete anything.
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
