"""Last-seen data: with the server stopped the TUI shows what was seen, read-only, and
refreshes by itself once the server is back."""

from __future__ import annotations

from support.tui import settle, wait_for

from nep_tui.api import cache
from nep_tui.api.cache import LastSeen
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.api.shelves import cached_project_identifiers
from nep_tui.app import NepTuiApp
from nep_tui.sandbox.server import start_in_thread
from nep_tui.widgets.offline import CachedMarker, OfflineBanner


def _app(url: str, token: str) -> NepTuiApp:
    def factory(_profile: str | None) -> NepenthesClient:
        return NepenthesClient(
            url, ApiTokenSource(token), profile_name="p", last_seen=LastSeen("p")
        )

    app = NepTuiApp(factory)
    app.refresh_unread_count = lambda: None  # type: ignore[method-assign]
    return app


async def test_offline_shows_last_seen_projects_and_comes_back(tmp_path):
    data_dir = tmp_path / "sandbox"
    running = start_in_thread(data_dir, seed="demo")
    url, token = running.nepenthes_url, running.user("member").api_token
    port = int(url.rsplit(":", 1)[1])
    nextcloud_port = int(running.nextcloud_url.rsplit(":", 1)[1])
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
            running = start_in_thread(
                data_dir, seed="demo", port=port, nextcloud_port=nextcloud_port
            )
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


async def test_offline_work_package_shows_files_and_refuses_server_actions(tmp_path):
    from nep_tui.screens.work_package import WorkPackageScreen
    from nep_tui.widgets.attachments_pane import AttachmentsPane
    from nep_tui.widgets.files_pane import FilesPane

    running = start_in_thread(tmp_path / "sandbox", seed="demo")
    url, token = running.nepenthes_url, running.user("member").api_token
    try:
        app = _app(url, token)
        app.start_at = 1
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
    finally:
        running.stop()
    app = _app(url, token)
    app.start_at = 1
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, WorkPackageScreen) and app.offline
        files = screen.query_one(FilesPane)
        assert files.sections and files.sections[0].links  # the last-seen file links
        for action in files.SERVER_ACTIONS:
            assert files.check_action(action, ()) is None
        attachments = screen.query_one(AttachmentsPane)
        for action in attachments.SERVER_ACTIONS:
            assert attachments.check_action(action, ()) is None
        assert screen.check_action("attach", ()) is None
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, WorkPackageScreen)  # no upload screen
        assert any("needs the server" in str(n.message) for n in app._notifications)
