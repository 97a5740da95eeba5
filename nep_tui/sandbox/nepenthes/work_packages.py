"""Work packages: lists (global and per project, filters, sort, paging) and one, as the\nreal representer shows them. Writes are in `work_package_writes`."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions
from nep_tui.sandbox.nepenthes.app import request_config
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import not_found
from nep_tui.sandbox.nepenthes.hal import (
    API,
    formattable,
    hal_response,
    link,
    paginated_collection,
    parse_paging,
)
from nep_tui.sandbox.nepenthes.meta import (
    represent_priority,
    represent_status,
    represent_type,
    represent_user,
    user_link,
)
from nep_tui.sandbox.nepenthes.projects import (
    descendants,
    project_link,
    represent_project,
    visible_project,
)
from nep_tui.sandbox.nepenthes.query import (
    Filter,
    integer_values,
    known_ids,
    like_pattern,
    parse_filters,
    parse_sort,
)
from nep_tui.sandbox.nepenthes.store import NepenthesStore, request_store
from nep_tui.sandbox.nepenthes.versions import represent_version

ID_OPERATORS = {"=", "!"}
NULLABLE_ID_OPERATORS = {"=", "!", "*", "!*"}
FILTERS = {
    "typeahead": {"**"},
    "subjectorid": {"**"},
    "search": {"**"},
    "subject": {"~", "!~"},
    "id": ID_OPERATORS,
    "status": {"o", "c", "=", "!"},
    "type": ID_OPERATORS,
    "project": ID_OPERATORS,
    "assignee": NULLABLE_ID_OPERATORS,
    "author": ID_OPERATORS,
    "responsible": NULLABLE_ID_OPERATORS,
    "priority": ID_OPERATORS,
    "filelinkoriginid": {"="},
    "storageid": {"="},
    "storageurl": {"="},
    "linkabletostorageid": {"="},
    "linkabletostorageurl": {"="},
}
SORTS = {
    "id": "wp.id",
    "subject": "wp.subject COLLATE NOCASE",
    "updatedat": "wp.updated_at",
    "createdat": "wp.created_at",
    "startdate": "wp.start_date",
    "duedate": "wp.due_date",
    "status": "wp.status_id",
    "type": "wp.type_id",
    "priority": "wp.priority_id",
    "project": "wp.project_id",
    "assignee": "wp.assignee_id",
}
OPEN_ONLY = [Filter("status", "o", [])]


# --- representation --------------------------------------------------------------------------


def duration(start: str | None, due: str | None) -> str | None:
    if not start or not due:
        return None
    return f"P{(date.fromisoformat(due) - date.fromisoformat(start)).days + 1}D"


class _Lookups:
    """Rows and representations a page of work packages shares, fetched once per answer."""

    def __init__(self, store: NepenthesStore, viewer_id: int) -> None:
        self.store = store
        self.viewer_id = viewer_id
        self._rows: dict[tuple[str, int], sqlite3.Row | None] = {}
        self._projects: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._viewer_admin = permissions.is_admin(store, viewer_id)
        self._allowed: dict[tuple[str, int], bool] = {}

    def row(self, table: str, row_id: int) -> sqlite3.Row:
        key = (table, row_id)
        if key not in self._rows:
            self._rows[key] = self.store.one(f"SELECT * FROM {table} WHERE id=?", (row_id,))
        found = self._rows[key]
        assert found is not None, key
        return found

    def project(self, project_id: int) -> dict[str, Any]:
        if project_id not in self._projects:
            self._projects[project_id] = represent_project(
                self.store, self.row("projects", project_id), viewer_id=self.viewer_id
            )
        return self._projects[project_id]

    def user(self, user_id: int) -> dict[str, Any]:
        if user_id not in self._users:
            row = self.row("users", user_id)
            self._users[user_id] = represent_user(
                self.store, row, viewer_id=self.viewer_id, viewer_admin=self._viewer_admin
            )
        return self._users[user_id]

    def allowed(self, permission: str, project_id: int) -> bool:
        key = (permission, project_id)
        if key not in self._allowed:
            self._allowed[key] = permissions.allowed(
                self.store, self.viewer_id, permission, project_id
            )
        return self._allowed[key]


def represent_work_package(
    store: NepenthesStore, row: sqlite3.Row, *, viewer_id: int, lookups: _Lookups | None = None
) -> dict[str, Any]:
    lookups = lookups or _Lookups(store, viewer_id)
    wp_id, project_id = row["id"], row["project_id"]
    project = lookups.row("projects", project_id)
    type_row = lookups.row("types", row["type_id"])
    status = lookups.row("statuses", row["status_id"])
    priority = lookups.row("priorities", row["priority_id"])
    version = lookups.row("versions", row["version_id"]) if row["version_id"] else None
    can_edit = lookups.allowed("edit_work_packages", project_id)
    links: dict[str, Any] = {
        "self": link(f"{API}/work_packages/{wp_id}", row["subject"]),
        "schema": link(f"{API}/work_packages/schemas/{project_id}-{row['type_id']}"),
        "project": project_link(project),
        "type": link(f"{API}/types/{type_row['id']}", type_row["name"]),
        "status": link(f"{API}/statuses/{status['id']}", status["name"]),
        "priority": link(f"{API}/priorities/{priority['id']}", priority["name"]),
        "author": user_link(store, row["author_id"]),
        "assignee": user_link(store, row["assignee_id"]),
        "responsible": user_link(store, row["responsible_id"]),
        "parent": link(None),
        "ancestors": [],
        "version": (
            link(f"{API}/versions/{version['id']}", version["name"])
            if version is not None
            else link(None)
        ),
        "category": link(None),
        "attachments": link(f"{API}/work_packages/{wp_id}/attachments"),
        "fileLinks": link(f"{API}/work_packages/{wp_id}/file_links"),
        "activities": link(f"{API}/work_packages/{wp_id}/activities"),
        "relations": link(f"{API}/work_packages/{wp_id}/relations"),
        "watchers": link(f"{API}/work_packages/{wp_id}/watchers"),
        "customActions": [],
    }
    if can_edit:
        links["update"] = link(f"{API}/work_packages/{wp_id}/form", method="post")
        links["updateImmediately"] = link(f"{API}/work_packages/{wp_id}", method="patch")
        links["addAttachment"] = link(f"{API}/work_packages/{wp_id}/attachments", method="post")
        links["addComment"] = link(
            f"{API}/work_packages/{wp_id}/activities", method="post", title="Add comment"
        )
    if lookups.allowed("delete_work_packages", project_id):
        links["delete"] = link(f"{API}/work_packages/{wp_id}", method="delete")
    if lookups.allowed("manage_file_links", project_id):
        links["addFileLink"] = link(f"{API}/work_packages/{wp_id}/file_links", method="post")
    body: dict[str, Any] = {
        "_type": "WorkPackage",
        "id": wp_id,
        "displayId": str(wp_id),
        "lockVersion": row["lock_version"],
        "subject": row["subject"],
        "description": formattable(row["description"]),
        "scheduleManually": False,
        "readonly": bool(status["is_readonly"]),
    }
    if type_row["is_milestone"]:
        # Milestones have one date instead of a start and a due date.
        body["date"] = row["due_date"] or row["start_date"]
    else:
        body.update(
            startDate=row["start_date"],
            dueDate=row["due_date"],
            duration=duration(row["start_date"], row["due_date"]),
        )
    body.update(
        derivedStartDate=None,
        derivedDueDate=None,
        estimatedTime=None,
        derivedEstimatedTime=None,
        remainingTime=None,
        derivedRemainingTime=None,
        ignoreNonWorkingDays=False,
        spentTime="PT0S",
        percentageDone=row["percentage_done"],
        derivedPercentageDone=None,
        createdAt=row["created_at"],
        updatedAt=row["updated_at"],
        # Embedded like the real representer, so clients need no extra requests for names/states.
        _embedded={
            "type": represent_type(type_row),
            "status": represent_status(status),
            "priority": represent_priority(priority),
            "project": lookups.project(project_id),
            **({"version": represent_version(store, version)} if version is not None else {}),
            **{
                name: lookups.user(row[f"{name}_id"])
                for name in ("author", "assignee", "responsible")
                if row[f"{name}_id"] is not None
            },
        },
        _links=links,
    )
    return body


# --- lists -----------------------------------------------------------------------------------


def _ids_clause(column: str, operator: str, ids: list[int] | set[int]) -> tuple[str, list[Any]]:
    marks = ",".join("?" * len(ids)) or "NULL"
    if operator == "!":
        return f"({column} IS NULL OR {column} NOT IN ({marks}))", list(ids)
    return f"{column} IN ({marks})", list(ids)


def _known(request: Request, flt: Filter, table: str) -> list[int]:
    """The list filters' values must name rows that exist ("... filter has invalid values.")."""
    rows = request_store(request).all(f"SELECT id FROM {table}")
    return known_ids(flt, [row["id"] for row in rows])


