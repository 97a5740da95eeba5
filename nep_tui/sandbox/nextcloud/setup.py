"""integration_openproject's administration routes (`/setup` POST/PATCH/DELETE,
`check-admin-config`, `project-folder-status`, `sign-term-of-service`), answered as the app
version in the capabilities answers them (`../shared/notes/admin-setup.md` §2): the settings
schema and its validation messages, the project-folder setup with its exact "already exists"
errors, the "OpenProject" app password and Nextcloud's OAuth client for OpenProject.

These routes are admin-only and NoCSRFRequired, so HTTP Basic of a Nextcloud admin works."""

from __future__ import annotations

import secrets
import string
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from .app_versions import integration_version, team_folders_enabled, version_at_least
from .auth import identify
from .context import NextcloudContext
from .ocs import json_response
from .params import json_body
from .tokens import random_token

OPENPROJECT = "OpenProject"
NO_AUTOMATIC_GROUP = "OpenProjectNoAutomaticProjectFolders"
OAUTH_CLIENT_NAME = "OpenProject client"
APP_PASSWORD_SYMBOLS = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
GENERAL_KEYS = (
    "openproject_instance_url",
    "authorization_method",
    "default_enable_navigation",
    "default_enable_unified_search",
    "setup_project_folder",
    "setup_app_password",
)
OAUTH2_KEYS = ("openproject_client_id", "openproject_client_secret")
OIDC_KEYS = ("sso_provider_type", "oidc_provider", "targeted_audience_client_id", "token_exchange")
BOOL_KEYS = {
    "default_enable_navigation",
    "default_enable_unified_search",
    "setup_project_folder",
    "setup_app_password",
    "token_exchange",
}
STORED_KEYS = (*GENERAL_KEYS[:4], *OAUTH2_KEYS, *OIDC_KEYS)


class SetupError(Exception):
    """Answered as `{"error": message}` with the status the app maps the exception to."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _messages(version: tuple[int, ...]) -> dict[str, str]:
    """The app rewrote its validation messages in 3.2.0 (commit 45f4d8b4)."""
    if version_at_least(version, (3, 2, 0)):
        return {
            "empty": "Invalid settings.",
            "unknown": "Unknown setting: {key}",
            "missing": "Missing required field: {key}",
            "method": "Invalid authorization method.",
            "flags": 'Invalid team folder setup configuration: Both "setup_project_folder" and'
            ' "setup_app_password" must be either true or false.',
            "value": "Invalid value for setting: {key}",
            "url": "Invalid OpenProject URL.",
        }
    return {
        "empty": "The data is not a valid JSON.",
        "unknown": "invalid key",
        "missing": "invalid key",
        "method": "Invalid authorization method",
        "flags": "invalid data",
        "value": "invalid data",
        "url": "invalid data",
    }


def _valid_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def validate(values: Any, *, complete: bool, version: tuple[int, ...]) -> dict[str, Any]:
    """SettingsService's checks in its order; raises SetupError(400)."""
    text = _messages(version)
    if not isinstance(values, dict) or not values:
        raise SetupError(400, text["empty"])
    known = set(GENERAL_KEYS) | set(OAUTH2_KEYS) | set(OIDC_KEYS)
    for key in values:
        if key not in known:
            raise SetupError(400, text["unknown"].format(key=key))
    method = values.get("authorization_method", "oauth2")
    if method not in ("oauth2", "oidc"):
        raise SetupError(400, text["method"])
    if complete:
        required = ["openproject_instance_url", *GENERAL_KEYS[2:]]
        required += list(OAUTH2_KEYS) if method == "oauth2" else ["sso_provider_type"]
        for key in required:
            if key not in values:
                raise SetupError(400, text["missing"].format(key=key))
    for key, value in values.items():
        kind = bool if key in BOOL_KEYS else str
        if value is None or value == "" or not isinstance(value, kind):
            raise SetupError(400, text["value"].format(key=key))
    url = values.get("openproject_instance_url")
    if url is not None and not _valid_url(url):
        raise SetupError(400, text["url"])
    flags = [values.get(key) for key in ("setup_project_folder", "setup_app_password")]
    if complete and flags[0] != flags[1]:
        raise SetupError(400, text["flags"])
    return {"authorization_method": method, **values}


