"""Snapshots of every core screen and state, on a sandbox of their own with fixed ports.

The ports (and so every URL on screen) are fixed, and these tests share one xdist group so
they run on one worker: the snapshots do not depend on which worker runs them.
"""

from __future__ import annotations

import pytest
from support.fixed_ports import port_is_free
from support.tui import app_for, settle, wait_for

from nep_tui.api import profiles
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.api.models import Project
from nep_tui.app import NepTuiApp
from nep_tui.screens.work_packages import WorkPackagesScreen

pytestmark = pytest.mark.xdist_group("tui-snapshots")

SNAPSHOT_PORTS = (47350, 47351)
WEBSITE = Project(id=2, identifier="website", name="Website Relaunch", parent_id=1)
SMALL, LARGE = (80, 24), (200, 60)


@pytest.fixture(scope="module")
def snapshot_sandbox(tmp_path_factory):
    from nep_tui.sandbox.server import start_in_thread

    if not all(port_is_free(port) for port in SNAPSHOT_PORTS):
        pytest.fail(
            f"ports {SNAPSHOT_PORTS} are taken: another run of the TUI snapshots is "
            "going on; snapshots show URLs and need these exact ports"
        )
    running = start_in_thread(
        tmp_path_factory.mktemp("snapshot-sandbox"),
        seed="demo",
        port=SNAPSHOT_PORTS[0],
        nextcloud_port=SNAPSHOT_PORTS[1],
        fixed_user_code="WDJB-MJHT",
    )
    yield running
    running.stop()


async def wait_for_workers(pilot) -> None:
    await settle(pilot)


def open_website(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(WorkPackagesScreen(WEBSITE))
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


def press_then_wait(*keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


# --- projects -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "200x60"])
def test_projects(snap_compare, snapshot_sandbox, size):
    assert snap_compare(app_for(snapshot_sandbox), terminal_size=size, run_before=wait_for_workers)


def test_projects_filtered(snap_compare, snapshot_sandbox):
    assert snap_compare(
        app_for(snapshot_sandbox), terminal_size=SMALL, run_before=press_then_wait(*"mob")
    )


def test_projects_filter_matches_nothing(snap_compare, snapshot_sandbox):
    assert snap_compare(
        app_for(snapshot_sandbox), terminal_size=SMALL, run_before=press_then_wait(*"zzz")
    )


def test_projects_unreachable_server(snap_compare, snapshot_sandbox):
    """The error state: one sentence, what to do, and a retry button."""

    def dead_server(profile):
        return NepenthesClient("http://127.0.0.1:9", ApiTokenSource("opapi-x"), profile_name="dead")

    assert snap_compare(NepTuiApp(dead_server), terminal_size=SMALL, run_before=wait_for_workers)


def test_projects_ansi_dark(snap_compare, snapshot_sandbox):
    assert snap_compare(
        app_for(snapshot_sandbox, theme="ansi-dark"),
        terminal_size=SMALL,
        run_before=wait_for_workers,
    )


# --- work packages --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "200x60"])
def test_work_packages(snap_compare, snapshot_sandbox, size):
    assert snap_compare(app_for(snapshot_sandbox), terminal_size=size, run_before=open_website())


def test_work_packages_all_and_mine(snap_compare, snapshot_sandbox):
    assert snap_compare(
        app_for(snapshot_sandbox), terminal_size=SMALL, run_before=open_website("o", "m")
    )


def test_work_packages_search_without_match(snap_compare, snapshot_sandbox):
    assert snap_compare(
        app_for(snapshot_sandbox),
        terminal_size=SMALL,
        run_before=open_website("slash", *"nothing like this"),
    )


# --- notifications --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [SMALL, (120, 40)], ids=["80x24", "120x40"])
def test_notifications(snap_compare, snapshot_sandbox, size):
    assert snap_compare(
        app_for(snapshot_sandbox), terminal_size=size, run_before=press_then_wait("ctrl+n")
    )


def test_notifications_ansi_dark(snap_compare, snapshot_sandbox):
    assert snap_compare(
        app_for(snapshot_sandbox, theme="ansi-dark"),
        terminal_size=(120, 40),
        run_before=press_then_wait("ctrl+n"),
    )


def test_notifications_empty(snap_compare, snapshot_sandbox):
    """`newcomer` has no notifications in the demo seed."""
    assert snap_compare(
        app_for(snapshot_sandbox, "newcomer"),
        terminal_size=SMALL,
        run_before=press_then_wait("ctrl+n"),
    )


def test_mark_all_read_confirmation(snap_compare, snapshot_sandbox):
    assert snap_compare(
        app_for(snapshot_sandbox), terminal_size=SMALL, run_before=press_then_wait("ctrl+n", "R")
    )


# --- help -----------------------------------------------------------------------------------


def test_help(snap_compare, snapshot_sandbox):
    assert snap_compare(
        app_for(snapshot_sandbox), terminal_size=SMALL, run_before=press_then_wait("f1")
    )


# --- login ----------------------------------------------------------------------------------


def login_app(sandbox) -> NepTuiApp:
    profiles.save_profile(
        profiles.Profile(
            name="work",
            server_url=sandbox.nepenthes_url,
            client_id=sandbox.credentials["oauth_client_id"],
        ),
        make_default=True,
    )
    return NepTuiApp(start_at="login", profile="work")


async def device_code_shown(pilot) -> None:
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "device", None) is not None)
    await pilot.pause()


@pytest.mark.parametrize("size", [SMALL, (100, 36)], ids=["80x24", "100x36"])
def test_login_device_flow(snap_compare, snapshot_sandbox, size):
    """80x24 hides the QR code (it would not fit whole); 100x36 shows it."""
    assert snap_compare(
        login_app(snapshot_sandbox), terminal_size=size, run_before=device_code_shown
    )


def test_login_without_oauth_client(snap_compare, snapshot_sandbox):
    profiles.save_profile(
        profiles.Profile(name="work", server_url=snapshot_sandbox.nepenthes_url), make_default=True
    )

    async def settled(pilot) -> None:
        await wait_for(
            pilot, lambda: pilot.app.screen.query_one("#login-method").current == "login-no-oauth"
        )

    assert snap_compare(
        NepTuiApp(start_at="login", profile="work"), terminal_size=SMALL, run_before=settled
    )
