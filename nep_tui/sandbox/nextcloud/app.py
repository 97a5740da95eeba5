"""The Nextcloud sandbox as one Starlette app: OCS, integration_openproject, WebDAV, direct links,
the OAuth2 app, Login Flow v2, plus the fault-driven delay and a catch-all that answers like Nextcloud would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..faults import FaultState
from ..middleware import CrashGuard, FaultDelay
from .admin_routes import AdminFaults, AdminRoutes
from .context import NextcloudContext
from .dav import DavHandler
from .downloads import DirectDownloads
from .integration import OcsRoutes
from .loginflow import LoginFlow
from .oauth import OAuthApp
from .ocs import api_version, json_response, ocs_response
from .pages import message_page, not_found_page
from .sabre import sabre_error
from .setup import IntegrationSetup
from .store import NextcloudStore
from .uploads import DirectUpload

DAV_METHODS = [
    "PROPFIND",
    "PROPPATCH",
    "GET",
    "HEAD",
    "PUT",
    "MKCOL",
    "DELETE",
    "MOVE",
    "COPY",
    "OPTIONS",
    "LOCK",
    "UNLOCK",
    "REPORT",
    "SEARCH",
    "POST",
]
OCS_NOT_FOUND = (
    "Invalid query, please check the syntax. API specifications are here:"
    " http://www.freedesktop.org/wiki/Specifications/open-collaboration-services."
)

Endpoint = Callable[[Request], Awaitable[Response]]


def _ocs_routes(path: str, endpoint: Endpoint, methods: list[str]) -> list[BaseRoute]:
    return [Route(f"/ocs/v{version}.php{path}", endpoint, methods=methods) for version in (1, 2)]


def _app_routes(path: str, endpoint: Endpoint, methods: list[str]) -> list[BaseRoute]:
    """App routes answer with and without `index.php` (pretty URLs)."""
    return [
        Route(f"{prefix}/apps/{path}", endpoint, methods=methods) for prefix in ("/index.php", "")
    ]


def create_app(
    store: NextcloudStore, faults: FaultState, *, public_url: Callable[[], str]
) -> Starlette:
    context = NextcloudContext(store, faults, public_url)
    ocs = OcsRoutes(context)
    uploads = DirectUpload(context)
    downloads = DirectDownloads(context)
    oauth = OAuthApp(context)
    dav = DavHandler(context)
    login_flow = LoginFlow(context)
    integration = "integration_openproject"
    setup = IntegrationSetup(context)
    admin = AdminRoutes(context, ocs)
    routes: list[BaseRoute] = [
        *_ocs_routes("/cloud/capabilities", ocs.capabilities, ["GET"]),
        *_ocs_routes("/cloud/user", ocs.cloud_user, ["GET"]),
        *_ocs_routes(f"/apps/{integration}/fileinfo/{{file_id}}", ocs.file_info, ["GET"]),
        *_ocs_routes(f"/apps/{integration}/filesinfo", ocs.files_info, ["POST"]),
        *_ocs_routes("/apps/dav/api/v1/direct", downloads.create_link, ["POST"]),
        *_app_routes(f"{integration}/check-config", ocs.check_config, ["GET"]),
        *_app_routes(f"{integration}/setup", setup.create, ["POST"]),
        *_app_routes(f"{integration}/setup", setup.update, ["PATCH"]),
        *_app_routes(f"{integration}/setup", setup.reset, ["DELETE"]),
        *_app_routes(f"{integration}/check-admin-config", setup.check_admin_config, ["GET"]),
        *_app_routes(f"{integration}/project-folder-status", setup.project_folder_status, ["GET"]),
        *_app_routes(f"{integration}/sign-term-of-service", setup.sign_terms, ["POST"]),
        *_ocs_routes("/cloud/users/{uid}", admin.user, ["GET"]),
        Route("/status.php", admin.status, methods=["GET"]),
        Route("/remote.php/dav", admin.dav_root, methods=["HEAD", "GET"]),
        Route("/remote.php/dav/", admin.dav_root, methods=["HEAD", "GET"]),
        *_app_routes(f"{integration}/direct-upload-token", uploads.token, ["POST"]),
        *_app_routes(f"{integration}/direct-upload/{{token}}", uploads.upload, ["POST"]),
        *_app_routes(f"{integration}/direct-upload/{{token}}", uploads.preflight, ["OPTIONS"]),
        *_app_routes(f"{integration}/direct/{{token}}/{{name}}", downloads.serve_named, ["GET"]),
        *_app_routes("oauth2/authorize", oauth.authorize, ["GET", "POST"]),
        *_app_routes("oauth2/api/v1/token", oauth.token, ["POST"]),
        *_ocs_routes("/core/apppassword", login_flow.revoke_app_password, ["DELETE"]),
        *[
            Route(f"{prefix}/login/v2{path}", endpoint, methods=methods)
            for prefix in ("/index.php", "")
            for path, endpoint, methods in (
                ("", login_flow.start, ["POST"]),
                ("/flow/{token}", login_flow.grant_page, ["GET", "POST"]),
                ("/poll", login_flow.poll, ["POST"]),
            )
        ],
        Route("/remote.php/direct/{token}", downloads.serve_core, methods=["GET"]),
        Route("/index.php/f/{file_id}", downloads.permalink, methods=["GET"]),
        Route("/f/{file_id}", downloads.permalink, methods=["GET"]),
        Route("/remote.php/dav/files/{uid}{rest:path}", dav.handle, methods=DAV_METHODS),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error},
    )
    app.add_middleware(AdminFaults, context=context)
    app.add_middleware(FaultDelay, faults=faults)
    app.add_middleware(CrashGuard, crash_response=_crash_response)
    return app


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths, wrong methods, unreadable bodies: answered in the shape of the area they hit."""
    assert isinstance(exc, HTTPException)
    path = request.url.path
    if path.startswith("/ocs/"):
        response = ocs_response(request, [], status=404, message=OCS_NOT_FOUND, ocs_code=998)
        response.status_code = 404
        return response
    if path.startswith("/remote.php/"):
        return sabre_error(
            404, "Sabre\\DAV\\Exception\\NotFound", f"File not found: {path} in 'root'"
        )
    if exc.status_code == 404:
        return not_found_page()
    return message_page("Error", exc.detail, exc.status_code)


def _crash_response(request: Request) -> Response:
    path = request.url.path
    if path.startswith("/ocs/"):
        # Recorded: v1 keeps HTTP 200 and says 996 in the meta; v2 answers a plain 500.
        ocs_code = 996 if api_version(request) == 1 else None
        return ocs_response(
            request, [], status=500, message="Internal Server Error\n", ocs_code=ocs_code
        )
    if path.startswith("/remote.php/"):
        return sabre_error(
            500, "Internal Server Error", "The server was unable to complete your request."
        )
    return json_response({"message": "Internal Server Error"}, 500)
