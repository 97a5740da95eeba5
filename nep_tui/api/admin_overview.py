"""What the administration screen shows at a glance: every storage with its health and the
projects it is enabled in (with their project folder modes), in one call."""

from __future__ import annotations

from dataclasses import dataclass

from nep_tui.api import admin_models as am
from nep_tui.api import errors as err
from nep_tui.api.admin_doctor import storage_health
from nep_tui.api.admin_setup import Problem
from nep_tui.api.storage_admin import StorageAdmin

NOT_ADMIN = err.PermissionDenied(
    "Only Nepenthes administrators can administer file storages.",
    hint="Log in as an administrator to use the administration screen",
)


@dataclass(frozen=True)
class EnabledProject:
    project_id: int
    name: str
    folder_mode: str


@dataclass(frozen=True)
class StorageOverview:
    storage: am.AdminStorage
    problems: list[Problem]
    projects: list[EnabledProject]


async def require_admin(admin: StorageAdmin) -> None:
    if not (await admin.client.me()).admin:
        raise NOT_ADMIN


async def storage_overviews(admin: StorageAdmin) -> list[StorageOverview]:
    """Raises PermissionDenied (NOT_ADMIN) for a user who is not an administrator."""
    await require_admin(admin)
    storages = await admin.storages()
    names = {project.id: project.name for project in await admin.client.projects()}
    overviews = []
    for storage in storages:
        projects = [
            EnabledProject(
                project_id=row.project_id,
                name=names.get(row.project_id, f"project {row.project_id}"),
                folder_mode=row.project_folder_mode or "inactive",
            )
            for row in await admin.project_storages(storage.id)
            if row.project_id is not None
        ]
        overviews.append(StorageOverview(storage, await _health(admin, storage), projects))
    return overviews


async def _health(admin: StorageAdmin, storage: am.AdminStorage) -> list[Problem]:
    try:
        return await storage_health(admin, storage)
    except err.NepError as error:
        # An unreachable Nextcloud is this storage's problem, not the screen's.
        return [Problem(error.message, error.hint)]
