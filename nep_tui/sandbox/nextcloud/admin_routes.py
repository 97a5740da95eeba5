"""What an administrator's checks reach besides the integration app: `status.php`, the OCS user
endpoint (`cloud/users/{uid}`), the DAV root that OpenProject probes the app password with, and
the middleware that plays the admin guide's troubleshooting cases (fault switches)."""

from __future__ import annotations

import base64
import binascii
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .app_versions import integration_installed
from .auth import identify
from .context import NextcloudContext
from .integration import NEXTCLOUD_VERSION, OcsRoutes
from .ocs import api_version, json_response, not_logged_in, ocs_response
from .pages import page
from .sabre import not_authenticated, sabre_error
from .setup import OPENPROJECT

INTEGRATION_PATHS = ("/apps/integration_openproject/", "/index.php/apps/integration_openproject/")
OCS_INTEGRATION = "/apps/integration_openproject/"


class AdminRoutes:
    def __init__(self, context: NextcloudContext, ocs: OcsRoutes) -> None:
        self.context = context
        self.store = context.store
        self.ocs = ocs

    async def status(self, request: Request) -> Response:
        version = NEXTCLOUD_VERSION
        return json_response(
            {
                "installed": True,
                "maintenance": self.context.faults.nextcloud_maintenance,
                "needsDbUpgrade": False,
                "version": f"{version['string']}.2",
                "versionstring": version["string"],
                "edition": "",
                "productname": "Nextcloud",
                "extendedSupport": False,
            }
        )

    async def user(self, request: Request) -> Response:
        """Provisioning API `GET cloud/users/{uid}`: admins see everyone, a user sees self."""
        caller = identify(request, self.store)
        if caller.login is None:
            return not_logged_in(request)
        uid = request.path_params["uid"]
        allowed = caller.login == uid or self.store.is_admin(caller.login)
        if self.store.user(uid) is None or not allowed:
            return ocs_response(
                request,
                [],
                status=404,
                message="User does not exist",
                ocs_code=998 if api_version(request) == 1 else None,
            )
        data = self.ocs.user_data(uid)
        data["groups"] = self.store.groups_of(uid)
        return ocs_response(request, data)

    async def dav_root(self, request: Request) -> Response:
        """`HEAD /remote.php/dav`: 200 for good credentials, Sabre's 401 otherwise."""
        if identify(request, self.store).login is None:
            error = not_authenticated()
            return sabre_error(error.status, error.exception, error.message, error.headers)
        return Response(status_code=200)


def _basic_login(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(value.strip(), validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return None


class AdminFaults:
    """The fault switches of the troubleshooting guide, applied in front of every route."""

    def __init__(self, app: ASGIApp, context: NextcloudContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        faults, store = self.context.faults, self.context.store
        if faults.nextcloud_openproject_user_exists and store.user(OPENPROJECT) is None:
            store.ensure_user(OPENPROJECT, secrets.token_urlsafe(32), OPENPROJECT)
        path = scope["path"]
        response = self._answer_instead(scope, path)
        if response is not None:
            await response(scope, receive, send)
            return
        headers = MutableHeaders(scope=scope)
        login = _basic_login(headers.get("authorization", ""))
        if faults.nextcloud_strips_authorization or (
            faults.app_password_invalid and login == OPENPROJECT
        ):
            # The web server in front drops the header / the password no longer exists.
            del headers["authorization"]
        await self.app(scope, receive, send)

    def _answer_instead(self, scope: Scope, path: str) -> Response | None:
        faults = self.context.faults
        if faults.nextcloud_maintenance and path != "/status.php":
            if path.startswith("/remote.php/"):
                return sabre_error(
                    503,
                    "Sabre\\DAV\\Exception\\ServiceUnavailable",
                    "System is in maintenance mode.",
                )
            return page(
                "Maintenance mode",
                "<p>This Nextcloud instance is currently in maintenance mode, which may take a"
                " while. This page will refresh itself when the instance is available again.</p>",
                503,
            )
        if not integration_installed(faults):
            if path.startswith(INTEGRATION_PATHS):
                # An unknown app route sends the browser to the default app.
                return RedirectResponse(f"{self.context.base_url()}/index.php/apps/dashboard/", 302)
            if path.startswith("/ocs/") and OCS_INTEGRATION in path:
                return Response(status_code=404)
        if (
            faults.nextcloud_terms_unsigned
            and path.startswith(f"/remote.php/dav/files/{OPENPROJECT}/")
            and not self.context.store.tos_signed(OPENPROJECT)
        ):
            return sabre_error(
                403, "Sabre\\DAV\\Exception\\Forbidden", "Terms of service not signed!"
            )
        return None
