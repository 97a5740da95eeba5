"""Upload and link: pasted paths, the destination picker, name clashes, 413 and 507, cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.tui import make_app, settle, wait_for
from textual import events
from textual.widgets import DirectoryTree, ProgressBar

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.dialogs.name_exists import NameExistsDialog
from nep_tui.screens.folder_picker import FolderPickerScreen
from nep_tui.screens.upload import UploadScreen
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.local_path_input import LocalPathInput
from nep_tui.widgets.transfer_progress import TransferProgress

SIZE = (100, 34)
PROJECT_FOLDER = "/OpenProject/Nepenthes Demo (1)"  # work package 2's project folder


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fixed, small home folder so the local file tree is the same on every machine."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def _file(folder: Path, name: str, size: int = 20) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    return path


async def _open_upload(pilot) -> UploadScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WorkPackageScreen)
    await pilot.press("u")
    await settle(pilot)
    assert isinstance(pilot.app.screen, UploadScreen)
    return pilot.app.screen


async def _choose_files(pilot, text: str) -> None:
    (await _open_upload(pilot)).query_one(LocalPathInput).focus()
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def _open_folder_picker(pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FolderPickerScreen)


async def _upload_to_project_folder(pilot) -> None:
    await _open_folder_picker(pilot)
    await pilot.press("ctrl+s")
    await settle(pilot)


async def _until_asked(pilot) -> None:
    """Start uploading a clashing name to the project folder; wait for the question."""
    await _open_folder_picker(pilot)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, NameExistsDialog))


def _detail(row: TransferProgress) -> str:
    return str(row.query_one(".transfer-detail").render())


def _rows(app) -> list[TransferProgress]:
    return [row for row in app.screen.query(TransferProgress) if row.id != "upload-batch"]


def _outcomes(app) -> list[str]:
    return [_detail(row) for row in _rows(app)]


def _batch_outcome(app) -> str:
    return _detail(app.screen.query_one("#upload-batch", TransferProgress))


def _escape_reads(app) -> str:
    """What the footer offers for escape."""
    return app.screen.active_bindings["escape"].binding.description


def _looks_complete(row: TransferProgress) -> bool:
    bar = row.query_one(ProgressBar)
    return bar.display and bar.percentage == 1


async def _links(sandbox, wp_id: int) -> list[str]:
    token = sandbox.user("member").api_token
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token)) as client:
        return sorted(link.name for link in await client.file_links(wp_id))


async def _folder_sizes(sandbox) -> dict[str, int]:
    """Name → size of what member sees in the project folder in Nextcloud."""
    token = sandbox.user("member").api_token
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token)) as client:
        listing = await client.storage_files(1, PROJECT_FOLDER)
    return {file.name: file.size for file in listing.files}


async def test_upload_and_link_pasted_files(fresh_sandbox, home):
    first, second = _file(home, "Minutes 1.txt"), _file(home, "plan.md")
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _choose_files(pilot, f"'{first}'\nfile://{second}\n{home / 'missing.txt'}")
        assert app.screen.query_one("ChosenFiles").paths == [first, second]
        assert "missing.txt does not exist" in str(app.screen.query_one("#path-problems").render())
        await _upload_to_project_folder(pilot)
        assert _outcomes(app) == [
            "Minutes 1.txt uploaded and linked.",
            "plan.md uploaded and linked.",
        ]
        # Nothing is left to cancel once the batch has ended.
        assert _escape_reads(app) == "Close"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WorkPackageScreen)
    assert await _links(fresh_sandbox, 2) == ["Minutes 1.txt", "plan.md"]


async def test_a_file_dragged_in_is_taken_wherever_the_focus_is(fresh_sandbox, home):
    dragged = _file(home, "dragged in.txt")
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_upload(pilot)
        assert isinstance(app.focused, DirectoryTree)  # where the screen puts it first
        app.post_message(events.Paste(f"'{dragged}' {home}"))
        await pilot.pause()
        assert screen.query_one("ChosenFiles").paths == [dragged]
        assert "is a folder" in str(screen.query_one("#path-problems").render())


async def test_a_typed_path_counts_without_enter_and_a_wrong_one_stays_to_correct(
    fresh_sandbox, home
):
    typed = _file(home, "typed.txt")
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        path_input = (await _open_upload(pilot)).query_one(LocalPathInput)
        path_input.focus()
        await pilot.press(*f"{home}/typo.txt", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, UploadScreen)  # not on to the folder picker
        assert "typo.txt does not exist" in str(app.screen.query_one("#path-problems").render())
        assert path_input.value == f"{home}/typo.txt"
        path_input.value = str(typed)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FolderPickerScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("ChosenFiles").paths == [typed]


async def test_a_file_removed_after_it_was_chosen_fails_alone(fresh_sandbox, home):
    removed, kept = _file(home, "removed.txt"), _file(home, "kept.txt")
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _choose_files(pilot, f"{removed}\n{kept}")
        removed.unlink()
        await _upload_to_project_folder(pilot)
        assert _outcomes(app) == [
            f"removed.txt was not uploaded: {removed} is not a readable file."
            " Check the path and try again.",
            "kept.txt uploaded and linked.",
        ]
    assert await _links(fresh_sandbox, 2) == ["kept.txt"]


@pytest.mark.parametrize(
    ("key", "expected_link"),
    [
        ("o", "Budget 2026.xlsx"),
        ("k", None),  # a new name chosen by Nextcloud
        ("s", ""),
    ],
)
async def test_existing_name_overwrite_keep_both_or_skip(fresh_sandbox, home, key, expected_link):
    clash = _file(home, "Budget 2026.xlsx", 30)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _choose_files(pilot, str(clash))
        await _until_asked(pilot)
        await pilot.press(key)
        await settle(pilot)
        (outcome,) = _outcomes(app)
    links = await _links(fresh_sandbox, 2)
    if expected_link == "":
        assert outcome.startswith("Skipped Budget 2026.xlsx") and links == []
    elif expected_link is None:
        (name,) = links
        assert name != "Budget 2026.xlsx" and name.startswith("Budget 2026") and " as " in outcome
    else:
        assert outcome == "Budget 2026.xlsx replaced and linked." and links == [expected_link]


def test_name_exists_dialog_snapshot(snap_compare, fresh_sandbox, home):
    clash = _file(home, "Budget 2026.xlsx", 30)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)

    async def until_asked(pilot) -> None:
        await _choose_files(pilot, str(clash))
        await _until_asked(pilot)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=until_asked)


def test_too_large_is_explained_and_does_not_stop_the_others(snap_compare, fresh_sandbox, home):
    fresh_sandbox.set_faults(upload_limit_bytes=50)
    big, small = _file(home, "big.bin", 500), _file(home, "small.txt", 10)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)

    async def upload(pilot) -> None:
        await _choose_files(pilot, f"{big} {small}")
        await _upload_to_project_folder(pilot)
        outcomes = _outcomes(app)
        assert outcomes[0].startswith("big.bin is larger than the server accepts")
        assert outcomes[1] == "small.txt uploaded and linked."

    assert snap_compare(app, terminal_size=SIZE, run_before=upload)


async def test_quota_exceeded_is_explained(fresh_sandbox, home):
    fresh_sandbox.set_faults(quota_bytes={"member": 1})
    path = _file(home, "report.txt", 200)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _choose_files(pilot, str(path))
        await _upload_to_project_folder(pilot)
        assert _outcomes(app) == [
            "There is not enough storage quota left for report.txt, so it was not uploaded."
        ]
        # Nextcloud answers 507 only after reading the whole file, so the bar had reached the end.
        (row,) = _rows(app)
        assert not _looks_complete(row)
        assert not _looks_complete(app.screen.query_one("#upload-batch", TransferProgress))
    assert await _links(fresh_sandbox, 2) == []


async def _cancel_slow_batch(pilot, sandbox, paths: list[Path], when) -> tuple[list[str], str]:
    """Upload `paths` to the project folder with every answer delayed, press escape as soon as
    `when(rows)` holds, and leave the screen; returns the rows' and the batch's outcomes."""
    app = pilot.app
    await _choose_files(pilot, " ".join(str(path) for path in paths))
    await _open_folder_picker(pilot)
    # With each answer waiting, every step of a file lasts long enough for escape to land
    # inside it: the test picks the step with `when` instead of racing the clock.
    sandbox.set_faults(delay_ms=600)
    await pilot.press("ctrl+s")
    rows = _rows(app)
    await wait_for(pilot, lambda: when(rows))
    assert _outcomes(app)[0] == f"{paths[0].name} uploaded and linked."
    assert _escape_reads(app) == "Cancel"
    await pilot.press("escape")
    await settle(pilot)
    outcomes, batch = _outcomes(app), _batch_outcome(app)
    assert _escape_reads(app) == "Close"
    sandbox.set_faults(reset=True)
    await pilot.press("escape")
    await settle(pilot)
    assert isinstance(app.screen, WorkPackageScreen)
    return outcomes, batch


async def test_cancel_midway_leaves_finished_files_linked_and_nothing_half_done(
    fresh_sandbox, home
):
    first, last = _file(home, "first.txt"), _file(home, "last.txt")
    # Larger than the socket buffers: the client cannot finish sending it while Nextcloud waits.
    middle = _file(home, "middle.bin", 32 * 1024 * 1024)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        outcomes, batch = await _cancel_slow_batch(
            pilot,
            fresh_sandbox,
            [first, middle, last],
            when=lambda rows: _detail(rows[1]) != "waiting…",
        )
    links, sizes = await _links(fresh_sandbox, 2), await _folder_sizes(fresh_sandbox)
    assert "first.txt" in links and sizes["first.txt"] == first.stat().st_size
    # Linked only when it arrived whole; not linked, it is either gone or whole (never a part).
    if "middle.bin" in links:
        assert outcomes[1] == "middle.bin uploaded and linked."
    else:
        assert outcomes[1] == "Cancelled: not linked."
    assert sizes.get("middle.bin", middle.stat().st_size) == middle.stat().st_size
    assert "last.txt" not in links and "last.txt" not in sizes
    assert outcomes[2] == "Cancelled: not uploaded."
    assert batch.startswith("Cancelled: ")


async def test_cancel_while_linking_waits_for_the_link(fresh_sandbox, home):
    first, middle, last = (
        _file(home, "first.txt"),
        _file(home, "middle.txt"),
        _file(home, "last.txt"),
    )
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        outcomes, batch = await _cancel_slow_batch(
            pilot,
            fresh_sandbox,
            [first, middle, last],
            when=lambda rows: _detail(rows[1]) == "Uploaded, linking…",
        )
        # The screen reported only once the link it waited for was there.
        assert await _links(fresh_sandbox, 2) == ["first.txt", "middle.txt"]
    assert outcomes == [
        "first.txt uploaded and linked.",
        "middle.txt uploaded and linked.",
        "Cancelled: not uploaded.",
    ]
    assert batch.startswith("Cancelled: ")
    assert "last.txt" not in await _folder_sizes(fresh_sandbox)


async def test_cancel_in_the_name_exists_dialog_stops_the_batch(fresh_sandbox, home):
    first, clash, last = (
        _file(home, "first.txt"),
        _file(home, "Budget 2026.xlsx"),
        _file(home, "last.txt"),
    )
    before = await _folder_sizes(fresh_sandbox)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _choose_files(pilot, f"{first} {clash} {last}")
        await _until_asked(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, UploadScreen)
        assert _outcomes(app) == [
            "first.txt uploaded and linked.",
            "Cancelled: not linked.",
            "Cancelled: not uploaded.",
        ]
        assert _batch_outcome(app).startswith("Cancelled: ")
        assert _escape_reads(app) == "Close"
    assert await _links(fresh_sandbox, 2) == ["first.txt"]
    after = await _folder_sizes(fresh_sandbox)
    assert after == {**before, "first.txt": first.stat().st_size}
