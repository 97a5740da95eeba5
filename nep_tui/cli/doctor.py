"""`nep-tui doctor`: check the connection to the server and its Nextcloud storages."""

from __future__ import annotations

import ssl

import click

from nep_tui.api import profiles
from nep_tui.api.admin_doctor import admin_checks
from nep_tui.api.client import NepenthesClient
from nep_tui.api.doctor import Check, check_token_files, run_checks
from nep_tui.api.errors import NepError, NotLoggedIn
from nep_tui.api.http import tls_verification
from nep_tui.api.storage_admin import StorageAdmin
from nep_tui.cli.admin import PASSWORD_VARIABLE, read_secret
from nep_tui.cli.exit_codes import ExitCode
from nep_tui.cli.output import cell, print_json
from nep_tui.cli.state import CliState, pass_state


def _verification(state: CliState, profile_name: str | None) -> ssl.SSLContext | bool:
    """The same CA bundle for the Nextcloud hosts as for the Nepenthes server."""
    ca_bundle = state.ca_bundle
    if ca_bundle is None and profile_name:
        try:
            stored = profiles.load_profile(profile_name)
        except NepError:
            stored = None
        ca_bundle = stored.ca_bundle if stored else None
    return tls_verification(ca_bundle)


def _print_checks(checks: list[Check]) -> None:
    for check in checks:
        click.echo(f"{'pass' if check.ok else 'FAIL'}  {cell(check.name)}: {cell(check.detail)}")
        if check.hint and not check.ok:
            click.echo(f"      what to do: {cell(check.hint)}")


async def _all_checks(
    client: NepenthesClient, state: CliState, nextcloud_admin: str | None
) -> list[Check]:
    """The user's checks; for an admin also the troubleshooting list (notes §8), with the
    integration app's admin routes when a Nextcloud admin login is given."""
    checks = await run_checks(client, verify=_verification(state, client.profile_name))
    try:
        is_admin = (await client.me()).admin
    except NepError:
        return checks
    if not is_admin:
        return checks
    credentials = (
        (nextcloud_admin, read_secret(PASSWORD_VARIABLE, "Nextcloud admin password"))
        if nextcloud_admin
        else None
    )
    return checks + await admin_checks(StorageAdmin(client), credentials)


@click.command()
@click.option(
    "--nextcloud-admin",
    metavar="LOGIN",
    help="Also run the Nextcloud admin checks as this Nextcloud admin (password from"
    " NEP_TUI_NEXTCLOUD_ADMIN_PASSWORD or stdin).",
)
@pass_state
def doctor(state: CliState, nextcloud_admin: str | None) -> int:
    """Check the connection: server, TLS, login, OAuth, Nextcloud storages, token files.

    For an admin, also the integration's troubleshooting list. Exits 0 when every check
    passes, 1 otherwise.
    """
    try:
        checks: list[Check] = state.call(lambda client: _all_checks(client, state, nextcloud_admin))
    except NotLoggedIn as error:  # nothing to connect with, but the config can still be checked
        checks = [Check("Logged in", False, error.message, error.hint), check_token_files()]
    if state.json:
        print_json(checks)
    else:
        _print_checks(checks)
    return ExitCode.OK if all(check.ok for check in checks) else ExitCode.GENERIC


COMMANDS = [doctor]
