"""Work package schemas (`/api/v3/work_packages/schemas/{project}-{type}`): which fields exist,
which are required or writable, and the allowed values of the linked ones."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import not_found
from nep_tui.sandbox.nepenthes.hal import API, hal_response, link
from nep_tui.sandbox.nepenthes.meta import user_name
from nep_tui.sandbox.nepenthes.projects import enabled_types
from nep_tui.sandbox.nepenthes.store import NepenthesStore


def _field(
    kind: str, name: str, *, required: bool = False, writable: bool = True, **extra: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "name": name,
        "required": required,
        "hasDefault": False,
        "writable": writable,
        **extra,
    }


def _allowed(
    kind: str, name: str, items: list[tuple[str, str]], *, required: bool = True
) -> dict[str, Any]:
    return _field(
        kind,
        name,
        required=required,
        _links={"allowedValues": [link(href, title) for href, title in items]},
    )


def work_package_schema(
    store: NepenthesStore, project_id: int, type_id: int, status_ids: list[int] | None = None
) -> dict[str, Any]:
    """`status_ids`: the statuses the workflow allows from a work package's current status
    (the schema of a form); every status when absent (the schema resource itself)."""
    milestone = bool(store.scalar("SELECT is_milestone FROM types WHERE id=?", (type_id,)))
    members = store.all(
        "SELECT users.* FROM users JOIN memberships ON memberships.user_id = users.id"
        " WHERE memberships.project_id=? ORDER BY users.id",
        (project_id,),
    )
    assignable = [(f"{API}/users/{row['id']}", user_name(row)) for row in members]
    dates: dict[str, Any] = (
        {"date": _field("Date", "Date")}
        if milestone
        else {"startDate": _field("Date", "Start date"), "dueDate": _field("Date", "Finish date")}
    )
    return {
        "_type": "Schema",
        "_dependencies": [],
        "lockVersion": _field("Integer", "Lock Version", required=True, writable=False),
        "id": _field("Integer", "ID", required=True, writable=False),
        "subject": _field("String", "Subject", required=True, minLength=1, maxLength=255),
        "description": _field("Formattable", "Description"),
        **dates,
        "percentageDone": _field("Integer", "% Complete"),
        "createdAt": _field("DateTime", "Created on", required=True, writable=False),
        "updatedAt": _field("DateTime", "Updated on", required=True, writable=False),
        "author": _field("User", "Author", required=True, writable=False),
        "project": _allowed(
            "Project",
            "Project",
            [
                (f"{API}/projects/{row['id']}", row["name"])
                for row in store.all("SELECT * FROM projects WHERE id=?", (project_id,))
            ],
        ),
        "type": _allowed(
            "Type",
            "Type",
            [(f"{API}/types/{row['id']}", row["name"]) for row in enabled_types(store, project_id)],
        ),
        "status": _allowed(
            "Status",
            "Status",
            [
                (f"{API}/statuses/{row['id']}", row["name"])
                for row in store.all("SELECT * FROM statuses ORDER BY position")
                if status_ids is None or row["id"] in status_ids
            ],
        ),
        "priority": _allowed(
            "Priority",
            "Priority",
            [
                (f"{API}/priorities/{row['id']}", row["name"])
                for row in store.all("SELECT * FROM priorities ORDER BY position")
            ],
        ),
        "assignee": _allowed("User", "Assignee", assignable, required=False),
        "responsible": _allowed("User", "Accountable", assignable, required=False),
        "_links": {"self": link(f"{API}/work_packages/schemas/{project_id}-{type_id}")},
    }


async def get_schema(request: Request) -> JSONResponse:
    store: NepenthesStore = request.app.state.store
    viewer_id = current_user(request)
    project_part, _, type_part = request.path_params["identifier"].partition("-")
    if not (project_part.isdigit() and type_part.isdigit()):
        raise not_found()
    project_id, type_id = int(project_part), int(type_part)
    if (
        not permissions.allowed(store, viewer_id, "view_work_packages", project_id)
        or store.one("SELECT 1 FROM types WHERE id=?", (type_id,)) is None
    ):
        raise not_found()
    return hal_response(work_package_schema(store, project_id, type_id))


routes = [Route("/api/v3/work_packages/schemas/{identifier}", get_schema)]
