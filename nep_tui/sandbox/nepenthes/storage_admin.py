"""Storage administration in API v3 (admins only), as OpenProject 17.6 answers it
(`../shared/notes/admin-setup.md` §3): `POST/PATCH/DELETE /storages` with the host checks the
real server makes against Nextcloud, the OAuth application whose secret appears in the create
answer only, `oauth_client_credentials` (replacing them drops every user's Nextcloud token) and
`GET /oauth_applications/{id}`."""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import (
    host_checks,
    managed_folders,
    permissions,
    storage_context,
    storage_settings,
    storage_store,
)
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.errors import ApiError, constraint_violation, forbidden, not_found
from nep_tui.sandbox.nepenthes.hal import API, hal_response, link
from nep_tui.sandbox.nepenthes.oauth_models import digest
from nep_tui.sandbox.nepenthes.storages import (
    client_credentials_json,
    storage_json,
)
from nep_tui.sandbox.nepenthes.store import request_store


def require_admin(request: Request) -> int:
    user_id = current_user(request)
    if not permissions.is_admin(request_store(request), user_id):
        raise forbidden()
    return user_id


def _storage_or_404(request: Request) -> dict[str, Any]:
    storage_id = storage_context.path_id(request, "storage_id")
    storage = storage_store.storage(storage_context.db(request), storage_id) if storage_id else None
    if storage is None:
        raise not_found()
    return storage


def normalized_host(raw: str) -> str:
    """Trailing slashes go, then exactly one is appended (the real model's normalisation)."""
    return raw.rstrip("/") + "/"


def _one_or_many(errors: list[ApiError]) -> ApiError:
    if len(errors) == 1:
        return errors[0]
    return ApiError(
        422, "MultipleErrors", "Multiple field constraints have been violated.", errors=errors
    )


async def _validated(request: Request, body: Any, storage: dict[str, Any] | None) -> dict[str, Any]:
    """The write model's checks; every failure is collected as the contract collects them."""
    if not isinstance(body, dict):
        raise ApiError(400, "InvalidRequestBody", "The request body was not a single JSON object.")
    db = storage_context.db(request)
    raw_links = body.get("_links")
    links: dict[str, Any] = raw_links if isinstance(raw_links, dict) else {}
    changes: dict[str, Any] = {}
    errors: list[ApiError] = []
    if storage is None or "name" in body:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(constraint_violation("Name can't be blank.", "name"))
        elif storage_settings.name_taken(db, name, other_than=storage["id"] if storage else None):
            errors.append(constraint_violation("Name has already been taken.", "name"))
        else:
            changes["name"] = name
    origin = links.get("origin")
    if storage is None or origin is not None:
        href = origin.get("href") if isinstance(origin, dict) else None
        if not isinstance(href, str) or not href.strip():
            errors.append(constraint_violation("Host can't be blank.", "host"))
        else:
            host = normalized_host(href.strip())
            if storage is None or host != storage_settings.host_of(request, storage):
                if _host_taken(request, host, storage):
                    errors.append(constraint_violation("Host has already been taken.", "host"))
                else:
                    problem = await host_checks.host_problem(host, faults=request.app.state.faults)
                    if problem:
                        errors.append(constraint_violation(problem, "host"))
            changes["host"] = host
    if "applicationPassword" in body:
        password = body["applicationPassword"]
        changes["application_password"] = password or None
        current = storage_settings.application_password(db, storage["id"]) if storage else None
        host = changes.get("host") or (
            storage_settings.host_of(request, storage) if storage else ""
        )
        if password and password != current and host:
            problem = await host_checks.application_password_problem(
                host, password, faults=request.app.state.faults
            )
            if problem:
                errors.append(constraint_violation(problem, "password"))
    if errors:
        raise _one_or_many(errors)
    return changes


def _host_taken(request: Request, host: str, storage: dict[str, Any] | None) -> bool:
    db = storage_context.db(request)
    return any(
        storage_settings.host_of(request, other) == host
        for other in storage_store.storages(db)
        if storage is None or other["id"] != storage["id"]
    )


def _redirect_uri(host: str) -> str:
    return f"{host.rstrip('/')}/index.php/apps/integration_openproject/oauth-redirect"


def create_oauth_application(
    request: Request, storage_id: int, name: str, host: str, owner_id: int
) -> tuple[dict[str, Any], str]:
    """Doorkeeper's confidential app for Nextcloud; the plain secret exists only here."""
    client_id, secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    app_name = f"{name} (Nextcloud)"
    db = storage_context.db(request)
    # Registered where the OAuth server looks clients up, so `/oauth/revoke` knows it.
    db.execute(
        "INSERT INTO oauth_clients (client_id, name, redirect_uris, confidential, secret_hash)"
        " VALUES (?, ?, ?, 1, ?)",
        (client_id, app_name, json.dumps([_redirect_uri(host)]), digest(secret)),
    )
    application_id = storage_settings.save_oauth_application(
        db,
        storage_id=storage_id,
        client_id=client_id,
        name=app_name,
        redirect_uri=_redirect_uri(host),
        owner_id=owner_id,
    )
    storage_settings.save_settings(db, storage_id, oauth_application_id=application_id)
    application = storage_settings.oauth_application(db, application_id)
    assert application is not None
    return application, secret


