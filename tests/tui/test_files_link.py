"""Link existing files from the picker: 1, 20 and 45 files (the API sends batches of 20), and
a batch the server fails (the sandbox's `file_link_failures`), then "Retry the rest"."""

from __future__ import annotations

import pytest
from support.tui import make_app, put_files, settle, wait_for
from textual.widgets import Button, Label, ProgressBar

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.screens.folder_picker import FolderPickerScreen
from nep_tui.screens.link_report import LinkFilesScreen
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.storage_file_list import StorageFileList
from nep_tui.widgets.storage_file_table import StorageFileTable

SIZE = (100, 34)
FOLDER = "/Linkable"
NAMES = [f"report-{index:02d}.txt" for index in range(1, 46)]


async def _linked_names(sandbox, wp_id: int) -> list[str]:
    token = sandbox.user("member").api_token
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token)) as client:
        return sorted(link.name for link in await client.file_links(wp_id))


async def _mark(pilot, count: int) -> None:
    """Open the picker from the work package, go to FOLDER and mark its first `count` files."""
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


async def _mark_and_link(pilot, count: int) -> None:
    await _mark(pilot, count)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LinkFilesScreen)


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


FIRST_BATCH, REST = NAMES[:20], NAMES[20:]


def _assert_first_batch_not_linked(screen: LinkFilesScreen) -> None:
    """The report after the server failed the first batch of 20 and linked the other 25."""
    assert sorted(screen.linked_names) == REST
    assert [file.name for file in screen.failed] == FIRST_BATCH
    assert screen.query_one("#link-retry-button", Button).display
    assert screen.query_one("#link-failed", Label).display
    assert screen.check_action("retry_rest", ()) is True
    linked = str(screen.query_one("#link-linked", Label).content)
    not_linked = str(screen.query_one("#link-failed", Label).content)
    assert linked.startswith("Linked (25):")
    assert not_linked.startswith("Not linked (20): The server had an internal error")
    assert not_linked.count("internal error") == 1  # the batch's one reason, said once
    assert all(name in linked and name not in not_linked for name in REST)
    assert all(name in not_linked and name not in linked for name in FIRST_BATCH)


def _assert_all_linked(screen: LinkFilesScreen) -> None:
    assert sorted(screen.linked_names) == NAMES and screen.failed == []
    assert not screen.query_one("#link-retry-button", Button).display
    assert screen.check_action("retry_rest", ()) is False
    assert not screen.query_one("#link-failed", Label).display


async def test_retry_the_rest_until_the_failed_batch_is_linked(fresh_sandbox):
    put_files(fresh_sandbox, "member", FOLDER, NAMES)
    fresh_sandbox.set_faults(file_link_failures=1)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _mark_and_link(pilot, len(NAMES))
        screen = app.screen
        _assert_first_batch_not_linked(screen)
        assert await _linked_names(fresh_sandbox, 2) == REST
        # The counter counts requests, and the retry is one request (20 files): a count of 2
        # from the start would have failed the second batch of the first run instead.
        fresh_sandbox.set_faults(file_link_failures=1)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen is screen
        _assert_first_batch_not_linked(screen)
        assert await _linked_names(fresh_sandbox, 2) == REST
        await pilot.click("#link-retry-button")
        await settle(pilot)
        _assert_all_linked(screen)
    assert await _linked_names(fresh_sandbox, 2) == NAMES


def test_partial_failure_report_snapshot(snap_compare, fresh_sandbox):
    # 25 files, not 45: 20 not linked and the start of the linked list fit on one screen.
    put_files(fresh_sandbox, "member", FOLDER, NAMES[:25])
    fresh_sandbox.set_faults(file_link_failures=1)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)

    async def link_all(pilot) -> None:
        await _mark_and_link(pilot, 25)

    assert snap_compare(app, terminal_size=SIZE, run_before=link_all)


async def test_files_already_linked_say_so_and_are_not_marked(fresh_sandbox):
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        files = app.screen.query_one(StorageFileList)
        assert files.location == "/OpenProject/Nepenthes Demo (1)"
        table = files.query_one(StorageFileTable)
        lines = [strip.text for strip in (table.render_line(y) for y in range(table.size.height))]
        assert any("Kickoff presentation.pdf  (linked)" in line for line in lines)
        assert any("Meeting notes.md" in line and "(linked)" not in line for line in lines)
        table.cursor_row = next(
            index
            for index, file in enumerate(files.shown)
            if file.name == "Kickoff presentation.pdf"
        )
        await pilot.press("space")
        await pilot.pause()
        assert files.marked == {}
        # Textual keeps the toasts it shows in App._notifications (no public reader).
        said = [str(toast.message) for toast in app._notifications]
        assert any("Kickoff presentation.pdf is already linked" in text for text in said)


async def test_stop_links_no_more_batches_and_the_rest_can_be_retried(fresh_sandbox):
    put_files(fresh_sandbox, "member", FOLDER, NAMES)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _mark(pilot, len(NAMES))
        fresh_sandbox.set_faults(delay_ms=400)  # every batch takes a while: time to press escape
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkFilesScreen))
        screen = app.screen
        bar = screen.query_one("#link-progress").query_one(ProgressBar)
        await wait_for(pilot, lambda: (bar.progress or 0) >= 20)
        await pilot.press("escape")  # Stop, not Close: the screen stays
        await settle(pilot)
        assert app.screen is screen and not screen.running
        linked, stopped = list(screen.linked_names), list(screen.failed)
        assert 20 <= len(linked) < len(NAMES) and len(linked) + len(stopped) == len(NAMES)
        assert "You stopped before this was done." in str(
            screen.query_one("#link-failed", Label).content
        )
        assert sorted(await _linked_names(fresh_sandbox, 2)) == sorted(linked)
        fresh_sandbox.set_faults(delay_ms=0)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert screen.failed == []
    assert await _linked_names(fresh_sandbox, 2) == NAMES
