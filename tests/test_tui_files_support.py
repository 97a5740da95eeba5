"""Shared helpers of the files TUI tests: the real app, logged in with an API token.

Imported by the test_tui_files_* modules (not a test module itself; it defines no tests).
"""

from __future__ import annotations

import asyncio

import httpx
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DirectoryTree, Input
from textual.worker import WorkerCancelled, WorkerFailed

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.app import NepTuiApp


SETTLE_TIMEOUT = 20


def make_app(server_url: str, token: str, *, start_at: int | None = None) -> NepTuiApp:
    """The real app on the sandbox, logged in with `token` (no profile on disk needed)."""

    def client_factory(_profile: str | None) -> NepenthesClient:
        return NepenthesClient(server_url, ApiTokenSource(token), profile_name="sandbox")

    app = NepTuiApp(client_factory, start_at=start_at)
    app.opened_urls = []  # type: ignore[attr-defined]
    # Tests never launch a browser; they record what would have been opened.
    app.safe_open_url = lambda url, what="link": app.opened_urls.append(url)  # type: ignore[method-assign]
    # The unread badge depends on what other tests read; it is not what these tests are about.
    app.refresh_unread_count = lambda: None  # type: ignore[method-assign]
    return app


async def settle(pilot: Pilot) -> None:
    """Wait until every worker is done and the screen has repainted."""
    for _ in range(3):
        # A DirectoryTree keeps a loader worker alive for as long as it is shown.
        workers = [worker for worker in pilot.app.workers
                   if not isinstance(worker.node, DirectoryTree)]
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


async def push_and_settle(pilot: Pilot, screen: Screen) -> None:
    await pilot.app.push_screen(screen)
    await settle(pilot)


def no_blink(monkeypatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda _self: None)


def dav_client(sandbox, login: str) -> httpx.Client:
    """WebDAV on the sandbox's Nextcloud side, as `login` (to prepare folders and files)."""
    user = sandbox.user(login)
    return httpx.Client(base_url=f"{sandbox.nextcloud_url}/remote.php/dav/files/{login}",
                        auth=(login, user.password), timeout=30)


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
