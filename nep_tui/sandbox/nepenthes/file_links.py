"""File links: a work package's links to Nextcloud files, their live per-user status
(`filesinfo`), bulk creation, and the `open`/`download` redirects to Nextcloud."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import storage_context, storage_store
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import ApiError, constraint_violation, forbidden, not_found
from nep_tui.sandbox.nepenthes.hal import (
    API,
    Paging,
    hal_response,
    link,
    paginated_collection,
    parse_paging,
)
from nep_tui.sandbox.nepenthes.nextcloud_client import NextcloudClient, StorageProblem
from nep_tui.sandbox.nepenthes.query import integer_values, parse_filters
from nep_tui.sandbox.nepenthes.storage_files import timestamp_from_unix
from nep_tui.sandbox.nepenthes.storages import storage_json
from nep_tui.sandbox.nepenthes.store import request_store
from nep_tui.sandbox.nepenthes.work_packages import represent_work_package

MAX_LINKS_PER_REQUEST = 20
URN_FILE_LINKS = "urn:openproject-org:api:v3:file-links:"
STATUSES = {
    200: ("permission:ViewAllowed", "View allowed"),
    403: ("permission:ViewNotAllowed", "View not allowed"),
    404: ("NotFound", "Not found"),
}
ERROR_STATUS = ("Error", "Error")


def status_link(statuscode: int | None) -> dict[str, Any]:
    urn, title = STATUSES.get(statuscode or 0, ERROR_STATUS)
    return link(URN_FILE_LINKS + urn, title)


class LinkRenderer:
    """Renders links for one request; the embedded storage (with its live authorization state)
    is computed once per storage, not once per link."""

    def __init__(self, request: Request, user_id: int) -> None:
        self.request = request
        self.user_id = user_id
        self._storages: dict[int, dict[str, Any]] = {}

    async def _storage(self, storage_id: int) -> dict[str, Any]:
        if storage_id not in self._storages:
            storage = storage_store.storage(storage_context.db(self.request), storage_id)
            assert storage is not None
            self._storages[storage_id] = await storage_json(self.request, storage, self.user_id)
        return self._storages[storage_id]

    async def render(
        self, row: dict[str, Any], status: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        request, link_id = self.request, row["id"]
        storage = await self._storage(row["storage_id"])
        work_package = _container(request, row)
        links: dict[str, Any] = {
            "self": link(f"{API}/file_links/{link_id}", row["origin_name"]),
            "storage": link(f"{API}/storages/{row['storage_id']}", storage["name"]),
        }
        # An unattached link's container is nil, which the real server writes as a null link.
        links["container"] = (
            link(f"{API}/work_packages/{row['container_id']}", work_package["subject"])
            if work_package is not None
            else {"href": None}
        )
        links["creator"] = link(
            f"{API}/users/{row['creator_id']}",
            storage_context.user_name(request, row["creator_id"]),
        )
        if _may_delete(request, self.user_id, row):
            links["delete"] = link(f"{API}/file_links/{link_id}", method="delete")
        if status is not None:
            links["status"] = status
        links["staticOriginOpen"] = link(f"{API}/file_links/{link_id}/open")
        links["staticOriginOpenLocation"] = link(f"{API}/file_links/{link_id}/open?location=true")
        links["staticOriginDownload"] = link(f"{API}/file_links/{link_id}/download")
        origin = {"id": row["origin_id"]} | {
            key: row[column]
            for key, column in storage_store.ORIGIN_FIELDS.items()
            if row[column] is not None
        }
        return {
            "_type": "FileLink",
            "id": link_id,
            "createdAt": row["created_at"],
            "updatedAt": row["updated_at"],
            "originData": origin,
            "_embedded": {
                "storage": storage,
                "container": represent_work_package(
                    request_store(request), work_package, viewer_id=self.user_id
                )
                if work_package is not None
                else None,
            },
            "_links": links,
        }


def _visible_work_package(request: Request, user_id: int) -> Any:
    raw_id = request.path_params["work_package_id"]
    work_package = request_store(request).work_package(int(raw_id)) if raw_id.isdigit() else None
    if work_package is None or not storage_context.allowed(
        request, user_id, "view_work_packages", work_package["project_id"]
    ):
        raise not_found()
    return work_package


def _active_storage_ids(request: Request, project_id: int) -> list[int]:
    rows = storage_store.project_storages(storage_context.db(request), project_id=project_id)
    return [row["storage_id"] for row in rows]


def _origin_from_file_info(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": entry.get("name"),
        "mimeType": entry.get("mimetype"),
        "createdAt": timestamp_from_unix(entry.get("ctime")),
        "lastModifiedAt": timestamp_from_unix(entry.get("mtime")),
        "createdByName": entry.get("owner_name"),
        "lastModifiedByName": entry.get("modifier_name"),
    }


async def _sync(
    request: Request, user_id: int, rows: list[dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """Each link's status for this user from one `filesinfo` call per storage; only a 200
    refreshes the cached origin data, and a failed call makes every status `Error`."""
    db = storage_context.db(request)
    statuses: dict[int, dict[str, Any]] = {}
    for storage_id in sorted({row["storage_id"] for row in rows}):
        storage = storage_store.storage(db, storage_id)
        assert storage is not None
        in_storage = [row for row in rows if row["storage_id"] == storage_id]
        try:
            infos = await storage_context.nextcloud(request, storage).files_info(
                user_id, [row["origin_id"] for row in in_storage]
            )
        except StorageProblem:
            infos = {}
        for row in in_storage:
            info = infos.get(row["origin_id"]) or {}
            statuscode = info.get("statuscode")
            if statuscode == 200:
                cached = _cached_origin(row)
                live = {
                    key: value
                    for key, value in _origin_from_file_info(info).items()
                    if value is not None
                }
                if {**cached, **live} != cached:
                    storage_store.refresh_origin_data(db, row["id"], {**cached, **live})
                    row.update(storage_store.file_link(db, row["id"]) or {})
            statuses[row["id"]] = status_link(statuscode)
    return statuses


def _cached_origin(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[column] for key, column in storage_store.ORIGIN_FIELDS.items()}


def _storage_filter(request: Request) -> list[int] | None:
    filters = parse_filters(request, {"storage": {"="}})
    if not filters:
        return None
    return [storage_id for flt in filters for storage_id in integer_values(flt)]


async def list_file_links(request: Request) -> Response:
    user_id = current_user(request)
    work_package = _visible_work_package(request, user_id)
    paging = parse_paging(request)
    rows: list[dict[str, Any]] = []
    if storage_context.allowed(request, user_id, "view_file_links", work_package["project_id"]):
        storage_ids = _active_storage_ids(request, work_package["project_id"])
        wanted = _storage_filter(request)
        if wanted is not None:
            storage_ids = [storage_id for storage_id in storage_ids if storage_id in wanted]
        rows = storage_store.file_links_of(
            storage_context.db(request), work_package["id"], storage_ids
        )
    page = rows[paging.sql_offset : paging.sql_offset + paging.page_size]
    # pageSize=0 renders no element, so nothing is synced (the real server's cheap count).
    statuses = await _sync(request, user_id, page) if page else {}
    renderer = LinkRenderer(request, user_id)
    elements = [await renderer.render(row, statuses.get(row["id"])) for row in page]
    return hal_response(paginated_collection(request, elements, len(rows), paging))


STORAGE_HREF = re.compile(r"^(?:.*)?/api/v3/storages/(\d+)/?$")


def _storage_of_element(request: Request, element: dict[str, Any], project_id: int) -> int | None:
    """The storage an element names by `storage` href or `storageUrl`, if active in the project."""
    links = element.get("_links") or {}
    active = _active_storage_ids(request, project_id)
    storage_href = (links.get("storage") or {}).get("href")
    if isinstance(storage_href, str) and (match := STORAGE_HREF.match(storage_href)):
        storage_id = int(match.group(1))
        return storage_id if storage_id in active else None
    storage_url = (links.get("storageUrl") or {}).get("href")
    if isinstance(storage_url, str) and storage_context.same_origin(
        storage_url, storage_context.nextcloud_url(request)
    ):
        return active[0] if active else None
    return None


def _element_errors(
    request: Request, element: Any, project_id: int
) -> tuple[int | None, list[ApiError]]:
    """The storage an element links to, and what is wrong with it."""
    origin = element.get("originData") if isinstance(element, dict) else None
    if not isinstance(origin, dict):
        return None, [
            constraint_violation("The request was invalid. File Link - Origin data can't be blank.")
        ]
    name = origin.get("name")
    label = f"File Link {name}" if isinstance(name, str) and name else "File Link"
    errors = []
    if origin.get("id") in (None, ""):
        errors.append(
            constraint_violation(
                f"The request was invalid. {label} - Origin id can't be blank.", "originId"
            )
        )
    if not isinstance(name, str) or not name:
        errors.append(
            constraint_violation(
                f"The request was invalid. {label} - Origin name can't be blank.", "originName"
            )
        )
    storage_id = _storage_of_element(request, element, project_id)
    if storage_id is None:
        errors.append(
            constraint_violation(
                f"The request was invalid. {label} - Storage was invalid.", "storage"
            )
        )
    return storage_id, errors


def _validated(
    request: Request, elements: list[Any], project_id: int
) -> list[tuple[int, dict[str, Any]]]:
    """(storage id, origin data) per element, or one 422 naming everything that is wrong."""
    valid, errors = [], []
    for element in elements:
        storage_id, element_errors = _element_errors(request, element, project_id)
        errors.extend(element_errors)
        if storage_id is not None and not element_errors:
            origin = element["originData"]
            valid.append((storage_id, {**origin, "id": str(origin["id"])}))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ApiError(
            422, "MultipleErrors", "Multiple field constraints have been violated.", errors=errors
        )
    return valid


async def create_file_links(request: Request) -> Response:
    user_id = current_user(request)
    work_package = _visible_work_package(request, user_id)
    if not storage_context.allowed(
        request, user_id, "manage_file_links", work_package["project_id"]
    ):
        raise forbidden()
    body = await storage_context.json_body(request)
    elements = (
        ((body or {}).get("_embedded") or {}).get("elements") if isinstance(body, dict) else None
    )
    if not isinstance(elements, list):
        raise ApiError(400, "InvalidRequestBody", "The request body was not a single JSON object.")
    if len(elements) > MAX_LINKS_PER_REQUEST:
        raise constraint_violation(
            f"Too many elements created at once. Expected {MAX_LINKS_PER_REQUEST} at most, got {len(elements)}."
        )
    valid = _validated(request, elements, work_package["project_id"])
    store = request_store(request)
    with store.transaction() as db:
        link_ids = [
            storage_store.create_file_link(
                db,
                storage_id=storage_id,
                origin=origin,
                container_id=work_package["id"],
                creator_id=user_id,
            )
            for storage_id, origin in valid
        ]
    return await _created_links(
        request, user_id, link_ids, f"{API}/work_packages/{work_package['id']}/file_links"
    )


async def create_unattached_file_links(request: Request) -> Response:
    """`POST /api/v3/file_links` (not in the spec; the real server has it for work packages not
    saved yet): links without a container, visible to their creator only. The creator needs
    `manage_file_links` in a project where the storage is active."""
    user_id = current_user(request)
    body = await storage_context.json_body(request)
    elements = (
        ((body or {}).get("_embedded") or {}).get("elements") if isinstance(body, dict) else None
    )
    if not isinstance(elements, list):
        raise ApiError(400, "InvalidRequestBody", "The request body was not a single JSON object.")
    if len(elements) > MAX_LINKS_PER_REQUEST:
        raise constraint_violation(
            f"Too many elements created at once. Expected {MAX_LINKS_PER_REQUEST} at most, got {len(elements)}."
        )
    project_id = _project_managing_links(request, user_id, elements)
    valid = _validated(request, elements, project_id)
    store = request_store(request)
    with store.transaction() as db:
        link_ids = [
            storage_store.create_file_link(
                db, storage_id=storage_id, origin=origin, container_id=None, creator_id=user_id
            )
            for storage_id, origin in valid
        ]
    return await _created_links(request, user_id, link_ids, f"{API}/file_links")


async def _created_links(
    request: Request, user_id: int, link_ids: list[int], self_path: str
) -> Response:
    """The 201 answer to a link creation: the links made (once each), as a collection."""
    db = storage_context.db(request)
    renderer = LinkRenderer(request, user_id)
    rendered = [
        await renderer.render(row, status_link(200))
        for link_id in dict.fromkeys(link_ids)
        if (row := storage_store.file_link(db, link_id)) is not None
    ]
    paging = Paging(1, max(MAX_LINKS_PER_REQUEST, len(rendered)))
    body = paginated_collection(request, rendered, len(rendered), paging, self_path=self_path)
    return hal_response(body, status=201)


def _project_managing_links(request: Request, user_id: int, elements: list[Any]) -> int:
    """A project where the first element's storage is active and the user manages file links."""
    first = elements[0] if elements and isinstance(elements[0], dict) else {}
    href = ((first.get("_links") or {}).get("storage") or {}).get("href")
    match = STORAGE_HREF.match(href) if isinstance(href, str) else None
    if match is None:
        raise constraint_violation("The request was invalid. File Link - Storage was invalid.")
    rows = storage_store.project_storages(
        storage_context.db(request), storage_id=int(match.group(1))
    )
    for row in rows:
        if storage_context.allowed(request, user_id, "manage_file_links", row["project_id"]):
            return int(row["project_id"])
    raise forbidden()


