"""The Nepenthes ASGI app: core routes plus whatever feature modules are installed.

A feature module (`nep_tui.sandbox.nepenthes.<name>`) plugs in by defining any of:
- `routes: list[BaseRoute]` — mounted as they are;
- `init_schema(db: sqlite3.Connection) -> None` — creates its tables (`IF NOT EXISTS`);
- `install(app: Starlette) -> None` — called once the app exists, e.g. to put
  `app.state.oauth` (an object with `verify_access_token(token) -> user_id | None`).
Optional modules that are absent are skipped, so each part can land on its own.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from nep_tui.sandbox.faults import FaultState
from nep_tui.sandbox.middleware import CrashGuard, FaultDelay
from nep_tui.sandbox.nepenthes.errors import ApiError, render_api_error
from nep_tui.sandbox.nepenthes.hal import (
    MissingContentType,
    render_missing_content_type,
)
from nep_tui.sandbox.nepenthes.store import NepenthesStore

CORE_MODULES = (
    "meta",
    "projects",
    "work_packages",
    "work_package_writes",
    "schemas",
    "notifications",
    "attachments",
    "activities",
    "avatars",
    "versions",
    "principals",
    "absent_resources",
)
OPTIONAL_MODULES = (
    "storages",
    "storage_store",
    "storage_settings",
    "storage_admin",
    "storage_admin_pages",
    "storage_files",
    "project_storages",
    "file_links",
    "fault_routes",
    "oauth_clients",
    "oauth",
)


@dataclass
class NepenthesConfig:
    public_url: Callable[[], str]  # "http://127.0.0.1:PORT", known once the socket is bound
    nextcloud_url: Callable[[], str]
    data_dir: Path
    token_ttl: int = 7200
    device_grant: bool = True
    fixed_user_code: str | None = None
    # The real default `attachment_max_size` is 5 MiB; instances raise it, and so does the sandbox.
    max_attachment_bytes: int = 256 * 1024 * 1024

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"


def request_config(request: Request) -> NepenthesConfig:
    """The config `create_app` put on the app's state (Starlette's state holds untyped values)."""
    config: NepenthesConfig = request.app.state.config
    return config


def _load(name: str, *, optional: bool) -> ModuleType | None:
    qualified = f"{__package__}.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as error:
        if optional and error.name == qualified:
            return None
        raise


def feature_modules() -> list[ModuleType]:
    modules = [module for name in CORE_MODULES if (module := _load(name, optional=False))]
    modules += [module for name in OPTIONAL_MODULES if (module := _load(name, optional=True))]
    return modules


def init_schemas(db: sqlite3.Connection) -> None:
    """Create every feature module's tables (the seed needs them before the app runs)."""
    for module in feature_modules():
        init = getattr(module, "init_schema", None)
        if init is not None:
            init(db)


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    """Starlette's own errors in the API shape. Unrouted requests, including a known path with
    another method, get 404 NotFound as from the real API's catch-all route (never a bare 405);
    a body Starlette cannot parse (e.g. broken multipart) is an InvalidRequestBody."""
    assert isinstance(error, HTTPException)
    if error.status_code == 400:
        api_error = ApiError(400, "InvalidRequestBody", str(error.detail))
    else:
        api_error = ApiError(404, "NotFound")
    return await render_api_error(request, api_error)


def _internal_error(request: Request) -> Response:
    error = ApiError(500, "InternalServerError", "An internal error has occurred.")
    return JSONResponse(
        error.body(), status_code=500, media_type="application/hal+json; charset=utf-8"
    )


def create_app(store: NepenthesStore, faults: FaultState, *, config: NepenthesConfig) -> Starlette:
    modules = feature_modules()
    for module in modules:
        init = getattr(module, "init_schema", None)
        if init is not None:
            init(store.db)
    routes: list[BaseRoute] = []
    for module in modules:
        routes.extend(getattr(module, "routes", []))
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: render_api_error,
            HTTPException: _http_error,
            MissingContentType: render_missing_content_type,
        },
    )
    app.add_middleware(CrashGuard, crash_response=_internal_error)
    app.add_middleware(FaultDelay, faults=faults)
    app.state.store = store
    app.state.faults = faults
    app.state.config = config
    for module in modules:
        install = getattr(module, "install", None)
        if install is not None:
            install(app)
    return app