def app_password() -> str:
    """max(72, password policy) characters of letters, digits and symbols, as the app makes."""
    alphabet = string.ascii_letters + string.digits + APP_PASSWORD_SYMBOLS
    return "".join(secrets.choice(alphabet) for _ in range(72))


class IntegrationSetup:
    def __init__(self, context: NextcloudContext) -> None:
        self.context = context
        self.store = context.store

    # -- routes -----------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        return await self._write(request, complete=True)

    async def update(self, request: Request) -> Response:
        return await self._write(request, complete=False)

    async def reset(self, request: Request) -> Response:
        refused = self._refuse_non_admin(request)
        if refused:
            return refused
        self.store.set_app_values({key: "" for key in STORED_KEYS})
        self._drop_client()
        self.store.set_app_values({"fresh_project_folder_setup": "1"})
        return json_response({"status": True})

    async def check_admin_config(self, request: Request) -> Response:
        refused = self._refuse_non_admin(request)
        if refused:
            return refused
        return json_response(
            {
                "config_status_without_project_folder": self.admin_config_ok(),
                "project_folder_setup_status": self.store.named_app_password_exists(
                    OPENPROJECT, OPENPROJECT
                ),
            }
        )

    async def project_folder_status(self, request: Request) -> Response:
        refused = self._refuse_non_admin(request)
        if refused:
            return refused
        return json_response({"result": self.project_folders_complete()})

    async def sign_terms(self, request: Request) -> Response:
        refused = self._refuse_non_admin(request)
        if refused:
            return refused
        self.store.sign_tos(OPENPROJECT)
        return json_response({"result": True})

    # -- the shared write path of POST and PATCH -----------------------------------------

    async def _write(self, request: Request, *, complete: bool) -> Response:
        refused = self._refuse_non_admin(request)
        if refused:
            return refused
        body = await json_body(request)
        version = integration_version(self.context.faults)
        try:
            values = validate(
                body.get("values") if isinstance(body, dict) else None,
                complete=complete,
                version=version,
            )
            answer = self._apply(values, version, complete=complete)
        except SetupError as error:
            return json_response({"error": error.message}, error.status)
        return json_response(answer)

    def _apply(
        self, values: dict[str, Any], version: tuple[int, ...], *, complete: bool
    ) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        if values.get("setup_project_folder") is True:
            self._setup_project_folder(version)
        if values.get("setup_app_password") is True:
            if self.store.user(OPENPROJECT) is None:
                raise SetupError(
                    404, f'User "{OPENPROJECT}" does not exists to create application password'
                )
            password = app_password()
            self.store.replace_named_app_password(OPENPROJECT, OPENPROJECT, password)
            answer["openproject_user_app_password"] = password
        elif values.get("setup_app_password") is False:
            self.store.replace_named_app_password(OPENPROJECT, OPENPROJECT, None)
        self.store.set_app_values(
            {key: _stored(value) for key, value in values.items() if key in STORED_KEYS}
        )
        if "setup_project_folder" in values and "setup_app_password" in values:
            self.store.set_app_values({"fresh_project_folder_setup": "0"})
        if values["authorization_method"] == "oauth2":
            answer = {**self._client_answer(recreate=complete), **answer}
        if version_at_least(version, (2, 11, 4)):
            answer = {"status": self.admin_config_ok(), **answer}
        return answer

    def _client_answer(self, *, recreate: bool) -> dict[str, Any]:
        """POST always makes a new client; PATCH keeps an existing one (and its secret)."""
        client_id = self.store.app_value("nc_oauth_client_id")
        existing = self.store.oauth_client(client_id) if client_id else None
        redirect = self._redirect_uri
        if existing is not None and not recreate:
            new_redirect = redirect(existing.client_id)
            self.store.register_oauth_client(
                existing.client_id, existing.client_secret, new_redirect
            )
            return {
                "id": self._client_number(existing.client_id),
                "nextcloud_oauth_client_name": OAUTH_CLIENT_NAME,
                "openproject_redirect_uri": new_redirect,
                "nextcloud_client_id": existing.client_id,
            }
        self._drop_client()
        new_id, new_secret = random_token(64), random_token(64)
        self.store.register_oauth_client(new_id, new_secret, redirect(new_id))
        self.store.set_app_values({"nc_oauth_client_id": new_id})
        return {
            "nextcloud_oauth_client_name": OAUTH_CLIENT_NAME,
            "openproject_redirect_uri": redirect(new_id),
            "nextcloud_client_id": new_id,
            "nextcloud_client_secret": new_secret,
        }

    def _redirect_uri(self, client_id: str) -> str:
        base = self.store.app_value("openproject_instance_url").rstrip("/")
        return f"{base}/oauth_clients/{client_id}/callback"

    def _client_number(self, client_id: str) -> int:
        """OauthService::getClientInfo's internal id; the sandbox has one such client."""
        return sum(client_id.encode()) % 1000 + 1

    def _drop_client(self) -> None:
        client_id = self.store.app_value("nc_oauth_client_id")
        if client_id:
            self.store.drop_oauth_client(client_id)
        self.store.set_app_values({"nc_oauth_client_id": ""})

    def _setup_project_folder(self, version: tuple[int, ...]) -> None:
        """isSystemReadyForProjectFolderSetUp's checks in order, then the entities."""
        renamed = version_at_least(version, (2, 10, 0))
        app_missing = (
            'The "groupfolders" app is not installed'
            if renamed
            else 'The "Group folders" app is not installed'
        )
        folders = team_folders_enabled(self.context.faults)
        user_exists = self.store.user(OPENPROJECT) is not None
        group_exists = self.store.group_exists(OPENPROJECT)
        if user_exists and group_exists and not folders:
            raise SetupError(500, app_missing)
        if user_exists:
            raise SetupError(409, f'The user "{OPENPROJECT}" already exists')
        if group_exists:
            raise SetupError(409, f'The group "{OPENPROJECT}" already exists')
        if not folders:
            raise SetupError(500, app_missing)
        if self.store.team_folder(OPENPROJECT) is not None:
            kind = "team folder" if renamed else "group folder"
            raise SetupError(409, f'The {kind} name "{OPENPROJECT}" already exists')
        self.store.ensure_user(OPENPROJECT, secrets.token_urlsafe(32), OPENPROJECT)
        groups = [OPENPROJECT, NO_AUTOMATIC_GROUP] if renamed else [OPENPROJECT]
        for gid in groups:
            self.store.create_group(gid)
            self.store.add_to_group(gid, OPENPROJECT, subadmin=True)
        node_id = self.store.mkdir(OPENPROJECT, f"/{OPENPROJECT}")
        self.store.create_team_folder(
            OPENPROJECT, OPENPROJECT, acl_manager=OPENPROJECT, node_id=node_id
        )

    # -- state ------------------------------------------------------------------------------

    def admin_config_ok(self) -> bool:
        value = self.store.app_value
        if not _valid_url(value("openproject_instance_url")):
            return False
        if value("fresh_project_folder_setup") == "1":
            return False
        if (value("authorization_method") or "oauth2") == "oidc":
            return bool(value("sso_provider_type"))
        return all(
            value(key)
            for key in ("openproject_client_id", "openproject_client_secret", "nc_oauth_client_id")
        )

    def project_folders_complete(self) -> bool:
        member, subadmin = self.store.group_member(OPENPROJECT, OPENPROJECT)
        folder = self.store.team_folder(OPENPROJECT)
        return (
            self.store.user(OPENPROJECT) is not None
            and member
            and subadmin
            and team_folders_enabled(self.context.faults)
            and folder is not None
            and folder.gid == OPENPROJECT
            and folder.permissions == 31
            and folder.acl
            and folder.acl_manager == OPENPROJECT
        )

    def _refuse_non_admin(self, request: Request) -> Response | None:
        """SecurityMiddleware: login first, then the admin rule (NC 32 wording)."""
        caller = identify(request, self.store)
        if caller.login is None:
            return json_response({"message": "Current user is not logged in"}, 401)
        if not self.store.is_admin(caller.login):
            return json_response({"message": "Logged in user must be an admin"}, 403)
        return None


def _stored(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
