"""The automatically managed project folders job (OpenProject's
`AutomaticallyManagedStorageSyncJob`, notes/admin-setup.md §5), run when a project storage in
automatic mode is added: userless WebDAV as `OpenProject:<application password>`, one folder
`<Project name> (<id>)` per project under the `OpenProject` team folder.

Each folder then gets its ACL (`PROPPATCH nc:acl-list`): the OpenProject user 31, its group 0,
each connected admin 31, each connected member the sum of the file permissions of their role.
It runs again when a user connects (a new remote identity), as the real triggers do. With the
`workers_down` fault no job runs, as with stopped background workers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx
from defusedxml import ElementTree
from starlette.requests import Request

from nep_tui.sandbox.nepenthes import permissions, storage_context, storage_settings, storage_store
from nep_tui.sandbox.nepenthes.store import request_store

USER = "OpenProject"
FORBIDDEN_CHARACTERS = '<>:"\\/|?*'
FILEID_PROPFIND = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
    "<d:prop><oc:fileid/></d:prop></d:propfind>"
)
TIMEOUT = httpx.Timeout(10.0)
FILE_PERMISSIONS = (
    ("read_files", 1),
    ("write_files", 2),
    ("create_files", 4),
    ("delete_files", 8),
    ("share_files", 16),
)
ALL_PERMISSIONS = 31


def _acl_entry(kind: str, mapping: str, permissions: int) -> str:
    return (
        f"<nc:acl><nc:acl-mapping-type>{kind}</nc:acl-mapping-type>"
        f"<nc:acl-mapping-id>{escape(mapping)}</nc:acl-mapping-id>"
        f"<nc:acl-mask>{ALL_PERMISSIONS}</nc:acl-mask>"
        f"<nc:acl-permissions>{permissions}</nc:acl-permissions></nc:acl>"
    )


def acl_body(request: Request, project_id: int) -> str:
    """NextcloudManagedFolderPermissionsService's rules for one project folder."""
    entries = [_acl_entry("user", USER, ALL_PERMISSIONS), _acl_entry("group", USER, 0)]
    store = request_store(request)
    connected = storage_context.db(request).execute(
        "SELECT user_id, origin_user_id FROM nextcloud_tokens WHERE origin_user_id IS NOT NULL"
    )
    for user_id, uid in connected.fetchall():
        if permissions.is_admin(store, user_id):
            entries.append(_acl_entry("user", uid, ALL_PERMISSIONS))
            continue
        granted = sum(
            bit
            for name, bit in FILE_PERMISSIONS
            if storage_context.allowed(request, user_id, name, project_id)
        )
        if granted:
            entries.append(_acl_entry("user", uid, granted))
    return (
        '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"'
        ' xmlns:nc="http://nextcloud.org/ns"><d:set><d:prop><nc:acl-list>'
        + "".join(entries)
        + "</nc:acl-list></d:prop></d:set></d:propertyupdate>"
    )


def folder_name(project_name: str, project_id: int) -> str:
    """ManagedFolderIdentifier: `/` and `\\` become `|`, then forbidden characters `_`."""
    name = project_name.replace("/", "|").replace("\\", "|")
    name = "".join("_" if char in FORBIDDEN_CHARACTERS else char for char in name)
    return f"{name} ({project_id})"


def _folder_url(host: str, name: str) -> str:
    return f"{host}remote.php/dav/files/{USER}/{USER}/{quote(name)}"


def _automatic(request: Request, storage: dict[str, Any]) -> list[dict[str, Any]]:
    rows = storage_store.project_storages(storage_context.db(request), storage_id=storage["id"])
    return [row for row in rows if row["project_folder_mode"] == "automatic"]


def _name(request: Request, project_id: int) -> str:
    project = request_store(request).project(project_id)
    return folder_name(project["name"] if project else str(project_id), project_id)


async def sync_all(request: Request) -> None:
    """Every storage with managed folders, e.g. after a user connected to Nextcloud."""
    for storage in storage_store.storages(storage_context.db(request)):
        await sync(request, storage, storage_settings.host_of(request, storage))


async def sync(request: Request, storage: dict[str, Any], host: str) -> None:
    db = storage_context.db(request)
    password = storage_settings.application_password(db, storage["id"])
    if request.app.state.faults.workers_down or not password or not storage["oauth_client_id"]:
        return
    async with httpx.AsyncClient(timeout=TIMEOUT, auth=(USER, password)) as http:
        for row in _automatic(request, storage):
            url = _folder_url(host, _name(request, row["project_id"]))
            try:
                await http.request("MKCOL", url)  # 405: it is there already
                found = await http.request(
                    "PROPFIND", url, headers={"Depth": "0"}, content=FILEID_PROPFIND
                )
            except httpx.TransportError:
                return
            file_id = _file_id(found) if found.status_code == 207 else None
            if file_id:
                try:
                    await http.request(
                        "PROPPATCH", url, content=acl_body(request, row["project_id"])
                    )
                except httpx.TransportError:
                    return
                db.execute(
                    "UPDATE project_storages SET project_folder_id = ?, updated_at = ?"
                    " WHERE id = ?",
                    (file_id, storage_store.now_iso(), row["id"]),
                )


def _file_id(answer: httpx.Response) -> str | None:
    try:
        root = ElementTree.fromstring(answer.content)
    except ElementTree.ParseError:
        return None
    found = root.find(".//{http://owncloud.org/ns}fileid")
    return found.text if found is not None else None


async def delete_project_folders(request: Request, storage: dict[str, Any], host: str) -> None:
    """ProjectStorages::DeleteService for automatic mode: the folder goes with its files."""
    password = storage_settings.application_password(storage_context.db(request), storage["id"])
    if not password:
        return
    async with httpx.AsyncClient(timeout=TIMEOUT, auth=(USER, password)) as http:
        for row in _automatic(request, storage):
            if not row["project_folder_id"]:
                continue
            try:
                await http.delete(_folder_url(host, _name(request, row["project_id"])) + "/")
            except httpx.TransportError:
                return
