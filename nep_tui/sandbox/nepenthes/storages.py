"""`/api/v3/storages`: the storages a user sees, each with that user's live authorization state
(a `cloud/user` call to Nextcloud, as the real server makes) and the links that depend on it."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from nep_tui.sandbox.nepenthes import permissions, storage_context, storage_settings, storage_store
from nep_tui.sandbox.nepenthes.auth import current_user
from nep_tui.sandbox.nepenthes.hal import API, filtered_href, hal_response, link, plain_collection
from nep_tui.sandbox.nepenthes.nextcloud_client import (
    NextcloudClient,
    StorageNotConnected,
    StorageProblem,
    StorageUnauthorized,
)
from nep_tui.sandbox.nepenthes.store import request_store

URN_STORAGES = "urn:openproject-org:api:v3:storages:"
AUTHORIZATION_TITLES = {
    "Connected": "Connected",
    "NotConnected": "Not connected",
    "FailedAuthorization": "Authorization failed",
    "Error": "Error",
}


async def authorization_state(client: NextcloudClient, user_id: int) -> str:
    try:
        await client.check_user(user_id)
    except StorageNotConnected:
        return "NotConnected"
    except StorageUnauthorized:
        return "FailedAuthorization"
    except StorageProblem:
        return "Error"
    return "Connected"


# What a live Nextcloud storage answers (the recorded GET /api/v3/storages/1 of a Docker fixture).
FORBIDDEN_FILE_NAME_CHARACTERS = '<>:"\\/|?*'


def _upload_project_ids(request: Request, storage_id: int, user_id: int) -> list[int]:
    rows = storage_store.project_storages(storage_context.db(request), storage_id=storage_id)
    return sorted(
        row["project_id"]
        for row in rows
        if storage_context.allowed(request, user_id, "manage_file_links", row["project_id"])
    )


async def storage_json(request: Request, storage: dict[str, Any], user_id: int) -> dict[str, Any]:
    """The Storage resource as this user sees it (makes the live authorization call)."""
    client = storage_context.nextcloud(request, storage)
    state = await authorization_state(client, user_id)
    storage_id = storage["id"]
    links: dict[str, Any] = {
        "self": link(f"{API}/storages/{storage_id}", storage["name"]),
        "type": link(f"{URN_STORAGES}{storage['provider_type']}", storage["provider_type"]),
        "origin": link(origin_of(request, storage)),
        "authenticationMethod": link(
            f"{URN_STORAGES}authenticationMethod:{storage['authentication_method']}"
        ),
        "open": link(f"{API}/storages/{storage_id}/open"),
        "authorizationState": link(
            f"{URN_STORAGES}authorization:{state}", AUTHORIZATION_TITLES[state]
        ),
        "projectStorages": link(filtered_href(f"{API}/project_storages", "storageId", storage_id)),
        "prepareUpload": [
            link(
                f"{API}/storages/{storage_id}/files/prepare_upload",
                "Upload file",
                method="post",
                payload={"projectId": project_id, "fileName": "{fileName}", "parent": "{parent}"},
                templated=True,
            )
            for project_id in _upload_project_ids(request, storage_id, user_id)
        ],
    }
    if state in ("NotConnected", "FailedAuthorization"):
        oauth_state = storage_store.oauth_state_for(
            storage_context.db(request), user_id, storage_id
        )
        links["authorize"] = link(client.authorize_url(oauth_state), "Authorize")
    body: dict[str, Any] = {
        "_type": "Storage",
        "id": storage_id,
        "name": storage["name"],
        "hasApplicationPassword": bool(storage["has_application_password"]),
        "forbiddenFileNameCharacters": FORBIDDEN_FILE_NAME_CHARACTERS,
        "configured": _configured(request, storage),
        "createdAt": storage["created_at"],
        "updatedAt": storage["updated_at"],
        "_links": links,
    }
    if permissions.is_admin(request_store(request), user_id):
        _add_admin_links(request, storage, body)
    return body


def origin_of(request: Request, storage: dict[str, Any]) -> str:
    """An admin-created storage keeps its host (with the trailing slash the model appends);
    seeded ones live on the sandbox's Nextcloud."""
    row = storage_settings.settings(storage_context.db(request), storage["id"])
    return row["host"] if row and row["host"] else storage_context.nextcloud_url(request)


def _configured(request: Request, storage: dict[str, Any]) -> bool:
    """NextcloudStorage#configuration_checks for TwoWayOAuth2: client and application present."""
    row = storage_settings.settings(storage_context.db(request), storage["id"])
    has_application = row is None or row["oauth_application_id"] is not None
    return bool(storage["oauth_client_id"]) and has_application


def _add_admin_links(request: Request, storage: dict[str, Any], body: dict[str, Any]) -> None:
    db = storage_context.db(request)
    application = storage_settings.oauth_application_of(db, storage["id"])
    credentials = storage_settings.client_credentials_of(db, storage)
    body["_links"]["oauthApplication"] = link(
        f"{API}/oauth_applications/{application['id']}" if application else None,
        application["name"] if application else None,
    )
    body["_links"]["oauthClientCredentials"] = link(
        f"{API}/oauth_client_credentials/{credentials['id']}" if credentials else None
    )
    if credentials is not None:
        body["_embedded"] = {
            "oauthClientCredentials": client_credentials_json(credentials, storage)
        }


def client_credentials_json(credentials: dict[str, Any], storage: dict[str, Any]) -> dict[str, Any]:
    """OAuthClientCredentials: the client id, never its secret."""
    return {
        "_type": "OAuthClientCredentials",
        "id": credentials["id"],
        "clientId": storage["oauth_client_id"],
        "confidential": True,
        "createdAt": credentials["created_at"],
        "updatedAt": credentials["updated_at"],
        "_links": {
            "self": link(f"{API}/oauth_client_credentials/{credentials['id']}"),
            "integration": link(f"{API}/storages/{storage['id']}", storage["name"]),
        },
    }


async def list_storages(request: Request) -> Response:
    user_id = current_user(request)
    db = storage_context.db(request)
    elements = [
        await storage_json(request, storage, user_id)
        for storage_id in storage_context.visible_storage_ids(request, user_id)
        if (storage := storage_store.storage(db, storage_id)) is not None
    ]
    return hal_response(plain_collection(f"{API}/storages", elements))


async def show_storage(request: Request) -> Response:
    user_id = current_user(request)
    storage = storage_context.visible_storage(request, user_id)
    return hal_response(await storage_json(request, storage, user_id))


async def open_storage(request: Request) -> Response:
    user_id = current_user(request)
    storage = storage_context.visible_storage(request, user_id)
    return storage_context.redirect(storage_context.nextcloud(request, storage).open_storage_url())


def install(app: Starlette) -> None:
    app.add_exception_handler(
        storage_context.MissingContentType, storage_context.render_missing_content_type
    )


routes = [
    Route(f"{API}/storages", list_storages, methods=["GET"]),
    Route(f"{API}/storages/{{storage_id}}", show_storage, methods=["GET"]),
    Route(f"{API}/storages/{{storage_id}}/open", open_storage, methods=["GET"]),
]
