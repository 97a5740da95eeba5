"""Nextcloud's OAuth2 app: a login + consent page that hands out a code, and the token endpoint
(authorization_code and refresh_token grants; refresh tokens rotate).

Written directly rather than on authlib's server classes: Nextcloud's answers are not RFC-shaped
(the registered redirect URI always wins, errors are bare `{"error": ...}` with 400), and the
point of the sandbox is to give those answers."""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .context import NextcloudContext
from .ocs import json_response
from .pages import authorize_page, message_page
from .params import request_params
from .store import OAuthClient

AUTHORIZE_PATH = "/index.php/apps/oauth2/authorize"
CLIENT_REFUSED = "Your client is not authorized to connect. Please inform the administrator of your client."


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
                _with_query(client.redirect_uri, state=state, error="unsupported_response_type"), 302
            )
        return self._page(client, state)

    def _page(self, client: OAuthClient, state: str, *, error: str | None = None, login: str = "") -> Response:
        return authorize_page(
            client_name=client.client_id,
            action=AUTHORIZE_PATH,
            hidden={"client_id": client.client_id, "state": state},
            error=error,
            login=login,
            status=403 if error else 200,
        )

    async def _grant(self, request: Request) -> Response:
        form = await request_params(request)
        client = self.store.oauth_client(str(form.get("client_id", "")))
        if client is None:
            return message_page("Error", CLIENT_REFUSED, 400)
        login, password, state = (str(form.get(key, "")) for key in ("login", "password", "state"))
        if not self.store.check_password(login, password):
            return self._page(client, state, error="Wrong login or password.", login=login)
        code = self.store.create_auth_code(client.client_id, login)
        # Nextcloud always sends the browser to the client's registered redirect URI.
        return RedirectResponse(_with_query(client.redirect_uri, state=state, code=code), 302)

    async def token(self, request: Request) -> Response:
        form = await request_params(request)
        grant_type = str(form.get("grant_type", ""))
        if grant_type not in ("authorization_code", "refresh_token"):
            return json_response({"error": "invalid_grant"}, 400)
        client_id, client_secret = _client_credentials(request, form)
        client = self.store.oauth_client(client_id)
        if client is None or not hmac.compare_digest(client.client_secret.encode(), client_secret.encode()):
            return json_response({"error": "invalid_client"}, 400)
        if grant_type == "authorization_code":
            tokens = self.store.redeem_auth_code(str(form.get("code", "")), client.client_id)
        else:
            tokens = self.store.refresh_oauth_token(str(form.get("refresh_token", "")), client.client_id)
        if tokens is None:
            return json_response({"error": "invalid_request"}, 400)
        return json_response(tokens)


def _client_credentials(request: Request, form: dict) -> tuple[str, str]:
    """client_secret_basic or client_secret_post, both of which Nextcloud accepts."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
            return client_id, secret
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
    return str(form.get("client_id", "")), str(form.get("client_secret", ""))


def _with_query(uri: str, **params: str) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(params)
