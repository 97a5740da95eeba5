"""Nextcloud's OAuth2 app: a login + consent page that hands out a code, and the token endpoint
(authorization_code and refresh_token grants; refresh tokens rotate).

Written directly rather than on authlib's server classes: Nextcloud's answers are not RFC-shaped
(the registered redirect URI always wins, errors are bare `{"error": ...}` with 400), and the
point of the sandbox is to give those answers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .context import NextcloudContext
from .ocs import json_response
from .pages import authorize_page, message_page
from .params import request_params
from .tokens import AuthCode, OAuthClient

AUTHORIZE_PATH = "/index.php/apps/oauth2/authorize"
CARRIED = ("code_challenge", "code_challenge_method")
PKCE_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
CLIENT_REFUSED = (
    "Your client is not authorized to connect. Please inform the administrator of your client."
)


class OAuthApp:
    def __init__(self, context: NextcloudContext) -> None:
        self.context = context
        self.store = context.store

    async def authorize(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._grant(request)
        params = request.query_params
        client = self.store.oauth_client(params.get("client_id", ""))
        if client is None:
            return message_page("Error", CLIENT_REFUSED, 400)
        state = params.get("state", "")
        if params.get("response_type", "code") != "code":
            return RedirectResponse(
                _with_query(client.redirect_uri, state=state, error="unsupported_response_type"),
                302,
            )
        return self._page(client, _carried(params))

    def _page(
        self,
        client: OAuthClient,
        carried: dict[str, str],
        *,
        error: str | None = None,
        login: str = "",
    ) -> Response:
        return authorize_page(
            client_name=client.client_id,
            action=AUTHORIZE_PATH,
            hidden={"client_id": client.client_id, **carried},
            error=error,
            login=login,
            status=403 if error else 200,
        )

    async def _grant(self, request: Request) -> Response:
        form = await request_params(request)
        client = self.store.oauth_client(str(form.get("client_id", "")))
        if client is None:
            return message_page("Error", CLIENT_REFUSED, 400)
        login, password = str(form.get("login", "")), str(form.get("password", ""))
        carried = _carried(form)
        if not self.store.check_password(login, password):
            return self._page(client, carried, error="Wrong login or password.", login=login)
        code = self.store.create_auth_code(
            client.client_id,
            login,
            code_challenge=carried.get("code_challenge") or None,
            code_challenge_method=carried.get("code_challenge_method") or None,
        )
        # Nextcloud always sends the browser to the client's registered redirect URI.
        return RedirectResponse(
            _with_query(client.redirect_uri, state=carried.get("state", ""), code=code), 302
        )

    async def token(self, request: Request) -> Response:
        """The checks of Nextcloud's OauthApiController, in its order."""
        form = await request_params(request)
        grant_type = str(form.get("grant_type", ""))
        if grant_type not in ("authorization_code", "refresh_token"):
            return _token_error("invalid_grant")
        if grant_type == "authorization_code":
            code = str(form.get("code", ""))
            grant = self.store.auth_code(code)
            if grant is None:
                return _token_error("invalid_request")
            pkce_error = _pkce_error(grant, str(form.get("code_verifier", "")))
            if pkce_error:
                return _token_error(pkce_error)
            owner_client_id: str | None = grant.client_id
        else:
            refresh_token = str(form.get("refresh_token", ""))
            refresh = self.store.refresh_grant(refresh_token)
            if refresh is None:
                return _token_error("invalid_request")
            owner_client_id = refresh.client_id
        client_id, client_secret = _client_credentials(request, form)
        client = self.store.oauth_client(owner_client_id or client_id)
        if client is None:
            return _token_error("invalid_request")
        if client.client_id != client_id or not hmac.compare_digest(
            client.client_secret.encode(), client_secret.encode()
        ):
            return _token_error("invalid_client")
        if grant_type == "authorization_code":
            tokens = self.store.redeem_auth_code(code)
        else:
            tokens = self.store.refresh_oauth_token(refresh_token, client.client_id)
        return json_response(tokens) if tokens is not None else _token_error("invalid_request")


def _token_error(error: str) -> Response:
    return json_response({"error": error}, 400)


def _pkce_error(grant: AuthCode, verifier: str) -> str | None:
    """RFC 7636 as Nextcloud checks it, when the authorization request carried a challenge."""
    if not grant.code_challenge:
        return None
    if not verifier:
        return "invalid_request"
    if not PKCE_VERIFIER.fullmatch(verifier) or grant.code_challenge_method != "S256":
        return "invalid_grant"
    digest = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    return None if hmac.compare_digest(digest, grant.code_challenge) else "invalid_grant"


def _client_credentials(request: Request, form: dict[str, Any]) -> tuple[str, str]:
    """client_secret_basic or client_secret_post, both of which Nextcloud accepts."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = (
                base64.b64decode(value.strip(), validate=True).decode().partition(":")
            )
            return client_id, secret
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
    return str(form.get("client_id", "")), str(form.get("client_secret", ""))


def _carried(params: Mapping[str, Any]) -> dict[str, str]:
    """What the consent form must hand back: the state and an optional PKCE challenge."""
    return {key: str(params[key]) for key in CARRIED if params.get(key)} | {
        "state": str(params.get("state", ""))
    }


def _with_query(uri: str, **params: str) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)
