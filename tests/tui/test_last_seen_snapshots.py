"""Snapshots of last-seen data under the offline banner, with the "cached … ago" marker.

The server's address is on screen, so the sandbox that was seen runs on fixed ports of these
tests' own (stopped before the snapshots), and the clock is frozen: seen at SEEN_AT, shown
three minutes later.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.fixed_ports import port_is_free
from support.tui import settle

from nep_tui.api import cache
from nep_tui.api.cache import LastSeen
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.app import NepTuiApp
from nep_tui.screens.work_packages import PAGE_SIZE, WorkPackagesScreen
from nep_tui.widgets import offline

pytestmark = pytest.mark.xdist_group("last-seen-snapshots")

PORTS = (47360, 47361)
URL = f"http://127.0.0.1:{PORTS[0]}"
PROFILE = "work"
SEEN_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SMALL = (80, 24)


async def _remember(token: str) -> None:
    """See the projects and the first page of Website Relaunch, as the screens ask for them."""
    last_seen = LastSeen(PROFILE, clock=SEEN_AT.timestamp)
    async with NepenthesClient(
        URL, ApiTokenSource(token), profile_name=PROFILE, last_seen=last_seen
    ) as client:
        projects = await client.projects()
        website = next(project for project in projects if project.identifier == "website")
        await client.work_packages_page(website, page_size=PAGE_SIZE)


@pytest.fixture(scope="module")
def seen_cache(tmp_path_factory) -> tuple[Path, str]:
    """A cache file with what was seen on the sandbox, which is stopped again; and the token."""
    from nep_tui.sandbox.server import start_in_thread

    if not all(port_is_free(port) for port in PORTS):
        pytest.fail(f"ports {PORTS} are taken; these snapshots show URLs and need these ports")
    folder = tmp_path_factory.mktemp("seen-cache")
    previous = os.environ.get("NEP_TUI_CACHE_DIR")
    os.environ["NEP_TUI_CACHE_DIR"] = str(folder)
    running = start_in_thread(
        tmp_path_factory.mktemp("seen-sandbox"),
        seed="demo",
        port=PORTS[0],
        nextcloud_port=PORTS[1],
    )
    try:
        token = running.user("member").api_token
        asyncio.run(_remember(token))
    finally:
        running.stop()
        if previous is None:
            del os.environ["NEP_TUI_CACHE_DIR"]
        else:
            os.environ["NEP_TUI_CACHE_DIR"] = previous
    return folder / cache.CACHE_FILE, token


@pytest.fixture
def offline_app(seen_cache, monkeypatch) -> NepTuiApp:
    """The TUI on the profile, with the server stopped, three minutes after it saw the data."""
    cache_file, token = seen_cache
    cache.cache_dir().mkdir(parents=True, exist_ok=True)
    shutil.copy(cache_file, cache.cache_path())
    monkeypatch.setattr(offline, "clock", lambda: SEEN_AT + timedelta(minutes=3))

    def factory(_profile: str | None) -> NepenthesClient:
        return NepenthesClient(
            URL, ApiTokenSource(token), profile_name=PROFILE, last_seen=LastSeen(PROFILE)
        )

    app = NepTuiApp(factory)
    app.refresh_unread_count = lambda: None  # type: ignore[method-assign]
    return app


def test_offline_projects_from_last_seen(snap_compare, offline_app):
    assert snap_compare(offline_app, terminal_size=SMALL, run_before=settle)


def test_offline_work_packages_marked_cached(snap_compare, offline_app):
    async def open_website(pilot) -> None:
        await settle(pilot)
        await pilot.press(*"website", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, WorkPackagesScreen)

    assert snap_compare(offline_app, terminal_size=SMALL, run_before=open_website)
