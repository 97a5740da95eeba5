"""`nep-tui login`, `logout` and `whoami`: profiles and their tokens.

Login picks the best flow the server offers: the device grant (a code to approve on any
device, with a QR code), else the authorization code with PKCE (a loopback redirect when a
browser can open here, a pasted code otherwise), or stores an API token given with --token.
Everything meant for the person goes to stderr; stdout carries only the result.
"""

from __future__ import annotations

import asyncio
import os
import sys
import webbrowser
from dataclasses import replace
from typing import Any

import click

from nep_tui.api import auth, cache, profiles
from nep_tui.api.errors import AuthError, NepError, NotLoggedIn
from nep_tui.api.models import User
from nep_tui.api.profiles import Profile, StoredTokens
from nep_tui.cli.completion import complete_profile
from nep_tui.cli.output import Column, info, print_json, print_table
from nep_tui.cli.qr import qr_lines
from nep_tui.cli.state import CliState, pass_state
from nep_tui.formatting import plain


def has_local_browser() -> bool:
    """Whether a browser opened here would appear in front of the user (not over SSH)."""
    if os.environ.get("SSH_CONNECTION") or os.environ.get("SSH_TTY"):
        return False
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def show_link(label: str, url: str) -> None:
    """A URL to open elsewhere, with a QR code for a phone when stderr is a terminal."""
    info(f"{label}\n  {url}")
    if sys.stderr.isatty():
        info("")
        for line in qr_lines(url, color=not os.environ.get("NO_COLOR")):
            info(f"  {line}")
        info("")


async def _oauth_login(
    metadata: auth.ServerMetadata, client_id: str, *, browser: bool, ca_bundle: str | None
) -> StoredTokens:
    if metadata.supports_device_flow:
        device = await auth.start_device_flow(metadata, client_id, ca_bundle=ca_bundle)
        show_link(
            "To log in, open this page and approve the code:",
            device.verification_uri_complete or device.verification_uri,
        )
        info(f"Code: {device.user_code}")
        if browser:
            webbrowser.open(device.verification_uri_complete or device.verification_uri)
        info("Waiting for approval (Ctrl-C to cancel)...")
        return await auth.poll_device_flow(metadata, client_id, device, ca_bundle=ca_bundle)
    if browser:
        info("Opening the browser to log in (Ctrl-C to cancel)...")
        return await auth.login_with_loopback(
            metadata, client_id, ca_bundle=ca_bundle, open_browser=_open_in_browser
        )
    login = auth.PkceLogin(metadata, client_id, ca_bundle=ca_bundle)
    show_link("To log in, open this page in a browser:", login.authorization_url)
    code = click.prompt(
        "Then paste the code it shows", err=True, hide_input=True, show_default=False, default=""
    )
    return await login.exchange(code)


def _open_in_browser(url: str) -> None:
    info(f"If no browser opens, visit:\n  {url}")
    webbrowser.open(url)


async def _current_user(profile: Profile, tokens: StoredTokens) -> User:
    from nep_tui.api.client import NepenthesClient
    from nep_tui.api.http import tls_verification

    client = NepenthesClient(
        profile.server_url,
        auth.token_source_for(profile, tokens, persist=False),
        profile_name=profile.name,
        verify=tls_verification(profile.ca_bundle),
    )
    async with client:
        return await client.me()


def _profile_name_for(server_url: str, *names: str | None) -> tuple[str, Profile | None]:
    for name in names:
        if name:
            return profiles.check_profile_name(name), profiles.load_profile(name)
    existing = profiles.find_profile_for_server(server_url)
    if existing is not None:
        return existing.name, existing
    return profiles.DEFAULT_PROFILE, profiles.load_profile(profiles.DEFAULT_PROFILE)


