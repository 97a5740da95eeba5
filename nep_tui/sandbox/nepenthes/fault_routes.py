"""`GET/POST /sandbox/faults` (admin API token only): the fault switches of
docs/ARCHITECTURE.md, plus the one-shot `connect_user` / `disconnect_user` actions on the stored
Nextcloud tokens. `install` also puts `app.state.apply_faults` for `RunningSandbox.set_faults`.

`file_link_failures` is answered here, by a middleware in front of the file-link creation route,
so that route stays free of test switches.

`connect_user` gets a token from the Nextcloud side's store without the browser dance, through
`app.state.issue_nextcloud_token(login, client_id) -> token dict`, which server.py wires to the
Nextcloud store's `issue_oauth_token`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from nep_tui.sandbox.faults import ADMIN_SWITCHES, APP_SWITCHES, FaultState
from nep_tui.sandbox.nepenthes import file_links, permissions, storage_store
from nep_tui.sandbox.nepenthes.auth import optional_user
from nep_tui.sandbox.nepenthes.errors import (
    ApiError,
    constraint_violation,
    forbidden,
    render_api_error,
)
from nep_tui.sandbox.nepenthes.hal import hal_response
from nep_tui.sandbox.nepenthes.storage_context import internal_error, json_body
from nep_tui.sandbox.nepenthes.store import NepenthesStore

KEYS = {
    "nextcloud_unreachable",
    "disconnect_user",
    "connect_user",
    "quota_bytes",
    "upload_limit_bytes",
    "delay_ms",
    "file_link_failures",
    "reset",
    *ADMIN_SWITCHES,
}
TokenIssuer = Callable[[str, str], dict[str, Any]]


def _token_issuer(app: Starlette) -> TokenIssuer:
    issuer: TokenIssuer | None = getattr(app.state, "issue_nextcloud_token", None)
    if issuer is None:
        raise ApiError(500, "InternalServerError", "This sandbox cannot issue Nextcloud tokens.")
    return issuer


def _user_id(store: NepenthesStore, login: Any) -> int:
    row = store.user_by_login(str(login)) if isinstance(login, str) else None
    if row is None:
        raise constraint_violation(f"There is no user {login!r}.", "login")
    return int(row["id"])


def _validate(changes: Any) -> dict[str, Any]:
    if not isinstance(changes, dict):
        raise constraint_violation("The faults must be a JSON object.")
    unknown = sorted(set(changes) - KEYS)
    if unknown:
        raise constraint_violation(f"Unknown fault switches: {', '.join(unknown)}.")
    quota = changes.get("quota_bytes", {})
    if not isinstance(quota, dict) or not all(
        value is None or isinstance(value, int) for value in quota.values()
    ):
        raise constraint_violation(
            "quota_bytes maps logins to a number of bytes or null.", "quota_bytes"
        )
    limit = changes.get("upload_limit_bytes")
    if limit is not None and not isinstance(limit, int):
        raise constraint_violation(
            "upload_limit_bytes is a number of bytes or null.", "upload_limit_bytes"
        )
    if not isinstance(changes.get("delay_ms", 0), int):
        raise constraint_violation("delay_ms is a number of milliseconds.", "delay_ms")
    failures = changes.get("file_link_failures", 0)
    # bool is an int to Python, but `true` is no count in JSON.
    if not isinstance(failures, int) or isinstance(failures, bool) or failures < 0:
        raise constraint_violation(
            "file_link_failures is a number of requests.", "file_link_failures"
        )
    for name in ADMIN_SWITCHES:
        value = changes.get(name)
        valid = isinstance(value, str) if name in APP_SWITCHES else isinstance(value, bool)
        if name in changes and not (valid or (value is None and name in APP_SWITCHES)):
            kind = '"missing", a version or null' if name in APP_SWITCHES else "true or false"
            raise constraint_violation(f"{name} is {kind}.", name)
    return changes


def apply_faults(app: Starlette, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply the switches and the one-shot actions; returns the current switches."""
    changes = _validate(changes)
    store: NepenthesStore = app.state.store
    faults: FaultState = app.state.faults
    disconnect = (
        _user_id(store, changes["disconnect_user"]) if "disconnect_user" in changes else None
    )
    connect = _user_id(store, changes["connect_user"]) if "connect_user" in changes else None
    faults.update(changes)
    if disconnect is not None:
        storage_store.forget_nextcloud_token(store.db, disconnect)
    if connect is not None:
        for storage in storage_store.storages(store.db):
            token = _token_issuer(app)(changes["connect_user"], storage["oauth_client_id"])
            storage_store.save_nextcloud_token(store.db, connect, token)
    return faults.as_json()


def _require_admin(request: Request) -> None:
    store: NepenthesStore = request.app.state.store
    if not permissions.is_admin(store, optional_user(request)):
        raise forbidden()


async def show_faults(request: Request) -> Response:
    _require_admin(request)
    return hal_response(request.app.state.faults.as_json())


async def set_faults(request: Request) -> Response:
    _require_admin(request)
    return hal_response(apply_faults(request.app, await json_body(request)))


CREATE_FILE_LINKS = next(
    route for route in file_links.routes if route.endpoint is file_links.create_file_links
)


class FileLinkFailures:
    """The `file_link_failures` fault: the next N file-link creations fail as the real server
    answers an internal error, before anything is stored (its requests are all or nothing)."""

    def __init__(self, app: ASGIApp, faults: FaultState) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and CREATE_FILE_LINKS.matches(scope)[0] is Match.FULL
            and self.faults.take_file_link_failure()
        ):
            request = Request(scope, receive)
            # Read the body as the route would: a server closing a socket with unread data resets
            # it, and the client would see a broken connection instead of this answer.
            await request.body()
            response = await render_api_error(request, internal_error())
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: Starlette) -> None:
    app.state.apply_faults = lambda changes: apply_faults(app, changes)
    # Innermost (add_middleware would put it outermost): `delay_ms` applies to these answers too.
    app.user_middleware.append(Middleware(FileLinkFailures, faults=app.state.faults))


routes = [
    Route("/sandbox/faults", show_faults, methods=["GET"]),
    Route("/sandbox/faults", set_faults, methods=["POST"]),
]
