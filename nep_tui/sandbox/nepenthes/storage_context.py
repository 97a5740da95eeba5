"""What every storage route needs from a request: the store, the caller, permission checks,
a Nextcloud client for a storage, and the mapping of Nextcloud outcomes to API errors."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote_plus

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from nep_tui.sandbox.nepenthes import permissions, storage_store
from nep_tui.sandbox.nepenthes.app import request_config
from nep_tui.sandbox.nepenthes.errors import (
    ApiError,
    not_found,
    outbound_failure,
    storage_unauthenticated,
)
from nep_tui.sandbox.nepenthes.nextcloud_client import (
    NextcloudClient,
    StorageFailure,
    StorageNotConnected,
    StorageProblem,
    StorageUnauthorized,
)
from nep_tui.sandbox.nepenthes.store import SQLITE_INTEGERS, request_store

_HTTP_STATE = "storage_http"
_LOCKS_STATE = "storage_refresh_locks"


def db(request: Request) -> sqlite3.Connection:
    return request_store(request).db


def allowed(request: Request, user_id: int, permission: str, project_id: int) -> bool:
    return permissions.allowed(request_store(request), user_id, permission, project_id)


def nepenthes_url(request: Request) -> str:
    return request_config(request).public_url().rstrip("/")


def nextcloud_url(request: Request) -> str:
    return request_config(request).nextcloud_url().rstrip("/")


def callback_url(request: Request, client_id: str) -> str:
    return f"{nepenthes_url(request)}/oauth_clients/{client_id}/callback"


def _http(request: Request) -> httpx.AsyncClient:
    """One client per app, made on first use inside the server's event loop.

    It keeps no idle connections: the sandbox's listening sockets lack TCP_NODELAY, so a reused
    connection waits ~40 ms for a delayed ACK on every answer, while a fresh loopback connection
    costs well under a millisecond.
    """
    client = getattr(request.app.state, _HTTP_STATE, None)
    if client is None:
        client = httpx.AsyncClient(
            follow_redirects=False, limits=httpx.Limits(max_keepalive_connections=0)
        )
        setattr(request.app.state, _HTTP_STATE, client)
    return client


def nextcloud(request: Request, storage: dict[str, Any]) -> NextcloudClient:
    return NextcloudClient(
        _http(request),
        base_url=nextcloud_url(request),
        faults=request.app.state.faults,
        db=db(request),
        storage=storage,
        callback_url=callback_url(request, storage["oauth_client_id"]),
        refresh_locks=_refresh_locks(request),
    )


def _refresh_locks(request: Request) -> dict[int, asyncio.Lock]:
    locks = getattr(request.app.state, _LOCKS_STATE, None)
    if locks is None:
        locks = {}
        setattr(request.app.state, _LOCKS_STATE, locks)
    return locks


def visible_storage_ids(request: Request, user_id: int) -> list[int]:
    """Admins and users with `manage_files_in_project` somewhere see every storage; others the
    storages of the projects where they may view file links (`Storage.visible`)."""
    all_ids = [row["id"] for row in storage_store.storages(db(request))]
    if permissions.is_admin(request_store(request), user_id) or permissions.project_ids_with(
        request_store(request), user_id, "manage_files_in_project"
    ):
        return all_ids
    projects = set(permissions.project_ids_with(request_store(request), user_id, "view_file_links"))
    return [
        storage_id
        for storage_id in all_ids
        if any(
            row["project_id"] in projects
            for row in storage_store.project_storages(db(request), storage_id=storage_id)
        )
    ]


def path_id(request: Request, name: str) -> int | None:
    """A numeric path parameter, or None when no row can have it (not digits, or too big for
    SQLite), so the caller answers 404 instead of failing to bind it."""
    raw = request.path_params[name]
    return int(raw) if raw.isdigit() and int(raw) in SQLITE_INTEGERS else None


def visible_storage(request: Request, user_id: int) -> dict[str, Any]:
    """The storage of the `storage_id` path parameter, or 404 when it is unknown or not visible."""
    storage_id = path_id(request, "storage_id")
    storage = storage_store.storage(db(request), storage_id) if storage_id is not None else None
    if storage is None or storage["id"] not in visible_storage_ids(request, user_id):
        raise not_found()
    return storage


def internal_error() -> ApiError:
    return ApiError(500, "InternalServerError", "An internal error has occurred.")


def api_error_for(problem: StorageProblem) -> ApiError:
    """How the real server answers a failed storage query (`raise_error` in the storage APIs):
    404/403 from Nextcloud are OutboundRequest errors, a refused or missing token is 401, and
    anything else (connection failures included) is an internal error."""
    if isinstance(problem, (StorageNotConnected, StorageUnauthorized)):
        return storage_unauthenticated()
    if isinstance(problem, StorageFailure) and problem.status in (403, 404):
        return outbound_failure(problem.status)
    return internal_error()


@asynccontextmanager
async def storage_errors() -> AsyncIterator[None]:
    """Turns a StorageProblem raised inside into the matching API error."""
    try:
        yield
    except StorageProblem as problem:
        raise api_error_for(problem) from problem


class MissingContentType(Exception):
    """Answered as the real server does: 406 with a plain-text body, not the error shape."""


async def render_missing_content_type(request: Request, error: Exception) -> PlainTextResponse:
    return PlainTextResponse("Missing content-type header", status_code=406)


async def json_body(request: Request) -> Any:
    content_type = request.headers.get("content-type")
    if not content_type:
        raise MissingContentType()
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in ("application/json", "application/hal+json"):
        raise ApiError(
            415,
            "TypeNotSupported",
            f"Expected CONTENT-TYPE to be application/json but got {media_type}.",
        )
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400, "InvalidRequestBody", "The request body was not a single JSON object."
        ) from None


def redirect(location: str) -> PlainTextResponse:
    """The 303 of the `open`/`download` endpoints: clients read `Location`, never follow it."""
    return PlainTextResponse(
        f"The requested resource can be viewed at {location}",
        status_code=303,
        headers={"Location": location},
    )


def same_origin(value: str, origin: str) -> bool:
    """Storage URL matching as the real server does it: CGI-unescaped, trailing slash optional."""
    return unquote_plus(value).rstrip("/") == origin.rstrip("/")


def user_name(request: Request, user_id: int | None) -> str:
    row = request_store(request).user(user_id) if user_id is not None else None
    return f"{row['first_name']} {row['last_name']}".strip() if row else ""
