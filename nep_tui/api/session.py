"""Open a client for "the current login": explicit arguments, then the environment
(`NEP_TUI_SERVER`, `NEP_TUI_TOKEN`, `NEP_TUI_PROFILE`), then the stored profile and its tokens.
Also the login/logout bookkeeping the CLI and the login screen share.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict, Unpack

import httpx

from nep_tui.api import cache
from nep_tui.api import errors as err
from nep_tui.api import profiles as store
from nep_tui.api.cache import LastSeen
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource, Notice, Sleep, tls_verification
from nep_tui.api.models import User

if TYPE_CHECKING:
    # OAuth (and authlib) is loaded only for a login that uses it, not for an API token.
    from nep_tui.api import auth


class ClientOptions(TypedDict, total=False):
    """The seams of `NepenthesClient` a caller (a test) may set; the rest comes from the profile."""

    transport: httpx.AsyncBaseTransport | None
    foreign_transport: httpx.AsyncBaseTransport | None
    sleep: Sleep
    last_seen: LastSeen | None
    notice: Notice | None


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def _client(
    profile: store.Profile,
    source: auth.OAuthTokenSource | ApiTokenSource,
    **client_options: Unpack[ClientOptions],
) -> NepenthesClient:
    return NepenthesClient(
        profile.server_url,
        source,
        profile_name=profile.name,
        verify=tls_verification(profile.ca_bundle),
        **client_options,
    )


def open_client(
    profile: str | None = None,
    server: str | None = None,
    token: str | None = None,
    *,
    insecure_http: bool = False,
    ca_bundle: str | None = None,
    **client_options: Unpack[ClientOptions],
) -> NepenthesClient:
    """The client for the chosen login; raises NotLoggedIn when there is none.

    A token (argument or NEP_TUI_TOKEN) is an API token and is never written to disk. A
    server without a token uses the stored profile for that server."""
    token = token or _env("NEP_TUI_TOKEN")
    server = server or _env("NEP_TUI_SERVER")
    profile_name = profile or _env("NEP_TUI_PROFILE")

    stored: store.Profile | None = None
    if profile_name:
        stored = store.load_profile(profile_name)
        if stored is None and not (server and token):
            raise err.NotLoggedIn(
                f"There is no profile named {profile_name!r}.",
                hint="Run `nep-tui login SERVER_URL --profile NAME`.",
            )
    elif server:
        stored = store.find_profile_for_server(
            store.normalize_server_url(server, insecure_http=True)
        )
    else:
        stored = store.load_profile(store.default_profile_name())

    ad_hoc = False  # a server given on the command line that no stored login belongs to
    if server:
        url = store.normalize_server_url(
            server, insecure_http=insecure_http or bool(stored and stored.insecure_http)
        )
        if stored is None or stored.server_url != url:
            stored = store.Profile(
                name=profile_name or "(command line)",
                server_url=url,
                ca_bundle=ca_bundle,
                insecure_http=insecure_http,
            )
            ad_hoc = True
    if stored is None:
        raise err.NotLoggedIn()
    if ca_bundle:
        stored.ca_bundle = ca_bundle
    store.normalize_server_url(stored.server_url, insecure_http=stored.insecure_http)

    if not ad_hoc and "last_seen" not in client_options:
        client_options["last_seen"] = LastSeen(stored.name)
    if token:
        return _client(stored, ApiTokenSource(token), **client_options)
    tokens = None if ad_hoc else store.load_tokens(stored.name)
    if tokens is None:
        raise err.NotLoggedIn(f"You are not logged in to {stored.server_url}.")
    from nep_tui.api import auth

    return _client(stored, auth.token_source_for(stored, tokens), **client_options)


async def _verify_and_save(
    profile: store.Profile,
    tokens: store.StoredTokens,
    *,
    make_default: bool,
    **client_options: Unpack[ClientOptions],
) -> User:
    from nep_tui.api import auth

    source = auth.token_source_for(profile, tokens, persist=False)
    async with _client(profile, source, **client_options) as client:
        user = await client.me()
    if isinstance(source, auth.OAuthTokenSource):
        tokens = source.current_tokens
    profile.user_login = user.login or user.name
    store.save_profile(profile, make_default=make_default)
    store.save_tokens(profile.name, tokens)
    return user


async def login_with_token(
    server_url: str,
    token: str,
    *,
    profile: str = store.DEFAULT_PROFILE,
    ca_bundle: str | None = None,
    insecure_http: bool = False,
    make_default: bool = False,
    **client_options: Unpack[ClientOptions],
) -> User:
    """Check an API token against the server, then store it under the profile."""
    url = store.normalize_server_url(server_url, insecure_http=insecure_http)
    entry = store.Profile(
        name=store.check_profile_name(profile),
        server_url=url,
        ca_bundle=ca_bundle,
        insecure_http=insecure_http,
    )
    existing = store.load_profile(profile)
    if existing and existing.server_url == url:
        entry.client_id = existing.client_id
    return await _verify_and_save(
        entry,
        store.StoredTokens(kind="api_token", access_token=token),
        make_default=make_default,
        **client_options,
    )


async def save_oauth_login(
    server_url: str,
    client_id: str,
    tokens: store.StoredTokens,
    *,
    profile: str = store.DEFAULT_PROFILE,
    ca_bundle: str | None = None,
    insecure_http: bool = False,
    make_default: bool = False,
    **client_options: Unpack[ClientOptions],
) -> User:
    """After a device or PKCE login: check the tokens with /users/me, then store them."""
    url = store.normalize_server_url(server_url, insecure_http=insecure_http)
    entry = store.Profile(
        name=store.check_profile_name(profile),
        server_url=url,
        client_id=client_id,
        ca_bundle=ca_bundle,
        insecure_http=insecure_http,
    )
    return await _verify_and_save(entry, tokens, make_default=make_default, **client_options)


async def logout(profile: str | None = None) -> bool:
    """Revoke OAuth tokens (best effort) and forget the profile's tokens. True if any were stored."""
    name = profile or _env("NEP_TUI_PROFILE") or store.default_profile_name()
    entry = store.load_profile(name)
    tokens = store.load_tokens(name) if entry else None
    if entry and tokens and tokens.kind == "oauth":
        from nep_tui.api import auth

        for secret in (tokens.refresh_token, tokens.access_token):
            if secret:
                await auth.revoke(
                    entry.server_url, entry.client_id, secret, ca_bundle=entry.ca_bundle
                )
    if entry:
        store.delete_tokens(name)
    cache.clear(name)
    return tokens is not None


@dataclass(frozen=True)
class ProfileStatus:
    profile: store.Profile
    logged_in: bool
    is_default: bool
    login_kind: str | None  # "api_token" | "oauth" | None


def list_profiles() -> list[ProfileStatus]:
    default = store.default_profile_name()
    result = []
    for name, entry in sorted(store.load_profiles().items()):
        tokens = store.load_tokens(name)
        result.append(
            ProfileStatus(
                profile=entry,
                logged_in=tokens is not None,
                is_default=name == default,
                login_kind=tokens.kind if tokens else None,
            )
        )
    return result
