"""`d` on a linked folder in the Files pane downloads the folder, with one progress row."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.tui import make_app, settle, settle_on_work_package, start_download, wait_for

from nep_tui.dialogs.download_folder import DownloadFolderDialog
from nep_tui.widgets.files_pane import FileLinkList
from nep_tui.widgets.transfer_progress import TransferProgress

SIZE = (100, 34)
FOLDER = "Slides drafts"  # the seed's folder link on work package 1, with "Draft v1.pdf"
# A fixed place, so the row's sentence (which names it) is the same in every snapshot.
SNAPSHOT_TARGET = Path("/tmp/nep-tui-snapshot-folder-download")


def _highlight_folder(app) -> None:
    file_list = app.screen.query_one(FileLinkList)
    file_list.focus()
    file_list.highlighted = next(
        i for i, link in enumerate(file_list.section.links) if link.name == FOLDER
    )


async def _download_into(pilot, target: Path) -> None:
    await settle_on_work_package(pilot)
    _highlight_folder(pilot.app)
    await pilot.pause()
    await pilot.press("d")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DownloadFolderDialog)
    pilot.app.screen.query_one("#download-folder").value = str(target)
    await pilot.press("enter")
    await settle(pilot)


async def test_d_on_a_folder_downloads_it_and_a_second_time_keeps_it(
    sandbox, member_token, tmp_path
):
    app = make_app(sandbox.nepenthes_url, member_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await _download_into(pilot, tmp_path)
        draft = tmp_path / FOLDER / "Draft v1.pdf"
        assert draft.read_bytes().startswith(b"%PDF")
        draft.write_bytes(draft.read_bytes())  # same size: kept on the next run
        await _download_into(pilot, tmp_path)
        rows = list(app.screen.query(TransferProgress))
        details = [str(row.query_one(".transfer-detail").render()) for row in rows]
    assert rows[0].title == f"Downloading folder {FOLDER}"
    assert details[0].startswith("Saved 1 file (")
    assert details[1].startswith("Saved 0 files") and "kept 1 already there" in details[1]
    assert [path.name for path in (tmp_path / FOLDER).iterdir()] == ["Draft v1.pdf"]


def test_folder_download_row(snap_compare, sandbox, member_token):
    shutil.rmtree(SNAPSHOT_TARGET, ignore_errors=True)
    SNAPSHOT_TARGET.mkdir()
    app = make_app(sandbox.nepenthes_url, member_token, start_at=1)

    async def download(pilot) -> None:
        await _download_into(pilot, SNAPSHOT_TARGET)

    try:
        assert snap_compare(app, terminal_size=SIZE, run_before=download)
    finally:
        shutil.rmtree(SNAPSHOT_TARGET, ignore_errors=True)


async def test_quitting_during_a_folder_download_leaves_no_part_file(
    sandbox, fault_proxy, member_token, tmp_path
):
    # The folder's file drips in from Nextcloud, so the download is under way at the quit.
    fault_proxy.add("drip", side="nextcloud", path=r"/(direct|remote\.php)/", interval=0.3)
    app = make_app(fault_proxy.nepenthes_url, member_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        _highlight_folder(pilot.app)
        await pilot.pause()
        await start_download(pilot, tmp_path)
        await wait_for(pilot, lambda: any(tmp_path.rglob("*.part")))
        await pilot.press("ctrl+q")
    assert not any(tmp_path.rglob("*.part"))
    assert not (tmp_path / FOLDER / "Draft v1.pdf").exists()  # never saved half
