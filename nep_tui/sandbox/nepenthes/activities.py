"""Activities (journals as `Activity` / `Activity::Comment`), comments, watchers and the
`available_*` lookups of one work package, as `lib/api/v3/activities` and
`lib/api/v3/work_packages/watchers_api.rb` answer them."""

from __future__ import annotations

import html
import json
import re
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import journals, permissions
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import ApiError, forbidden, not_found
from nep_tui.sandbox.nepenthes.hal import (
    API,
    formattable,
    hal_response,
    link,
    plain_collection,
    read_json_body,
)
from nep_tui.sandbox.nepenthes.meta import represent_user
from nep_tui.sandbox.nepenthes.projects import represent_project, visible_project
from nep_tui.sandbox.nepenthes.store import NepenthesStore, now_iso, request_store
from nep_tui.sandbox.nepenthes.work_packages import visible_work_package

init_schema = journals.init_schema
# The HTML the real formatter writes for the same sentence (`html: true`).
_HTML_MARKUP = (
    (re.compile(r"~~\*(.+?)\*~~"), r"<strike><i>\1</i></strike>"),
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"\*(.+?)\*"), r"<i>\1</i>"),
    (re.compile(r"\[([^\]]*)\]\(([^)]*)\)"), r'<a href="\2">\1</a>'),
)


def _detail(sentence: str) -> dict[str, Any]:
    html_text = html.escape(sentence, quote=False)
    for pattern, replacement in _HTML_MARKUP:
        html_text = pattern.sub(replacement, html_text)
    return {"format": "markdown", "raw": sentence, "html": html_text}


def represent_activity(
    store: NepenthesStore, row: sqlite3.Row, *, viewer_id: int
) -> dict[str, Any]:
    wp = store.work_package(row["work_package_id"])
    assert wp is not None
    links: dict[str, Any] = {
        "self": link(f"{API}/activities/{row['id']}"),
        "workPackage": link(f"{API}/work_packages/{wp['id']}", wp["subject"]),
        "user": link(f"{API}/users/{row['user_id']}"),
        "attachments": link(f"{API}/activities/{row['id']}/attachments"),
    }
    if row["user_id"] == viewer_id:
        links["update"] = link(f"{API}/activities/{row['id']}", method="patch")
    notes = row["notes"]
    return {
        # A journal with notes is a comment, one without is a change (`ActivityRepresenter`).
        "_type": "Activity::Comment" if notes else "Activity",
        "id": row["id"],
        "version": row["version"],
        "comment": formattable(notes),
        "details": [_detail(sentence) for sentence in json.loads(row["details"])],
        "internal": bool(row["internal"]),
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
        "_links": links,
    }


def _may_comment(store: NepenthesStore, viewer_id: int, project_id: int) -> bool:
    # Members add comments with `add_work_package_notes`, which every editing role holds.
    return permissions.allowed(store, viewer_id, "edit_work_packages", project_id)


async def list_activities(request: Request) -> JSONResponse:
    wp_id = request.path_params["id"]
    viewer_id, _row = visible_work_package(request, wp_id)
    store = request_store(request)
    rows = store.all("SELECT * FROM journals WHERE work_package_id=? ORDER BY version", (wp_id,))
    elements = [represent_activity(store, row, viewer_id=viewer_id) for row in rows]
    return hal_response(plain_collection(f"{API}/work_packages/{wp_id}/activities", elements))


def _comment_text(body: dict[str, Any]) -> str:
    comment = body.get("comment")
    raw = comment.get("raw") if isinstance(comment, dict) else None
    if not isinstance(raw, str) or not raw.strip():
        raise ApiError(
            422, "PropertyConstraintViolation", "Comment can't be blank.", attribute="comment"
        )
    return raw


