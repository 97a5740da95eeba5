"""Snapshots of the dialogs that change a work package, with server text that must stay inert."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input, TextArea

from nep_tui.dialogs.ask_value import AskValueDialog
from nep_tui.dialogs.choose_value import Choice, ChooseValueDialog
from nep_tui.dialogs.edit_text import EditTextDialog

HOSTILE = "[b]bold?[/b] \x1b[31mred?\x1b[0m [@click=app.quit]quit[/]"


class Host(App[None]):
    def __init__(self, dialog) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


def test_comment_box(snap_compare):
    async def type_comment(pilot) -> None:
        await pilot.pause()
        pilot.app.screen.query_one(TextArea).insert(f"**Looks good**, @Member Person\n{HOSTILE}")
        await pilot.pause()

    app = Host(EditTextDialog("Comment on Task #1 · Kickoff"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=type_comment)


def test_choose_status(snap_compare):
    choices = [Choice("New", 1, current=True), Choice("In progress", 7), Choice(HOSTILE, 9)]
    app = Host(ChooseValueDialog("Status of #1", choices))
    assert snap_compare(app, terminal_size=(80, 24))


def test_ask_due_date_with_a_problem(snap_compare):
    async def type_bad_date(pilot) -> None:
        await pilot.pause()
        pilot.app.screen.query_one(Input).value = "31.01.2026"
        await pilot.press("enter")
        await pilot.pause()

    app = Host(
        AskValueDialog(
            "Due date of #1",
            hint="YYYY-MM-DD; empty clears it.",
            check=lambda _value: "Type a date as YYYY-MM-DD, or nothing to clear it.",
        )
    )
    assert snap_compare(app, terminal_size=(80, 24), run_before=type_bad_date)
