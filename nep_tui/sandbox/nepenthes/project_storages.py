"""`/api/v3/project_storages`: which storage is active in which project, with the project folder
that the storage manages automatically."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions, storage_context, storage_store
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import not_found
from nep_tui.sandbox.nepenthes.hal import API, hal_response, link, plain_collection
from nep_tui.sandbox.nepenthes.nextcloud_client import StorageProblem
from nep_tui.sandbox.nepenthes.query import Filter, integer_values, parse_filters
from nep_tui.sandbox.nepenthes.store import request_store

FILTERS = {"project": {"="}, "storage": {"="}, "storageurl": {"="}}


def _visible(request: Request, user_id: int, row: dict[str, Any]) -> bool:
    return storage_context.allowed(request, user_id, "view_file_links", row["project_id"])


def project_storage_json(request: Request, row: dict[str, Any], user_id: int) -> dict[str, Any]:
    db = storage_context.db(request)
    storage = storage_store.storage(db, row["storage_id"])
    project = request_store(request).project(row["project_id"])
    links: dict[str, Any] = {
        "self": link(f"{API}/project_storages/{row['id']}"),
        "creator": link(
            f"{API}/users/{row['creator_id']}" if row["creator_id"] else None,
            storage_context.user_name(request, row["creator_id"]) or None,
        ),
        "storage": link(
            f"{API}/storages/{row['storage_id']}", storage["name"] if storage else None
        ),
        "project": link(
            f"{API}/projects/{row['project_id']}", project["name"] if project else None
        ),
    }
    if row["project_folder_id"]:
        links["projectFolder"] = link(
            f"{API}/storages/{row['storage_id']}/files/{row['project_folder_id']}"
        )
    # Automatic folders are only opened for users who may read the files in them.
    if row["project_folder_mode"] != "automatic" or storage_context.allowed(
        request, user_id, "read_files", row["project_id"]
    ):
        open_href = f"{API}/project_storages/{row['id']}/open"
        links["open"] = link(open_href)
        links["openWithConnectionEnsured"] = link(open_href)
    return {
        "_type": "ProjectStorage",
        "id": row["id"],
        "projectFolderMode": row["project_folder_mode"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "_links": links,
    }


def _matches(request: Request, row: dict[str, Any], filters: list[Filter]) -> bool:
    for flt in filters:
        if flt.name == "project" and str(row["project_id"]) not in flt.values:
            return False
        if flt.name == "storage" and str(row["storage_id"]) not in flt.values:
            return False
        if flt.name == "storageurl" and not any(
            storage_context.same_origin(value, storage_context.nextcloud_url(request))
            for value in flt.values
        ):
            return False
    return True


async def list_project_storages(request: Request) -> Response:
    user_id = current_user(request)
    filters = parse_filters(request, FILTERS)
    for flt in filters:
        if flt.name != "storageurl":
            integer_values(flt)
    rows = [
        row
        for row in storage_store.project_storages(storage_context.db(request))
        if _visible(request, user_id, row) and _matches(request, row, filters)
    ]
    self_href = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    elements = [project_storage_json(request, row, user_id) for row in rows]
    return hal_response(plain_collection(self_href, elements))


def _project_storage(request: Request, user_id: int) -> dict[str, Any]:
    project_storage_id = storage_context.path_id(request, "project_storage_id")
    row = (
        storage_store.project_storage(storage_context.db(request), project_storage_id)
        if project_storage_id is not None
        else None
    )
    if row is None or not _visible(request, user_id, row):
        raise not_found()
    return row


async def show_project_storage(request: Request) -> Response:
    user_id = current_user(request)
    return hal_response(project_storage_json(request, _project_storage(request, user_id), user_id))


async def open_project_storage(request: Request) -> Response:
    """303 to the project folder when the user can reach it in Nextcloud, else the storage root."""
    user_id = current_user(request)
    row = _project_storage(request, user_id)
    storage = storage_store.storage(storage_context.db(request), row["storage_id"])
    assert storage is not None
    client = storage_context.nextcloud(request, storage)
    location = client.open_storage_url()
    if row["project_folder_id"] and permissions.allowed(
        request_store(request), user_id, "read_files", row["project_id"]
    ):
        try:
            await client.file_info(user_id, str(row["project_folder_id"]))
        except StorageProblem:
            pass
        else:
            location = client.open_file_url(str(row["project_folder_id"]))
    return storage_context.redirect(location)


routes = [
    Route(f"{API}/project_storages", list_project_storages, methods=["GET"]),
    Route(f"{API}/project_storages/{{project_storage_id}}", show_project_storage, methods=["GET"]),
    Route(
        f"{API}/project_storages/{{project_storage_id}}/open", open_project_storage, methods=["GET"]
    ),
]
