"""The Nextcloud side: a file's work packages, linking it to another one, unlinking it."""

from __future__ import annotations

from support.tui import make_app, push_and_settle, settle

from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.screens.storage_browser import StorageBrowserScreen
from nep_tui.widgets.storage_file_list import StorageFileList

SIZE = (110, 30)
DEMO_FOLDER = "/OpenProject/Nepenthes Demo (1)"


async def _highlight(pilot, name: str) -> None:
    files = pilot.app.screen.query_one(StorageFileList)
    await pilot.press(*name.lower()[:6])
    await settle(pilot)
    assert files.highlighted is not None and files.highlighted.name == name


def _linked_ids(screen) -> list[int]:
    return [wp.id for wp in screen.linked]


async def test_see_link_and_unlink_work_packages_of_a_file(fresh_sandbox):
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await push_and_settle(
            pilot, StorageBrowserScreen(1, project_id=1, start_location=DEMO_FOLDER)
        )
        screen = app.screen
        await _highlight(pilot, "Kickoff presentation.pdf")
        assert _linked_ids(screen) == [1]
        await pilot.press("ctrl+l", *"#2", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert _linked_ids(screen) == [1, 2]
        linked = screen.query_one("#browser-linked")
        linked.focus()
        linked.highlighted = 1
        await pilot.pause()
        await pilot.press("ctrl+x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert _linked_ids(screen) == [1]


async def test_create_a_work_package_and_link_the_file(fresh_sandbox):
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await push_and_settle(
            pilot, StorageBrowserScreen(1, project_id=1, start_location=DEMO_FOLDER)
        )
        screen = app.screen
        await _highlight(pilot, "Meeting notes.md")
        before = _linked_ids(screen)
        await pilot.press("ctrl+n", *"Review notes", "enter")
        await settle(pilot)
        assert len(_linked_ids(screen)) == len(before) + 1
        assert "Review notes" in [wp.subject for wp in screen.linked]


def test_storage_browser_snapshot(snap_compare, fresh_sandbox):
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token)

    async def open_browser(pilot) -> None:
        await settle(pilot)
        await push_and_settle(
            pilot, StorageBrowserScreen(1, project_id=1, start_location=DEMO_FOLDER)
        )
        await _highlight(pilot, "Kickoff presentation.pdf")

    assert snap_compare(app, terminal_size=SIZE, run_before=open_browser)


async def test_download_a_folder_or_a_file_from_the_browser(sandbox, member_token, tmp_path):
    from nep_tui.dialogs.download_folder import DownloadFolderDialog
    from nep_tui.widgets.transfer_progress import TransferProgress

    app = make_app(sandbox.nepenthes_url, member_token)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await push_and_settle(pilot, StorageBrowserScreen(1, project_id=1, start_location="/"))
        browser = app.screen
        await _highlight(pilot, "OpenProject")
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, DownloadFolderDialog)
        app.screen.query_one("#download-folder").value = str(tmp_path)
        await pilot.press("enter")
        await settle(pilot)
        [row] = browser.query(TransferProgress)
        detail = str(row.query_one(".transfer-detail").render())
    assert detail.startswith("Saved "), detail
    demo = tmp_path / "OpenProject" / "Nepenthes Demo (1)"
    assert (demo / "Slides drafts" / "Draft v1.pdf").read_bytes().startswith(b"%PDF")
    assert (demo / "Kickoff presentation.pdf").is_file()
    # what member may not see is not there; the research project's folder is hidden from them
    assert not (demo / "Salaries.ods").exists()
    assert not list(tmp_path.rglob("*.part"))
