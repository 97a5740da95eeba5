"""The Files pane of a work package: every state of the seed, and the actions on a file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support.tui import (
    make_app,
    quit_once_the_part_file_is_there,
    settle,
    settle_on_work_package,
    start_download,
)

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.api.models import FileLinkStatus
from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.dialogs.download_folder import DownloadFolderDialog
from nep_tui.widgets.files_pane import FileLinkList, FilesPane

SIZE = (100, 34)


def _file_list(app) -> FileLinkList:
    return app.screen.query_one(FileLinkList)


def _highlight(app, name: str) -> None:
    file_list = _file_list(app)
    file_list.focus()
    index = next(i for i, link in enumerate(file_list.section.links) if link.name == name)
    file_list.highlighted = index


def test_member_sees_every_file_state(snap_compare, sandbox, member_token):
    app = make_app(sandbox.nepenthes_url, member_token, start_at=1)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle_on_work_package)


def test_newcomer_is_asked_to_login_to_nextcloud(snap_compare, sandbox, newcomer_token):
    app = make_app(sandbox.nepenthes_url, newcomer_token, start_at=1)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle_on_work_package)


def test_unreachable_nextcloud_says_so(snap_compare, fresh_sandbox):
    fresh_sandbox.set_faults(nextcloud_unreachable=True)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=1)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle_on_work_package)


async def test_fetching_error_offers_retry(fresh_sandbox):
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        fresh_sandbox.stop()
        pane = app.screen.query_one(FilesPane)
        pane.action_reload()
        await settle(pilot)
        assert app.screen.query(".pane-error")
        assert "could not be fetched" in str(app.screen.query_one(".pane-error").render())
        assert app.screen.query_one("#files-retry")


async def test_deleted_file_cannot_be_selected_and_forbidden_file_has_no_actions(
    sandbox, member_token
):
    app = make_app(sandbox.nepenthes_url, member_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        file_list = _file_list(app)
        statuses = {link.name: link.status for link in file_list.section.links}
        assert statuses["Old agenda.txt"] is FileLinkStatus.NOT_FOUND
        gone = next(
            i for i, link in enumerate(file_list.section.links) if link.name == "Old agenda.txt"
        )
        assert file_list.get_option_at_index(gone).disabled
        # The cursor skips the deleted file.
        file_list.focus()
        file_list.highlighted = gone - 1
        await pilot.press("down")
        assert file_list.highlighted != gone
        _highlight(app, "Salaries.ods")
        await pilot.pause()
        pane = app.screen.query_one(FilesPane)
        for action in ("open_file", "download_file", "show_folder", "unlink_file"):
            assert not pane.check_action(action, ())
        await pilot.press("o")
        assert app.opened_urls == []
        _highlight(app, "Kickoff presentation.pdf")
        await pilot.pause()
        assert pane.check_action("open_file", ())


async def test_open_and_show_folder_hand_the_nextcloud_url_over(sandbox, member_token):
    app = make_app(sandbox.nepenthes_url, member_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        _highlight(app, "Kickoff presentation.pdf")
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        opened, folder = app.opened_urls
        assert opened.startswith(sandbox.nextcloud_url) and "openfile=1" in opened
        assert folder.startswith(sandbox.nextcloud_url) and "openfile=0" in folder


async def test_reload_keeps_the_link_the_user_was_on(sandbox, member_token):
    app = make_app(sandbox.nepenthes_url, member_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        last = _file_list(app).section.links[-1].name
        _highlight(app, last)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.focused is _file_list(app)  # not the comment box, where keys become text
        assert app.screen.query_one(FilesPane).highlighted_link.name == last


async def _link_scratch_file(sandbox, token: str, wp_id: int, name: str) -> int:
    """Link a file of the demo folder to another work package, for tests that unlink it."""
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token)) as client:
        listing = await client.storage_files(1, "/OpenProject")
        folder = next(
            f for f in listing.files if f.is_folder and f.name.startswith("Nepenthes Demo")
        )
        files = (await client.storage_files(1, folder.location)).files
        chosen = next(f for f in files if f.name == name)
        result = await client.create_file_links(wp_id, 1, [chosen])
        return result.linked[0].id


def test_unlink_asks_naming_the_file(snap_compare, sandbox, member_token):
    asyncio.run(_link_scratch_file(sandbox, member_token, 2, "Budget 2026.xlsx"))
    app = make_app(sandbox.nepenthes_url, member_token, start_at=2)

    async def ask(pilot) -> None:
        await settle_on_work_package(pilot)
        _highlight(app, "Budget 2026.xlsx")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)

    assert snap_compare(app, terminal_size=SIZE, run_before=ask)


async def test_unlink_confirmed(sandbox, member_token):
    await _link_scratch_file(sandbox, member_token, 3, "Team photo.png")
    app = make_app(sandbox.nepenthes_url, member_token, start_at=3)
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        _highlight(app, "Team photo.png")
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("n")  # cancel keeps it
        await settle(pilot)
        assert any(link.name == "Team photo.png" for link in _file_list(app).section.links)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not app.screen.query(FileLinkList)
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(member_token)) as client:
        assert [link for link in await client.file_links(3) if link.name == "Team photo.png"] == []
        listing = await client.storage_files(1, "/OpenProject")
        assert listing.files  # the file itself is untouched in Nextcloud (folder still listed)


async def test_download_shows_progress_and_never_clobbers(sandbox, member_token, tmp_path: Path):
    existing = tmp_path / "Kickoff presentation.pdf"
    existing.write_bytes(b"mine, keep me")
    app = make_app(sandbox.nepenthes_url, member_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        _highlight(app, "Kickoff presentation.pdf")
        for expected in ("Kickoff presentation (1).pdf", "Kickoff presentation (2).pdf"):
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, DownloadFolderDialog)
            app.screen.query_one("#download-folder").value = str(tmp_path)
            await pilot.press("enter")
            await settle(pilot)
            assert (tmp_path / expected).read_bytes().startswith(b"%PDF")
        assert existing.read_bytes() == b"mine, keep me"
        assert not list(tmp_path.glob("*.part"))
        details = [str(label.render()) for label in app.screen.query(".transfer-detail")]
        assert any("already existed and was kept" in text for text in details)


async def test_quitting_during_a_download_leaves_no_part_file_and_keeps_the_users_file(
    sandbox, fault_proxy, member_token, tmp_path: Path
):
    existing = tmp_path / "Kickoff presentation.pdf"
    existing.write_bytes(b"mine, keep me")
    # The file drips in from Nextcloud, so the download is still under way when the user quits.
    fault_proxy.add("drip", side="nextcloud", path=r"/direct/", interval=0.3)
    app = make_app(fault_proxy.nepenthes_url, member_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        _highlight(app, "Kickoff presentation.pdf")
        await start_download(pilot, tmp_path)
        await quit_once_the_part_file_is_there(pilot, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["Kickoff presentation.pdf"]
    assert existing.read_bytes() == b"mine, keep me"
