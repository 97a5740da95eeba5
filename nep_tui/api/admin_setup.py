"""The two-sided setup of a Nextcloud storage, as integration_openproject's `integration_setup.sh`
runs it (notes/admin-setup.md §1), plus the later changes an administrator makes: replacing the
Nextcloud OAuth values, managed project folders on and off, deleting the storage.

A setup that fails at a step undoes what it did, in reverse order, so neither server is left
half-configured, and says which step failed and why in the admin guide's words. Nextcloud has no
API to remove the "OpenProject" user, group and team folder once made (the app protects them),
so those are only made after every check that can fail earlier has passed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from nep_tui.api import admin_models as am
from nep_tui.api import errors as err
from nep_tui.api.nextcloud_admin import NextcloudAdmin, maintenance_error
from nep_tui.api.storage_admin import StorageAdmin

MIN_NEXTCLOUD_MAJOR = 22
MIN_INTEGRATION_APP = (2, 11, 2)
MIN_TEAM_FOLDERS = (20, 1, 7)
INTEGRATION_APP_NAME = "Integration OpenProject"
TEAM_FOLDERS_NAME = "Team Folders"
HEADER_DROPPED = (
    'Host is not fully set up. The Nextcloud instance does not receive the "Authorization"'
    " header, which is necessary for a Bearer token based authorization of API requests."
)
HALF_CREATED_FIX = (
    "disable the OpenProject Integration app, delete the OpenProject user, group and team"
    " folder, enable the app again and run the setup again"
)

STORAGE_REFUSED_FIX = (
    "choose another --name; a Nextcloud that already has a storage must lose it first"
    " (`nep-tui admin delete ID`)"
)
PASSWORD_REFUSED_FIX = (
    "Nextcloud refuses the app password it just made for the OpenProject user: check the"
    " web server's authentication settings and that user in Nextcloud, then run the setup again"
)

STEP_CHECK = "Check Nextcloud"
STEP_STORAGE = "Create the file storage in Nepenthes"
STEP_NEXTCLOUD = "Set up the OpenProject Integration app in Nextcloud"
STEP_CREDENTIALS = "Add the Nextcloud OAuth values to Nepenthes"
STEP_PASSWORD = "Give Nepenthes the application password (automatically managed project folders)"
STEP_TEAM_FOLDER = "Check the team folder with the application password"
STEP_TERMS = (
    "Nextcloud refused the OpenProject user until it accepted the Terms of Service: signed them"
)
TERMS_REFUSED = 403


@dataclass(frozen=True)
class Problem:
    """One troubleshooting finding: what is wrong and what to do."""

    message: str
    hint: str


def missing_dependency(name: str) -> Problem:
    return Problem(
        "A required dependency is missing on the file storage. Please add the following"
        f" dependency: {name}.",
        f"install and enable the {name} app in Nextcloud",
    )


def unsupported_version(name: str) -> Problem:
    return Problem(
        f"The {name} app version is not supported. Please update your Nextcloud server.",
        f"update the {name} app in Nextcloud",
    )


async def nextcloud_problems(nextcloud: NextcloudAdmin, *, managed_folders: bool) -> list[Problem]:
    """The admin guide's checks of the Nextcloud side that need no storage yet."""
    status = await nextcloud.status()
    if status.get("maintenance"):
        error = maintenance_error()
        return [Problem(error.message, error.hint)]
    capabilities = await nextcloud.capabilities()
    if capabilities.major is None:
        return [Problem("Host is not a Nextcloud server.", "check the Nextcloud address")]
    if capabilities.major < MIN_NEXTCLOUD_MAJOR:
        return [
            Problem(
                "Host does not meet minimal version requirements (must be Nextcloud 23 or higher).",
                "update Nextcloud",
            )
        ]
    problems: list[Problem] = []
    if capabilities.integration_app_version is None:
        return [missing_dependency(INTEGRATION_APP_NAME)]
    if am.version_tuple(capabilities.integration_app_version) < MIN_INTEGRATION_APP:
        problems.append(unsupported_version(INTEGRATION_APP_NAME))
    if managed_folders:
        if not capabilities.team_folders_enabled:
            problems.append(missing_dependency(TEAM_FOLDERS_NAME))
        elif am.version_tuple(capabilities.team_folders_version) < MIN_TEAM_FOLDERS:
            problems.append(unsupported_version(TEAM_FOLDERS_NAME))
    arrives = await nextcloud.authorization_header_arrives()
    if arrives is None:
        problems.append(
            Problem(
                'Host appears to not have the app "OpenProject integration" installed.',
                "install the app, and enable pretty URLs (mod_rewrite) on the web server",
            )
        )
    elif not arrives:
        problems.append(
            Problem(
                HEADER_DROPPED,
                "let the web server pass the Authorization header to PHP (Apache:"
                ' `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1`)',
            )
        )
    return problems


