"""Projects: the list (filters, sort, paging), one project by id or identifier, its types."""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import not_found
from nep_tui.sandbox.nepenthes.hal import (
    API,
    filtered_href,
    formattable,
    hal_response,
    link,
    paginated_collection,
    parse_paging,
    plain_collection,
)
from nep_tui.sandbox.nepenthes.meta import represent_type
from nep_tui.sandbox.nepenthes.query import (
    Filter,
    boolean_value,
    integer_values,
    like_pattern,
    parse_filters,
    parse_sort,
)
from nep_tui.sandbox.nepenthes.store import NepenthesStore, request_store

STATUS_TITLES = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "not_started": "Not started",
    "finished": "Finished",
    "discontinued": "Discontinued",
}

FILTERS = {
    "active": {"="},
    "ancestor": {"=", "!"},
    "parent": {"=", "!", "*", "!*"},
    "id": {"=", "!"},
    "nameandidentifier": {"~", "!~", "="},
    "visible": {"="},
}
SORTS = {
    "id": "id",
    "name": "name COLLATE NOCASE",
    "createdat": "created_at",
    "updatedat": "updated_at",
    "public": "public",
}


def ancestors_of(store: NepenthesStore, project: sqlite3.Row) -> list[sqlite3.Row]:
    """Root first, as the real `_links.ancestors`."""
    chain: list[sqlite3.Row] = []
    parent_id = project["parent_id"]
    while parent_id is not None:
        parent = store.project(parent_id)
        if parent is None:
            break
        chain.append(parent)
        parent_id = parent["parent_id"]
    return list(reversed(chain))


def project_link(row: sqlite3.Row | None) -> dict[str, Any]:
    if row is None:
        return link(None)
    return link(f"{API}/projects/{row['id']}", row["name"])


