"""`nep-tui doctor`: connection checks for the current login, each a pass/fail with what to do.

Every request goes through the API layer's `ApiHttp` (the profile's client for Nepenthes, and an
auth-free `ApiHttp` for the Nextcloud origin), so the checks see exactly what the other commands
see: the same TLS settings, the same error mapping. A check never raises: a failure becomes a
`Check` with `ok=False` and a hint, and the remaining checks still run when they can.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from nep_tui.api import errors as err
from nep_tui.api import models as m
from nep_tui.api import profiles
from nep_tui.api.client import API, NepenthesClient
from nep_tui.api.http import ApiHttp

# OpenProject's storage validator sends this exact header and expects it echoed back.
CHECK_CONFIG_BEARER = "Bearer TESTBEARERTOKEN"
MIN_NEXTCLOUD_MAJOR = 22
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
INTEGRATION_APP = "integration_openproject"
# Any status counts as "reachable"; the other checks judge the answers.
ANY_STATUS = frozenset(range(100, 600))


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    hint: str = ""


def _failed(name: str, error: err.NepError) -> Check:
    return Check(name, False, error.message, error.hint)


async def _guarded(name: str, check: Callable[[], Awaitable[Check]]) -> Check:
    """Run one check; a typed error becomes its failure instead of ending the run."""
    try:
        return await check()
    except err.NepError as error:
        return _failed(name, error)


# --- Nepenthes ----------------------------------------------------------------------------------


def _transport_detail(server_url: str) -> Check:
    parts = urlsplit(server_url)
    if parts.scheme == "https":
        return Check(
            "Server reachable",
            True,
            f"{parts.netloc} answers over HTTPS with a verified certificate.",
        )
    if profiles.is_loopback(server_url):
        return Check(
            "Server reachable", True, f"{parts.netloc} answers over plain HTTP on this machine."
        )
    return Check(
        "Server reachable",
        False,
        f"{parts.netloc} answers over plain HTTP: credentials cross the network unencrypted.",
        "Use the server's https:// address.",
    )


async def check_reachable(client: NepenthesClient) -> Check:
    await client.http.request("GET", f"{API}/configuration", expected=ANY_STATUS)
    return _transport_detail(client.server_url)


async def check_configuration(client: NepenthesClient) -> Check:
    name = "API v3 configuration"
    data = await client.http.json("GET", f"{API}/configuration")
    kind = data.get("_type") if isinstance(data, dict) else None
    if kind != "Configuration":
        return Check(
            name,
            False,
            f"{API}/configuration answered a {kind or 'non-HAL'} document, not a Configuration.",
            "Check that the URL points at a Nepenthes or "
            "OpenProject server, not at a proxy or login page.",
        )
    return Check(name, True, f"{API}/configuration answers a Configuration.")


async def check_identity(client: NepenthesClient) -> Check:
    user = await client.me()
    who = f"{user.name} ({user.login})" if user.login else user.name
    return Check(
        "Authenticated",
        True,
        f"Logged in as {who}" + (", an administrator." if user.admin else "."),
    )


async def check_oauth(client: NepenthesClient) -> Check:
    name = "OAuth login"
    response = await client.http.request(
        "GET", "/.well-known/oauth-authorization-server", expected=frozenset({404})
    )
    if response.status_code == 404:
        return Check(
            name,
            True,
            "The server offers no OAuth login; API tokens work.",
            "Log in with `nep-tui login URL --token TOKEN`.",
        )
    data = client.http.decode(response)
    if not isinstance(data, dict) or not data.get("token_endpoint"):
        return Check(
            name,
            False,
            "The OAuth metadata has no token endpoint.",
            "Ask the administrator to check the server's OAuth setup, or log in with an API token.",
        )
    grants = data.get("grant_types_supported") or []
    if data.get("device_authorization_endpoint") and (not grants or DEVICE_GRANT in grants):
        return Check(
            name,
            True,
            "OAuth metadata found; the device grant is offered "
            "(log in by approving a code on any device).",
        )
    return Check(
        name,
        True,
        "OAuth metadata found; no device grant, so login uses the browser "
        "with PKCE (paste the code over SSH).",
    )


def check_token_files() -> Check:
    name = "Token file permissions"
    warnings = profiles.permission_warnings()
    if warnings:
        return Check(
            name,
            False,
            warnings[0],
            "Run the chmod shown, then log in again if the token may have been read by others.",
        )
    return Check(name, True, "The config directory and token files are private to you.")


# --- storages -----------------------------------------------------------------------------------

_STATE_ANSWERS: dict[m.AuthorizationState, tuple[bool, str, str]] = {
    m.AuthorizationState.CONNECTED: (True, "you are connected.", ""),
    m.AuthorizationState.NOT_CONNECTED: (
        False,
        "you are not connected yet (NotConnected).",
        "Open the authorize link in a browser where you are logged in to Nextcloud: {url}",
    ),
    m.AuthorizationState.FAILED_AUTHORIZATION: (
        False,
        "your Nextcloud authorization failed (FailedAuthorization).",
        "Connect again through the authorize link: {url}",
    ),
    m.AuthorizationState.ERROR: (
        False,
        "the server could not reach Nextcloud to check your connection (Error).",
        "Tell the administrator: the Nepenthes server cannot talk to this Nextcloud.",
    ),
    m.AuthorizationState.UNKNOWN: (
        False,
        "the server did not say whether you are connected.",
        "The server may be too old for the storage API; check its version.",
    ),
}


def check_storage_authorization(storage: m.Storage) -> Check:
    ok, state, hint = _STATE_ANSWERS[storage.authorization_state]
    hint = hint.format(url=storage.authorize_url or "(the server sent no authorize link)")
    return Check(
        f"Storage {storage.name!r}: authorization",
        ok,
        f"{storage.name} ({storage.type}): {state}",
        hint,
    )


def _ocs_data(body: Any) -> dict[str, Any]:
    return m.json_object(m.json_object(body, "ocs"), "data") if isinstance(body, dict) else {}


async def check_capabilities(nextcloud: ApiHttp, storage: m.Storage) -> Check:
    name = f"Storage {storage.name!r}: Nextcloud capabilities"
    response = await nextcloud.request(
        "GET",
        "/ocs/v2.php/cloud/capabilities",
        expected=ANY_STATUS,
        headers={"OCS-APIRequest": "true", "Accept": "application/json"},
    )
    data = _ocs_data(_json_or_none(response))
    version = m.json_object(data, "version")
    major = version.get("major")
    if not response.is_success or not isinstance(major, int):
        return Check(
            name,
            False,
            f"{nextcloud.server_url} answered HTTP {response.status_code} "
            "without a Nextcloud version.",
            "Check that the storage's host is a Nextcloud server.",
        )
    app = m.json_object(m.json_object(data, "capabilities"), INTEGRATION_APP)
    app_version = app.get("app_version")
    release = version.get("string") or str(major)
    if major < MIN_NEXTCLOUD_MAJOR:
        return Check(
            name,
            False,
            f"Nextcloud {release} is too old (at least {MIN_NEXTCLOUD_MAJOR} is needed).",
            "Ask the Nextcloud administrator to upgrade.",
        )
    if not app_version:
        return Check(
            name,
            False,
            f"Nextcloud {release} does not have the {INTEGRATION_APP} app enabled.",
            f"Ask the Nextcloud administrator to install and enable {INTEGRATION_APP}.",
        )
    return Check(name, True, f"Nextcloud {release} with {INTEGRATION_APP} {app_version}.")


async def check_authorization_header(nextcloud: ApiHttp, storage: m.Storage) -> Check:
    name = f"Storage {storage.name!r}: Authorization header"
    response = await nextcloud.request(
        "GET",
        f"/index.php/apps/{INTEGRATION_APP}/check-config",
        expected=ANY_STATUS,
        headers={"Authorization": CHECK_CONFIG_BEARER, "Accept": "application/json"},
    )
    body = _json_or_none(response)
    echoed = body.get("authorization_header") if isinstance(body, dict) else None
    if not response.is_success:
        return Check(
            name,
            False,
            f"check-config answered HTTP {response.status_code}.",
            f"Ask the Nextcloud administrator to enable {INTEGRATION_APP} and pretty URLs.",
        )
    if echoed != CHECK_CONFIG_BEARER:
        return Check(
            name,
            False,
            "Nextcloud did not receive the Authorization header (the web server strips it).",
            "Ask the Nextcloud administrator to pass the "
            "Authorization header through to PHP (see integration_openproject's docs).",
        )
    return Check(name, True, "Nextcloud receives the Authorization header unchanged.")


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


async def storage_checks(
    storage: m.Storage, verify: ssl.SSLContext | bool, transport: httpx.AsyncBaseTransport | None
) -> list[Check]:
    checks = [check_storage_authorization(storage)]
    if not storage.origin_url or storage.type != "Nextcloud":
        return checks
    nextcloud = ApiHttp(storage.origin_url, None, verify=verify, transport=transport)
    try:
        checks.append(await check_capabilities(nextcloud, storage))
        checks.append(await check_authorization_header(nextcloud, storage))
    except err.NetworkUnreachable as error:
        checks.append(
            Check(
                f"Storage {storage.name!r}: Nextcloud reachable from here",
                False,
                error.message,
                "Uploads and downloads go straight from this machine to "
                "Nextcloud, so it must be reachable from here: " + error.hint,
            )
        )
    except err.NepError as error:
        checks.append(_failed(f"Storage {storage.name!r}: Nextcloud", error))
    finally:
        await nextcloud.aclose()
    return checks


# --- the run ------------------------------------------------------------------------------------


async def run_checks(
    client: NepenthesClient,
    *,
    verify: ssl.SSLContext | bool = True,
    nextcloud_transport: httpx.AsyncBaseTransport | None = None,
) -> list[Check]:
    """Every check, in the order a person would fix them. `verify` is the TLS setting used for
    the Nextcloud hosts (pass the profile's, as for the Nepenthes server)."""
    try:
        checks = [await check_reachable(client)]
    except err.NetworkUnreachable as error:  # nothing else can work; TLS failures land here too
        return [_failed("Server reachable", error), check_token_files()]
    except err.NepError as error:
        checks = [_failed("Server reachable", error)]
    checks.append(await _guarded("API v3 configuration", lambda: check_configuration(client)))
    identity = await _guarded("Authenticated", lambda: check_identity(client))
    checks.append(identity)
    checks.append(await _guarded("OAuth login", lambda: check_oauth(client)))
    if identity.ok:
        try:
            storages = await client.storages()
        except err.NepError as error:
            checks.append(_failed("Storages", error))
        else:
            for storage in storages:
                checks.extend(await storage_checks(storage, verify, nextcloud_transport))
    checks.append(check_token_files())
    return checks