async def add_comment(request: Request) -> JSONResponse:
    wp_id = request.path_params["id"]
    viewer_id, row = visible_work_package(request, wp_id)
    store = request_store(request)
    if not _may_comment(store, viewer_id, row["project_id"]):
        raise forbidden()
    body = await read_json_body(request)
    journal_id = journals.write_journal(store, wp_id, viewer_id, notes=_comment_text(body))
    journal = store.one("SELECT * FROM journals WHERE id=?", (journal_id,))
    assert journal is not None
    return hal_response(represent_activity(store, journal, viewer_id=viewer_id), status=201)


def _visible_journal(request: Request) -> tuple[int, sqlite3.Row]:
    store = request_store(request)
    viewer_id = current_user(request)
    row = store.one("SELECT * FROM journals WHERE id=?", (request.path_params["id"],))
    wp = store.work_package(row["work_package_id"]) if row is not None else None
    if (
        row is None
        or wp is None
        or not permissions.allowed(store, viewer_id, "view_work_packages", wp["project_id"])
    ):
        raise not_found()
    return viewer_id, row


async def get_activity(request: Request) -> JSONResponse:
    viewer_id, row = _visible_journal(request)
    return hal_response(represent_activity(request_store(request), row, viewer_id=viewer_id))


async def edit_comment(request: Request) -> JSONResponse:
    """Only one's own journal (`edit_own_work_package_notes`); the text is replaced, no new
    journal is written and nobody is notified, as on the real server."""
    viewer_id, row = _visible_journal(request)
    if row["user_id"] != viewer_id:
        raise forbidden()
    body = await read_json_body(request)
    store = request_store(request)
    store.db.execute(
        "UPDATE journals SET notes=?, updated_at=? WHERE id=?",
        (_comment_text(body), now_iso(), row["id"]),
    )
    updated = store.one("SELECT * FROM journals WHERE id=?", (row["id"],))
    assert updated is not None
    return hal_response(represent_activity(store, updated, viewer_id=viewer_id))


# --- watchers and available lookups ----------------------------------------------------------


def _users(store: NepenthesStore, viewer_id: int, sql: str, params: tuple[Any, ...]) -> list[Any]:
    admin = permissions.is_admin(store, viewer_id)
    return [
        represent_user(store, row, viewer_id=viewer_id, viewer_admin=admin)
        for row in store.all(sql, params)
    ]


MEMBERS = (
    "SELECT users.* FROM users JOIN memberships ON memberships.user_id = users.id"
    " WHERE memberships.project_id=? AND users.status='active' ORDER BY users.id"
)


async def list_watchers(request: Request) -> JSONResponse:
    wp_id = request.path_params["id"]
    viewer_id, _row = visible_work_package(request, wp_id)
    store = request_store(request)
    elements = _users(
        store,
        viewer_id,
        "SELECT users.* FROM users JOIN watchers ON watchers.user_id = users.id"
        " WHERE watchers.work_package_id=? ORDER BY users.id",
        (wp_id,),
    )
    return hal_response(plain_collection(f"{API}/work_packages/{wp_id}/watchers", elements))


def _members_collection(request: Request, suffix: str) -> JSONResponse:
    wp_id = request.path_params["id"]
    viewer_id, row = visible_work_package(request, wp_id)
    store = request_store(request)
    elements = _users(store, viewer_id, MEMBERS, (row["project_id"],))
    return hal_response(plain_collection(f"{API}/work_packages/{wp_id}/{suffix}", elements))


async def available_watchers(request: Request) -> JSONResponse:
    return _members_collection(request, "available_watchers")


async def available_assignees(request: Request) -> JSONResponse:
    return _members_collection(request, "available_assignees")


async def project_available_assignees(request: Request) -> JSONResponse:
    """The members of a project, linked from the assignee field of its create form's schema."""
    viewer_id, project = visible_project(request, request.path_params["ref"])
    elements = _users(request_store(request), viewer_id, MEMBERS, (project["id"],))
    return hal_response(
        plain_collection(f"{API}/projects/{project['id']}/available_assignees", elements)
    )


