"""Minimal HTML pages at the real routes of the storage steps that have no API
(notes/admin-setup.md §3.6, §4): enabling a storage in projects with a project folder mode, and
replacing the OpenProject OAuth application, plus `/health_checks/all` (OkComputer's text).

The real pages use a Rails session; the sandbox has none, so each form asks for an admin's login
and password instead.
"""

from __future__ import annotations

import hmac
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import (
    managed_folders,
    storage_admin,
    storage_context,
    storage_settings,
    storage_store,
)
from nep_tui.sandbox.nepenthes.store import request_store

ADMIN = "/admin/settings/storages/{storage_id}"
MODES = {
    "inactive": "No specific folder",
    "manual": "Existing folder manually managed",
    "automatic": "Automatically managed",
}
INCOMPLETE = (
    "This storage has an incomplete setup. Please, complete the setup before enabling it in"
    " multiple projects."
)
SHELL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Nepenthes</title></head>
<body><h1>{title}</h1>{body}</body></html>
"""
LOGIN_FIELDS = (
    '<label>Admin login <input name="login" autocomplete="username"></label> '
    '<label>Password <input name="password" type="password"></label> '
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """`body` is already escaped."""
    return HTMLResponse(SHELL.format(title=escape(title), body=body), status_code=status)


def _admin_from_form(request: Request, form: Any) -> int | None:
    row = request_store(request).user_by_login(str(form.get("login", "")))
    if row is None or not row["admin"]:
        return None
    given = str(form.get("password", "")).encode()
    return int(row["id"]) if hmac.compare_digest(row["password"].encode(), given) else None


def _storage(request: Request) -> dict[str, Any] | None:
    storage_id = storage_context.path_id(request, "storage_id")
    return storage_store.storage(storage_context.db(request), storage_id) if storage_id else None


def _project_storages_body(request: Request, storage: dict[str, Any], note: str = "") -> str:
    store = request_store(request)
    rows = storage_store.project_storages(storage_context.db(request), storage_id=storage["id"])
    items = "".join(
        f"<li>{escape(project['name'])}: {escape(MODES[row['project_folder_mode']])}</li>"
        for row in rows
        if (project := store.project(row["project_id"])) is not None
    )
    options = "".join(
        f'<option value="{project["id"]}">{escape(project["name"])}</option>'
        for project in store.all("SELECT id, name FROM projects ORDER BY name")
    )
    modes = "".join(f'<option value="{key}">{escape(text)}</option>' for key, text in MODES.items())
    note_html = f"<p>{escape(note)}</p>" if note else ""
    return (
        f"{note_html}<h2>Enabled in projects</h2><ul>{items}</ul>"
        f'<form method="post"><label>Project <select name="storages_project_storage[project_ids][]">'
        f"{options}</select></label> <label>Project folder"
        f' <select name="storages_project_storage[project_folder_mode]">{modes}</select></label>'
        f" {LOGIN_FIELDS}<button>Add</button></form>"
    )


async def project_storages_page(request: Request) -> Response:
    storage = _storage(request)
    if storage is None:
        return _page("Not found", "<p>The storage could not be found.</p>", 404)
    return _page(f"{storage['name']}: projects", _project_storages_body(request, storage))


async def add_project_storage(request: Request) -> Response:
    storage = _storage(request)
    if storage is None:
        return _page("Not found", "<p>The storage could not be found.</p>", 404)
    form = await request.form()
    user_id = _admin_from_form(request, form)
    title = f"{storage['name']}: projects"
    if user_id is None:
        return _page(title, "<p>Invalid admin login or password.</p>", 403)
    db = storage_context.db(request)
    if not storage["oauth_client_id"]:
        return _page(title, f"<p>{escape(INCOMPLETE)}</p>", 422)
    ampf = bool(storage_settings.application_password(db, storage["id"]))
    mode = str(form.get("storages_project_storage[project_folder_mode]") or "")
    mode = mode or ("automatic" if ampf else "inactive")
    if mode not in MODES or (mode == "automatic" and not ampf) or mode == "manual":
        message = f"{MODES.get(mode, mode)} is not available for this storage."
        return _page(title, f"<p>{escape(message)}</p>", 422)
    project_ids = [
        int(raw)
        for raw in form.getlist("storages_project_storage[project_ids][]")
        if isinstance(raw, str) and raw.isdigit()
    ]
    for project_id in project_ids:
        if not storage_store.storage_active_in_project(db, storage["id"], project_id):
            storage_store.create_project_storage(
                db,
                project_id=project_id,
                storage_id=storage["id"],
                project_folder_id=None,
                project_folder_mode=mode,
                creator_id=user_id,
            )
    if mode == "automatic":
        await managed_folders.sync(request, storage, storage_settings.host_of(request, storage))
    return _page(title, _project_storages_body(request, storage, "Added."))


async def edit_page(request: Request) -> Response:
    storage = _storage(request)
    if storage is None:
        return _page("Not found", "<p>The storage could not be found.</p>", 404)
    href = ADMIN.format(storage_id=storage["id"]) + "/replace_oauth_application"
    return _page(
        storage["name"],
        f'<form method="post" action="{escape(href)}"><input type="hidden" name="_method"'
        f' value="delete">{LOGIN_FIELDS}<button>Replace OpenProject OAuth values</button></form>',
    )


async def replace_oauth_application(request: Request) -> Response:
    """Destroys the Doorkeeper app and makes a new one, shown once on this page."""
    storage = _storage(request)
    if storage is None:
        return _page("Not found", "<p>The storage could not be found.</p>", 404)
    form = await request.form()
    user_id = _admin_from_form(request, form)
    if user_id is None:
        return _page(storage["name"], "<p>Invalid admin login or password.</p>", 403)
    db = storage_context.db(request)
    storage_settings.delete_oauth_application(db, storage["id"])
    application, secret = storage_admin.create_oauth_application(
        request, storage["id"], storage["name"], storage_settings.host_of(request, storage), user_id
    )
    return _page(
        storage["name"],
        "<p>Copy these values into Nextcloud now; the secret is not shown again.</p>"
        f"<dl><dt>OpenProject OAuth Client ID</dt><dd>{escape(application['client_id'])}</dd>"
        f"<dt>OpenProject OAuth Client Secret</dt><dd>{escape(secret)}</dd></dl>",
    )


# Schema version of the sandbox's database, in the shape of a Rails migration number.
SCHEMA_VERSION = "20251001000000"


async def health_checks(request: Request) -> Response:
    """OkComputer's `full` collection as text; the worker checks follow `workers_down`."""
    down = request.app.state.faults.workers_down
    worker = (
        "FAILED No good_job processes are active."
        if down
        else "PASSED 1 good_job processes are active."
    )
    lines = [
        "full",
        "  default: PASSED Application is running (0.000s)",
        f"  database: PASSED Schema version: {SCHEMA_VERSION} (0.001s)",
        "  mail: PASSED Mail delivery method is not SMTP (0.000s)",
        f"  worker: {worker} (0.001s)",
        "  worker_backed_up: PASSED No jobs are waiting to be picked up. (0.001s) (OPTIONAL)",
        "  puma: PASSED Backlog ok (0.000s) (OPTIONAL)",
    ]
    return PlainTextResponse("\n".join(lines) + "\n", status_code=500 if down else 200)


routes = [
    Route(f"{ADMIN}/project_storages", project_storages_page, methods=["GET"]),
    Route(f"{ADMIN}/project_storages", add_project_storage, methods=["POST"]),
    Route(f"{ADMIN}/edit", edit_page, methods=["GET"]),
    Route(f"{ADMIN}/replace_oauth_application", replace_oauth_application, methods=["POST"]),
    Route("/health_checks/all", health_checks, methods=["GET"]),
]
