"""OCS core routes (capabilities, cloud/user) and integration_openproject's own routes
(check-config, fileinfo, filesinfo), answered in the recorded shapes."""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .app_versions import integration_capability
from .auth import identify
from .context import NextcloudContext, dav_permissions
from .ocs import json_response, not_logged_in, ocs_response, passes_csrf, php_json
from .params import json_body, parse_id
from .store import Access, Node

NEXTCLOUD_VERSION = {
    "major": 32,
    "minor": 0,
    "micro": 1,
    "string": "32.0.1",
    "edition": "",
    "extendedSupport": False,
}
CORE_CAPABILITIES = {"pollinterval": 60, "webdav-root": "remote.php/webdav"}
OP_DIRECTORY_MIME = "application/x-op-directory"


def csrf_failed() -> Response:
    return json_response({"message": "CSRF check failed"}, 412)


class OcsRoutes:
    def __init__(self, context: NextcloudContext) -> None:
        self.context = context
        self.store = context.store

    def _login_or_error(self, request: Request) -> str | Response:
        """Nextcloud checks the login before the CSRF rule."""
        caller = identify(request, self.store)
        if caller.login is None:
            return not_logged_in(request)
        if not passes_csrf(request):
            return csrf_failed()
        return caller.login

    async def capabilities(self, request: Request) -> Response:
        if not passes_csrf(request):
            return csrf_failed()
        capabilities: dict[str, Any] = {"core": CORE_CAPABILITIES}
        integration = integration_capability(self.context.faults)
        if integration is not None:
            capabilities["integration_openproject"] = integration
        data = {"version": NEXTCLOUD_VERSION, "capabilities": capabilities}
        etag = hashlib.md5(php_json(data), usedforsecurity=False).hexdigest()
        return ocs_response(request, data, headers={"etag": f'"{etag}"'})

    async def cloud_user(self, request: Request) -> Response:
        login = self._login_or_error(request)
        if isinstance(login, Response):
            return login
        return ocs_response(request, self.user_data(login), headers={"x-user-id": login})

    def user_data(self, login: str) -> dict[str, Any]:
        used = self.store.used_bytes(login)
        quota = self.context.faults.quota_bytes.get(login)
        free = -3 if quota is None else max(quota - used, 0)
        total = -3 if quota is None else quota
        relative = 0 if not quota else round(used * 100 / quota, 2)
        name = self.store.display_name(login)
        return {
            "enabled": True,
            "storageLocation": f"/var/www/html/data/{login}",
            "id": login,
            "lastLogin": 0,
            "backend": "Database",
            "subadmin": [],
            "quota": {
                "free": free,
                "used": used,
                "total": total,
                "relative": relative,
                "quota": total,
            },
            "manager": "",
            "email": None,
            "additional_mail": [],
            "displayname": name,
            "display-name": name,
            "phone": "",
            "address": "",
            "website": "",
            "twitter": "",
            "fediverse": "",
            "organisation": "",
            "role": "",
            "headline": "",
            "biography": "",
            "profile_enabled": "1",
            "groups": [],
            "language": "en",
            "locale": "",
            "notify_email": None,
            "backendCapabilities": {"setDisplayName": True, "setPassword": True},
        }

    async def check_config(self, request: Request) -> Response:
        caller = identify(request, self.store)
        return json_response(
            {
                "user_id": caller.login or "",
                "authorization_header": request.headers.get("authorization", ""),
            }
        )

    async def file_info(self, request: Request) -> Response:
        login = self._login_or_error(request)
        if isinstance(login, Response):
            return login
        info = self.info_for(request.path_params["file_id"], login)
        return ocs_response(request, info, status=info["statuscode"])

    async def files_info(self, request: Request) -> Response:
        login = self._login_or_error(request)
        if isinstance(login, Response):
            return login
        ids = await _file_ids(request)
        if ids is None:
            return ocs_response(request, "invalid request", status=400)
        return ocs_response(request, {str(raw): self.info_for(raw, login) for raw in ids})

    def info_for(self, raw_id: object, login: str) -> dict[str, Any]:
        file_id = parse_id(raw_id)
        node = self.store.node(file_id) if file_id is not None else None
        if node is None or node.trashed:
            return {"status": "Not Found", "statuscode": 404}
        access = self.store.access(node, login)
        if access is Access.NONE:
            return {"status": "Forbidden", "statuscode": 403}
        return file_info(self.context, node, login, access)


def file_info(context: NextcloudContext, node: Node, login: str, access: Access) -> dict[str, Any]:
    store = context.store
    path = store.path_of(node)
    if node.is_dir:
        path = path.rstrip("/") + "/"
    return {
        "status": "OK",
        "statuscode": 200,
        "id": node.id,
        "name": node.name,
        "mtime": node.mtime,
        "ctime": node.ctime,
        "mimetype": OP_DIRECTORY_MIME if node.is_dir else node.mime,
        "size": node.size,
        "owner_name": store.display_name(node.owner),
        "owner_id": node.owner,
        "modifier_name": store.display_name(node.modifier) if node.modifier else None,
        "modifier_id": node.modifier,
        "dav_permissions": dav_permissions(node, login, access),
        "path": "files" + path,
    }


async def _file_ids(request: Request) -> list[Any] | None:
    body = await json_body(request)
    ids = body.get("fileIds") if isinstance(body, dict) else None
    return ids if isinstance(ids, list) else None