def _user_ids(flt: Filter, viewer_id: int) -> list[int]:
    resolved = [str(viewer_id) if value == "me" else value for value in flt.values]
    return integer_values(Filter(flt.name, flt.operator, resolved, flt.label))


def _storage_ids_for_url(request: Request, urls: list[str]) -> list[int]:
    """The sandbox's one Nextcloud has no stored origin: compare with the configured URL."""
    store = request_store(request)
    if not store.table_exists("storages"):
        return []
    origin = request_config(request).nextcloud_url().rstrip("/")
    if not any(unquote(url).rstrip("/") == origin for url in urls):
        return []
    return [row[0] for row in store.all("SELECT id FROM storages")]


def _linkable_clause(
    request: Request, viewer_id: int, storage_ids: list[int]
) -> tuple[str, list[Any]]:
    store = request_store(request)
    allowed = set(permissions.project_ids_with(store, viewer_id, "manage_file_links"))
    projects: set[int] = set()
    if store.table_exists("project_storages") and storage_ids:
        marks = ",".join("?" * len(storage_ids))
        projects = {
            row[0]
            for row in store.all(
                f"SELECT project_id FROM project_storages WHERE storage_id IN ({marks})",
                storage_ids,
            )
        } & allowed
    return _ids_clause("wp.project_id", "=", projects)


