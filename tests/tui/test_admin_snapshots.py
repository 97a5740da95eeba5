"""Snapshots of the administration screen and the setup wizard at 80x24, on a bare sandbox of
their own with fixed ports (every URL on screen is part of the picture)."""

from __future__ import annotations

import asyncio

import pytest
from support.admin import enable_in_project
from support.admin_tui import defaults, set_up_storage
from support.fixed_ports import start_on_fixed_ports
from support.tui import app_for, settle

from nep_tui.screens.administration import AdministrationScreen

pytestmark = pytest.mark.xdist_group("tui-admin-snapshots")

ADMIN_SNAPSHOT_PORTS = (47412, 47413)
SMALL = (80, 24)


@pytest.fixture(scope="module")
def admin_sandbox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("admin-snapshot-sandbox")
    running = start_on_fixed_ports(folder, ADMIN_SNAPSHOT_PORTS, seed="bare")
    yield running
    running.stop()


def at_administration(sandbox, *keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.app.push_screen(AdministrationScreen(defaults(sandbox)))
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def test_administration_without_storages(snap_compare, admin_sandbox):
    assert snap_compare(
        app_for(admin_sandbox, "admin"),
        terminal_size=SMALL,
        run_before=at_administration(admin_sandbox),
    )


def test_wizard_filled_in(snap_compare, admin_sandbox):
    assert snap_compare(
        app_for(admin_sandbox, "admin"),
        terminal_size=SMALL,
        run_before=at_administration(admin_sandbox, "s"),
    )


def test_wizard_failed_step(snap_compare, admin_sandbox):
    admin_sandbox.set_faults(nextcloud_integration_app="missing")
    try:
        assert snap_compare(
            app_for(admin_sandbox, "admin"),
            terminal_size=SMALL,
            run_before=at_administration(admin_sandbox, "s", "ctrl+s"),
        )
    finally:
        admin_sandbox.set_faults(nextcloud_integration_app=None)


def test_administration_with_a_storage(snap_compare, admin_sandbox):
    storage_id = asyncio.run(set_up_storage(admin_sandbox, managed_folders=True))
    for project_id, mode in ((2, "automatic"), (3, "inactive")):
        assert enable_in_project(admin_sandbox, storage_id, project_id, mode).status_code < 400
    assert snap_compare(
        app_for(admin_sandbox, "admin"),
        terminal_size=SMALL,
        run_before=at_administration(admin_sandbox),
    )
