"""Last-seen data: with the server stopped the TUI shows what was seen, read-only, and
refreshes by itself once the server is back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from support.cli import nep
from support.tui import settle, wait_for

from nep_tui.api import cache
from nep_tui.api.cache import LastSeen
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.api.session import open_client
from nep_tui.api.shelves import cached_project_identifiers
from nep_tui.app import NepTuiApp
from nep_tui.sandbox.server import RunningSandbox, start_in_thread
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.screens.work_packages import WorkPackagesScreen
from nep_tui.widgets.attachments_pane import AttachmentsPane
from nep_tui.widgets.files_pane import FileLinkList, FilesPane
from nep_tui.widgets.offline import (
    OFFLINE_LAST_SEEN_TEXT,
    OFFLINE_REASON,
    CachedMarker,
    OfflineBanner,
)
from nep_tui.widgets.unread_badge import UnreadBadge
from nep_tui.widgets.work_package_table import WorkPackageTable


def _app(url: str, token: str) -> NepTuiApp:
    def factory(_profile: str | None) -> NepenthesClient:
        return NepenthesClient(
            url, ApiTokenSource(token), profile_name="p", last_seen=LastSeen("p")
        )

    app = NepTuiApp(factory)
    app.refresh_unread_count = lambda: None  # type: ignore[method-assign]
    return app


def _restart(stopped: RunningSandbox, data_dir: Path) -> RunningSandbox:
    """The sandbox back on the ports the client knows, with the data it had."""
    port = int(stopped.nepenthes_url.rsplit(":", 1)[1])
    nextcloud_port = int(stopped.nextcloud_url.rsplit(":", 1)[1])
    return start_in_thread(data_dir, seed="demo", port=port, nextcloud_port=nextcloud_port)


async def test_offline_shows_last_seen_projects_and_comes_back(tmp_path):
    data_dir = tmp_path / "sandbox"
    running = start_in_thread(data_dir, seed="demo")
    url, token = running.nepenthes_url, running.user("member").api_token
    try:
        app = _app(url, token)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert "demo" in cached_project_identifiers("p")
        running.stop()
        app = _app(url, token)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert app.offline
            assert app.screen.query_one(OfflineBanner).display
            assert app.screen.query_one(CachedMarker).display
            assert app.screen.projects  # type: ignore[attr-defined]
            running = _restart(running, data_dir)
            await app._probe_server().wait()  # the 10 s probe, without the wait
            await settle(pilot)
            await wait_for(pilot, lambda: not app.screen.query_one(CachedMarker).display)
            assert not app.offline
    finally:
        running.stop()
    content = cache.cache_path().read_bytes()
    assert token.encode() not in content
    assert b"Authorization" not in content and b"Bearer" not in content
    assert oct(cache.cache_path().stat().st_mode & 0o777) == "0o600"
    assert cache.clear("p") > 0
    assert cached_project_identifiers("p") == []


class RecordingTransport(httpx.AsyncHTTPTransport):
    """A real transport that notes every request it is asked to send (connected or not)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        return await super().handle_async_request(request)


def _profile_app(transport: RecordingTransport) -> NepTuiApp:
    """The TUI opened on the stored profile "work", its requests noted by `transport`."""

    def factory(profile: str | None) -> NepenthesClient:
        return open_client(profile=profile, transport=transport, foreign_transport=transport)

    app = NepTuiApp(factory, profile="work")
    app.opened_urls = []  # type: ignore[attr-defined]
    app.safe_open_url = lambda url, what="link": app.opened_urls.append(url)  # type: ignore[method-assign]
    app.refresh_unread_count = lambda: None  # type: ignore[method-assign]
    return app


async def _open_demo_then_first_work_package(pilot) -> None:
    """From the project list, as a user would: filter, open the project, open work package 1."""
    app = pilot.app
    await settle(pilot)
    await pilot.press(*"demo", "enter")
    await settle(pilot)
    assert isinstance(app.screen, WorkPackagesScreen)
    table = app.screen.query_one(WorkPackageTable)
    table.focus()
    table.move_cursor(row=table.get_row_index("1"))
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, WorkPackageScreen)


def _banner_text(app: NepTuiApp) -> str:
    return str(app.screen.query_one(OfflineBanner).render())


def _reasons_given(app: NepTuiApp) -> int:
    return sum(OFFLINE_REASON in str(n.message) for n in app._notifications)