async def worker_problem(admin: StorageAdmin) -> Problem | None:
    for line in await admin.health_checks():
        if line.name in ("worker", "worker_backed_up") and not line.passed:
            return Problem(
                f"Nepenthes' background jobs do not run: {line.message}",
                "start the background worker processes (good_job) of the Nepenthes server",
            )
    return None


def setup_steps(*, managed_folders: bool) -> list[str]:
    """The steps `setup_nextcloud` runs, in order."""
    steps = [STEP_CHECK, STEP_STORAGE, STEP_NEXTCLOUD, STEP_CREDENTIALS]
    return steps + [STEP_PASSWORD, STEP_TEAM_FOLDER] if managed_folders else steps


@dataclass
class SetupReport:
    storage: am.AdminStorage | None = None
    done: list[str] = field(default_factory=list)
    # Nepenthes shows the OAuth application's secret in the create answer only; kept here
    # (never printed unless asked) for a later "replace the Nextcloud OAuth values".
    openproject_client_id: str | None = None
    openproject_client_secret: SecretStr | None = None

    def as_json(self) -> dict[str, Any]:
        return {"storage": self.storage.as_json() if self.storage else None, "steps": self.done}


Undo = Callable[[], Awaitable[None]]


class _Rollback:
    """What a setup did, undone in reverse order when a later step fails."""

    def __init__(self) -> None:
        self.undo: list[tuple[str, Undo]] = []
        # The OpenProject user, group and team folder: no API removes them.
        self.entities_stay = False

    def add(self, what: str, action: Undo) -> None:
        self.undo.append((what, action))

    async def run(self) -> list[str]:
        """The undo steps that failed (empty when everything was undone)."""
        failed = []
        for what, action in reversed(self.undo):
            try:
                await action()
            except err.NepError:
                failed.append(what)
        return failed


def _failure(
    step: str, cause: str, hint: str, not_undone: list[str], entities_stay: bool
) -> err.NextcloudSetupFailed:
    sentence = f"Setup failed at step “{step}”: {cause.rstrip('.')}."
    if not_undone:
        sentence += f" Could not undo: {', '.join(not_undone)}."
    elif entities_stay:
        sentence += (
            " Everything else was undone; the OpenProject user, group and team folder stay in"
            " Nextcloud (no API removes them) and the next setup reuses them."
        )
    else:
        sentence += " Nothing was left behind on either server."
    return err.NextcloudSetupFailed(sentence, hint=hint)


def _values(
    nepenthes_url: str, created: am.CreatedStorage, *, managed_folders: bool, folders_ready: bool
) -> dict[str, Any]:
    return {
        "openproject_instance_url": nepenthes_url,
        "openproject_client_id": created.openproject_client_id,
        "openproject_client_secret": created.openproject_client_secret.get_secret_value(),
        "default_enable_navigation": False,
        "default_enable_unified_search": False,
        "setup_project_folder": managed_folders and not folders_ready,
        "setup_app_password": managed_folders,
    }


