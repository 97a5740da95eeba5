"""Connect Nextcloud: the authorize link (text, QR code or a line on how to see it), the polling."""

from __future__ import annotations

import asyncio
import re

from support.tui import make_app, settle, wait_for
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets import Label

from nep_tui.api.models import AuthorizationState, Storage
from nep_tui.dialogs.qr_code import QrCodeDialog
from nep_tui.screens.connect_nextcloud import UNREACHABLE, WAITING, ConnectNextcloudScreen
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.files_pane import FileLinkList
from nep_tui.widgets.qr_code import QRCode

SIZE = (100, 34)


async def _open_connect(pilot) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, WorkPackageScreen)
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConnectNextcloudScreen)
    await pilot.pause()  # the room for the QR code is measured on the laid-out screen


def _qr_hint(screen) -> str | None:
    """The line about the QR code, or None while the QR code itself is shown."""
    hint = screen.query_one("#connect-qr-hint", Label)
    assert hint.display != screen.query_one(QRCode).display
    return None if screen.query_one(QRCode).display else str(hint.content)


def _drawn_whole(qr: QRCode, within: Region) -> bool:
    return (
        qr.display and qr.region.size == (qr.columns, qr.rows) and within.contains_region(qr.region)
    )


async def test_connecting_refreshes_the_files_pane(fresh_sandbox, monkeypatch):
    monkeypatch.setattr(ConnectNextcloudScreen, "poll_seconds", 0.1)
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("newcomer").api_token, start_at=1
    )
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
        await pilot.press("q")  # scanned from the QR code alone, which must close too
        assert isinstance(app.screen, QrCodeDialog)
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
    id=1,
    name="Nextcloud",
    type="Nextcloud",
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


async def test_without_room_for_the_qr_code_a_line_says_how_to_see_it(sandbox, newcomer_token):
    app = make_app(sandbox.nepenthes_url, newcomer_token, start_at=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_connect(pilot)
        screen = app.screen
        qr = screen.query_one(QRCode)
        assert (qr.columns, qr.rows) == (61, 31)  # the real link is long: a big QR code
        # Even alone it needs 31 rows and a caption, so that is the size worth asking for.
        assert (
            _qr_hint(screen) == "QR code: make the window at least 32 rows tall, "
            "then press q to show it alone"
        )
        assert screen.active_bindings["q"].binding.show
        await pilot.press("q")
        alone = app.screen
        assert isinstance(alone, QrCodeDialog)
        assert alone.query_one(QRCode).region.area == 0  # not drawn: a cut QR code does not scan
        assert str(alone.query_one("#qr-alone-too-small", Label).content) == (
            "The QR code needs a window at least 32 rows tall (this one is 80×24); "
            "escape goes back."
        )
        await pilot.press("escape")
        assert app.screen is screen


async def test_the_qr_code_is_drawn_whole_at_the_sizes_the_line_names(sandbox, newcomer_token):
    app = make_app(sandbox.nepenthes_url, newcomer_token, start_at=1)
    async with app.run_test(size=(80, 32)) as pilot:
        await _open_connect(pilot)
        screen = app.screen
        hint = _qr_hint(screen)
        match = re.fullmatch(
            r"QR code: make the window at least (\d+) rows tall, "
            r"or press q to show it alone",
            hint or "",
        )
        assert match, hint
        await pilot.press("q")
        assert _drawn_whole(app.screen.query_one(QRCode), app.screen.region)
        await pilot.press("escape")

        rows = int(match[1])
        await pilot.resize_terminal(80, rows - 1)
        await pilot.pause()
        assert _qr_hint(screen) == hint
        await pilot.resize_terminal(80, rows)
        await pilot.pause()
        assert _qr_hint(screen) is None
        # With everything else in view too: not under the footer, nothing scrolled away.
        scroll = screen.query_one(VerticalScroll)
        assert _drawn_whole(screen.query_one(QRCode), scroll.region)
        assert scroll.max_scroll_y == 0


async def test_the_status_says_what_the_latest_check_found(fresh_sandbox, monkeypatch):
    monkeypatch.setattr(ConnectNextcloudScreen, "poll_seconds", 0.1)
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("newcomer").api_token, start_at=1
    )
    async with app.run_test(size=SIZE) as pilot:
        await _open_connect(pilot)
        status = app.screen.query_one("#connect-status", Label)
        # Without a token Nextcloud is not asked, so only a connected user sees the outage;
        # both changes land together, so no check sees the user connected (that would close).
        fresh_sandbox.set_faults(nextcloud_unreachable=True, connect_user="newcomer")
        await wait_for(pilot, lambda: str(status.content) == UNREACHABLE)
        fresh_sandbox.set_faults(nextcloud_unreachable=False, disconnect_user="newcomer")
        # Reachable again but not connected yet: the outage is over, so it is no longer said.
        await wait_for(pilot, lambda: str(status.content) == WAITING)
        assert isinstance(app.screen, ConnectNextcloudScreen)


def test_qr_code_alone_snapshot(snap_compare, sandbox, newcomer_token):
    app = make_app(sandbox.nepenthes_url, newcomer_token)

    async def open_fixed(pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(ConnectNextcloudScreen(FIXED_STORAGE))
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()

    # The fixed link's QR code and its caption fill 80x24 exactly.
    assert snap_compare(app, terminal_size=(80, 24), run_before=open_fixed)
