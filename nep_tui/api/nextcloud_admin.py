"""A small client for a Nextcloud administrator's calls (notes/admin-setup.md §2, §8): the
integration app's setup and status routes, `status.php`, capabilities, and the probes of the
"OpenProject" user's app password. It has its own credentials (a Nextcloud admin's login and
password, HTTP Basic), never a user's token, and no error it raises contains them."""

from __future__ import annotations

from typing import Any

import httpx

from nep_tui.api import admin_models as am
from nep_tui.api import errors as err
from nep_tui.api.http import USER_AGENT

APP = "/index.php/apps/integration_openproject"
OPENPROJECT_USER = "OpenProject"
TEST_BEARER = "Bearer TESTBEARERTOKEN"
OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
TEAM_FOLDER_PROPFIND = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop>'
    "</d:propfind>"
)


class NextcloudAdmin:
    """Use as an async context manager."""

    def __init__(
        self,
        url: str,
        login: str,
        password: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.login = login
        self._http = httpx.AsyncClient(
            base_url=self.url,
            auth=httpx.BasicAuth(login, password),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=httpx.Timeout(30.0),
            follow_redirects=False,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"NextcloudAdmin({self.url!r}, login={self.login!r})"

    async def __aenter__(self) -> NextcloudAdmin:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._http.aclose()

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, path, **kwargs)
        except httpx.TransportError:
            raise err.NextcloudUnreachable(
                f"Nextcloud could not be reached at {self.url}.",
                hint="Check the Nextcloud address and that the server is running.",
            ) from None

    def _refusal(self, response: httpx.Response) -> err.NepError:
        """The admin routes' errors: SecurityMiddleware's 401/403, the app's `{"error"}`."""
        status = response.status_code
        if status == 401:
            return err.PermissionDenied(
                "Nextcloud did not accept the admin login or password.",
                hint="Check --nextcloud-admin and NEP_TUI_NEXTCLOUD_ADMIN_PASSWORD",
            )
        if status == 403:
            return err.PermissionDenied(
                f"The Nextcloud user {self.login!r} is not an administrator.",
                hint="Use a member of Nextcloud's admin group",
            )
        if status == 503:
            return maintenance_error()
        try:
            body = response.json()
        except ValueError:
            body = {}
        reason = body.get("error") if isinstance(body, dict) else None
        if isinstance(reason, str) and reason:
            return err.NextcloudSetupFailed(f"Nextcloud answered: {reason}", hint="")
        return err.ServerError(f"Nextcloud answered HTTP {status}.", status_code=status)

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._send(method, path, **kwargs)
        if not response.is_success:
            raise self._refusal(response)
        try:
            data = response.json()
        except ValueError:
            raise err.MalformedResponse(f"{method} {path}", "the body is not JSON") from None
        if not isinstance(data, dict):
            raise err.MalformedResponse(f"{method} {path}", "expected a JSON object")
        return data

    # --- public probes -----------------------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        """`status.php` (no login needed)."""
        return await self._json("GET", "/status.php", auth=None)

    async def capabilities(self) -> am.Capabilities:
        response = await self._send(
            "GET", "/ocs/v2.php/cloud/capabilities", headers=OCS_HEADERS, auth=None
        )
        if response.status_code == 503:
            raise maintenance_error()
        try:
            data = response.json()["ocs"]["data"]
            major = data["version"]["major"]
            app = data["capabilities"].get("integration_openproject")
        except (ValueError, KeyError, TypeError, AttributeError):
            return am.Capabilities(
                major=None,
                integration_app_version=None,
                team_folders_enabled=False,
                team_folders_version=None,
            )
        app = app if isinstance(app, dict) else {}
        return am.Capabilities(
            major=major if isinstance(major, int) else None,
            integration_app_version=app.get("app_version"),
            team_folders_enabled=bool(app.get("groupfolders_enabled")),
            team_folders_version=app.get("groupfolder_version"),
        )

    async def authorization_header_arrives(self) -> bool | None:
        """`check-config` echoes the Authorization header; None when the app does not answer
        (a redirect: not installed, or no pretty URLs)."""
        response = await self._send(
            "GET", f"{APP}/check-config", headers={"Authorization": TEST_BEARER}, auth=None
        )
        if not response.is_success:
            return None
        try:
            return bool(response.json().get("authorization_header") == TEST_BEARER)
        except (ValueError, AttributeError):
            return None

    # --- admin routes ------------------------------------------------------------------------

    async def check_admin_config(self) -> tuple[bool, bool]:
        """(configured without project folders, app password present)."""
        data = await self._json("GET", f"{APP}/check-admin-config")
        return (
            bool(data.get("config_status_without_project_folder")),
            bool(data.get("project_folder_setup_status")),
        )

    async def project_folders_ready(self) -> bool:
        data = await self._json("GET", f"{APP}/project-folder-status")
        return data.get("result") is True

    async def setup(self, values: dict[str, Any], *, partial: bool) -> am.NextcloudSetupAnswer:
        data = await self._json(
            "PATCH" if partial else "POST", f"{APP}/setup", json={"values": values}
        )
        return am.NextcloudSetupAnswer.from_json(data)

    async def reset(self) -> None:
        await self._json("DELETE", f"{APP}/setup")

    async def sign_terms_of_service(self) -> bool:
        data = await self._json("POST", f"{APP}/sign-term-of-service")
        return data.get("result") is True

    # --- the OpenProject user's app password (userless access) ---------------------------

    async def app_password_status(self, app_password: str) -> int:
        """The team folder's PROPFIND status as user OpenProject: 207 ok, 401 bad password,
        403 refused (e.g. Terms of Service), 404 no team folder."""
        response = await self._send(
            "PROPFIND",
            f"/remote.php/dav/files/{OPENPROJECT_USER}/{OPENPROJECT_USER}",
            headers={"Depth": "0", "Content-Type": "application/xml"},
            content=TEAM_FOLDER_PROPFIND,
            auth=httpx.BasicAuth(OPENPROJECT_USER, app_password),
        )
        return response.status_code


def maintenance_error() -> err.NepError:
    return err.NextcloudUnreachable(
        "Nextcloud is in maintenance mode.",
        hint="Turn it off with `occ maintenance:mode --off` once the maintenance is done",
    )
