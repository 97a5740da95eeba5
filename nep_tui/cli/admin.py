"""`nep-tui admin ...`: set up, check, change and remove the Nextcloud integration (admins).

The Nextcloud admin password comes from NEP_TUI_NEXTCLOUD_ADMIN_PASSWORD, or standard input (a
hidden prompt on a terminal). No command prints a secret, and none is stored.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from nep_tui.api import admin_setup
from nep_tui.api.admin_doctor import storage_health
from nep_tui.api.admin_models import AdminStorage
from nep_tui.api.client import NepenthesClient
from nep_tui.api.errors import NotFound, ValidationFailed
from nep_tui.api.nextcloud_admin import NextcloudAdmin
from nep_tui.api.storage_admin import StorageAdmin
from nep_tui.cli.output import Column, cell, info, print_fields, print_json, print_table
from nep_tui.cli.qr import qr_lines
from nep_tui.cli.state import CliState, pass_state

PASSWORD_VARIABLE = "NEP_TUI_NEXTCLOUD_ADMIN_PASSWORD"
CLIENT_SECRET_VARIABLE = "NEP_TUI_OPENPROJECT_CLIENT_SECRET"
R = TypeVar("R")

STORAGE_COLUMNS = [
    Column("ID", lambda row: row["storage"].id, align_right=True),
    Column("NAME", lambda row: row["storage"].name, flexible=True),
    Column("HOST", lambda row: row["storage"].origin_url),
    Column("FOLDERS", lambda row: "managed" if row["storage"].has_application_password else ""),
    Column("HEALTH", lambda row: "ok" if not row["problems"] else row["problems"][0]),
]


def read_secret(variable: str, prompt: str) -> str:
    value = os.environ.get(variable)
    if value:
        return value
    if sys.stdin.isatty():
        return str(click.prompt(prompt, hide_input=True, err=True))
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.UsageError(f"no {prompt.lower()} given: set {variable} or pipe it on stdin")
    return line


def _with_admin(
    state: CliState,
    action: Callable[[StorageAdmin, NepenthesClient], Awaitable[R]],
) -> R:
    return state.call(lambda client: action(StorageAdmin(client), client))


def _nextcloud(url: str, login: str) -> NextcloudAdmin:
    return NextcloudAdmin(url, login, read_secret(PASSWORD_VARIABLE, "Nextcloud admin password"))


async def _storage(admin: StorageAdmin, storage_id: int) -> AdminStorage:
    storage = await admin.storage(storage_id)
    if not storage.origin_url:
        raise NotFound(f"Storage {storage_id} has no host.")
    return storage


@click.group()
def admin() -> None:
    """Administer the Nextcloud integration (Nepenthes admins)."""


@admin.command("list")
@pass_state
def list_storages(state: CliState) -> None:
    """List the storages with their health."""

    async def run(admin_api: StorageAdmin, _client: NepenthesClient) -> list[dict[str, Any]]:
        return [
            {
                "storage": storage,
                "problems": [p.message for p in await storage_health(admin_api, storage)],
            }
            for storage in await admin_api.storages()
        ]

    rows = _with_admin(state, run)
    if state.json:
        print_json([{**row["storage"].as_json(), "problems": row["problems"]} for row in rows])
    else:
        print_table(rows, STORAGE_COLUMNS, empty="No file storages.")


@admin.command("show")
@click.argument("storage_id", type=int)
@pass_state
def show(state: CliState, storage_id: int) -> None:
    """Show one storage: its settings, the projects it is enabled in, its health."""

    async def run(admin_api: StorageAdmin, _client: NepenthesClient) -> dict[str, Any]:
        storage = await admin_api.storage(storage_id)
        return {
            **storage.as_json(),
            "projects": [
                {
                    "project_id": row.project_id,
                    "project_folder_mode": row.project_folder_mode,
                    "project_folder_id": row.project_folder_id,
                }
                for row in await admin_api.project_storages(storage_id)
            ],
            "problems": [
                {"message": p.message, "hint": p.hint}
                for p in await storage_health(admin_api, storage)
            ],
        }

    data = _with_admin(state, run)
    if state.json:
        print_json(data)
        return
    print_fields(
        [
            ("ID", data["id"]),
            ("Name", data["name"]),
            ("Host", data["origin_url"]),
            ("Configured", data["configured"]),
            ("Managed folders", data["has_application_password"]),
        ]
    )
    for project in data["projects"]:
        click.echo(f"project {project['project_id']}: {cell(project['project_folder_mode'])}")
    for problem in data["problems"]:
        click.echo(f"problem: {cell(problem['message'])} (what to do: {cell(problem['hint'])})")


@admin.command("setup-nextcloud")
@click.argument("nextcloud_url")
@click.option("--name", required=True, help="Name of the new storage in Nepenthes.")
@click.option("--nextcloud-admin", "login", required=True, help="Nextcloud admin login.")
@click.option("--managed-folders", is_flag=True, help="Automatically managed project folders.")
@click.option(
    "--show-secret",
    is_flag=True,
    help="Print the OpenProject OAuth client secret once (keep it for replace-nextcloud-oauth).",
)
@pass_state
def setup_nextcloud(
    state: CliState,
    nextcloud_url: str,
    name: str,
    login: str,
    managed_folders: bool,
    show_secret: bool,
) -> None:
    """Set up the integration with the Nextcloud at NEXTCLOUD_URL, on both servers.

    On failure, what was made is removed again and the failed step is named.
    """
    nextcloud = _nextcloud(nextcloud_url, login)

    async def run(
        admin_api: StorageAdmin, _client: NepenthesClient
    ) -> tuple[admin_setup.SetupReport, str]:
        async with nextcloud:
            report = await admin_setup.setup_nextcloud(
                admin_api, nextcloud, name=name, managed_folders=managed_folders
            )
        storage_id = report.storage.id if report.storage else 0
        return report, admin_api.project_storages_page(storage_id)

    report, projects_page = _with_admin(state, run)
    secret = (
        report.openproject_client_secret.get_secret_value()
        if show_secret and report.openproject_client_secret
        else None
    )
    if state.json:
        shown = {"openproject_client_secret": secret} if secret else {}
        print_json({**report.as_json(), "enable_in_projects_url": projects_page, **shown})
        return
    if secret:
        click.echo(f"OpenProject OAuth client secret (shown once): {secret}")
    for step in report.done:
        click.echo(f"done  {step}")
    if report.storage:
        click.echo(f"Storage {report.storage.id} {cell(report.storage.name)!r} is set up.")
    info(f"Enable it in projects (web only):\n  {_hyperlink(projects_page)}")


@admin.command("replace-nextcloud-oauth")
@click.argument("storage_id", type=int)
@click.option("--nextcloud-admin", "login", required=True, help="Nextcloud admin login.")
@pass_state
def replace_nextcloud_oauth(state: CliState, storage_id: int, login: str) -> None:
    """Give both sides new Nextcloud OAuth values; every user connects to Nextcloud again.

    Nextcloud needs the OpenProject OAuth client secret again: it comes from
    NEP_TUI_OPENPROJECT_CLIENT_SECRET or standard input, after the Nextcloud admin password.
    """
    password = read_secret(PASSWORD_VARIABLE, "Nextcloud admin password")
    secret = read_secret(CLIENT_SECRET_VARIABLE, "OpenProject OAuth client secret")

    async def run(admin_api: StorageAdmin, _client: NepenthesClient) -> dict[str, Any]:
        storage = await _storage(admin_api, storage_id)
        if storage.oauth_application_id is None:
            raise NotFound(f"Storage {storage_id} has no OpenProject OAuth application.")
        client_id = await admin_api.openproject_client_id(storage.oauth_application_id)
        async with NextcloudAdmin(storage.origin_url or "", login, password) as nextcloud:
            credentials = await admin_setup.replace_nextcloud_oauth(
                admin_api,
                nextcloud,
                storage_id,
                openproject_client_id=client_id,
                openproject_client_secret=secret,
            )
        return {"storage_id": storage_id, "nextcloud_client_id": credentials.client_id}

    data = _with_admin(state, run)
    if state.json:
        print_json(data)
    else:
        click.echo(f"Storage {storage_id} has new Nextcloud OAuth values.")
        info("Every user has to connect to Nextcloud again.")


@admin.command("managed-folders")
@click.argument("storage_id", type=int)
@click.argument("switch", type=click.Choice(["on", "off"]))
@click.option("--nextcloud-admin", "login", required=True, help="Nextcloud admin login.")
@pass_state
def managed_folders(state: CliState, storage_id: int, switch: str, login: str) -> None:
    """Turn automatically managed project folders on (a new app password) or off."""
    password = read_secret(PASSWORD_VARIABLE, "Nextcloud admin password")

    async def run(admin_api: StorageAdmin, _client: NepenthesClient) -> AdminStorage:
        storage = await _storage(admin_api, storage_id)
        async with NextcloudAdmin(storage.origin_url or "", login, password) as nextcloud:
            return await admin_setup.set_managed_folders(
                admin_api, nextcloud, storage_id, on=switch == "on"
            )

    storage = _with_admin(state, run)
    if state.json:
        print_json(storage.as_json())
    else:
        state_word = "on" if storage.has_application_password else "off"
        click.echo(f"Managed project folders of storage {storage_id} are {state_word}.")


@admin.command("delete")
@click.argument("storage_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--nextcloud-admin", "login", help="Also reset the Nextcloud side (admin login).")
@pass_state
def delete(state: CliState, storage_id: int, yes: bool, login: str | None) -> None:
    """Delete a storage with its file links and automatically managed project folders."""
    storage = state.call(lambda client: StorageAdmin(client).storage(storage_id))
    warning = (
        f"Delete storage {storage.id} {cell(storage.name)!r}? Every file link to it goes with"
        " it, and its automatically managed project folders are deleted in Nextcloud with"
        " their files."
    )
    if not yes:
        if not sys.stdin.isatty():
            raise ValidationFailed(warning, hint="pass --yes to delete without asking")
        click.confirm(warning, abort=True, err=True)
    password = read_secret(PASSWORD_VARIABLE, "Nextcloud admin password") if login else None

    async def run(admin_api: StorageAdmin, _client: NepenthesClient) -> None:
        if login is None or password is None:
            await admin_setup.delete_storage(admin_api, None, storage_id)
            return
        async with NextcloudAdmin(storage.origin_url or "", login, password) as nextcloud:
            await admin_setup.delete_storage(admin_api, nextcloud, storage_id)

    _with_admin(state, run)
    if state.json:
        print_json({"deleted": storage_id})
    else:
        click.echo(f"Deleted storage {storage_id}.")


@admin.command("links")
@click.argument("storage_id", type=int)
@pass_state
def links(state: CliState, storage_id: int) -> None:
    """The pages for the steps that only the web interface offers."""

    async def run(admin_api: StorageAdmin, _client: NepenthesClient) -> list[dict[str, Any]]:
        await admin_api.storage(storage_id)
        return [
            {
                "step": "Enable the storage in projects (project folder mode)",
                "url": admin_api.project_storages_page(storage_id),
            },
            {
                "step": "Replace the OpenProject OAuth values",
                "url": admin_api.edit_page(storage_id),
            },
        ]

    pages = _with_admin(state, run)
    if state.json:
        print_json(pages)
        return
    for page in pages:
        click.echo(f"{page['step']}:\n  {_hyperlink(page['url'])}")
        if sys.stdout.isatty():
            for line in qr_lines(page["url"], color=not os.environ.get("NO_COLOR")):
                click.echo(f"  {line}")


@admin.command("sign-terms")
@click.argument("nextcloud_url")
@click.option("--nextcloud-admin", "login", required=True, help="Nextcloud admin login.")
@pass_state
def sign_terms(state: CliState, nextcloud_url: str, login: str) -> None:
    """Accept Nextcloud's Terms of Service for the OpenProject user."""
    nextcloud = _nextcloud(nextcloud_url, login)

    async def run() -> bool:
        async with nextcloud:
            return await nextcloud.sign_terms_of_service()

    signed = asyncio.run(run())
    if state.json:
        print_json({"signed": signed})
    else:
        click.echo("Signed." if signed else "Not every Terms of Service could be signed.")


def _hyperlink(url: str) -> str:
    """The URL as an OSC 8 link on a terminal; the text is always the URL itself."""
    shown = cell(url)
    if not sys.stdout.isatty():
        return shown
    return f"\x1b]8;;{shown}\x1b\\{shown}\x1b]8;;\x1b\\"


COMMANDS = [admin]
