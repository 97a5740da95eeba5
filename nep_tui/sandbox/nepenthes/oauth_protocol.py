"""authlib's OAuth 2 server components, adapted to Starlette and to the sandbox's tables.

authlib has no Starlette server integration, so this module provides the small adapter
(request in, response out) plus the grant and endpoint subclasses that tie authlib's protocol
logic (RFC 6749, 7636, 7009, 8628) to `OAuthStore`. Handlers read the body asynchronously
first; everything here is synchronous and runs on the event-loop thread.
"""

from __future__ import annotations

import json
import secrets
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from authlib.deprecate import AuthlibDeprecationWarning
from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Payload,
    OAuth2Request,
    grants,
)
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from .oauth_models import (
    OOB_REDIRECT_URI,
    SCOPES,
    AuthorizationCode,
    Client,
    DeviceCredential,
    OAuthStore,
    Token,
)

# authlib forces its deprecation warnings to "always"; they are about its own internals and
# would only clutter the output of `nep-tui sandbox` and `nep-tui demo`.
warnings.filterwarnings("ignore", category=AuthlibDeprecationWarning)

CODE_LIFETIME = 600  # Doorkeeper's default: 10 minutes
DEVICE_CODE_LIFETIME = 600
DEVICE_POLL_INTERVAL = 5
# RFC 8628 §6.1: 20 consonants (no vowels, so no words; no look-alikes), 8 characters.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


