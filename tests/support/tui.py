"""Helpers for the TUI tests: an app logged in to the session sandbox, and waiting for it."""

from __future__ import annotations

import asyncio
import time

import httpx
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DirectoryTree
from textual.worker import WorkerCancelled, WorkerFailed

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.app import NepTuiApp

SETTLE_TIMEOUT = 20


def token_client_factory(server_url: str, token: str):
    """What NepTuiApp calls for a client: one logged in with `token` (no profile on disk)."""

    def client_factory(_profile: str | None) -> NepenthesClient:
        return NepenthesClient(server_url, ApiTokenSource(token), profile_name="sandbox")

    return client_factory


def app_for(sandbox, login: str = "member", **options) -> NepTuiApp:
    """The TUI logged in to `sandbox` as `login` with that user's API token."""
    return NepTuiApp(
        token_client_factory(sandbox.nepenthes_url, sandbox.user(login).api_token), **options
    )


async def settle(pilot: Pilot) -> None:
    """Wait until every worker is done and the screen has repainted."""
    for _ in range(3):
        # A DirectoryTree keeps a loader worker alive for as long as it is shown.
        workers = [
            worker for worker in pilot.app.workers if not isinstance(worker.node, DirectoryTree)
        ]
        if not workers:
            await pilot.pause()
            continue  # (an empty list would make wait_for_complete wait for every worker)
        try:
            await asyncio.wait_for(pilot.app.workers.wait_for_complete(workers), SETTLE_TIMEOUT)
        except TimeoutError:
            busy = [(worker.name, worker.node) for worker in workers if not worker.is_finished]
            raise AssertionError(f"workers still busy after {SETTLE_TIMEOUT}s: {busy}") from None
        except (WorkerFailed, WorkerCancelled):
            pass  # the screen shows failures itself; tests assert on what it shows
        await pilot.pause()


async def wait_for(pilot: Pilot, condition, timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds (fails the test after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for the app")
        await pilot.pause(0.05)


def make_app(server_url: str, token: str, *, start_at: int | None = None) -> NepTuiApp:
    """The real app on the sandbox, logged in with `token` (no profile on disk needed)."""
    app = NepTuiApp(token_client_factory(server_url, token), start_at=start_at)
    app.opened_urls = []  # type: ignore[attr-defined]
    # Tests never launch a browser; they record what would have been opened.
    app.safe_open_url = lambda url, what="link": app.opened_urls.append(url)  # type: ignore[method-assign]
    # The unread badge depends on what other tests read; it is not what these tests are about.
    app.refresh_unread_count = lambda: None  # type: ignore[method-assign]
    return app


async def settle_on_work_package(pilot: Pilot) -> None:
    """Wait for the app to settle; it must be showing a work package then."""
    from nep_tui.screens.work_package import WorkPackageScreen

    await settle(pilot)
    assert isinstance(pilot.app.screen, WorkPackageScreen)


async def push_and_settle(pilot: Pilot, screen: Screen) -> None:
    await pilot.app.push_screen(screen)
    await settle(pilot)


def dav_client(sandbox, login: str) -> httpx.Client:
    """WebDAV on the sandbox's Nextcloud side, as `login` (to prepare folders and files)."""
    user = sandbox.user(login)
    return httpx.Client(
        base_url=f"{sandbox.nextcloud_url}/remote.php/dav/files/{login}",
        auth=(login, user.password),
        timeout=30,
    )


def make_folders(sandbox, login: str, path: str) -> None:
    with dav_client(sandbox, login) as dav:
        parts = [part for part in path.split("/") if part]
        for depth in range(1, len(parts) + 1):
            response = dav.request("MKCOL", "/" + "/".join(parts[:depth]))
            assert response.status_code in (201, 405), response.text


def put_files(sandbox, login: str, folder: str, names: list[str]) -> None:
    make_folders(sandbox, login, folder)
    with dav_client(sandbox, login) as dav:
        for name in names:
            response = dav.put(f"{folder.rstrip('/')}/{name}", content=f"{name}\n".encode())
            assert response.status_code in (201, 204), response.text


async def start_download(pilot: Pilot, folder) -> None:
    """Press d on what is highlighted and answer the folder question with `folder`."""
    from nep_tui.dialogs.download_folder import DownloadFolderDialog

    await pilot.press("d")
    await pilot.pause()
    assert isinstance(pilot.app.screen, DownloadFolderDialog)
    pilot.app.screen.query_one("#download-folder").value = str(folder)
    await pilot.press("enter")


async def quit_once_the_part_file_is_there(pilot: Pilot, folder) -> None:
    """Let the download begin writing into `folder`, then quit as a user would."""
    await wait_for(pilot, lambda: any(p.suffix == ".part" for p in folder.iterdir()))
    await pilot.press("ctrl+q")
