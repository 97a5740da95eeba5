"""Work package schemas (`/api/v3/work_packages/schemas/{project}-{type}`): which fields exist,
which are required or writable, and the allowed values of the linked ones.

As the real WorkPackageSchemaRepresenter: type, status, priority and version embed their allowed values
(`_embedded.allowedValues`) and link them (`_links.allowedValues`, with titles); assignee and
accountable link the collection of possible users instead, and so does project in the schema of
an existing work package (its `available_projects`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import not_found
from nep_tui.sandbox.nepenthes.hal import API, hal_response, link
from nep_tui.sandbox.nepenthes.meta import represent_priority, represent_status, represent_type
from nep_tui.sandbox.nepenthes.projects import enabled_types
from nep_tui.sandbox.nepenthes.store import NepenthesStore
from nep_tui.sandbox.nepenthes.versions import assignable_versions, represent_version


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


def _embedded(
    kind: str, name: str, elements: list[dict[str, Any]], *, required: bool = True
) -> dict[str, Any]:
    return _field(
        kind,
        name,
        required=required,
        location="_links",
        _embedded={"allowedValues": elements},
        _links={"allowedValues": [element["_links"]["self"] for element in elements]},
    )


def _linked(kind: str, name: str, allowed: Any, *, required: bool) -> dict[str, Any]:
    """`allowed`: a list of links, or one link to the collection of allowed values."""
    return _field(
        kind, name, required=required, location="_links", _links={"allowedValues": allowed}
    )


def work_package_schema(
    store: NepenthesStore,
    project_id: int,
    type_id: int,
    status_ids: list[int] | None = None,
    work_package_id: int | None = None,
) -> dict[str, Any]:
    """`status_ids`: the statuses the workflow allows from a work package's current status
    (the schema of a form); every status when absent (the schema resource itself).
    `work_package_id`: the work package being edited, whose own collections list the
    assignees and projects; the project's assignees otherwise."""
    milestone = bool(store.scalar("SELECT is_milestone FROM types WHERE id=?", (type_id,)))
    projects: list[dict[str, Any]] | dict[str, Any]
    if work_package_id is None:
        assignable = link(f"{API}/projects/{project_id}/available_assignees")
        projects = [
            link(f"{API}/projects/{row['id']}", row["name"])
            for row in store.all("SELECT * FROM projects WHERE id=?", (project_id,))
        ]
    else:
        assignable = link(f"{API}/work_packages/{work_package_id}/available_assignees")
        projects = link(f"{API}/work_packages/{work_package_id}/available_projects")
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
        "author": _field("User", "Author", required=True, writable=False, location="_links"),
        "project": _linked("Project", "Project", projects, required=True),
        "type": _embedded(
            "Type", "Type", [represent_type(row) for row in enabled_types(store, project_id)]
        ),
        "status": _embedded(
            "Status",
            "Status",
            [
                represent_status(row)
                for row in store.all("SELECT * FROM statuses ORDER BY position")
                if status_ids is None or row["id"] in status_ids
            ],
        ),
        "priority": _embedded(
            "Priority",
            "Priority",
            [
                represent_priority(row)
                for row in store.all("SELECT * FROM priorities ORDER BY position")
            ],
        ),
        "version": _embedded(
            "Version",
            "Version",
            [
                represent_version(store, row)
                for row in assignable_versions(
                    store,
                    project_id,
                    current=store.scalar(
                        "SELECT version_id FROM work_packages WHERE id=?", (work_package_id,)
                    ),
                )
            ],
            required=False,
        ),
        "assignee": _linked("User", "Assignee", assignable, required=False),
        "responsible": _linked("User", "Accountable", assignable, required=False),
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
