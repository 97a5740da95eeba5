"""Shared helpers of the files TUI tests: the real app, logged in with an API token.

Imported by the test_tui_files_* modules (not a test module itself; it defines no tests).
"""

from __future__ import annotations

import httpx
from textual.pilot import Pilot
from textual.screen import Screen

from nep_tui.app import NepTuiApp
from tui_support import settle, token_client_factory


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
