"""In-app notifications ("IAN") of the caller: list, one, and marking read/unread (one or bulk).

Bad filters answer 400 `InvalidQuery` on the list and on the bulk marks alike: both raise
`InvalidQuery.new(query.errors.full_messages)` (`Endpoints::Index#render_error`,
`bulk_update_status`); the spec's 422 for the list is not what the server does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions
from nep_tui.sandbox.nepenthes.activities import represent_activity
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import not_found
from nep_tui.sandbox.nepenthes.hal import (
    API,
    hal_response,
    link,
    paginated_collection,
    parse_paging,
)
from nep_tui.sandbox.nepenthes.meta import represent_user, user_link
from nep_tui.sandbox.nepenthes.projects import project_link, represent_project
from nep_tui.sandbox.nepenthes.query import (
    Filter,
    boolean_value,
    integer_values,
    invalid_values,
    known_ids,
    parse_filters,
    parse_sort,
)
from nep_tui.sandbox.nepenthes.store import NepenthesStore, now_iso, request_store
from nep_tui.sandbox.nepenthes.work_packages import represent_work_package

FILTERS = {
    "id": {"=", "!"},
    "project": {"=", "!"},
    "readian": {"="},
    "reason": {"=", "!"},
    "resourceid": {"=", "!"},
    "resourcetype": {"="},
}
SORTS = {"id": "n.id", "reason": "n.reason", "readian": "n.read_ian", "createdat": "n.created_at"}
# app/models/notification.rb's reasons as the API names them (property_factory.rb).
REASONS = {
    "mentioned", "assigned", "watched", "subscribed", "commented", "created", "processed",
    "prioritized", "scheduled", "responsible", "dateAlert", "shared", "reminder",
}  # fmt: skip
DETAIL_NAMES = {"startDate": "Start date", "dueDate": "Finish date", "date": "Date"}


def _detail(notification_id: int, index: int, detail: dict[str, str]) -> dict[str, Any]:
    return {
        "_type": "Values::Property",
        "property": detail["property"],
        "value": detail["value"],
        "_links": {
            "self": link(f"{API}/notifications/{notification_id}/details/{index}"),
            "schema": link(f"{API}/values/schemas/{detail['property']}"),
        },
    }


def _details_schema(property_name: str) -> dict[str, Any]:
    return {
        "_type": "Schema",
        "property": {"name": "Property", "type": "String"},
        "value": {"name": DETAIL_NAMES.get(property_name, property_name), "type": "Date"},
        "_links": {"self": link(f"{API}/values/schemas/{property_name}")},
    }


def represent_notification(
    store: NepenthesStore, row: sqlite3.Row, *, viewer_id: int
) -> dict[str, Any]:
    nid = row["id"]
    viewer_admin = permissions.is_admin(store, viewer_id)
    project = store.project(row["project_id"])
    resource = store.work_package(row["resource_id"])
    actor = store.user(row["actor_id"]) if row["actor_id"] is not None else None
    embedded: dict[str, Any] = {}
    if actor is not None:
        embedded["actor"] = represent_user(
            store, actor, viewer_id=viewer_id, viewer_admin=viewer_admin
        )
    if project is not None:
        embedded["project"] = represent_project(store, project, viewer_id=viewer_id)
    journal = (
        store.one("SELECT * FROM journals WHERE id=?", (row["journal_id"],))
        if row["journal_id"] is not None
        else None
    )
    if journal is not None:
        embedded["activity"] = represent_activity(store, journal, viewer_id=viewer_id)
    if resource is not None:
        embedded["resource"] = represent_work_package(store, resource, viewer_id=viewer_id)
    read = bool(row["read_ian"])
    links: dict[str, Any] = {"self": link(f"{API}/notifications/{nid}")}
    # Only the action that applies, as the real representer does.
    if read:
        links["unreadIAN"] = link(f"{API}/notifications/{nid}/unread_ian", method="post")
    else:
        links["readIAN"] = link(f"{API}/notifications/{nid}/read_ian", method="post")
    links.update(
        project=project_link(project),
        actor=user_link(store, row["actor_id"]),
        activity=link(f"{API}/activities/{row['journal_id']}")
        if row["journal_id"] is not None
        else link(None),
        resource=link(f"{API}/work_packages/{resource['id']}", resource["subject"])
        if resource
        else link(None),
    )
    return {
        "_type": "Notification",
        "id": nid,
        "readIAN": read,
        "reason": row["reason"],
        "details": [
            _detail(nid, index, detail) for index, detail in enumerate(json.loads(row["details"]))
        ],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "_embedded": embedded,
        "_links": links,
    }


def _ids_clause(column: str, operator: str, values: list[Any]) -> tuple[str, list[Any]]:
    marks = ",".join("?" * len(values)) or "NULL"
    return f"{column} {'NOT ' if operator == '!' else ''}IN ({marks})", list(values)


def _visible_work_package_ids(store: NepenthesStore, visible: list[int]) -> list[int]:
    marks = ",".join("?" * len(visible)) or "NULL"
    rows = store.all(f"SELECT id FROM work_packages WHERE project_id IN ({marks})", visible)
    return [row["id"] for row in rows]


def _filter_clause(store: NepenthesStore, visible: list[int], flt: Filter) -> tuple[str, list[Any]]:
    """Values naming no reason, project or work package the caller can see are invalid, as
    the real list filters check their values against their allowed values."""
    match flt.name:
        case "readian":
            return "n.read_ian = ?", [int(boolean_value(flt))]
        case "reason":
            if not set(flt.values) <= REASONS:
                raise invalid_values(flt)
            return _ids_clause("n.reason", flt.operator, flt.values)
        case "resourcetype":
            return ("1", []) if flt.values == ["WorkPackage"] else ("0", [])
        case "id":
            return _ids_clause("n.id", flt.operator, integer_values(flt))
        case "project":
            return _ids_clause("n.project_id", flt.operator, known_ids(flt, visible))
        case "resourceid":
            ids = known_ids(flt, _visible_work_package_ids(store, visible))
            return _ids_clause("n.resource_id", flt.operator, ids)
    raise AssertionError(f"unhandled filter {flt.name}")


def _where(request: Request, viewer_id: int) -> tuple[str, list[Any]]:
    """The caller's notifications on work packages they can still see, narrowed by the filters."""
    store = request_store(request)
    filters = parse_filters(request, FILTERS)
    visible = permissions.project_ids_with(store, viewer_id, "view_work_packages")
    clause, params = _ids_clause("n.project_id", "=", visible)
    clauses = ["n.recipient_id = ?", clause]
    params = [viewer_id, *params]
    for flt in filters:
        clause, values = _filter_clause(store, visible, flt)
        clauses.append(clause)
        params.extend(values)
    return " AND ".join(clauses), params