def _container(request: Request, row: dict[str, Any]) -> Any:
    """The link's work package row, None for an unattached link."""
    if row["container_id"] is None:
        return None
    work_package = request_store(request).work_package(row["container_id"])
    assert work_package is not None  # a link's container is kept while the link exists
    return work_package


def _may_delete(request: Request, user_id: int, row: dict[str, Any]) -> bool:
    work_package = _container(request, row)
    if work_package is None:
        return bool(row["creator_id"] == user_id)
    return storage_context.allowed(
        request, user_id, "manage_file_links", work_package["project_id"]
    )


def _visible_link(request: Request, user_id: int) -> dict[str, Any]:
    """A link the user may see: its work package is visible with `view_file_links` and its
    storage is still active in that project (else 404, as on the real server)."""
    link_id = storage_context.path_id(request, "file_link_id")
    row = (
        storage_store.file_link(storage_context.db(request), link_id)
        if link_id is not None
        else None
    )
    if row is None:
        raise not_found()
    if row["container_id"] is None:  # unattached: its creator's alone
        if row["creator_id"] != user_id:
            raise not_found()
        return row
    work_package = request_store(request).work_package(row["container_id"])
    project_id = work_package["project_id"] if work_package else None
    if (
        project_id is None
        or not storage_context.allowed(request, user_id, "view_work_packages", project_id)
        or not storage_context.allowed(request, user_id, "view_file_links", project_id)
        or row["storage_id"] not in _active_storage_ids(request, project_id)
    ):
        raise not_found()
    return row


