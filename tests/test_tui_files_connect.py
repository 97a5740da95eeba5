"""Connect Nextcloud: the authorize link is shown, the storage is polled, the pane refreshes."""

from __future__ import annotations

import asyncio

from nep_tui.api.models import AuthorizationState, Storage
from nep_tui.screens.connect_nextcloud import ConnectNextcloudScreen
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.files_pane import FileLinkList
from test_tui_files_support import make_app
from tui_support import settle

SIZE = (100, 34)


async def _open_connect(pilot) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WorkPackageScreen)
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConnectNextcloudScreen)


async def test_connecting_refreshes_the_files_pane(fresh_sandbox, monkeypatch):
    monkeypatch.setattr(ConnectNextcloudScreen, "poll_seconds", 0.1)
    app = make_app(fresh_sandbox.nepenthes_url, fresh_sandbox.user("newcomer").api_token, start_at=1)
    async with app.run_test(size=SIZE) as pilot:
        await _open_connect(pilot)
        screen = app.screen
        assert screen.url and "/apps/oauth2/authorize" in screen.url
        await pilot.press("c")  # copy the link
        assert app.clipboard == screen.url
        await pilot.press("o")  # open (recorded by the test app instead of a browser)
        assert app.opened_urls == [screen.url]
        await asyncio.sleep(0.3)
        assert app.screen is screen  # still waiting: not connected yet
        fresh_sandbox.set_faults(connect_user="newcomer")
        for _ in range(50):
            if isinstance(app.screen, WorkPackageScreen):
                break
            await pilot.pause(0.1)
        await settle(pilot)
        assert isinstance(app.screen, WorkPackageScreen)
        names = [link.name for link in app.screen.query_one(FileLinkList).section.links]
        assert "Kickoff presentation.pdf" in names


# The real link carries the sandbox's port and a random state; the snapshot uses a fixed one.
FIXED_STORAGE = Storage(
    id=1, name="Nextcloud", type="Nextcloud",
    authorization_state=AuthorizationState.NOT_CONNECTED,
    authorize_url="https://cloud.example.org/index.php/apps/oauth2/authorize"
                  "?client_id=nepenthes&response_type=code&state=fixed-for-snapshots",
)


def test_connect_screen_snapshot(snap_compare, sandbox, newcomer_token):
    app = make_app(sandbox.nepenthes_url, newcomer_token)

    async def open_fixed(pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(ConnectNextcloudScreen(FIXED_STORAGE))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 50), run_before=open_fixed)


def test_connect_screen_without_room_for_the_qr_code(snap_compare, sandbox, newcomer_token):
    app = make_app(sandbox.nepenthes_url, newcomer_token)

    async def open_fixed(pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(ConnectNextcloudScreen(FIXED_STORAGE))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_fixed)
