"""Someone else saved the work package first: show what they changed, then re-apply or drop
one's own change. Nothing of it was saved yet, so either answer is safe."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Label

from nep_tui.api.activity import WorkPackageConflict
from nep_tui.formatting import plain


def server_change_lines(conflict: WorkPackageConflict) -> list[str]:
    """One plain line per change the server got meanwhile, with who made it."""
    lines = [
        f"{plain(activity.user_name or 'Someone')}: {plain(sentence)}"
        for activity in conflict.server_changes
        for sentence in [*activity.plain_details, *(["commented"] if activity.comment else [])]
    ]
    return lines or ["It was saved again, with no field changed."]


class ConflictDialog(ModalScreen[bool]):
    """Dismisses with True to re-apply one's change on top of the server's state, else False."""

    CSS_PATH = "conflict.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Re-apply mine", id="conflict-reapply", tooltip="Save it."),
        Binding(
            "escape,n",
            "answer(False)",
            "Drop mine",
            id="conflict-drop",
            tooltip="Keep what the server has.",
        ),
    ]

    def __init__(self, conflict: WorkPackageConflict, mine: str) -> None:
        super().__init__()
        self.conflict = conflict
        self.mine = mine

    def compose(self) -> ComposeResult:
        with Vertical(id="conflict-box"):
            yield Label(
                Content(f"#{self.conflict.current.display_id} was changed meanwhile"),
                id="conflict-title",
            )
            yield Label(Content(f"Your change (not saved): {self.mine}"), id="conflict-mine")
            yield Label("On the server since you loaded it:", id="conflict-theirs-title")
            with VerticalScroll(id="conflict-theirs"):
                for line in server_change_lines(self.conflict):
                    yield Label(Content(f"• {line}"), classes="conflict-change")
            with Horizontal(id="conflict-buttons"):
                yield Button("Drop mine", id="conflict-drop-button")
                yield Button("Re-apply mine", id="conflict-reapply-button", variant="primary")
        yield Footer()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "conflict-reapply-button")

    def action_answer(self, reapply: bool) -> None:
        self.dismiss(reapply)
