"""Login Flow v2: a client starts a flow, the user grants it in any browser, the client polls
once for an app password (used as HTTP Basic from then on) and may later revoke it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .auth import identify
from .context import NextcloudContext
from .integration import csrf_failed
from .ocs import json_response, not_logged_in, ocs_response, passes_csrf
from .pages import authorize_page, message_page
from .params import request_params

FLOW_INVALID = "Your login token is invalid or has expired"


class LoginFlow:
    def __init__(self, context: NextcloudContext) -> None:
        self.context = context
        self.store = context.store

    async def start(self, request: Request) -> Response:
        client_name = request.headers.get("user-agent", "") or "unknown"
        poll_token, login_token = self.store.start_login_flow(client_name)
        base = self.context.base_url()
        return json_response(
            {
                "poll": {"token": poll_token, "endpoint": f"{base}/login/v2/poll"},
                "login": f"{base}/login/v2/flow/{login_token}",
            }
        )

    async def grant_page(self, request: Request) -> Response:
        login_token = request.path_params["token"]
        client_name = self.store.login_flow_client(login_token)
        if client_name is None:
            return message_page("Error", FLOW_INVALID, 403)
        if request.method == "GET":
            return authorize_page(client_name=client_name, action=request.url.path, hidden={})
        form = await request_params(request)
        login, password = str(form.get("login", "")), str(form.get("password", ""))
        if not self.store.check_password(login, password):
            return authorize_page(
                client_name=client_name,
                action=request.url.path,
                hidden={},
                error="Wrong login or password.",
                login=login,
                status=403,
            )
        self.store.grant_login_flow(login_token, login)
        return message_page(
            "Account connected",
            "Your client should now be connected! You can close this window.",
            200,
        )

    async def poll(self, request: Request) -> Response:
        result = self.store.poll_login_flow(str((await request_params(request)).get("token", "")))
        if result is None:
            return json_response([], 404)
        login, app_password = result
        return json_response(
            {"server": self.context.base_url(), "loginName": login, "appPassword": app_password}
        )

    async def revoke_app_password(self, request: Request) -> Response:
        """DELETE /ocs/v2.php/core/apppassword: only a session that logged in with one."""
        caller = identify(request, self.store)
        if caller.login is None:
            return not_logged_in(request)
        if not passes_csrf(request):
            return csrf_failed()
        if caller.app_password is None:
            return ocs_response(request, [], status=403, message="no app password in use")
        self.store.revoke_app_password(caller.app_password)
        return ocs_response(request, [])
