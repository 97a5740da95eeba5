"""Helpers for the administration screen's tests: the wizard's prefilled values, and a storage
made through the API layer as `nep-tui admin setup-nextcloud` makes it."""

from __future__ import annotations

from nep_tui.api import admin_setup
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.api.nextcloud_admin import NextcloudAdmin
from nep_tui.api.storage_admin import StorageAdmin
from nep_tui.screens.setup_wizard import SetupDefaults
from support.admin import nextcloud_admin


def defaults(sandbox) -> SetupDefaults:
    login, password = nextcloud_admin(sandbox)
    return SetupDefaults(nextcloud_url=sandbox.nextcloud_url, login=login, password=password)


async def set_up(sandbox, *, managed_folders: bool = False) -> admin_setup.SetupReport:
    login, password = nextcloud_admin(sandbox)
    client = NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(sandbox.user("admin").api_token))
    async with client, NextcloudAdmin(sandbox.nextcloud_url, login, password) as nextcloud:
        report = await admin_setup.setup_nextcloud(
            StorageAdmin(client), nextcloud, name="Nextcloud", managed_folders=managed_folders
        )
    assert report.storage is not None
    return report


async def set_up_storage(sandbox, *, managed_folders: bool = False) -> int:
    report = await set_up(sandbox, managed_folders=managed_folders)
    assert report.storage is not None
    return report.storage.id