@click.command()
@click.argument("url")
@click.option(
    "--profile",
    "profile_option",
    metavar="NAME",
    help="Name to store this login under (default: 'default', or the server's).",
)
@click.option(
    "--client-id",
    metavar="ID",
    help="OAuth client id registered on the server (remembered in the profile).",
)
@click.option(
    "--token",
    "api_token",
    metavar="TOKEN",
    help="Store this API token instead of logging in through the browser.",
)
@click.option("--no-browser", is_flag=True, help="Never open a browser; show a link and QR code.")
@pass_state
def login(
    state: CliState,
    url: str,
    profile_option: str | None,
    client_id: str | None,
    api_token: str | None,
    no_browser: bool,
) -> None:
    """Log in to the Nepenthes server at URL and remember it as a profile."""
    server_url = profiles.normalize_server_url(url, insecure_http=state.insecure_http)
    name, existing = _profile_name_for(server_url, profile_option, state.profile)
    if existing is not None and existing.server_url != server_url:
        existing = None  # the name now points at another server; start that profile afresh
    client_id = client_id or (existing.client_id if existing else None)
    profile = Profile(
        name=name,
        server_url=server_url,
        client_id=client_id,
        ca_bundle=state.ca_bundle or (existing.ca_bundle if existing else None),
        insecure_http=state.insecure_http,
    )

    async def log_in() -> tuple[StoredTokens, User]:
        if api_token:
            tokens = StoredTokens(kind="api_token", access_token=api_token.strip())
        else:
            if not client_id:
                raise AuthError(
                    "No OAuth client id is known for this server.",
                    hint="pass --client-id ID (the sandbox prints its id), "
                    "or log in with --token API_TOKEN",
                )
            metadata = await auth.discover(server_url, ca_bundle=profile.ca_bundle)
            tokens = await _oauth_login(
                metadata,
                client_id,
                ca_bundle=profile.ca_bundle,
                browser=has_local_browser() and not no_browser,
            )
        return tokens, await _current_user(profile, tokens)

    tokens, user = asyncio.run(log_in())
    profiles.save_profile(replace(profile, user_login=user.login or user.name), make_default=True)
    profiles.save_tokens(name, tokens)
    _warn_about_permissions()
    if state.json:
        print_json({"profile": name, "server": server_url, "user": user, "auth": tokens.kind})
    else:
        click.echo(
            f"Logged in to {server_url} as {plain(user.name)} "
            f"({plain(user.login or '-')}); profile {name!r}."
        )


@click.command()
@click.option(
    "--profile",
    "profile_option",
    metavar="NAME",
    shell_complete=complete_profile,
    help="Profile to log out of.",
)
@pass_state
def logout(state: CliState, profile_option: str | None) -> None:
    """Revoke the stored tokens of a profile on the server and forget the profile."""
    name = profile_option or state.profile or profiles.default_profile_name()
    profile = profiles.load_profile(name)
    if profile is None:
        raise NotLoggedIn(
            f"There is no stored login named {name!r}.",
            hint="run `nep-tui whoami` to see the stored logins",
        )
    tokens = profiles.load_tokens(name)
    revoked = False
    if tokens is not None and tokens.kind == "oauth":
        revoked = asyncio.run(_revoke(profile, tokens))
    profiles.remove_profile(name)
    cache.clear(name)
    if state.json:
        print_json({"profile": name, "server": profile.server_url, "revoked": revoked})
        return
    click.echo(f"Logged out of {profile.server_url} (profile {name!r}).")
    if tokens is not None and tokens.kind == "api_token":
        info(
            "The API token itself stays valid; delete it on the server "
            "(My account > Access tokens) if it should no longer work."
        )
    elif tokens is not None and not revoked:
        info("The server could not be told to revoke the tokens; they were forgotten here.")


async def _revoke(profile: Profile, tokens: StoredTokens) -> bool:
    try:
        metadata = await auth.discover(profile.server_url, ca_bundle=profile.ca_bundle)
        endpoint: str | None = metadata.revocation_endpoint
    except NepError:
        endpoint = None
    revoked = True
    for token in (tokens.refresh_token, tokens.access_token):
        if token:
            revoked &= await auth.revoke(
                profile.server_url,
                profile.client_id,
                token,
                revocation_endpoint=endpoint,
                ca_bundle=profile.ca_bundle,
            )
    return revoked


PROFILE_COLUMNS = [
    Column("", lambda p: "*" if p["default"] else ""),
    Column("PROFILE", lambda p: p["name"]),
    Column("SERVER", lambda p: p["server"], flexible=True),
    Column("USER", lambda p: p["user"]),
    Column(
        "LOGIN", lambda p: {"oauth": "oauth", "api_token": "api token"}.get(p["auth"] or "", "none")
    ),
]


@click.command()
@pass_state
def whoami(state: CliState) -> None:
    """List the stored logins (profiles) with their server and user; * marks the default."""
    stored = profiles.load_profiles()
    default = profiles.default_profile_name()
    rows: list[dict[str, Any]] = []
    for name, profile in sorted(stored.items()):
        tokens = profiles.load_tokens(name)
        rows.append(
            {
                "name": name,
                "server": profile.server_url,
                "user": profile.user_login,
                "auth": tokens.kind if tokens else None,
                "default": name == default,
            }
        )
    warnings = _warn_about_permissions()
    if state.json:
        print_json(
            {
                "default": default if default in stored else None,
                "profiles": rows,
                "warnings": warnings,
            }
        )
    if not rows:
        raise NotLoggedIn("There are no stored logins.")
    if not state.json:
        print_table(rows, PROFILE_COLUMNS, empty="")


def _warn_about_permissions() -> list[str]:
    warnings = profiles.permission_warnings()
    for warning in warnings:
        info(f"warning: {warning}")
    return warnings


COMMANDS = [login, logout, whoami]
