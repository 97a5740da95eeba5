"""Versions (`/api/v3/versions/{id}`, `/api/v3/projects/{id}/versions`), and which of them a
work package may be given.

As the real server: a version belongs to its defining project (the sandbox shares none, so
`sharing` is always `none`); only an *open* version can be assigned (`Version#assignable?`),
while a work package keeps the locked or closed version it already has; the work-package
schema embeds the assignable ones like the priorities.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import not_found
from nep_tui.sandbox.nepenthes.hal import API, formattable, hal_response, link, plain_collection
from nep_tui.sandbox.nepenthes.projects import project_link, visible_project
from nep_tui.sandbox.nepenthes.store import NepenthesStore, request_store


def represent_version(store: NepenthesStore, row: sqlite3.Row) -> dict[str, Any]:
    version_id = row["id"]
    return {
        "_type": "Version",
        "id": version_id,
        "name": row["name"],
        "description": formattable(row["description"]),
        "startDate": row["start_date"],
        "endDate": row["end_date"],
        "status": row["status"],
        "sharing": "none",
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "_links": {
            "self": link(f"{API}/versions/{version_id}", row["name"]),
            "schema": link(f"{API}/versions/schema"),
            "availableInProjects": link(f"{API}/versions/{version_id}/projects"),
            "definingProject": project_link(store.project(row["project_id"])),
        },
    }


def assignable_versions(
    store: NepenthesStore, project_id: int, current: int | None = None
) -> list[sqlite3.Row]:
    """The open versions of the project, and `current` (the work package's own) whatever its
    status, in the real order: by start date, then name."""
    return store.all(
        "SELECT * FROM versions WHERE project_id=? AND (status='open' OR id=?)"
        " ORDER BY start_date IS NULL, start_date, name",
        (project_id, current),
    )


async def get_version(request: Request) -> JSONResponse:
    store = request_store(request)
    raw = request.path_params["id"]
    row = store.one("SELECT * FROM versions WHERE id=?", (int(raw),)) if raw.isdigit() else None
    if row is None or not permissions.allowed(
        store, current_user(request), "view_work_packages", row["project_id"]
    ):
        raise not_found()
    return hal_response(represent_version(store, row))


async def project_versions(request: Request) -> JSONResponse:
    store = request_store(request)
    _viewer_id, project = visible_project(request, request.path_params["ref"])
    rows = store.all(
        "SELECT * FROM versions WHERE project_id=? ORDER BY start_date IS NULL, start_date, name",
        (project["id"],),
    )
    return hal_response(
        plain_collection(request.url.path, [represent_version(store, row) for row in rows])
    )


routes = [
    Route("/api/v3/versions/{id}", get_version),
    Route("/api/v3/projects/{ref}/versions", project_versions),
]