def _linked_clause(
    request: Request, viewer_id: int, column: str, values: list[Any]
) -> tuple[str, list[Any]]:
    """Work packages with a file link matching; only in projects where links are visible."""
    store = request_store(request)
    if not store.table_exists("file_links") or not values:
        return "0", []
    allowed = permissions.project_ids_with(store, viewer_id, "view_file_links")
    marks = ",".join("?" * len(values))
    project_marks = ",".join("?" * len(allowed)) or "NULL"
    return (
        f"wp.id IN (SELECT container_id FROM file_links WHERE {column} IN ({marks}))"
        f" AND wp.project_id IN ({project_marks})",
        [*values, *allowed],
    )


def _text_clause(columns: list[str], text: str) -> tuple[str, list[Any]]:
    pattern = like_pattern(text)
    return "(" + " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in columns) + ")", [
        pattern
    ] * len(columns)


def _typeahead_clause(text: str) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for part in text.split():
        clause, values = _text_clause(["wp.subject", "p.name", "t.name", "s.name"], part)
        digits = part.removeprefix("#")
        if digits.isdigit():
            clause = f"({clause} OR wp.id = ?)"
            values.append(int(digits))
        clauses.append(clause)
        params.extend(values)
    return (" AND ".join(clauses) or "1"), params


