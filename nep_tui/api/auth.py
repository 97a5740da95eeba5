"""OAuth 2 login against a Nepenthes server: discovery, device grant (RFC 8628), authorization
code with PKCE (oob copy-paste or a one-shot loopback redirect), refresh and revocation.

authlib provides the protocol pieces (PKCE challenge, token expiry); the HTTP goes through our
own httpx client so TLS settings, timeouts and error mapping are the same as for the API.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from nep_tui.api import errors as err
from nep_tui.api.http import (
    USER_AGENT,
    ApiTokenSource,
    Redacted,
    error_from_transport,
    tls_verification,
)
from nep_tui.api.profiles import Profile, StoredTokens, save_tokens

with warnings.catch_warnings():
    # authlib warns about its own future API moves on import; that is not the user's business.
    warnings.simplefilter("ignore")
    from authlib.common.security import generate_token
    from authlib.oauth2.rfc6749 import OAuth2Token
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_SCOPE = "api_v3"
REFRESH_LEEWAY_SECONDS = 60
SLOW_DOWN_SECONDS = 5

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class ServerMetadata:
    server_url: str
    issuer: str | None
    authorization_endpoint: str
    token_endpoint: str
    revocation_endpoint: str
    device_authorization_endpoint: str | None
    grant_types_supported: tuple[str, ...]

    @property
    def supports_device_flow(self) -> bool:
        return self.device_authorization_endpoint is not None and (
            not self.grant_types_supported or DEVICE_GRANT in self.grant_types_supported
        )


@dataclass(frozen=True)
class DeviceCode:
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: int
    interval: int
    device_code: str = ""

    def __repr__(self) -> str:
        return (
            f"DeviceCode(user_code={self.user_code!r}, verification_uri={self.verification_uri!r})"
        )


def _oauth_client(ca_bundle: str | None = None, timeout: float = 30.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        timeout=timeout,
        verify=tls_verification(ca_bundle),
        follow_redirects=False,
    )


async def _post_form(url: str, form: dict[str, str], *, ca_bundle: str | None) -> httpx.Response:
    async with _oauth_client(ca_bundle) as client:
        try:
            return await client.post(url, data=form)
        except httpx.TransportError as exc:
            raise error_from_transport(exc, url) from None


def _json_object(response: httpx.Response, endpoint: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise err.MalformedResponse(endpoint, "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise err.MalformedResponse(endpoint, "expected a JSON object")
    return data


async def discover(server_url: str, *, ca_bundle: str | None = None) -> ServerMetadata:
    """Read `/.well-known/oauth-authorization-server` (RFC 8414)."""
    base = server_url.rstrip("/")
    url = f"{base}/.well-known/oauth-authorization-server"
    endpoint = "GET /.well-known/oauth-authorization-server"
    async with _oauth_client(ca_bundle) as client:
        try:
            response = await client.get(url)
        except httpx.TransportError as exc:
            raise error_from_transport(exc, url) from None
    if response.status_code == 404:
        raise err.FlowNotSupported(
            "The server does not offer OAuth login.", hint="Log in with an API token (--token)."
        )
    if not response.is_success:
        raise err.ServerError(
            f"The server's OAuth metadata could not be read (HTTP {response.status_code}).",
            status_code=response.status_code,
        )
    data = _json_object(response, endpoint)
    try:
        grants = data.get("grant_types_supported") or []
        return ServerMetadata(
            server_url=base,
            issuer=data.get("issuer"),
            authorization_endpoint=str(data["authorization_endpoint"]),
            token_endpoint=str(data["token_endpoint"]),
            revocation_endpoint=str(data.get("revocation_endpoint") or f"{base}/oauth/revoke"),
            device_authorization_endpoint=data.get("device_authorization_endpoint"),
            grant_types_supported=tuple(str(grant) for grant in grants),
        )
    except KeyError as exc:
        raise err.MalformedResponse(endpoint, f"the field {exc.args[0]!r} is missing") from None


# --- token answers ------------------------------------------------------------------------------


def tokens_from_answer(data: dict[str, Any], endpoint: str) -> StoredTokens:
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise err.MalformedResponse(endpoint, "no access_token in the answer")
    token = OAuth2Token(dict(data))  # computes expires_at from expires_in
    expires_at = token.get("expires_at")
    return StoredTokens(
        kind="oauth",
        access_token=access,
        refresh_token=data.get("refresh_token"),
        expires_at=float(expires_at) if expires_at else None,
        token_type=str(data.get("token_type") or "Bearer"),
        scope=data.get("scope"),
        issued_at=time.time(),
    )


def _token_error(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return str(data.get("error") or "") if isinstance(data, dict) else ""


async def _token_request(
    metadata: ServerMetadata, form: dict[str, str], *, ca_bundle: str | None
) -> StoredTokens:
    response = await _post_form(metadata.token_endpoint, form, ca_bundle=ca_bundle)
    if not response.is_success:
        code = _token_error(response)
        if code == "invalid_grant":
            raise err.AuthError(
                "The server did not accept the login code.",
                hint="Codes are single-use and expire quickly; log in again.",
            )
        if code in ("invalid_client", "unauthorized_client"):
            raise err.AuthError(
                "The server does not know this OAuth client id.",
                hint="Check --client-id (an administrator registers the app).",
            )
        raise err.AuthError(f"The token request failed (HTTP {response.status_code}).")
    return tokens_from_answer(_json_object(response, "POST token endpoint"), "POST token endpoint")


# --- device authorization grant (RFC 8628) ----------------------------------------------------------


async def start_device_flow(
    metadata: ServerMetadata,
    client_id: str,
    *,
    scope: str = DEFAULT_SCOPE,
    ca_bundle: str | None = None,
) -> DeviceCode:
    if not metadata.device_authorization_endpoint:
        raise err.FlowNotSupported("The server does not offer device login.")
    endpoint = "POST device authorization endpoint"
    response = await _post_form(
        metadata.device_authorization_endpoint,
        {"client_id": client_id, "scope": scope},
        ca_bundle=ca_bundle,
    )
    if not response.is_success:
        if _token_error(response) in ("invalid_client", "unauthorized_client"):
            raise err.AuthError(
                "The server does not know this OAuth client id.", hint="Check --client-id."
            )
        raise err.AuthError(f"Starting the device login failed (HTTP {response.status_code}).")
    data = _json_object(response, endpoint)
    try:
        return DeviceCode(
            user_code=str(data["user_code"]),
            verification_uri=str(data["verification_uri"]),
            verification_uri_complete=data.get("verification_uri_complete"),
            expires_in=int(data["expires_in"]),
            interval=int(data.get("interval") or 5),
            device_code=str(data["device_code"]),
        )
    except (KeyError, TypeError, ValueError):
        raise err.MalformedResponse(endpoint, "the device code answer is incomplete") from None


async def poll_device_flow(
    metadata: ServerMetadata,
    client_id: str,
    device: DeviceCode,
    *,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    ca_bundle: str | None = None,
) -> StoredTokens:
    """Poll the token endpoint at the server's interval until the user approves or denies."""
    interval = max(1, device.interval)
    deadline = clock() + device.expires_in
    form = {"grant_type": DEVICE_GRANT, "device_code": device.device_code, "client_id": client_id}
    while True:
        await sleep(interval)
        if clock() > deadline:
            raise err.DeviceFlowExpired()
        response = await _post_form(metadata.token_endpoint, form, ca_bundle=ca_bundle)
        if response.is_success:
            return tokens_from_answer(
                _json_object(response, "POST token endpoint"), "POST token endpoint"
            )
        code = _token_error(response)
        if code == "authorization_pending":
            continue
        if code == "slow_down":
            interval += SLOW_DOWN_SECONDS
            continue
        if code == "expired_token":
            raise err.DeviceFlowExpired()
        if code == "access_denied":
            raise err.AccessDenied()
        raise err.AuthError(f"The device login failed ({code or f'HTTP {response.status_code}'}).")


