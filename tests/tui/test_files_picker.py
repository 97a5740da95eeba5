"""The folder picker: where it opens, the breadcrumb, filtering, order, unreadable files."""

from __future__ import annotations

from support.tui import make_app, make_folders, push_and_settle, settle

from nep_tui.screens.folder_picker import FolderPickerScreen, PickerPurpose
from nep_tui.widgets.breadcrumb import Breadcrumb, Crumb, collapse
from nep_tui.widgets.storage_file_list import StorageFileList, parent_location

SIZE = (90, 26)
DEEP = "/Deep/Level 2/Level 3/Level 4/Level 5/Level 6/Level 7"


def test_collapse_keeps_root_parent_and_current():
    levels = [Crumb(name, f"/{name}") for name in ["Root", "a", "b", "c", "d", "e", "f", "g"]]
    shown = [crumb.name for crumb in collapse(levels)]
    assert shown == ["Root", "…", "e", "f", "g"]
    assert [c.name for c in collapse(levels[:4])] == ["Root", "a", "b", "c"]


def test_parent_location():
    assert parent_location("/a/b") == "/a"
    assert parent_location("/a") == "/"
    assert parent_location("/") == "/"


def test_breadcrumb_collapses_seven_levels_deep(snap_compare, fresh_sandbox):
    make_folders(fresh_sandbox, "member", DEEP)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token)

    async def open_deep(pilot) -> None:
        await settle(pilot)
        await push_and_settle(
            pilot, FolderPickerScreen(1, purpose=PickerPurpose.CHOOSE_FOLDER, start_location=DEEP)
        )
        crumbs = pilot.app.screen.query_one(Breadcrumb)
        assert len(crumbs.levels) == 8

    assert snap_compare(app, terminal_size=SIZE, run_before=open_deep)


async def test_parent_and_root_are_one_key_away(fresh_sandbox):
    make_folders(fresh_sandbox, "member", DEEP)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await push_and_settle(
            pilot, FolderPickerScreen(1, purpose=PickerPurpose.CHOOSE_FOLDER, start_location=DEEP)
        )
        files = app.screen.query_one(StorageFileList)
        await pilot.press("backspace")
        await settle(pilot)
        assert files.location == DEEP.rsplit("/", 1)[0]
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert files.location == "/"


async def test_opens_at_the_project_folder_sorted_and_filtered(sandbox, member_token):
    app = make_app(sandbox.nepenthes_url, member_token)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await push_and_settle(
            pilot, FolderPickerScreen(1, purpose=PickerPurpose.LINK_FILES, project_id=1)
        )
        files = app.screen.query_one(StorageFileList)
        assert files.location.startswith("/OpenProject/Nepenthes Demo")
        names = [entry.name for entry in files.shown]
        folders = [entry.name for entry in files.shown if entry.is_folder]
        assert names[: len(folders)] == folders  # folders first
        assert [n.casefold() for n in names[len(folders) :]] == sorted(
            n.casefold() for n in names[len(folders) :]
        )
        await pilot.press("b", "u", "d")
        assert [entry.name for entry in files.shown] == ["Budget 2026.xlsx"]
        await pilot.press("backspace", "backspace", "backspace")
        assert len(files.shown) == len(names)


def test_picker_at_the_project_folder(snap_compare, fresh_sandbox):
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token)

    async def open_picker(pilot) -> None:
        await settle(pilot)
        await push_and_settle(
            pilot, FolderPickerScreen(1, purpose=PickerPurpose.LINK_FILES, project_id=1)
        )
        await pilot.press("down", "down", "space")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_picker)