async def setup_nextcloud(
    admin: StorageAdmin,
    nextcloud: NextcloudAdmin,
    *,
    name: str,
    managed_folders: bool,
    on_step: Callable[[str], None] | None = None,
) -> SetupReport:
    """`on_step` hears the name of each step as it starts (the TUI wizard shows progress)."""
    report = SetupReport()
    rollback = _Rollback()
    step = STEP_CHECK

    def begin(name: str) -> str:
        if on_step is not None:
            on_step(name)
        return name

    async def fail(cause: str, hint: str) -> err.NextcloudSetupFailed:
        return _failure(step, cause, hint, await rollback.run(), rollback.entities_stay)

    if not (await admin.client.me()).admin:
        raise err.PermissionDenied(
            "Only a Nepenthes administrator can set up a file storage.",
            hint="Log in as an administrator, or pass an administrator's --token",
        )
    try:
        begin(step)
        problems = await nextcloud_problems(nextcloud, managed_folders=managed_folders)
        if problems:
            raise await fail(problems[0].message, problems[0].hint)
        configured, _ = await nextcloud.check_admin_config()
        if configured:
            raise await fail(
                "the OpenProject Integration app in Nextcloud is already set up",
                "reset it in Nextcloud's OpenProject administration settings first, or delete"
                " the storage it belongs to with `nep-tui admin delete`",
            )
        folders_ready = managed_folders and await nextcloud.project_folders_ready()
        if managed_folders:
            worker = await worker_problem(admin)
            if worker:
                raise await fail(worker.message, worker.hint)
        report.done.append(step)

        step = begin(STEP_STORAGE)
        try:
            created = await admin.create_storage(name=name, host=nextcloud.url)
        except err.ValidationFailed as error:
            raise await fail(error.message, STORAGE_REFUSED_FIX) from None
        storage_id = created.storage.id
        report.openproject_client_id = created.openproject_client_id
        report.openproject_client_secret = created.openproject_client_secret
        rollback.add("the storage in Nepenthes", lambda: admin.delete_storage(storage_id))
        report.done.append(step)

        step = begin(STEP_NEXTCLOUD)
        values = _values(
            admin.client.server_url,
            created,
            managed_folders=managed_folders,
            folders_ready=folders_ready,
        )
        answer = await nextcloud.setup(values, partial=folders_ready)
        rollback.add("the integration settings in Nextcloud", nextcloud.reset)
        if managed_folders:
            # Undone before the reset: a PATCH after it would make a new OAuth client.
            rollback.add("the app password in Nextcloud", lambda: _drop_app_password(nextcloud))
            rollback.entities_stay = not folders_ready
        if not answer.client_id or answer.client_secret is None:
            raise await fail("Nextcloud did not hand out its OAuth client", "run the setup again")
        report.done.append(step)

        step = begin(STEP_CREDENTIALS)
        await admin.set_client_credentials(
            storage_id,
            client_id=answer.client_id,
            client_secret=answer.client_secret.get_secret_value(),
        )
        report.done.append(step)

        if managed_folders:
            if answer.app_password is None:
                raise await fail(
                    "Nextcloud did not hand out the application password", "run the setup again"
                )
            step = begin(STEP_PASSWORD)
            try:
                await admin.update_storage(
                    storage_id, application_password=answer.app_password.get_secret_value()
                )
            except err.ValidationFailed as error:
                raise await fail(error.message, PASSWORD_REFUSED_FIX) from None
            report.done.append(step)
            step = begin(STEP_TEAM_FOLDER)
            password = answer.app_password.get_secret_value()
            status = await nextcloud.app_password_status(password)
            if status == TERMS_REFUSED:
                # The guide's remedy, which the integration app offers as an API.
                await nextcloud.sign_terms_of_service()
                report.done.append(STEP_TERMS)
                status = await nextcloud.app_password_status(password)
            problem = team_folder_problem(status)
            if problem:
                raise await fail(problem.message, problem.hint)
            report.done.append(step)
    except err.NextcloudSetupFailed as error:
        if error.message.startswith("Nextcloud answered:"):
            raise await fail(error.message, _hint_for_nextcloud(error.message)) from None
        raise
    except err.NepError as error:
        raise await fail(error.message, error.hint) from None
    report.storage = await admin.storage(storage_id)
    return report


def _hint_for_nextcloud(message: str) -> str:
    if "already exists" in message:
        return HALF_CREATED_FIX
    if "not installed" in message:
        return "install and enable the Team Folders app in Nextcloud"
    return "fix the cause in Nextcloud and run the setup again"