async def list_notifications(request: Request) -> JSONResponse:
    store = request_store(request)
    viewer_id = current_user(request)
    where, params = _where(request, viewer_id)
    order = parse_sort(request, SORTS, [("id", "asc")])
    paging = parse_paging(request)
    total = store.scalar(f"SELECT COUNT(*) FROM notifications n WHERE {where}", params)
    rows = store.all(
        f"SELECT n.* FROM notifications n WHERE {where} ORDER BY {order}, n.id LIMIT ? OFFSET ?",
        [*params, paging.page_size, paging.sql_offset],
    )
    elements = [represent_notification(store, row, viewer_id=viewer_id) for row in rows]
    properties = sorted(
        {detail["property"] for row in rows for detail in json.loads(row["details"])}
    )
    extra = {
        "_embedded": {
            "elements": elements,
            "detailsSchemas": [_details_schema(name) for name in properties],
        }
    }
    return hal_response(paginated_collection(request, elements, total, paging, extra=extra))


def _own_notification(request: Request) -> tuple[int, sqlite3.Row]:
    store = request_store(request)
    viewer_id = current_user(request)
    row = store.one(
        "SELECT * FROM notifications WHERE id=? AND recipient_id=?",
        (request.path_params["id"], viewer_id),
    )
    if row is None or not permissions.allowed(
        store, viewer_id, "view_work_packages", row["project_id"]
    ):
        raise not_found()
    return viewer_id, row


async def get_notification(request: Request) -> JSONResponse:
    viewer_id, row = _own_notification(request)
    return hal_response(represent_notification(request_store(request), row, viewer_id=viewer_id))


Endpoint = Callable[[Request], Awaitable[Response]]


def _mark_one(read: bool) -> Endpoint:
    async def mark(request: Request) -> Response:
        _viewer, row = _own_notification(request)
        request_store(request).db.execute(
            "UPDATE notifications SET read_ian=?, updated_at=? WHERE id=?",
            (int(read), now_iso(), row["id"]),
        )
        return Response(status_code=204)

    return mark


def _mark_all(read: bool) -> Endpoint:
    """Bulk: every notification of the caller that the filters select."""

    async def mark(request: Request) -> Response:
        viewer_id = current_user(request)
        where, params = _where(request, viewer_id)
        request_store(request).db.execute(
            f"UPDATE notifications SET read_ian=?, updated_at=? WHERE id IN (SELECT n.id FROM notifications n WHERE {where})",
            [int(read), now_iso(), *params],
        )
        return Response(status_code=204)

    return mark


async def get_detail(request: Request) -> JSONResponse:
    _viewer, row = _own_notification(request)
    details = json.loads(row["details"])
    index = request.path_params["index"]
    if not 0 <= index < len(details):
        raise not_found()
    return hal_response(_detail(row["id"], index, details[index]))


routes = [
    Route("/api/v3/notifications", list_notifications, methods=["GET"]),
    Route("/api/v3/notifications/read_ian", _mark_all(True), methods=["POST"]),
    Route("/api/v3/notifications/unread_ian", _mark_all(False), methods=["POST"]),
    Route("/api/v3/notifications/{id:int}", get_notification, methods=["GET"]),
    Route("/api/v3/notifications/{id:int}/read_ian", _mark_one(True), methods=["POST"]),
    Route("/api/v3/notifications/{id:int}/unread_ian", _mark_one(False), methods=["POST"]),
    Route("/api/v3/notifications/{id:int}/details/{index:int}", get_detail, methods=["GET"]),
]