async def add_watcher(request: Request) -> JSONResponse:
    """`{"user": {"href": "/api/v3/users/N"}}`; watching oneself needs only viewing, watching
    for others `add_work_package_watchers` (held by editing roles here). 200 when the user was
    already watching, 201 when added."""
    wp_id = request.path_params["id"]
    viewer_id, row = visible_work_package(request, wp_id)
    store = request_store(request)
    body = await read_json_body(request)
    user = body.get("user")
    href = user.get("href") if isinstance(user, dict) else None
    prefix = f"{API}/users/"
    if not isinstance(href, str) or not href.removeprefix(prefix).isdigit():
        raise ApiError(400, "InvalidRequestBody", "The request body was not a single JSON object.")
    user_id = int(href.removeprefix(prefix))
    if user_id != viewer_id and not permissions.allowed(
        store, viewer_id, "edit_work_packages", row["project_id"]
    ):
        raise forbidden()
    if store.user(user_id) is None or not permissions.allowed(
        store, user_id, "view_work_packages", row["project_id"]
    ):
        raise ApiError(
            422,
            "PropertyConstraintViolation",
            "User is not allowed to view this resource.",
            attribute="user",
        )
    existed = store.one(
        "SELECT 1 FROM watchers WHERE work_package_id=? AND user_id=?", (wp_id, user_id)
    )
    journals.watch(store, wp_id, user_id)
    watcher = store.user(user_id)
    assert watcher is not None
    representation = represent_user(
        store, watcher, viewer_id=viewer_id, viewer_admin=permissions.is_admin(store, viewer_id)
    )
    return hal_response(representation, status=200 if existed else 201)


async def remove_watcher(request: Request) -> Response:
    wp_id, user_id = request.path_params["id"], request.path_params["user_id"]
    viewer_id, row = visible_work_package(request, wp_id)
    store = request_store(request)
    if user_id != viewer_id and not permissions.allowed(
        store, viewer_id, "edit_work_packages", row["project_id"]
    ):
        raise forbidden()
    if store.user(user_id) is None:
        raise not_found()
    store.db.execute("DELETE FROM watchers WHERE work_package_id=? AND user_id=?", (wp_id, user_id))
    return Response(status_code=204)


async def available_projects(request: Request) -> JSONResponse:
    """Projects the work package may be moved to: where the viewer may add work packages."""
    wp_id = request.path_params["id"]
    viewer_id, _row = visible_work_package(request, wp_id)
    store = request_store(request)
    elements = [
        represent_project(store, project, viewer_id=viewer_id)
        for project_id in permissions.project_ids_with(store, viewer_id, "add_work_packages")
        if (project := store.project(project_id)) is not None
    ]
    return hal_response(
        plain_collection(f"{API}/work_packages/{wp_id}/available_projects", elements)
    )


routes = [
    Route("/api/v3/work_packages/{id:int}/activities", list_activities, methods=["GET"]),
    Route("/api/v3/work_packages/{id:int}/activities", add_comment, methods=["POST"]),
    Route("/api/v3/activities/{id:int}", get_activity, methods=["GET"]),
    Route("/api/v3/activities/{id:int}", edit_comment, methods=["PATCH"]),
    Route("/api/v3/work_packages/{id:int}/watchers", list_watchers, methods=["GET"]),
    Route("/api/v3/work_packages/{id:int}/watchers", add_watcher, methods=["POST"]),
    Route(
        "/api/v3/work_packages/{id:int}/watchers/{user_id:int}",
        remove_watcher,
        methods=["DELETE"],
    ),
    Route("/api/v3/work_packages/{id:int}/available_watchers", available_watchers, methods=["GET"]),
    Route(
        "/api/v3/work_packages/{id:int}/available_assignees",
        available_assignees,
        methods=["GET"],
    ),
    Route("/api/v3/work_packages/{id:int}/available_projects", available_projects, methods=["GET"]),
    Route(
        "/api/v3/projects/{ref}/available_assignees",
        project_available_assignees,
        methods=["GET"],
    ),
]
