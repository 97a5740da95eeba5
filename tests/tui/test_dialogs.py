"""The small dialogs for changing a work package: a text, one allowed value, a short value."""

from __future__ import annotations

import stat
from pathlib import Path

from textual.app import App
from textual.widgets import Input, Label, OptionList, TextArea

from nep_tui.dialogs.ask_value import AskValueDialog
from nep_tui.dialogs.choose_value import Choice, ChooseValueDialog
from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.dialogs.edit_text import EditTextDialog


class Host(App[None]):
    """An app that shows one dialog and keeps what it was dismissed with."""

    def __init__(self, dialog) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.dialog = dialog
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


async def test_edit_text_saves_what_was_typed():
    app = Host(EditTextDialog("Comment on #1"))
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one(TextArea).insert("Looks **good**\n[b]not bold[/b]")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == ["Looks **good**\n[b]not bold[/b]"]


async def test_edit_text_asks_before_dropping_typed_text():
    app = Host(EditTextDialog("Comment on #1"))
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one(TextArea).insert("half a thought")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, EditTextDialog) and app.results == []
        await pilot.press("escape", "y")
        await pilot.pause()
    assert app.results == [None]


async def test_edit_text_in_the_users_editor(tmp_path, monkeypatch):
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "written in the editor" >> "$1"\n')
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("VISUAL", str(editor))
    app = Host(EditTextDialog("Description", "Start. "))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == "Start. written in the editor"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert app.results == ["Start. written in the editor"]
    assert not list(Path(editor.parent).glob("nep-tui-*"))


async def test_edit_text_without_an_editor_says_so(monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app = Host(EditTextDialog("Description", "kept"))
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == "kept"
        assert any("$EDITOR" in str(n.message) for n in app._notifications)


async def test_choose_value_offers_only_the_choices_and_narrows_by_typing():
    choices = [
        Choice("New", 1, current=True),
        Choice("In progress", 7),
        Choice("[b]Closed[/b]", 12),
    ]
    app = Host(ChooseValueDialog("Status of #1", choices))
    async with app.run_test() as pilot:
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert options.option_count == 3 and options.highlighted == 0
        assert "[b]Closed[/b]" in str(options.get_option_at_index(2).prompt)
        await pilot.press(*"prog")
        await pilot.pause()
        assert options.option_count == 1
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [choices[1]]


async def test_choose_value_says_when_nothing_matches():
    app = Host(ChooseValueDialog("Assignee", [Choice("Member Person", 2)]))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press(*"zzz", "enter")
        await pilot.pause()
        assert "Nothing allowed matches" in str(
            app.screen.query_one("#choose-none", Label).render()
        )
        assert app.results == []
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_ask_value_checks_before_it_answers():
    def date_or_empty(value: str) -> str | None:
        import datetime

        if not value:
            return None
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return "Type a date as YYYY-MM-DD, or nothing to clear it."
        return None

    app = Host(AskValueDialog("Due date", "2026-01-31", check=date_or_empty))
    async with app.run_test() as pilot:
        await pilot.pause()
        field = app.screen.query_one(Input)
        field.value = "31.01.2026"
        await pilot.press("enter")
        await pilot.pause()
        assert "YYYY-MM-DD" in str(app.screen.query_one("#ask-problem", Label).render())
        field.value = "2026-02-28"
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == ["2026-02-28"]