async def show_file_link(request: Request) -> Response:
    user_id = current_user(request)
    row = _visible_link(request, user_id)
    return hal_response(await LinkRenderer(request, user_id).render(row))


async def delete_file_link(request: Request) -> Response:
    user_id = current_user(request)
    row = _visible_link(request, user_id)
    if not _may_delete(request, user_id, row):
        raise forbidden()
    storage_store.delete_file_link(storage_context.db(request), row["id"])
    return Response(status_code=204)


def _client_for(request: Request, row: dict[str, Any]) -> NextcloudClient:
    storage = storage_store.storage(storage_context.db(request), row["storage_id"])
    assert storage is not None
    return storage_context.nextcloud(request, storage)


async def open_file_link(request: Request) -> Response:
    user_id = current_user(request)
    row = _visible_link(request, user_id)
    location = request.query_params.get("location", "").lower() in ("true", "1", "t")
    return storage_context.redirect(
        _client_for(request, row).open_file_url(row["origin_id"], location=location)
    )


async def download_file_link(request: Request) -> Response:
    user_id = current_user(request)
    row = _visible_link(request, user_id)
    async with storage_context.storage_errors():
        url = await _client_for(request, row).download_url(user_id, row["origin_id"])
    return storage_context.redirect(url)


routes = [
    Route(f"{API}/work_packages/{{work_package_id}}/file_links", list_file_links, methods=["GET"]),
    Route(
        f"{API}/work_packages/{{work_package_id}}/file_links", create_file_links, methods=["POST"]
    ),
    Route(f"{API}/file_links", create_unattached_file_links, methods=["POST"]),
    Route(f"{API}/file_links/{{file_link_id}}", show_file_link, methods=["GET"]),
    Route(f"{API}/file_links/{{file_link_id}}", delete_file_link, methods=["DELETE"]),
    Route(f"{API}/file_links/{{file_link_id}}/open", open_file_link, methods=["GET"]),
    Route(f"{API}/file_links/{{file_link_id}}/download", download_file_link, methods=["GET"]),
]