def _filter_clause(request: Request, viewer_id: int, flt: Filter) -> tuple[str, list[Any]]:
    text = " ".join(flt.values).strip()
    match flt.name:
        case "typeahead":
            return _typeahead_clause(text)
        case "subjectorid":
            clause, params = _text_clause(["wp.subject"], text)
            if text.removeprefix("#").isdigit():
                return f"({clause} OR wp.id = ?)", [*params, int(text.removeprefix("#"))]
            return clause, params
        case "search":
            # Like the real search filter: subject, description and attachment names.
            clause, params = _text_clause(["wp.subject", "wp.description"], text)
            attachment_clause, attachment_params = _text_clause(["file_name"], text)
            return (
                f"({clause} OR wp.id IN (SELECT container_id FROM attachments WHERE {attachment_clause}))",
                [*params, *attachment_params],
            )
        case "subject":
            clause, params = _text_clause(["wp.subject"], text)
            return (f"NOT {clause}" if flt.operator == "!~" else clause), params
        case "status":
            if flt.operator in ("o", "c"):
                return f"s.is_closed = {1 if flt.operator == 'c' else 0}", []
            return _ids_clause("wp.status_id", flt.operator, _known(request, flt, "statuses"))
        case "assignee" | "responsible" if flt.operator in ("*", "!*"):
            return f"wp.{flt.name}_id IS {'NOT ' if flt.operator == '*' else ''}NULL", []
        case "assignee" | "responsible" | "author":
            return _ids_clause(f"wp.{flt.name}_id", flt.operator, _user_ids(flt, viewer_id))
        case "id":
            return _ids_clause("wp.id", flt.operator, integer_values(flt))
        case "type":
            return _ids_clause("wp.type_id", flt.operator, _known(request, flt, "types"))
        case "priority":
            return _ids_clause("wp.priority_id", flt.operator, _known(request, flt, "priorities"))
        case "project":
            visible = permissions.visible_project_ids(request_store(request), viewer_id)
            return _ids_clause("wp.project_id", flt.operator, known_ids(flt, visible))
        case "filelinkoriginid":
            return _linked_clause(request, viewer_id, "origin_id", flt.values)
        case "storageid":
            return _linked_clause(request, viewer_id, "storage_id", integer_values(flt))
        case "storageurl":
            return _linked_clause(
                request, viewer_id, "storage_id", _storage_ids_for_url(request, flt.values)
            )
        case "linkabletostorageid":
            return _linkable_clause(request, viewer_id, integer_values(flt))
        case "linkabletostorageurl":
            return _linkable_clause(request, viewer_id, _storage_ids_for_url(request, flt.values))
    raise AssertionError(f"unhandled filter {flt.name}")


def _list(
    request: Request, viewer_id: int, project_ids: list[int] | set[int], self_path: str
) -> JSONResponse:
    store = request_store(request)
    filters = parse_filters(request, FILTERS, default=OPEN_ONLY)
    order = parse_sort(request, SORTS, [("id", "asc")])
    paging = parse_paging(request)
    visible = set(permissions.project_ids_with(store, viewer_id, "view_work_packages")) & set(
        project_ids
    )
    clause, params = _ids_clause("wp.project_id", "=", visible)
    clauses = [clause]
    for flt in filters:
        clause, values = _filter_clause(request, viewer_id, flt)
        clauses.append(clause)
        params.extend(values)
    source = (
        "work_packages wp JOIN statuses s ON s.id = wp.status_id JOIN projects p ON p.id = wp.project_id"
        " JOIN types t ON t.id = wp.type_id"
    )
    where = " AND ".join(clauses)
    total = store.scalar(f"SELECT COUNT(*) FROM {source} WHERE {where}", params)
    rows = store.all(
        f"SELECT wp.* FROM {source} WHERE {where} ORDER BY {order}, wp.id LIMIT ? OFFSET ?",
        [*params, paging.page_size, paging.sql_offset],
    )
    lookups = _Lookups(store, viewer_id)
    elements = [
        represent_work_package(store, row, viewer_id=viewer_id, lookups=lookups) for row in rows
    ]
    return hal_response(paginated_collection(request, elements, total, paging, self_path=self_path))


async def list_work_packages(request: Request) -> JSONResponse:
    viewer_id = current_user(request)
    all_projects = [row[0] for row in request_store(request).all("SELECT id FROM projects")]
    return _list(request, viewer_id, all_projects, f"{API}/work_packages")


async def list_project_work_packages(request: Request) -> JSONResponse:
    viewer_id, project = visible_project(request, request.path_params["ref"])
    # Subprojects' work packages are included, as with the real default setting.
    scope = {project["id"], *descendants(request_store(request), [project["id"]])}
    return _list(request, viewer_id, scope, f"{API}/projects/{project['id']}/work_packages")


def visible_work_package(request: Request, wp_id: int) -> tuple[int, sqlite3.Row]:
    store = request_store(request)
    viewer_id = current_user(request)
    row = store.work_package(wp_id)
    if row is None or not permissions.allowed(
        store, viewer_id, "view_work_packages", row["project_id"]
    ):
        raise not_found()
    return viewer_id, row


async def get_work_package(request: Request) -> JSONResponse:
    viewer_id, row = visible_work_package(request, request.path_params["id"])
    return hal_response(represent_work_package(request_store(request), row, viewer_id=viewer_id))


routes = [
    Route("/api/v3/work_packages", list_work_packages, methods=["GET"]),
    Route("/api/v3/work_packages/{id:int}", get_work_package, methods=["GET"]),
    Route("/api/v3/projects/{ref}/work_packages", list_project_work_packages, methods=["GET"]),
]
