"""Ask for one short value (a subject, a date, a percentage), checked before it is sent."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label

Check = Callable[[str], str | None]
"""The problem with a typed value as a sentence, or None when it is fine."""


def no_check(_value: str) -> str | None:
    return None


class AskValueDialog(ModalScreen[str | None]):
    """Dismisses with the typed value once `check` accepts it, or None when cancelled."""

    CSS_PATH = "ask_value.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="ask-cancel", tooltip="Keep the value."),
    ]

    def __init__(
        self,
        title: str,
        value: str = "",
        *,
        hint: str = "",
        check: Check = no_check,
        password: bool = False,
    ) -> None:
        """`password`: the typed value is masked (a secret: never shown, logged or stored)."""
        super().__init__()
        self.password = password
        self.title_text = title
        self.initial_value = value
        self.hint = hint
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Label(Content(self.title_text), id="ask-title")
            yield Input(self.initial_value, id="ask-input", password=self.password)
            yield Label(Content(self.hint), id="ask-hint")
            yield Label(id="ask-problem")
        yield Footer()

    @on(Input.Submitted, "#ask-input")
    def _submitted(self, event: Input.Submitted) -> None:
        problem = self.check(event.value)
        if problem is None:
            self.dismiss(event.value)
        else:
            self.query_one("#ask-problem", Label).update(Content(problem))

    def action_cancel(self) -> None:
        self.dismiss(None)
