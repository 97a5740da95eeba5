"""API v3 errors in the real shape: `_type: Error` with the real errorIdentifier URNs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

URN_PREFIX = "urn:openproject-org:api:v3:errors:"
HAL_JSON = "application/hal+json; charset=utf-8"

MESSAGES = {
    401: "You need to be authenticated to access this resource.",
    403: "You are not authorized to access this resource.",
    404: "The requested resource could not be found.",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        identifier: str,
        message: str | list[str] | None = None,
        *,
        attribute: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[ApiError] | None = None,
    ) -> None:
        self.message: str | list[str] = message or MESSAGES.get(status, identifier)
        super().__init__(" ".join(self.message) if isinstance(self.message, list) else self.message)
        self.status = status
        self.identifier = identifier
        self.attribute = attribute
        self.headers = headers or {}
        self.errors = errors or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "_type": "Error",
            "errorIdentifier": URN_PREFIX + self.identifier,
            "message": self.message,
        }
        if self.attribute:
            body["_embedded"] = {"details": {"attribute": self.attribute}}
        if self.errors:
            body["_embedded"] = {"errors": [error.body() for error in self.errors]}
        return body


def not_found(message: str | None = None) -> ApiError:
    return ApiError(404, "NotFound", message)


def forbidden() -> ApiError:
    return ApiError(403, "MissingPermission")


def unauthenticated() -> ApiError:
    """The caller's credentials were refused: the token strategies' `fail_with_header!` names
    the error in the challenge."""
    return ApiError(
        401,
        "Unauthenticated",
        headers={"WWW-Authenticate": 'Bearer realm="OpenProject API", error="invalid_token"'},
    )


def storage_unauthenticated() -> ApiError:
    """A storage refused the user's Nextcloud token: the real server raises Unauthenticated
    inside the endpoint, and its root API answers with `auth_headers`, a challenge without an
    error code (`WWW-Authenticate.response_header`, Basic by default), because the caller's
    own credentials were accepted."""
    return ApiError(
        401,
        "Unauthenticated",
        headers={"WWW-Authenticate": 'Basic realm="OpenProject API"'},
    )


def invalid_query(message: str) -> ApiError:
    return ApiError(400, "InvalidQuery", message)


def constraint_violation(message: str, attribute: str | None = None) -> ApiError:
    return ApiError(422, "PropertyConstraintViolation", message, attribute=attribute)


def outbound_failure(status: int) -> ApiError:
    """What the real server answers when Nextcloud failed: 500 with an OutboundRequest id."""
    kind = {404: "NotFound", 403: "Forbidden"}.get(status, "NotFound")
    return ApiError(
        500,
        f"OutboundRequest:{kind}",
        f"An outbound request to another resource has failed with status code {status}.",
    )


async def render_api_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return JSONResponse(
        error.body(), status_code=error.status, headers=error.headers, media_type=HAL_JSON
    )
