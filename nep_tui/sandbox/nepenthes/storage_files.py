"""Browsing and writing a storage through Nepenthes: `/api/v3/storages/{id}/files` (a WebDAV
PROPFIND on the user's behalf), one file (`fileinfo`), `prepare_upload` (Nextcloud's
`direct-upload-token`) and `folders` (MKCOL)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import storage_context, storage_store
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import ApiError, forbidden, invalid_query
from nep_tui.sandbox.nepenthes.hal import API, hal_response, link
from nep_tui.sandbox.nepenthes.nextcloud_client import (
    DIRECTORY_MIME_TYPE,
    DavEntry,
    dav_permissions,
)

NO_LINK = "urn:openproject-org:api:v3:storages:storage_file:no_link_provided"
FILES_NO_LINK = "urn:openproject-org:api:v3:storages:storage_files:no_link_provided"
UPLOAD_NO_LINK = "urn:openproject-org:api:v3:storages:upload_link:no_link_provided"


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def storage_file_json(storage_id: int, entry: DavEntry) -> dict[str, Any]:
    return _without_none(
        {
            "_type": "StorageFile",
            "id": entry.id,
            "name": entry.name,
            "size": entry.size,
            "mimeType": entry.mime_type,
            "lastModifiedAt": entry.last_modified_at,
            "createdByName": entry.owner_name or "Unknown",
            "location": entry.location,
            "permissions": entry.permissions,
            "_links": {"self": link(f"{API}/storages/{storage_id}/files/{entry.id}")},
        }
    )


def ancestors_json(location: str) -> list[dict[str, Any]]:
    """The synthetic ancestors of a location: the root and each folder above it, with
    `id = sha256(name)` as the real server makes them (navigate by `location`)."""
    parts = [part for part in location.strip("/").split("/") if part]
    if not parts:
        return []
    chain = [("Root", "/")] + [
        (part, "/" + "/".join(parts[: index + 1])) for index, part in enumerate(parts[:-1])
    ]
    return [
        {
            "_type": "StorageFile",
            "id": hashlib.sha256(name.encode()).hexdigest(),
            "name": name,
            "location": ancestor_location,
            "permissions": ["readable", "writeable"],
            "_links": {"self": link(NO_LINK)},
        }
        for name, ancestor_location in chain
    ]


def timestamp_from_unix(seconds: Any) -> str | None:
    if not seconds:
        return None
    moment = datetime.fromtimestamp(int(seconds), UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def entry_from_file_info(data: dict[str, Any]) -> DavEntry:
    """A `fileinfo` answer in the terms of a listing entry (its `path` is `files/<location>`)."""
    is_folder = data.get("mimetype") == DIRECTORY_MIME_TYPE
    location = "/" + str(data.get("path", "")).removeprefix("files").strip("/")
    return DavEntry(
        id=str(data["id"]),
        name=str(data["name"]),
        location=location,
        size=data.get("size"),
        mime_type=str(data.get("mimetype") or "application/octet-stream"),
        last_modified_at=timestamp_from_unix(data.get("mtime")),
        owner_name=data.get("owner_name"),
        permissions=dav_permissions(str(data.get("dav_permissions") or ""), is_folder),
        is_folder=is_folder,
    )


async def list_files(request: Request) -> Response:
    user_id = current_user(request)
    storage = storage_context.visible_storage(request, user_id)
    parent = "/" + request.query_params.get("parent", "/").strip("/")
    async with storage_context.storage_errors():
        entries = await storage_context.nextcloud(request, storage).list_folder(user_id, parent)
    folder, children = entries[0], entries[1:]
    if not folder.is_folder:
        raise invalid_query("The given parent is not a directory.")
    return hal_response(
        {
            "_type": "StorageFiles",
            "files": [storage_file_json(storage["id"], child) for child in children],
            "parent": storage_file_json(storage["id"], folder),
            "ancestors": ancestors_json(folder.location),
            "_links": {"self": link(FILES_NO_LINK)},
        }
    )


async def show_file(request: Request) -> Response:
    user_id = current_user(request)
    storage = storage_context.visible_storage(request, user_id)
    async with storage_context.storage_errors():
        data = await storage_context.nextcloud(request, storage).file_info(
            user_id, request.path_params["file_id"]
        )
    return hal_response(storage_file_json(storage["id"], entry_from_file_info(data)))


def _malformed() -> ApiError:
    return ApiError(400, "BadRequest", "Request body malformed!")


async def prepare_upload(request: Request) -> Response:
    user_id = current_user(request)
    storage = storage_context.visible_storage(request, user_id)
    body = await storage_context.json_body(request)
    if not isinstance(body, dict):
        raise _malformed()
    project_id, file_name, parent = body.get("projectId"), body.get("fileName"), body.get("parent")
    project = str(project_id or "")
    if not project.isdigit() or not isinstance(file_name, str) or not file_name:
        raise _malformed()
    if not isinstance(parent, (str, int)) or str(parent) == "":
        raise _malformed()
    if not storage_context.allowed(request, user_id, "manage_file_links", int(project)):
        raise forbidden()
    client = storage_context.nextcloud(request, storage)
    async with storage_context.storage_errors():
        folder_id = str(parent)
        if folder_id == "/":
            folder_id = (await client.list_folder(user_id, "/", depth=0))[0].id
        destination = await client.upload_token(user_id, folder_id)
    return hal_response(
        {
            "_type": "UploadLink",
            "_links": {
                "self": link(UPLOAD_NO_LINK),
                "destination": link(destination, "Upload File", method="post"),
            },
        },
        status=201,
    )


async def create_folder(request: Request) -> Response:
    user_id = current_user(request)
    storage = storage_context.visible_storage(request, user_id)
    body = await storage_context.json_body(request)
    if not isinstance(body, dict):
        raise _malformed()
    # The real server's params are `parent_id` and `name`; the spec spells `parentId`.
    parent_id = body.get("parent_id", body.get("parentId"))
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or "/" in name or parent_id in (None, ""):
        raise _malformed()
    project_ids = [
        row["project_id"]
        for row in storage_store.project_storages(
            storage_context.db(request), storage_id=storage["id"]
        )
    ]
    if not any(
        storage_context.allowed(request, user_id, "manage_file_links", pid) for pid in project_ids
    ):
        raise forbidden()
    client = storage_context.nextcloud(request, storage)
    async with storage_context.storage_errors():
        if str(parent_id) == "/":
            parent_location = "/"
        else:
            parent_location = entry_from_file_info(
                await client.file_info(user_id, str(parent_id))
            ).location
        entry = await client.create_folder(user_id, parent_location, name.strip())
    return hal_response(storage_file_json(storage["id"], entry), status=201)


routes = [
    Route(f"{API}/storages/{{storage_id}}/files", list_files, methods=["GET"]),
    Route(f"{API}/storages/{{storage_id}}/files/prepare_upload", prepare_upload, methods=["POST"]),
    Route(f"{API}/storages/{{storage_id}}/files/{{file_id}}", show_file, methods=["GET"]),
    Route(f"{API}/storages/{{storage_id}}/folders", create_folder, methods=["POST"]),
]
