"""`nep-tui doctor`: check the connection to the server and its Nextcloud storages."""

from __future__ import annotations

import ssl

import click

from nep_tui.api import profiles
from nep_tui.api.doctor import Check, check_token_files, run_checks
from nep_tui.api.errors import NepError, NotLoggedIn
from nep_tui.api.http import tls_verification
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


@click.command()
@pass_state
def doctor(state: CliState) -> int:
    """Check the connection: server, TLS, login, OAuth, Nextcloud storages, token files.

    Exits 0 when every check passes, 1 otherwise.
    """
    try:
        checks: list[Check] = state.call(
            lambda client: run_checks(client, verify=_verification(state, client.profile_name))
        )
    except NotLoggedIn as error:  # nothing to connect with, but the config can still be checked
        checks = [Check("Logged in", False, error.message, error.hint), check_token_files()]
    if state.json:
        print_json(checks)
    else:
        _print_checks(checks)
    return ExitCode.OK if all(check.ok for check in checks) else ExitCode.GENERIC


COMMANDS = [doctor]
