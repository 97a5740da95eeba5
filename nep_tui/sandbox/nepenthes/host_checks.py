"""The checks OpenProject makes against a storage host before it saves it
(`NextcloudCompatibleHostValidator`, `SecureContextUriValidator`,
`NextcloudApplicationCredentialsValidator`; notes/admin-setup.md §3.1), over real HTTP.

Each returns the real validation message, or None when the host passes."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import httpx

from nep_tui.sandbox.faults import FaultState

CONNECT_TIMEOUT = httpx.Timeout(3.0, connect=5.0)
MINIMUM_MAJOR = 22
TEST_BEARER = "Bearer TESTBEARERTOKEN"
UNREACHABLE = (
    "Host could not be reached. Please ensure the host is reachable and the OpenProject"
    " integration app is installed."
)
NOT_NEXTCLOUD = "Host is not a Nextcloud server"
TOO_OLD = "Host does not meet minimal version requirements (must be Nextcloud 23 or higher)"
APP_MISSING = (
    'Host appears to not have the app "OpenProject integration" installed. Please install it'
    " first and then try again."
)
HEADER_DROPPED = (
    'Host is not fully set up. The Nextcloud instance does not receive the "Authorization"'
    " header, which is necessary for a Bearer token based authorization of API requests. Please"
    " double check your HTTP server configuration."
)
NOT_A_URL = "Host is not a valid URL."
NOT_SECURE = (
    'Host is not providing a "Secure Context". Either use HTTPS or a loopback address, such as'
    " localhost."
)
PASSWORD_INVALID = "Application password is not valid."
PASSWORD_UNVERIFIED = (
    "Application password could not be validated with the file storage provider. Please verify"
    " that the connection is functioning properly."
)


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _syntax_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return NOT_A_URL
    if parts.scheme != "https" and not _loopback(parts.hostname):
        return NOT_SECURE
    return None


async def host_problem(host: str, *, faults: FaultState) -> str | None:
    problem = _syntax_problem(host)
    if problem:
        return problem
    if faults.nextcloud_unreachable:
        return UNREACHABLE
    async with httpx.AsyncClient(timeout=CONNECT_TIMEOUT, follow_redirects=False) as http:
        try:
            capabilities = await http.get(
                f"{host}ocs/v2.php/cloud/capabilities",
                headers={"Ocs-Apirequest": "true", "Accept": "application/json"},
            )
            if not capabilities.is_success:
                return UNREACHABLE
            try:
                major = capabilities.json()["ocs"]["data"]["version"]["major"]
            except (ValueError, KeyError, TypeError):
                return NOT_NEXTCLOUD
            if not isinstance(major, int) or major < MINIMUM_MAJOR:
                return TOO_OLD
            check = await http.get(
                f"{host}index.php/apps/integration_openproject/check-config",
                headers={"Authorization": TEST_BEARER},
            )
        except httpx.TransportError:
            return UNREACHABLE
    if check.is_redirect:
        return APP_MISSING
    if not check.is_success:
        return UNREACHABLE
    try:
        echoed = check.json().get("authorization_header")
    except (ValueError, AttributeError):
        return UNREACHABLE
    return None if echoed == TEST_BEARER else HEADER_DROPPED


async def application_password_problem(
    host: str, password: str, *, faults: FaultState
) -> str | None:
    """`HEAD {host}remote.php/dav` as user OpenProject with the password."""
    if faults.nextcloud_unreachable:
        return PASSWORD_UNVERIFIED
    async with httpx.AsyncClient(timeout=CONNECT_TIMEOUT, follow_redirects=False) as http:
        try:
            answer = await http.head(f"{host}remote.php/dav", auth=("OpenProject", password))
        except httpx.TransportError:
            return PASSWORD_UNVERIFIED
    if answer.is_success:
        return None
    return PASSWORD_INVALID if answer.status_code == 401 else PASSWORD_UNVERIFIED