def oauth_application_json(
    request: Request, application: dict[str, Any], secret: str | None = None
) -> dict[str, Any]:
    storage = storage_store.storage(storage_context.db(request), application["storage_id"])
    body: dict[str, Any] = {
        "_type": "OAuthApplication",
        "id": application["id"],
        "name": application["name"],
        "clientId": application["client_id"],
        "confidential": True,
        "createdAt": application["created_at"],
        "updatedAt": application["updated_at"],
        "scopes": ["api_v3"],
        "_links": {
            "self": link(f"{API}/oauth_applications/{application['id']}", application["name"]),
            "owner": link(
                f"{API}/users/{application['owner_id']}",
                storage_context.user_name(request, application["owner_id"]),
            ),
            "integration": link(
                f"{API}/storages/{application['storage_id']}",
                storage["name"] if storage else None,
            ),
            "redirectUri": [link(application["redirect_uri"])],
        },
    }
    if secret is not None:
        body["clientSecret"] = secret
    return body


# --- routes -----------------------------------------------------------------------------------


async def create_storage(request: Request) -> Response:
    user_id = require_admin(request)
    body = await storage_context.json_body(request)
    changes = await _validated(request, body, None)
    db = storage_context.db(request)
    with request_store(request).transaction():
        storage_id = storage_store.create_storage(
            db, name=changes["name"], oauth_client_id="", oauth_client_secret="", creator_id=user_id
        )
        password = changes.get("application_password")
        db.execute(
            "UPDATE storages SET has_application_password = ? WHERE id = ?",
            (int(bool(password)), storage_id),
        )
        storage_settings.save_settings(
            db, storage_id, host=changes["host"], application_password=password
        )
        application, secret = create_oauth_application(
            request, storage_id, changes["name"], changes["host"], user_id
        )
    storage = storage_store.storage(db, storage_id)
    assert storage is not None
    answer = await storage_json(request, storage, user_id)
    answer.setdefault("_embedded", {})["oauthApplication"] = oauth_application_json(
        request, application, secret
    )
    return hal_response(answer, status=201)


async def update_storage(request: Request) -> Response:
    user_id = require_admin(request)
    storage = _storage_or_404(request)
    body = await storage_context.json_body(request)
    changes = await _validated(request, body, storage)
    db = storage_context.db(request)
    with request_store(request).transaction():
        if "name" in changes:
            db.execute(
                "UPDATE storages SET name = ?, updated_at = ? WHERE id = ?",
                (changes["name"], storage_store.now_iso(), storage["id"]),
            )
        if "application_password" in changes:
            db.execute(
                "UPDATE storages SET has_application_password = ? WHERE id = ?",
                (int(bool(changes["application_password"])), storage["id"]),
            )
        storage_settings.save_settings(
            db,
            storage["id"],
            host=changes.get("host") or storage_settings.host_of(request, storage),
            **(
                {"application_password": changes["application_password"]}
                if "application_password" in changes
                else {}
            ),
        )
        if "name" in changes or "host" in changes:
            updated_name = changes.get("name", storage["name"])
            storage_settings.rename_oauth_application(
                db,
                storage["id"],
                name=f"{updated_name} (Nextcloud)",
                redirect_uri=_redirect_uri(
                    changes.get("host") or storage_settings.host_of(request, storage)
                ),
            )
    updated = storage_store.storage(db, storage["id"])
    assert updated is not None
    return hal_response(await storage_json(request, updated, user_id))


async def delete_storage(request: Request) -> Response:
    require_admin(request)
    storage = _storage_or_404(request)
    await managed_folders.delete_project_folders(
        request, storage, storage_settings.host_of(request, storage)
    )
    with request_store(request).transaction():
        storage_settings.delete_storage(storage_context.db(request), storage["id"])
    return Response(status_code=204)


async def create_client_credentials(request: Request) -> Response:
    require_admin(request)
    storage = _storage_or_404(request)
    body = await storage_context.json_body(request)
    body = body if isinstance(body, dict) else {}
    errors = [
        constraint_violation(f"{label} can't be blank.", attribute)
        for attribute, label in (("clientId", "Client ID"), ("clientSecret", "Client secret"))
        if not isinstance(body.get(attribute), str) or not body[attribute].strip()
    ]
    if errors:
        raise _one_or_many(errors)
    db = storage_context.db(request)
    with request_store(request).transaction():
        credentials_id = storage_settings.replace_client_credentials(
            db, storage["id"], body["clientId"], body["clientSecret"]
        )
    updated = storage_store.storage(db, storage["id"])
    credentials = storage_settings.client_credentials(db, credentials_id)
    assert updated is not None and credentials is not None
    return hal_response(client_credentials_json(credentials, updated), status=201)


async def show_client_credentials(request: Request) -> Response:
    require_admin(request)
    db = storage_context.db(request)
    credentials_id = storage_context.path_id(request, "id")
    credentials = (
        storage_settings.client_credentials(db, credentials_id) if credentials_id else None
    )
    storage = storage_store.storage(db, credentials["storage_id"]) if credentials else None
    if credentials is None or storage is None:
        raise not_found()
    return hal_response(client_credentials_json(credentials, storage))


async def show_oauth_application(request: Request) -> Response:
    require_admin(request)
    application_id = storage_context.path_id(request, "id")
    application = (
        storage_settings.oauth_application(storage_context.db(request), application_id)
        if application_id
        else None
    )
    if application is None:
        raise not_found()
    return hal_response(oauth_application_json(request, application))


routes = [
    Route(f"{API}/storages", create_storage, methods=["POST"]),
    Route(f"{API}/storages/{{storage_id}}", update_storage, methods=["PATCH"]),
    Route(f"{API}/storages/{{storage_id}}", delete_storage, methods=["DELETE"]),
    Route(
        f"{API}/storages/{{storage_id}}/oauth_client_credentials",
        create_client_credentials,
        methods=["POST"],
    ),
    Route(
        f"{API}/oauth_client_credentials/{{id}}",
        show_client_credentials,
        methods=["GET"],
    ),
    Route(f"{API}/oauth_applications/{{id}}", show_oauth_application, methods=["GET"]),
]