def team_folder_problem(status: int) -> Problem | None:
    """nc_userless_access_denied / nc_team_folder_not_found of OpenProject's health report."""
    if status == 207:
        return None
    if status == 401:
        return Problem(
            "The configured app password is invalid.",
            "replace it with `nep-tui admin managed-folders STORAGE_ID on`",
        )
    if status == TERMS_REFUSED:
        return Problem(
            "Nextcloud refuses the OpenProject user: it has not accepted the Terms of Service.",
            "sign them for it (POST …/integration_openproject/sign-term-of-service, or"
            " `nep-tui admin sign-terms`) and run the setup again",
        )
    if status == 404:
        return Problem(
            "The team folder could not be found.",
            "set up the managed project folders again with `nep-tui admin managed-folders"
            " STORAGE_ID on`",
        )
    return Problem(
        "The connection could not be validated. An unknown error occurred.",
        "check the Nextcloud server logs",
    )


async def _drop_app_password(nextcloud: NextcloudAdmin) -> None:
    await nextcloud.setup({"setup_app_password": False}, partial=True)


# --- later changes ------------------------------------------------------------------------


def oauth_redirect_uri(storage: am.AdminStorage) -> str:
    """Where Nepenthes sends Nextcloud's OAuth sign-ins back (its storage's OAuth application
    is made with this redirect, notes/admin-setup.md §3)."""
    host = (storage.origin_url or "").rstrip("/")
    return f"{host}/index.php/apps/integration_openproject/oauth-redirect"


async def replace_nextcloud_oauth(
    admin: StorageAdmin,
    nextcloud: NextcloudAdmin,
    storage_id: int,
    *,
    openproject_client_id: str,
    openproject_client_secret: str,
) -> am.ClientCredentials:
    """Nextcloud's "Replace Nextcloud OAuth values" button is [WEB]; for scripts a reset and a
    new setup make a new client (the setup script's PATCH, which keeps the project folders and
    issues a new app password when they are managed). Then Nepenthes gets the new values,
    which drops every user's Nextcloud token: everyone connects again."""
    storage = await admin.storage(storage_id)
    # A wrong secret would leave Nextcloud unable to sign in to Nepenthes, found out only
    # when users connect; checked before anything changes.
    if await admin.client_secret_refused(
        openproject_client_id, openproject_client_secret, oauth_redirect_uri(storage)
    ):
        raise err.ClientSecretRefused()
    managed = storage.has_application_password
    await nextcloud.reset()
    answer = await nextcloud.setup(
        {
            "openproject_instance_url": admin.client.server_url,
            "openproject_client_id": openproject_client_id,
            "openproject_client_secret": openproject_client_secret,
            "default_enable_navigation": False,
            "default_enable_unified_search": False,
            "setup_project_folder": False,
            "setup_app_password": managed,
        },
        partial=managed,
    )
    if not answer.client_id or answer.client_secret is None:
        raise err.NextcloudSetupFailed(
            "Nextcloud did not hand out a new OAuth client.", hint="Try again."
        )
    credentials = await admin.set_client_credentials(
        storage_id,
        client_id=answer.client_id,
        client_secret=answer.client_secret.get_secret_value(),
    )
    if managed and answer.app_password is not None:
        await admin.update_storage(
            storage_id, application_password=answer.app_password.get_secret_value()
        )
    return credentials


async def set_managed_folders(
    admin: StorageAdmin, nextcloud: NextcloudAdmin, storage_id: int, *, on: bool
) -> am.AdminStorage:
    if not on:
        storage = await admin.update_storage(storage_id, application_password="")
        await _drop_app_password(nextcloud)
        return storage
    problems = await nextcloud_problems(nextcloud, managed_folders=True)
    if problems:
        raise err.NextcloudSetupFailed(problems[0].message, hint=problems[0].hint)
    ready = await nextcloud.project_folders_ready()
    answer = await nextcloud.setup(
        {"setup_project_folder": not ready, "setup_app_password": True}, partial=True
    )
    if answer.app_password is None:
        raise err.NextcloudSetupFailed("Nextcloud did not hand out the application password.")
    try:
        return await admin.update_storage(
            storage_id, application_password=answer.app_password.get_secret_value()
        )
    except err.NepError:
        await _drop_app_password(nextcloud)
        raise


async def delete_storage(
    admin: StorageAdmin, nextcloud: NextcloudAdmin | None, storage_id: int
) -> None:
    """The storage with its project folders and file links; then Nextcloud's side is reset."""
    await admin.delete_storage(storage_id)
    if nextcloud is not None:
        await nextcloud.reset()
