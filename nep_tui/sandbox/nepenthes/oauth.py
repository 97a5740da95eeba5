"""The Nepenthes side's OAuth 2 authorization server (Doorkeeper's shapes, plus RFC 8628).

Like OpenProject: authorization code with PKCE S256 (mandatory for public clients), the
out-of-band redirect `urn:ietf:wg:oauth:2.0:oob` showing the code on a page, loopback
redirects with any port, refresh tokens that rotate, RFC 7009 revocation, RFC 8414 metadata.
The sandbox's extension over a stock OpenProject is the device authorization grant (RFC 8628),
which `--no-device-grant` removes again.

Plugged into the core app (see `app.py`) by `init_schema(db)` and `install(app)`: the latter
builds the `OAuthServer`, registers nep-tui's public client (`NEP_TUI_CLIENT_ID`, which goes
into credentials.json), mounts the routes and puts the server on `app.state.oauth`, where the
Bearer check calls `verify_access_token`.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from authlib.oauth2.rfc6749 import OAuth2Error
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from . import oauth_pages as pages
from .oauth_models import DEVICE_GRANT_TYPE, OOB_REDIRECT_URI, SCOPES, OAuthStore
from .oauth_protocol import (
    AuthorizationCodeGrant,
    RefreshTokenGrant,
    S256Only,
    SandboxAuthorizationServer,
    SandboxDeviceAuthorizationEndpoint,
    SandboxDeviceCodeGrant,
    SandboxIntrospectionEndpoint,
    SandboxRevocationEndpoint,
    StarletteOAuth2Request,
    user_code_from,
)

AUTHORIZE_PATH = "/oauth/authorize"
NATIVE_PATH = "/oauth/authorize/native"
TOKEN_PATH = "/oauth/token"
REVOKE_PATH = "/oauth/revoke"
INTROSPECT_PATH = "/oauth/introspect"
DEVICE_AUTHORIZATION_PATH = "/oauth/device_authorization"
DEVICE_VERIFICATION_PATH = "/oauth/device"
METADATA_PATH = "/.well-known/oauth-authorization-server"
RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"

NEP_TUI_CLIENT_ID = "nep-tui"
# What a native client such as nep-tui registers: the copy-paste page and loopback redirects
# (any port, RFC 8252 §7.3).
NATIVE_REDIRECT_URIS = [OOB_REDIRECT_URI, "http://127.0.0.1/callback", "http://localhost/callback"]

# Fields of our own forms, which are not authorization request parameters.
_FORM_FIELDS = {"login", "password", "decision"}


class HasDatabase(Protocol):
    @property
    def db(self) -> Any: ...


class UnknownUserCode(LookupError):
    """No pending device authorization has this user code (unknown, expired or decided)."""


class OAuthServer:
    def __init__(
        self,
        store: HasDatabase,
        *,
        token_ttl: int,
        device_grant: bool,
        fixed_user_code: str | None,
        public_url: Callable[[], str],
        check_password: Callable[[str, str], int | None],
        find_user: Callable[[str], int | None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`check_password(login, password)` and `find_user(login)` give the user's id or None;
        `clock` is there so tests can let codes and tokens expire without waiting."""
        self._grant_types = ["authorization_code", "refresh_token"] + (
            [DEVICE_GRANT_TYPE] if device_grant else []
        )
        self._store = OAuthStore(lambda: store.db, clock, frozenset(self._grant_types))
        self._device_grant = device_grant
        self._public_url = public_url
        self._check_password = check_password
        self._find_user = find_user
        self._server = SandboxAuthorizationServer(
            self._store, token_ttl=token_ttl, native_uri=lambda: public_url() + NATIVE_PATH
        )
        self._server.register_grant(AuthorizationCodeGrant, [S256Only(required=True)])
        self._server.register_grant(RefreshTokenGrant)
        self._server.register_endpoint(SandboxRevocationEndpoint)
        self._server.register_endpoint(SandboxIntrospectionEndpoint)
        self.routes: list[Route] = [
            Route(METADATA_PATH, self._metadata, methods=["GET"]),
            Route(RESOURCE_METADATA_PATH, self._resource_metadata, methods=["GET"]),
            Route(AUTHORIZE_PATH, self._authorize_form, methods=["GET"]),
            Route(AUTHORIZE_PATH, self._authorize_decision, methods=["POST"]),
            Route(NATIVE_PATH, self._native_result, methods=["GET"]),
            Route(TOKEN_PATH, self._token, methods=["POST"]),
            Route(REVOKE_PATH, self._endpoint("revocation"), methods=["POST"]),
            Route(INTROSPECT_PATH, self._endpoint("introspection"), methods=["POST"]),
        ]
        if device_grant:
            self._server.register_grant(SandboxDeviceCodeGrant)
            self._server.register_endpoint(
                SandboxDeviceAuthorizationEndpoint(
                    self._server,
                    verification_uri=lambda: public_url() + DEVICE_VERIFICATION_PATH,
                    fixed_user_code=fixed_user_code,
                )
            )
            self.routes += [
                Route(
                    DEVICE_AUTHORIZATION_PATH,
                    self._endpoint("device_authorization"),
                    methods=["POST"],
                ),
                Route(DEVICE_VERIFICATION_PATH, self._device_form, methods=["GET"]),
                Route(DEVICE_VERIFICATION_PATH, self._device_decision, methods=["POST"]),
            ]

    # The in-process interface

    def init_schema(self, db: Any) -> None:
        OAuthStore.init_schema(db)

    def register_client(
        self,
        client_id: str,
        *,
        name: str,
        redirect_uris: list[str],
        confidential: bool = False,
        secret: str | None = None,
    ) -> None:
        self._store.save_client(
            client_id,
            name=name,
            redirect_uris=redirect_uris,
            confidential=confidential,
            secret=secret,
        )

    def verify_access_token(self, token: str) -> int | None:
        """The user an access token acts for, or None when it is unknown, expired or revoked."""
        found = self._store.token_by_access(token)
        if found is None or found.is_revoked() or found.is_expired():
            return None
        return found.user_id

    def approve_device_code(self, user_code: str, user: int | str) -> None:
        """Approves a pending device authorization as if the user had used the page (demo).
        `user` is a user id or a login (`RunningSandbox.approve_device_code` passes a login)."""
        user_id = (
            user if isinstance(user, int) else (self._find_user(user) if self._find_user else None)
        )
        if user_id is None:
            raise LookupError(f"No user with the login {user!r}")
        device = self._store.device_by_user_code(user_code_from(user_code))
        if device is None or device.is_expired() or device.approved is not None:
            raise UnknownUserCode(user_code)
        self._store.decide_device(device, user_id=user_id, approved=True)

    # Metadata (RFC 8414, RFC 9728)

    def metadata(self) -> dict[str, Any]:
        base = self._public_url()
        answer: dict[str, Any] = {
            "issuer": base,
            "authorization_endpoint": base + AUTHORIZE_PATH,
            "token_endpoint": base + TOKEN_PATH,
            "revocation_endpoint": base + REVOKE_PATH,
            "introspection_endpoint": base + INTROSPECT_PATH,
            "scopes_supported": SCOPES,
            "response_types_supported": ["code"],
            "grant_types_supported": list(self._grant_types),
            "token_endpoint_auth_methods_supported": [
                "none",
                "client_secret_basic",
                "client_secret_post",
            ],
            "code_challenge_methods_supported": ["S256"],
        }
        if self._device_grant:
            answer["device_authorization_endpoint"] = base + DEVICE_AUTHORIZATION_PATH
        return answer

    async def _metadata(self, request: Request) -> Response:
        return JSONResponse(self.metadata())

    async def _resource_metadata(self, request: Request) -> Response:
        """RFC 9728: the API is protected by this same authorization server."""
        base = self._public_url()
        return JSONResponse(
            {
                "resource": base,
                "authorization_servers": [base],
                "scopes_supported": SCOPES,
                "bearer_methods_supported": ["header"],
            }
        )

    # Authorization endpoint: login + consent page

    async def _authorize_form(self, request: Request) -> Response:
        oauth_request = StarletteOAuth2Request(request, None)
        try:
            grant = self._server.get_consent_grant(oauth_request)
        except OAuth2Error as error:
            return self._authorization_error(error)
        return self._consent_page(oauth_request, grant.client.name)

    async def _authorize_decision(self, request: Request) -> Response:
        form = await request.form()
        oauth_request = StarletteOAuth2Request(request, form)
        try:
            grant = self._server.get_consent_grant(oauth_request)
        except OAuth2Error as error:
            return self._authorization_error(error)
        user_id = None
        if form.get("decision") != "deny":
            login = str(form.get("login", ""))
            user_id = self._check_password(login, str(form.get("password", "")))
            if user_id is None:
                return self._consent_page(
                    oauth_request,
                    grant.client.name,
                    login=login,
                    error="Invalid login or password.",
                    status=422,
                )
        response: Response = self._server.create_authorization_response(
            oauth_request, grant_user=user_id, grant=grant
        )
        return response

    def _consent_page(
        self,
        oauth_request: StarletteOAuth2Request,
        client_name: str,
        *,
        login: str = "",
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        params = {
            key: value
            for key, value in oauth_request.payload.data.items()
            if key not in _FORM_FIELDS
        }
        return pages.authorize_page(
            action=AUTHORIZE_PATH,
            client_name=client_name,
            scope=oauth_request.scope or "",
            params=params,
            login=login,
            error=error,
            status=status,
        )

    def _authorization_error(self, error: OAuth2Error) -> Response:
        """Redirects the error to the client only once its redirect URI is known to be its own
        (RFC 6749 §4.1.2.1); otherwise, and for the oob redirect, shows it on the page."""
        if error.redirect_uri and error.redirect_uri != OOB_REDIRECT_URI:
            status, _, headers = error()
            return RedirectResponse(dict(headers)["Location"], status_code=status)
        message = f"{error.error}: {error.description}" if error.description else error.error
        return pages.message_page(
            "Authorization failed", message, status=error.status_code, error=True
        )

    async def _native_result(self, request: Request) -> Response:
        """Doorkeeper's page for the oob redirect: the code to copy, or the error."""
        code = request.query_params.get("code")
        if code:
            return pages.code_page(code)
        error = request.query_params.get("error", "invalid_request")
        description = request.query_params.get("error_description")
        message = f"{error}: {description}" if description else error
        return pages.message_page("Authorization failed", message, status=400, error=True)

    # Token endpoint and the other form-posted endpoints

    async def _token(self, request: Request) -> Response:
        oauth_request = StarletteOAuth2Request(request, await request.form())
        response: Response = self._server.create_token_response(oauth_request)
        return response

    def _endpoint(self, name: str) -> Callable[[Request], Awaitable[Response]]:
        """A handler for one of authlib's form-posted endpoints (revocation, introspection, ...)."""

        async def handle(request: Request) -> Response:
            # Rails merges query and body parameters: Nextcloud's integration app sends the
            # token to revoke in the query string (notes/admin-setup.md §2.9).
            form = await request.form()
            merged = FormData([*request.query_params.multi_items(), *form.multi_items()])
            oauth_request = StarletteOAuth2Request(request, merged)
            response: Response = self._server.create_endpoint_response(name, oauth_request)
            return response

        return handle

    # Device verification page (RFC 8628 §3.3)

    async def _device_form(self, request: Request) -> Response:
        return pages.device_page(
            action=DEVICE_VERIFICATION_PATH, user_code=request.query_params.get("user_code", "")
        )

    async def _device_decision(self, request: Request) -> Response:
        form = await request.form()
        typed_code, login = str(form.get("user_code", "")), str(form.get("login", ""))

        def again(error: str) -> Response:
            return pages.device_page(
                action=DEVICE_VERIFICATION_PATH,
                user_code=typed_code,
                login=login,
                error=error,
                status=422,
            )

        device = self._store.device_by_user_code(user_code_from(typed_code))
        if device is None or device.is_expired() or device.approved is not None:
            return again(
                "This code is unknown, expired or already used. "
                "Check the code your device shows, or start again on the device."
            )
        user_id = self._check_password(login, str(form.get("password", "")))
        if user_id is None:
            return again("Invalid login or password.")
        approved = form.get("decision") != "deny"
        self._store.decide_device(device, user_id=user_id, approved=approved)
        if approved:
            return pages.message_page(
                "Device connected",
                "Your device is now connected to your account. You can return to it.",
            )
        return pages.message_page(
            "Device denied", "The device was not given access to your account."
        )


# The core app's plug-in interface (see app.py)


def init_schema(db: Any) -> None:
    OAuthStore.init_schema(db)


def install(app: Starlette) -> None:
    store, config = app.state.store, app.state.config

    def find_user(login: str) -> int | None:
        row = store.user_by_login(login)
        return int(row["id"]) if row is not None and row["status"] == "active" else None

    def check_password(login: str, password: str) -> int | None:
        row = store.user_by_login(login)
        if row is None or row["status"] != "active":
            return None
        return int(row["id"]) if hmac.compare_digest(str(row["password"]), password) else None

    server = OAuthServer(
        store,
        token_ttl=config.token_ttl,
        device_grant=config.device_grant,
        fixed_user_code=config.fixed_user_code,
        public_url=config.public_url,
        check_password=check_password,
        find_user=find_user,
    )
    server.register_client(NEP_TUI_CLIENT_ID, name="nep-tui", redirect_uris=NATIVE_REDIRECT_URIS)
    app.router.routes.extend(server.routes)
    app.state.oauth = server
