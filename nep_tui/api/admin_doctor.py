"""The admin guide's troubleshooting list (notes/admin-setup.md §8), as doctor checks: each a
pass/fail with the guide's remedy. Checks of the integration app's admin routes run only when a
Nextcloud admin's credentials are given."""

from __future__ import annotations

from nep_tui.api import admin_models as am
from nep_tui.api import errors as err
from nep_tui.api.admin_setup import (
    HALF_CREATED_FIX,
    Problem,
    nextcloud_problems,
    worker_problem,
)
from nep_tui.api.doctor import Check
from nep_tui.api.nextcloud_admin import NextcloudAdmin
from nep_tui.api.storage_admin import StorageAdmin

NOT_CONFIGURED = "The connection could not be validated. Please finish configuration first."


def _check(name: str, problem: Problem | None, passed: str) -> Check:
    if problem is None:
        return Check(name, True, passed)
    return Check(name, False, problem.message, problem.hint)


async def storage_health(
    admin: StorageAdmin, storage: am.AdminStorage, nextcloud_url: str | None = None
) -> list[Problem]:
    """What is wrong with one storage, found with public probes and the admin's API token."""
    if not storage.configured:
        return [Problem(NOT_CONFIGURED, "run `nep-tui admin setup-nextcloud` for it")]
    url = nextcloud_url or storage.origin_url or ""
    async with NextcloudAdmin(url, "", "") as public:
        problems = await nextcloud_problems(
            public, managed_folders=storage.has_application_password
        )
    if storage.has_application_password:
        rows = [
            row
            for row in await admin.project_storages(storage.id)
            if row.project_folder_mode == "automatic"
        ]
        linked = sum(1 for row in rows if row.project_folder_id)
        if linked < len(rows):
            problems.append(
                Problem(
                    f"Not all project folders have been created yet ({linked} / {len(rows)}).",
                    "check that the background workers run and that the application password"
                    " and the OpenProject user's Terms of Service are in order; replace the"
                    f" password with `nep-tui admin managed-folders {storage.id} on`",
                )
            )
    return problems


async def admin_checks(
    admin: StorageAdmin, nextcloud_credentials: tuple[str, str] | None
) -> list[Check]:
    """`nextcloud_credentials`: a Nextcloud admin's (login, password), for the admin routes."""
    checks: list[Check] = []
    try:
        worker = await worker_problem(admin)
    except err.NepError as error:
        worker = Problem(error.message, error.hint)
    checks.append(_check("Background workers", worker, "The background job workers are running."))
    try:
        storages = await admin.storages()
    except err.NepError as error:
        return [*checks, Check("Storages (admin)", False, error.message, error.hint)]
    for storage in storages:
        label = f"Storage {storage.name!r}"
        try:
            problems = await storage_health(admin, storage)
        except err.NepError as error:
            problems = [Problem(error.message, error.hint)]
        if not problems:
            checks.append(Check(f"{label}: setup", True, "Configured, and Nextcloud is ready."))
        checks.extend(Check(f"{label}: setup", False, p.message, p.hint) for p in problems)
        if nextcloud_credentials is not None and storage.configured:
            login, password = nextcloud_credentials
            async with NextcloudAdmin(storage.origin_url or "", login, password) as nextcloud:
                checks.extend(await _nextcloud_admin_checks(label, storage, nextcloud))
    return checks


async def _nextcloud_admin_checks(
    label: str, storage: am.AdminStorage, nextcloud: NextcloudAdmin
) -> list[Check]:
    name = f"{label}: Nextcloud side"
    try:
        configured, has_password = await nextcloud.check_admin_config()
        folders_ready = await nextcloud.project_folders_ready()
    except err.NepError as error:
        return [Check(name, False, error.message, error.hint)]
    checks = [
        _check(
            name,
            None
            if configured
            else Problem(
                "The OpenProject Integration app in Nextcloud is not set up.",
                f"run `nep-tui admin replace-nextcloud-oauth {storage.id}` or set it up in"
                " Nextcloud's OpenProject administration settings",
            ),
            "The OpenProject Integration app is set up.",
        )
    ]
    if storage.has_application_password:
        problem = None
        if not folders_ready:
            problem = Problem(
                "The OpenProject user, group or team folder in Nextcloud is incomplete.",
                HALF_CREATED_FIX,
            )
        elif not has_password:
            problem = Problem(
                "Nextcloud has no application password for the OpenProject user.",
                f"create one with `nep-tui admin managed-folders {storage.id} on`",
            )
        checks.append(
            _check(
                f"{label}: project folders in Nextcloud",
                problem,
                "The OpenProject user, group, team folder and app password are in place.",
            )
        )
    return checks