# --- authorization code with PKCE ----------------------------------------------------------------


@dataclass
class PkceLogin:
    """One authorization-code login: build the URL, then exchange the code that comes back."""

    metadata: ServerMetadata
    client_id: str
    redirect_uri: str = OOB_REDIRECT_URI
    scope: str = DEFAULT_SCOPE
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        self.code_verifier = generate_token(64)
        self.state = generate_token(24)

    def __repr__(self) -> str:
        return f"PkceLogin(client_id={self.client_id!r}, redirect_uri={self.redirect_uri!r})"

    @property
    def authorization_url(self) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": self.scope,
                "state": self.state,
                "code_challenge": create_s256_code_challenge(self.code_verifier),
                "code_challenge_method": "S256",
            }
        )
        separator = "&" if "?" in self.metadata.authorization_endpoint else "?"
        return f"{self.metadata.authorization_endpoint}{separator}{query}"

    async def exchange(self, code: str) -> StoredTokens:
        code = code.strip()
        if not code:
            raise err.AuthError(
                "No login code was entered.", hint="Paste the code shown in the browser."
            )
        return await _token_request(
            self.metadata,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "client_id": self.client_id,
                "code_verifier": self.code_verifier,
            },
            ca_bundle=self.ca_bundle,
        )


_LOOPBACK_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>nep-tui</title>"
    b"<p>Login finished. You can close this tab and return to the terminal.</p>"
)