def represent_project(store: NepenthesStore, row: sqlite3.Row, *, viewer_id: int) -> dict[str, Any]:
    pid = row["id"]
    ancestors = [
        ancestor
        for ancestor in ancestors_of(store, row)
        if permissions.can_see_project(store, viewer_id, ancestor["id"])
    ]
    # The real server hides the ancestors (and so the parent) the viewer cannot see.
    parent = ancestors[-1] if ancestors and ancestors[-1]["id"] == row["parent_id"] else None
    links: dict[str, Any] = {
        "self": link(f"{API}/projects/{pid}", row["name"]),
        "parent": project_link(parent),
        "ancestors": [project_link(ancestor) for ancestor in ancestors],
        "status": (
            link(
                f"{API}/project_statuses/{row['status_code']}",
                STATUS_TITLES.get(row["status_code"], row["status_code"]),
            )
            if row["status_code"]
            else link(None)
        ),
        "workPackages": link(f"{API}/projects/{pid}/work_packages"),
        "types": link(f"{API}/projects/{pid}/types"),
        "categories": link(f"{API}/projects/{pid}/categories"),
        "versions": link(f"{API}/projects/{pid}/versions"),
        "memberships": link(filtered_href(f"{API}/memberships", "project", pid)),
    }
    if permissions.allowed(store, viewer_id, "add_work_packages", pid):
        links["createWorkPackage"] = link(f"{API}/projects/{pid}/work_packages/form", method="post")
        links["createWorkPackageImmediately"] = link(
            f"{API}/projects/{pid}/work_packages", method="post"
        )
    if store.table_exists("project_storages") and permissions.allowed(
        store, viewer_id, "view_file_links", pid
    ):
        links["projectStorages"] = link(filtered_href(f"{API}/project_storages", "projectId", pid))
        links["storages"] = [
            link(f"{API}/storages/{storage['id']}", storage["name"])
            for storage in store.all(
                "SELECT storages.id, storages.name FROM project_storages"
                " JOIN storages ON storages.id = project_storages.storage_id WHERE project_storages.project_id=?",
                (pid,),
            )
        ]
    return {
        "_type": "Project",
        "id": pid,
        "identifier": row["identifier"],
        "name": row["name"],
        "active": bool(row["active"]),
        "public": bool(row["public"]),
        "favorited": False,
        "description": formattable(row["description"]),
        "statusExplanation": formattable(row["status_explanation"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "_links": links,
    }


def visible_project(request: Request, ref: str) -> tuple[int, sqlite3.Row]:
    """The caller and the project addressed by id or identifier; 404 if it is not visible."""
    store = request_store(request)
    viewer_id = current_user(request)
    row = store.project_by_ref(ref)
    if row is None or not permissions.can_see_project(store, viewer_id, row["id"]):
        raise not_found()
    return viewer_id, row


def descendants(store: NepenthesStore, roots: list[int]) -> set[int]:
    """Every project below the given ones (children, grandchildren, ...)."""
    children: dict[int, list[int]] = {}
    for pid, parent_id in store.all(
        "SELECT id, parent_id FROM projects WHERE parent_id IS NOT NULL"
    ):
        children.setdefault(parent_id, []).append(pid)
    found: set[int] = set()
    pending = list(roots)
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def _id_clause(column: str, operator: str, ids: list[int] | set[int]) -> tuple[str, list[Any]]:
    marks = ",".join("?" * len(ids)) or "NULL"
    negate = "NOT " if operator == "!" else ""
    return f"{column} {negate}IN ({marks})", list(ids)


def _filter_clause(store: NepenthesStore, flt: Filter) -> tuple[str, list[Any]]:
    if flt.name == "active":
        return "active = ?", [int(boolean_value(flt))]
    if flt.name == "id":
        return _id_clause("id", flt.operator, integer_values(flt))
    if flt.name == "parent":
        if flt.operator == "*":
            return "parent_id IS NOT NULL", []
        if flt.operator == "!*":
            return "parent_id IS NULL", []
        clause, params = _id_clause("parent_id", flt.operator, integer_values(flt))
        return (f"({clause} OR parent_id IS NULL)" if flt.operator == "!" else clause), params
    if flt.name == "ancestor":
        return _id_clause("id", flt.operator, descendants(store, integer_values(flt)))
    if flt.name == "visible":
        visible: set[int] = set()
        for user_id in integer_values(flt):
            visible.update(permissions.visible_project_ids(store, user_id))
        return _id_clause("id", "=", visible)
    # name_and_identifier
    text = " ".join(flt.values)
    if flt.operator == "=":
        return "(name = ? OR identifier = ?)", [text, text]
    negate = "NOT " if flt.operator == "!~" else ""
    pattern = like_pattern(text)
    return f"{negate}(name LIKE ? ESCAPE '\\' OR identifier LIKE ? ESCAPE '\\')", [pattern, pattern]


async def list_projects(request: Request) -> JSONResponse:
    store = request_store(request)
    viewer_id = current_user(request)
    filters = parse_filters(request, FILTERS)
    order = parse_sort(request, SORTS, [("id", "asc")])
    paging = parse_paging(request)
    clauses, params = [], []
    clause, ids = _id_clause("id", "=", permissions.visible_project_ids(store, viewer_id))
    clauses.append(clause)
    params.extend(ids)
    for flt in filters:
        clause, values = _filter_clause(store, flt)
        clauses.append(clause)
        params.extend(values)
    where = " AND ".join(clauses)
    total = store.scalar(f"SELECT COUNT(*) FROM projects WHERE {where}", params)
    rows = store.all(
        f"SELECT * FROM projects WHERE {where} ORDER BY {order}, id LIMIT ? OFFSET ?",
        [*params, paging.page_size, paging.sql_offset],
    )
    elements = [represent_project(store, row, viewer_id=viewer_id) for row in rows]
    return hal_response(paginated_collection(request, elements, total, paging))


async def get_project(request: Request) -> JSONResponse:
    viewer_id, row = visible_project(request, request.path_params["ref"])
    return hal_response(represent_project(request_store(request), row, viewer_id=viewer_id))


def enabled_types(store: NepenthesStore, project_id: int) -> list[sqlite3.Row]:
    return store.all(
        "SELECT types.* FROM types JOIN project_types ON project_types.type_id = types.id"
        " WHERE project_types.project_id=? ORDER BY types.position",
        (project_id,),
    )


async def project_types(request: Request) -> JSONResponse:
    _viewer, row = visible_project(request, request.path_params["ref"])
    elements = [
        represent_type(type_row) for type_row in enabled_types(request_store(request), row["id"])
    ]
    return hal_response(plain_collection(f"{API}/projects/{row['id']}/types", elements))


routes = [
    Route("/api/v3/projects", list_projects),
    Route("/api/v3/projects/{ref}", get_project),
    Route("/api/v3/projects/{ref}/types", project_types),
]
