"""Choose one of the values the server allows (a status, an assignee, a priority), typing to
narrow the list: only what is offered can be chosen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from nep_tui.formatting import plain

V = TypeVar("V")


@dataclass(frozen=True)
class Choice(Generic[V]):
    label: str
    """Server text (a name); shown as plain text."""
    value: V
    current: bool = False


class ChooseValueDialog(ModalScreen[Choice[V] | None], Generic[V]):
    """Dismisses with the chosen `Choice`, or None when cancelled."""

    CSS_PATH = "choose_value.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="choose-cancel", tooltip="Keep the value."),
        Binding("down", "to_list", "List", show=False, id="choose-to-list", tooltip="To the list."),
    ]

    def __init__(self, title: str, choices: Sequence[Choice[V]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.shown: list[Choice[V]] = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(id="choose-box"):
            yield Label(Content(self.title_text), id="choose-title")
            yield Input(placeholder="Type to narrow the list…", id="choose-filter")
            yield OptionList(id="choose-options")
            yield Label(id="choose-none")
        yield Footer()

    def on_mount(self) -> None:
        self._show("")
        current = next((i for i, choice in enumerate(self.shown) if choice.current), 0)
        self.query_one(OptionList).highlighted = current if self.shown else None

    def _show(self, needle: str) -> None:
        folded = needle.strip().casefold()
        self.shown = [c for c in self.choices if folded in plain(c.label).casefold()]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(Content(plain(c.label) + ("  (current)" if c.current else "")))
            for c in self.shown
        )
        if self.shown:
            options.highlighted = 0
        self.query_one("#choose-none", Label).update(
            "" if self.shown else f"Nothing allowed matches “{needle.strip()}”."
        )

    @on(Input.Changed, "#choose-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    @on(Input.Submitted, "#choose-filter")
    def _filter_submitted(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None and self.shown:
            self.dismiss(self.shown[highlighted])

    @on(OptionList.OptionSelected, "#choose-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