async def login_with_loopback(
    metadata: ServerMetadata,
    client_id: str,
    *,
    open_browser: Callable[[str], object],
    timeout: float = 300.0,
    scope: str = DEFAULT_SCOPE,
    ca_bundle: str | None = None,
) -> StoredTokens:
    """PKCE with a redirect to 127.0.0.1 on a random port: one request, then the listener closes."""
    received: asyncio.Future[dict[str, list[str]]] = asyncio.get_running_loop().create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), 10)
            parts = request_line.decode("latin-1").split(" ")
            if len(parts) >= 2 and not received.done():
                received.set_result(parse_qs(urlsplit(parts[1]).query))
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                b"Connection: close\r\nContent-Length: "
                + str(len(_LOOPBACK_PAGE)).encode()
                + b"\r\n\r\n"
                + _LOOPBACK_PAGE
            )
            await writer.drain()
        except (TimeoutError, OSError, UnicodeDecodeError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        login = PkceLogin(
            metadata,
            client_id,
            redirect_uri=f"http://127.0.0.1:{port}/callback",
            scope=scope,
            ca_bundle=ca_bundle,
        )
        open_browser(login.authorization_url)
        try:
            query = await asyncio.wait_for(received, timeout)
        except TimeoutError:
            raise err.AuthError(
                "No answer came back from the browser in time.", hint="Run `nep-tui login` again."
            ) from None
    finally:
        server.close()
        await server.wait_closed()
    if query.get("state", [""])[0] != login.state:
        raise err.AuthError(
            "The browser's answer did not belong to this login.", hint="Run `nep-tui login` again."
        )
    if "error" in query:
        if query["error"][0] == "access_denied":
            raise err.AccessDenied()
        raise err.AuthError(f"The server refused the login ({query['error'][0]}).")
    return await login.exchange(query.get("code", [""])[0])


# --- refresh and revocation ----------------------------------------------------------------------


async def refresh(
    metadata_or_token_endpoint: ServerMetadata | str,
    client_id: str,
    refresh_token: str,
    *,
    ca_bundle: str | None = None,
) -> StoredTokens:
    token_endpoint = (
        metadata_or_token_endpoint.token_endpoint
        if isinstance(metadata_or_token_endpoint, ServerMetadata)
        else metadata_or_token_endpoint
    )
    response = await _post_form(
        token_endpoint,
        {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id},
        ca_bundle=ca_bundle,
    )
    if not response.is_success:
        raise err.LoggedOut()
    tokens = tokens_from_answer(
        _json_object(response, "POST token endpoint"), "POST token endpoint"
    )
    if tokens.refresh_token is None:  # servers may keep the old refresh token valid
        tokens.refresh_token = refresh_token
    return tokens


async def revoke(
    server_url: str,
    client_id: str | None,
    token: str,
    *,
    revocation_endpoint: str | None = None,
    ca_bundle: str | None = None,
) -> bool:
    """Best effort (RFC 7009): True if the server confirmed."""
    url = revocation_endpoint or f"{server_url.rstrip('/')}/oauth/revoke"
    form = {"token": token}
    if client_id:
        form["client_id"] = client_id
    try:
        response = await _post_form(url, form, ca_bundle=ca_bundle)
    except err.NetworkUnreachable:
        return False
    return response.is_success


# --- the token source used by the API client ---------------------------------------------------------


class OAuthTokenSource:
    """Bearer tokens that refresh shortly before expiry, and once after a 401 that blames the
    token (or comes when the token has expired by its own clock).

    A lock makes concurrent requests share one refresh; refreshed tokens are saved to the
    profile so the next run starts with them."""

    def __init__(self, profile: Profile, tokens: StoredTokens, *, persist: bool = True) -> None:
        self._profile = profile
        self._tokens = tokens
        self._persist = persist
        self._lock = asyncio.Lock()
        self._metadata: ServerMetadata | None = None
        self.refresh_count = 0

    def __repr__(self) -> str:
        return f"OAuthTokenSource(profile={self._profile.name!r})"

    @property
    def current_tokens(self) -> StoredTokens:
        return self._tokens

    def _header(self) -> str:
        return Redacted(f"Bearer {self._tokens.access_token}")

    async def authorization(self) -> str:
        if self._tokens.refresh_due(REFRESH_LEEWAY_SECONDS) and self._tokens.refresh_token:
            stale = self._header()
            async with self._lock:
                if self._header() == stale:
                    await self._refresh()
        return self._header()

    async def refresh_after_rejection(self, rejected: str, *, token_invalid: bool) -> bool:
        async with self._lock:
            if self._header() != rejected:
                return True  # another request refreshed while this one waited
            if not token_invalid and not self._tokens.expires_within(0):
                # The server took the token and refused something else (a storage endpoint
                # whose Nextcloud token is missing): a new access token would change nothing.
                return False
            if not self._tokens.refresh_token:
                raise err.LoggedOut()
            await self._refresh()
            return True

    async def _refresh(self) -> None:
        if not self._profile.client_id or not self._tokens.refresh_token:
            raise err.LoggedOut()
        try:
            if self._metadata is None:
                self._metadata = await discover(
                    self._profile.server_url, ca_bundle=self._profile.ca_bundle
                )
            tokens = await refresh(
                self._metadata,
                self._profile.client_id,
                self._tokens.refresh_token,
                ca_bundle=self._profile.ca_bundle,
            )
        except (err.NetworkUnreachable, err.ServerError):
            raise
        except err.NepError:
            raise err.LoggedOut() from None
        self._tokens = tokens
        self.refresh_count += 1
        if self._persist:
            save_tokens(self._profile.name, tokens)


def token_source_for(
    profile: Profile, tokens: StoredTokens, *, persist: bool = True
) -> ApiTokenSource | OAuthTokenSource:
    if tokens.kind == "oauth":
        return OAuthTokenSource(profile, tokens, persist=persist)
    return ApiTokenSource(tokens.access_token)
