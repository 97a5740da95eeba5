"""Root, configuration, users, and the lookups a work package needs (statuses, types, priorities)."""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions
from nep_tui.sandbox.nepenthes.app import request_config
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import not_found
from nep_tui.sandbox.nepenthes.hal import (
    API,
    MAX_PAGE_SIZE,
    PER_PAGE_OPTIONS,
    filtered_href,
    hal_response,
    link,
    plain_collection,
)
from nep_tui.sandbox.nepenthes.store import NepenthesStore, request_store

INSTANCE_NAME = "Nepenthes"
CORE_VERSION = "17.6.0"


def user_name(row: sqlite3.Row) -> str:
    return f"{row['first_name']} {row['last_name']}"


def user_link(store: NepenthesStore, user_id: int | None) -> dict[str, Any]:
    row = store.user(user_id) if user_id is not None else None
    if row is None:
        return link(None)
    return link(f"{API}/users/{row['id']}", user_name(row))


def represent_user(
    store: NepenthesStore, row: sqlite3.Row, *, viewer_id: int, viewer_admin: bool
) -> dict[str, Any]:
    """A User; login and email only for oneself and admins, as the real representer does.
    Every sandbox user has a local avatar, so `avatar` is AvatarHelper#avatar_url's absolute
    `user_avatar_url` (the web route; the API serves the same image)."""
    own = viewer_admin or viewer_id == row["id"]
    body: dict[str, Any] = {
        "_type": "User",
        "id": row["id"],
        "name": user_name(row),
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "avatar": f"{store.public_url()}/users/{row['id']}/avatar",
        "status": row["status"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }
    if own:
        body.update(
            login=row["login"],
            email=row["email"],
            admin=bool(row["admin"]),
            language=row["language"],
            identityUrl=None,
        )
    body["_links"] = {
        "self": link(f"{API}/users/{row['id']}", user_name(row)),
        "memberships": link(
            filtered_href(f"{API}/memberships", "principal", row["id"]), "Memberships"
        ),
        "showUser": link(f"/users/{row['id']}", type="text/html"),
    }
    return body


def represent_status(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "_type": "Status",
        "id": row["id"],
        "name": row["name"],
        "isClosed": bool(row["is_closed"]),
        "color": row["color"],
        "isDefault": bool(row["is_default"]),
        "isReadonly": bool(row["is_readonly"]),
        "excludedFromTotals": False,
        "defaultDoneRatio": row["default_done_ratio"],
        "position": row["position"],
        "_links": {"self": link(f"{API}/statuses/{row['id']}", row["name"])},
    }


def represent_type(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "_type": "Type",
        "id": row["id"],
        "name": row["name"],
        "color": row["color"],
        "position": row["position"],
        "isDefault": bool(row["is_default"]),
        "isMilestone": bool(row["is_milestone"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "_links": {"self": link(f"{API}/types/{row['id']}", row["name"])},
    }


def represent_priority(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "_type": "Priority",
        "id": row["id"],
        "name": row["name"],
        "position": row["position"],
        "color": row["color"],
        "isDefault": bool(row["is_default"]),
        "isActive": bool(row["is_active"]),
        "_links": {"self": link(f"{API}/priorities/{row['id']}", row["name"])},
    }


async def root(request: Request) -> JSONResponse:
    store = request_store(request)
    user_id = current_user(request)
    body: dict[str, Any] = {"_type": "Root", "instanceName": INSTANCE_NAME}
    if permissions.is_admin(store, user_id):
        body["coreVersion"] = CORE_VERSION
    body["_links"] = {
        "self": link(API),
        "configuration": link(f"{API}/configuration"),
        "memberships": link(f"{API}/memberships"),
        "priorities": link(f"{API}/priorities"),
        "relations": link(f"{API}/relations"),
        "statuses": link(f"{API}/statuses"),
        "time_entries": link(f"{API}/time_entries"),
        "types": link(f"{API}/types"),
        "user": user_link(store, user_id),
        "userPreferences": link(f"{API}/my_preferences"),
        "workPackages": link(f"{API}/work_packages"),
    }
    return hal_response(body)


async def configuration(request: Request) -> JSONResponse:
    current_user(request)
    host = request_config(request).public_url().split("://", 1)[-1]
    return hal_response(
        {
            "_type": "Configuration",
            "maximumAttachmentFileSize": request_config(request).max_attachment_bytes,
            "maximumApiV3PageSize": MAX_PAGE_SIZE,
            "perPageOptions": PER_PAGE_OPTIONS,
            "hostName": host,
            "dateFormat": None,
            "timeFormat": None,
            "durationFormat": "hours_only",
            "userDefaultTimezone": "Etc/UTC",
            "startOfWeek": None,
            "hoursPerDay": 8.0,
            "daysPerMonth": 20.0,
            "activeFeatureFlags": [],
            "availableFeatures": [],
            "triallingFeatures": [],
            "allowedLinkProtocols": ["http", "https", "mailto"],
            "_links": {
                "self": link(f"{API}/configuration"),
                "userPreferences": link(f"{API}/my_preferences"),
                "prepareAttachment": link(f"{API}/attachments/prepare", method="post"),
            },
        }
    )


def _shares_a_project(store: NepenthesStore, viewer_id: int, user_id: int) -> bool:
    return (
        store.one(
            "SELECT 1 FROM memberships a JOIN memberships b ON a.project_id = b.project_id"
            " WHERE a.user_id=? AND b.user_id=? LIMIT 1",
            (viewer_id, user_id),
        )
        is not None
    )


def visible_user(request: Request) -> tuple[int, sqlite3.Row]:
    """The viewer and the user `{ref}` names (`me` or an id); 404 for users they cannot see."""
    store = request_store(request)
    viewer_id = current_user(request)
    ref = request.path_params["ref"]
    if ref == "me":
        row = store.user(viewer_id)
    elif ref.isdigit():
        row = store.user(int(ref))
    else:
        row = None
    if row is None or not (
        permissions.is_admin(store, viewer_id)
        or row["id"] == viewer_id
        or _shares_a_project(store, viewer_id, row["id"])
    ):
        raise not_found()
    return viewer_id, row


async def user(request: Request) -> JSONResponse:
    viewer_id, row = visible_user(request)
    store = request_store(request)
    return hal_response(
        represent_user(
            store, row, viewer_id=viewer_id, viewer_admin=permissions.is_admin(store, viewer_id)
        )
    )


def _lookup_collection(request: Request, table: str, represent: Any, path: str) -> JSONResponse:
    current_user(request)
    rows = request_store(request).all(f"SELECT * FROM {table} ORDER BY position")
    return hal_response(plain_collection(path, [represent(row) for row in rows]))


def _lookup_one(request: Request, table: str, represent: Any) -> JSONResponse:
    current_user(request)
    row = request_store(request).one(
        f"SELECT * FROM {table} WHERE id=?", (request.path_params["id"],)
    )
    if row is None:
        raise not_found()
    return hal_response(represent(row))


async def statuses(request: Request) -> JSONResponse:
    return _lookup_collection(request, "statuses", represent_status, f"{API}/statuses")


async def status(request: Request) -> JSONResponse:
    return _lookup_one(request, "statuses", represent_status)


async def types(request: Request) -> JSONResponse:
    return _lookup_collection(request, "types", represent_type, f"{API}/types")


async def type_(request: Request) -> JSONResponse:
    return _lookup_one(request, "types", represent_type)


async def priorities(request: Request) -> JSONResponse:
    return _lookup_collection(request, "priorities", represent_priority, f"{API}/priorities")


async def priority(request: Request) -> JSONResponse:
    return _lookup_one(request, "priorities", represent_priority)


routes = [
    Route("/api/v3", root),
    Route("/api/v3/", root),
    Route("/api/v3/configuration", configuration),
    Route("/api/v3/users/{ref}", user),
    Route("/api/v3/statuses", statuses),
    Route("/api/v3/statuses/{id:int}", status),
    Route("/api/v3/types", types),
    Route("/api/v3/types/{id:int}", type_),
    Route("/api/v3/priorities", priorities),
    Route("/api/v3/priorities/{id:int}", priority),
]