class StarlettePayload(OAuth2Payload):  # type: ignore[misc]  # authlib ships no type hints
    """Query and form parameters together, first value winning, as authlib expects."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for key, value in pairs:
            self._datalist[key].append(value)
        self._data = {key: values[0] for key, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):  # type: ignore[misc]  # authlib ships no type hints
    def __init__(self, request: Request, form: FormData | None) -> None:
        super().__init__(method=request.method, uri=str(request.url), headers=request.headers)
        self._args = dict(request.query_params)
        self._form = {key: value for key, value in (form or {}).items() if isinstance(value, str)}
        pairs = list(request.query_params.multi_items())
        if form is not None:
            pairs += [(key, value) for key, value in form.multi_items() if isinstance(value, str)]
        self.payload = StarlettePayload(pairs)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def unique_token(**_context: object) -> str:
    """A token value: 256 random bits, whatever the grant, client or user."""
    return secrets.token_urlsafe(32)


def user_code_from(text: str) -> str:
    """Normalises what a person typed: case, spaces and dashes do not matter (RFC 8628 §6.1)."""
    letters = "".join(char for char in text.upper() if char.isalnum())
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == 8 else letters


class DoorkeeperTokenGenerator(BearerTokenGenerator):  # type: ignore[misc]  # authlib ships no type hints
    """Bearer tokens as Doorkeeper answers them: with `created_at` (seconds since the epoch)."""

    def __init__(self, *, token_ttl: int, clock: Callable[[], float]) -> None:
        super().__init__(unique_token, unique_token, expires_generator=token_ttl)
        self._clock = clock

    def generate(
        self,
        grant_type: str,
        client: Client,
        user: int | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        token: dict[str, Any] = super().generate(
            grant_type, client, user, scope, expires_in, include_refresh_token
        )
        token["created_at"] = int(self._clock())
        return token


class SandboxAuthorizationServer(AuthorizationServer):  # type: ignore[misc]  # authlib ships no type hints
    def __init__(self, store: OAuthStore, *, token_ttl: int, native_uri: Callable[[], str]) -> None:
        super().__init__(scopes_supported=SCOPES)
        self.store = store
        self.native_uri = native_uri
        self.register_token_generator(
            "default", DoorkeeperTokenGenerator(token_ttl=token_ttl, clock=store.clock)
        )

    def query_client(self, client_id: str) -> Client | None:
        return self.store.client(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.store.save_token(token, client_id=request.client.client_id, user_id=request.user)

    def create_oauth2_request(
        self, request: StarletteOAuth2Request | OAuth2Request
    ) -> OAuth2Request:
        # Handlers build the adapter themselves, because reading the form is asynchronous.
        return request

    def handle_response(
        self, status: int, body: dict[str, Any] | str, headers: list[tuple[str, str]]
    ) -> Response:
        content = json.dumps(body) if isinstance(body, dict) else body
        return Response(content, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        """The sandbox listens to no signals."""


class S256Only(CodeChallenge):  # type: ignore[misc]  # authlib ships no type hints
    """PKCE as Doorkeeper's `force_pkce` has it: mandatory for public clients, S256 only."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: grants.BaseGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        client: Client = grant.request.client
        if not client.confidential and not data.get("code_challenge"):
            raise InvalidRequestError("A code_challenge (PKCE, S256) is required for this client.")
        if data.get("code_challenge") and data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("The code_challenge_method must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]  # authlib ships no type hints
    server: SandboxAuthorizationServer  # authlib sets it; annotated for the type checker
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def create_authorization_response(self, redirect_uri: str, grant_user: int | None) -> Response:
        # Doorkeeper answers the oob redirect with its own page showing the code (or error).
        if redirect_uri == OOB_REDIRECT_URI:
            redirect_uri = self.server.native_uri()
        response: Response = super().create_authorization_response(redirect_uri, grant_user)
        return response

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.server.store.save_code(
            code,
            client_id=request.client.client_id,
            user_id=request.user,
            redirect_uri=data.get("redirect_uri"),
            scope=request.scope,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            lifetime=CODE_LIFETIME,
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        return self.server.store.code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.server.store.delete_code(authorization_code)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> int:
        return authorization_code.user_id


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]  # authlib ships no type hints
    server: SandboxAuthorizationServer  # authlib sets it; annotated for the type checker
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    # Rotation: every refresh hands out a new refresh token and revokes the old pair.
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> Token | None:
        token = self.server.store.token_by_refresh(refresh_token)
        return token if token and not token.is_revoked() else None

    def authenticate_user(self, refresh_token: Token) -> int:
        return refresh_token.user_id

    def revoke_old_credential(self, refresh_token: Token) -> None:
        self.server.store.revoke_token(refresh_token)


class TokenLookup:
    """Finds a token by either of its values, the hint only deciding which to try first."""

    server: SandboxAuthorizationServer  # set by the authlib endpoint this is mixed into

    def query_token(self, token_string: str, token_type_hint: str | None) -> Token | None:
        store: OAuthStore = self.server.store
        if token_type_hint == "refresh_token":
            return store.token_by_refresh(token_string) or store.token_by_access(token_string)
        return store.token_by_access(token_string) or store.token_by_refresh(token_string)


class SandboxRevocationEndpoint(TokenLookup, RevocationEndpoint):  # type: ignore[misc]  # authlib ships no type hints
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def authenticate_token(self, request: OAuth2Request, client: Client) -> Token | None:
        # RFC 7009 §2.2: a token this client cannot revoke is answered like an unknown one
        # (200, nothing happens), so the answer tells nothing about other clients' tokens.
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        return token if token and token.check_client(client) else None

    def revoke_token(self, token: Token, request: OAuth2Request) -> None:
        self.server.store.revoke_token(token)


class SandboxIntrospectionEndpoint(TokenLookup, IntrospectionEndpoint):  # type: ignore[misc]  # authlib ships no type hints
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def check_permission(self, token: Token, client: Client, request: OAuth2Request) -> bool:
        # A client learns about its own tokens only.
        return token.check_client(client)

    def introspect_token(self, token: Token) -> dict[str, Any]:
        return {
            "active": True,
            "scope": token.scope,
            "client_id": token.client_id,
            "token_type": "Bearer",
            "exp": int(token.issued_at + token.expires_in),
            "iat": int(token.issued_at),
        }


class SandboxDeviceAuthorizationEndpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]  # authlib ships no type hints
    server: SandboxAuthorizationServer  # authlib sets it; annotated for the type checker
    EXPIRES_IN = DEVICE_CODE_LIFETIME
    INTERVAL = DEVICE_POLL_INTERVAL

    def __init__(
        self,
        server: SandboxAuthorizationServer,
        *,
        verification_uri: Callable[[], str],
        fixed_user_code: str | None,
    ) -> None:
        super().__init__(server)
        self._verification_uri = verification_uri
        self._fixed_user_code = fixed_user_code

    def get_verification_uri(self) -> str:
        return self._verification_uri()

    def generate_user_code(self) -> str:
        if self._fixed_user_code:
            return user_code_from(self._fixed_user_code)
        store: OAuthStore = self.server.store
        while True:
            code = "-".join(
                "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(4)) for _ in range(2)
            )
            if not store.user_code_taken(code):
                return code

    def save_device_credential(
        self, client_id: str, scope: str | None, data: dict[str, Any]
    ) -> None:
        client = self.server.query_client(client_id)
        assert client is not None  # authlib authenticated it before asking for a device code
        self.server.store.save_device_code(
            data["device_code"],
            user_code=data["user_code"],
            client_id=client_id,
            scope=client.get_allowed_scope(scope),
            lifetime=data["expires_in"],
            interval=data["interval"],
        )


class SandboxDeviceCodeGrant(DeviceCodeGrant):  # type: ignore[misc]  # authlib ships no type hints
    server: SandboxAuthorizationServer  # authlib sets it; annotated for the type checker

    def query_device_credential(self, device_code: str) -> DeviceCredential:
        device = self.server.store.device_by_code(device_code)
        if device is None:
            # An unknown (or already used) device code is an invalid grant (RFC 6749 §5.2).
            raise InvalidGrantError("The device_code is unknown or was already used.")
        return device

    def query_user_grant(self, user_code: str) -> tuple[int, bool] | None:
        device = self.server.store.device_by_user_code(user_code)
        # A decision records the deciding user with it.
        if device is None or device.approved is None or device.user_id is None:
            return None
        return device.user_id, device.approved

    def should_slow_down(self, credential: DeviceCredential) -> bool:
        too_soon = (
            credential.last_poll_at is not None
            and credential.now - credential.last_poll_at < credential.interval
        )
        self.server.store.record_poll(credential, slow_down=too_soon)
        return too_soon

    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        answer: tuple[int, dict[str, Any], list[tuple[str, str]]] = super().create_token_response()
        # A device code gives one token, once.
        self.server.store.delete_device(self.request.credential)
        return answer
