"""The automatically managed project folders job (OpenProject's
`AutomaticallyManagedStorageSyncJob`, notes/admin-setup.md §5), run when a project storage in
automatic mode is added: userless WebDAV as `OpenProject:<application password>`, one folder
`<Project name> (<id>)` per project under the `OpenProject` team folder.

With the `workers_down` fault no job runs, as with stopped background workers. The sandbox's
Nextcloud shows a project folder to every user; per-member ACLs (PROPPATCH `nc:acl-list`) are
not played.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from defusedxml import ElementTree
from starlette.requests import Request

from nep_tui.sandbox.nepenthes import storage_context, storage_settings, storage_store

USER = "OpenProject"
FORBIDDEN_CHARACTERS = '<>:"\\/|?*'
FILEID_PROPFIND = (
    '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
    "<d:prop><oc:fileid/></d:prop></d:propfind>"
)
TIMEOUT = httpx.Timeout(10.0)


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
    project = storage_context.store(request).project(project_id)
    return folder_name(project["name"] if project else str(project_id), project_id)


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
