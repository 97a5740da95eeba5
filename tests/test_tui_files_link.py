"""Link existing files from the picker: 1, 20 and 45 files (the API sends batches of 20)."""

from __future__ import annotations


import pytest

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.screens.folder_picker import FolderPickerScreen
from nep_tui.screens.link_report import LinkFilesScreen
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.storage_file_list import StorageFileList
from test_tui_files_support import make_app, put_files, settle

SIZE = (100, 34)
FOLDER = "/Linkable"
NAMES = [f"report-{index:02d}.txt" for index in range(1, 46)]


async def _linked_names(sandbox, wp_id: int) -> list[str]:
    token = sandbox.user("member").api_token
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token)) as client:
        return sorted(link.name for link in await client.file_links(wp_id))


async def _mark_and_link(pilot, count: int) -> None:
    app = pilot.app
    await settle(pilot)
    assert isinstance(app.screen, WorkPackageScreen)
    await pilot.press("l")
    await settle(pilot)
    assert isinstance(app.screen, FolderPickerScreen)
    await pilot.press("ctrl+t")
    await settle(pilot)
    await pilot.press(*"linkable", "enter")
    await settle(pilot)
    assert app.screen.query_one(StorageFileList).location == FOLDER
    await pilot.press(*["space"] * count)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(app.screen, LinkFilesScreen)


@pytest.mark.parametrize("count", [1, 20, 45])
async def test_link_existing_files(fresh_sandbox, count):
    put_files(fresh_sandbox, "member", FOLDER, NAMES)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _mark_and_link(pilot, count)
        screen = app.screen
        assert len(screen.linked_names) == count and screen.failed == []
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WorkPackageScreen)
    assert await _linked_names(fresh_sandbox, 2) == NAMES[:count]


def test_link_report_snapshot(snap_compare, fresh_sandbox):
    put_files(fresh_sandbox, "member", FOLDER, NAMES[:3])
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)

    async def link_three(pilot) -> None:
        await _mark_and_link(pilot, 3)

    assert snap_compare(app, terminal_size=SIZE, run_before=link_three)
