"""Upload and link: pasted paths, the destination picker, name clashes, 413 and 507, cancel."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.screens.folder_picker import FolderPickerScreen
from nep_tui.screens.upload import NameExistsDialog, UploadScreen
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.local_path_input import LocalPathInput
from nep_tui.widgets.transfer_progress import TransferProgress
from test_tui_files_support import make_app, no_blink, settle

SIZE = (100, 34)


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fixed, small home folder so the local file tree is the same on every machine."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    no_blink(monkeypatch)
    return folder


def _file(folder: Path, name: str, size: int = 20) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    return path


async def _choose_files(pilot, text: str) -> None:
    app = pilot.app
    await settle(pilot)
    assert isinstance(app.screen, WorkPackageScreen)
    await pilot.press("u")
    await settle(pilot)
    assert isinstance(app.screen, UploadScreen)
    app.screen.query_one(LocalPathInput).focus()
    app.post_message(events.Paste(text))
    await pilot.pause()


async def _upload_to_project_folder(pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FolderPickerScreen)
    await pilot.press("ctrl+s")
    await settle(pilot)


def _outcomes(app) -> list[str]:
    return [str(row.query_one(".transfer-detail").render())
            for row in app.screen.query(TransferProgress) if row.id != "upload-batch"]


async def _links(sandbox, wp_id: int) -> list[str]:
    token = sandbox.user("member").api_token
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token)) as client:
        return sorted(link.name for link in await client.file_links(wp_id))


async def test_upload_and_link_pasted_files(fresh_sandbox, home):
    first, second = _file(home, "Minutes 1.txt"), _file(home, "plan.md")
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _choose_files(pilot, f"'{first}'\nfile://{second}\n{home / 'missing.txt'}")
        assert app.screen.query_one("ChosenFiles").paths == [first, second]
        assert "missing.txt does not exist" in str(app.screen.query_one("#path-problems").render())
        await _upload_to_project_folder(pilot)
        assert _outcomes(app) == ["Minutes 1.txt uploaded and linked.", "plan.md uploaded and linked."]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WorkPackageScreen)
    assert await _links(fresh_sandbox, 2) == ["Minutes 1.txt", "plan.md"]


@pytest.mark.parametrize(("key", "expected_link"), [
    ("o", "Budget 2026.xlsx"),
    ("k", None),  # a new name chosen by Nextcloud
    ("s", ""),
])
async def test_existing_name_overwrite_keep_both_or_skip(fresh_sandbox, home, key, expected_link):
    clash = _file(home, "Budget 2026.xlsx", 30)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=2)
    async with app.run_test(size=SIZE) as pilot:
        await _choose_files(pilot, str(clash))
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause(0.5)
        for _ in range(20):
            if isinstance(app.screen, NameExistsDialog):
                break
            await pilot.pause(0.1)
        assert isinstance(app.screen, NameExistsDialog)
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
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        for _ in range(30):
            if isinstance(app.screen, NameExistsDialog):
                break
            await pilot.pause(0.1)
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
            "There is not enough storage quota left for report.txt, so it was not uploaded."]
    assert await _links(fresh_sandbox, 2) == []