async def _press_refused(pilot, pane, keys: list[str], transport: RecordingTransport) -> None:
    """Each key of `pane` that needs the server: nothing sent, no screen, one reason each."""
    app = pilot.app
    screen = app.screen
    for key in keys:
        before, reasons = len(transport.sent), _reasons_given(app)
        await pilot.press(key)
        await pilot.pause()
        started = [w.name for w in app.workers if w.node is pane and not w.is_finished]
        sent = [r for r in transport.sent[before:] if not r.endswith("/users/me")]  # (the probe)
        assert (sent, started, app.screen) == ([], [], screen), key
        assert _reasons_given(app) == reasons + 1, key
    assert app.opened_urls == []  # type: ignore[attr-defined]


async def test_offline_on_a_profile_lists_work_packages_and_files_then_comes_back(tmp_path):
    """The acceptance: projects, work packages and files last seen on a profile, shown with the
    banner while the server is stopped, every action that needs it refused with a reason; once
    the server is back (same port, same data) the screens load again by themselves."""
    data_dir = tmp_path / "sandbox"
    running = start_in_thread(data_dir, seed="demo")
    url, token = running.nepenthes_url, running.user("member").api_token
    # (The CLI runs its own event loop, so in a thread of its own.)
    login = await asyncio.to_thread(nep, "login", url, "--token", token, "--profile", "work")
    assert login.exit_code == 0, login.stderr
    try:
        async with _profile_app(RecordingTransport()).run_test(size=(120, 40)) as pilot:
            await _open_demo_then_first_work_package(pilot)
        running.stop()

        transport = RecordingTransport()
        app = _profile_app(transport)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.offline and app.screen.query_one(OfflineBanner).display
            assert _banner_text(app) == OFFLINE_LAST_SEEN_TEXT
            assert app.screen.query_one(CachedMarker).display
            await _open_demo_then_first_work_package(pilot)  # from last-seen data alone
            wp_screen = app.screen
            work_packages = app.screen_stack[-2]
            assert isinstance(work_packages, WorkPackagesScreen)
            assert work_packages.query_one(CachedMarker).display
            assert "Prepare kickoff presentation" in [
                wp.subject for wp in work_packages.table.work_packages
            ]
            assert wp_screen.query_one(CachedMarker).display
            assert _banner_text(app) == OFFLINE_LAST_SEEN_TEXT

            files = wp_screen.query_one(FilesPane)
            assert files.sections and files.sections[0].links  # the last-seen file links
            files.query_one(FileLinkList).focus()
            await pilot.pause()
            assert files.highlighted_link is not None
            file_keys = [b.key.split(",")[0] for b in FilesPane.BINDINGS if b.action != "reload"]
            await _press_refused(pilot, files, file_keys, transport)
            await _press_refused(pilot, wp_screen, ["a"], transport)  # attach, from anywhere
            for action in files.SERVER_ACTIONS:
                assert files.check_action(action, ()) is None
            attachments = wp_screen.query_one(AttachmentsPane)
            for action in attachments.SERVER_ACTIONS:
                assert attachments.check_action(action, ()) is None

            running = _restart(running, data_dir)
            rename = ["--server", url, "--token", token, "wp", "update", "1", "--subject"]
            renamed = await asyncio.to_thread(nep, *rename, "Kickoff, v2")
            assert renamed.exit_code == 0, renamed.stderr
            await app._probe_server().wait()  # the probe's 10 s, without the wait
            await wait_for(pilot, lambda: not wp_screen.query_one(CachedMarker).display)
            await settle(pilot)
            assert not app.offline and not app.screen.query_one(OfflineBanner).display
            assert "Kickoff, v2" in str(wp_screen.query_one("#wp-heading").render())
            assert files.check_action("open_file", ()) is True
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is work_packages
            assert not work_packages.query_one(CachedMarker).display
            assert "Kickoff, v2" in [wp.subject for wp in work_packages.table.work_packages]
    finally:
        running.stop()
    content = cache.cache_path().read_bytes()
    assert token.encode() not in content


async def test_the_unread_badge_fills_in_as_soon_as_the_server_is_back(tmp_path):
    data_dir = tmp_path / "sandbox"
    running = start_in_thread(data_dir, seed="demo")
    url, token = running.nepenthes_url, running.user("member").api_token
    running.stop()
    try:

        def factory(_profile: str | None) -> NepenthesClient:
            return NepenthesClient(url, ApiTokenSource(token), profile_name="p")

        app = NepTuiApp(factory)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            badge = app.screen.query_one(UnreadBadge)
            assert app.offline and app.unread_count is None and not badge.display
            running = _restart(running, data_dir)
            await app._probe_server().wait()  # the 10 s probe, without the wait
            await wait_for(pilot, lambda: app.unread_count is not None)
            await settle(pilot)
            assert badge.display
            assert f"{app.unread_count} unread" in str(badge.render())
    finally:
        running.stop()
