"""The steps of the two-sided Nextcloud setup, each with its state, for the setup wizard."""

from __future__ import annotations

from typing import Literal

from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

StepState = Literal["pending", "running", "done", "failed"]
MARKS: dict[StepState, str] = {"pending": "·", "running": "…", "done": "✓", "failed": "✗"}


class SetupSteps(Vertical):
    """One line a step: its mark, its name and its state in words (styled by its class)."""

    DEFAULT_CSS = """
    SetupSteps {
        height: auto;
    }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.states: dict[str, StepState] = {}

    async def show_steps(self, names: list[str]) -> None:
        self.states = dict.fromkeys(names, "pending")
        await self.remove_children()
        await self.mount_all(Static(classes="setup-step") for _ in names)
        self._render_steps()

    def start(self, name: str) -> None:
        """`name` runs now; the one that ran before it is done."""
        for step, state in self.states.items():
            if state == "running":
                self.states[step] = "done"
        self.states[name] = "running"
        self._render_steps()

    def finish(self, *, failed: bool) -> None:
        for step, state in self.states.items():
            if state == "running":
                self.states[step] = "failed" if failed else "done"
        self._render_steps()

    def state_of(self, name: str) -> StepState:
        return self.states[name]

    def _render_steps(self) -> None:
        lines = self.query(".setup-step").results(Static)
        for line, (name, state) in zip(lines, self.states.items(), strict=True):
            line.update(Content(f"{MARKS[state]} {name} ({state})"))
            for other in MARKS:
                line.set_class(other == state, f"-{other}")
