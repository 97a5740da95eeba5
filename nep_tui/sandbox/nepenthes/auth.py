"""Who is calling: resolves the `Authorization` header the way the real server's warden does.

Order: Basic `apikey:<token>`, `Bearer opapi-...` (API token), then Bearer OAuth access tokens
through `request.app.state.oauth.verify_access_token(token) -> user_id | None` when the OAuth
module is installed. Login is required (the real default), so no credentials means 401.
"""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request

from nep_tui.sandbox.nepenthes.errors import unauthenticated
from nep_tui.sandbox.nepenthes.store import NepenthesStore

_RESOLVED = "nepenthes_user_id"


def _basic_credentials(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _resolve(request: Request) -> int | None:
    """The user id for valid credentials; None when none were sent. Raises 401 for bad ones."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    store: NepenthesStore = request.app.state.store
    scheme = scheme.lower()
    if scheme == "basic":
        credentials = _basic_credentials(value)
        if credentials and credentials[0] == "apikey":
            user_id = store.user_id_for_api_token(credentials[1])
            if user_id is not None:
                return user_id
        raise unauthenticated()
    if scheme == "bearer" and value:
        if value.startswith("opapi"):
            user_id = store.user_id_for_api_token(value)
            if user_id is not None:
                return user_id
        oauth = getattr(request.app.state, "oauth", None)
        if oauth is not None:
            user_id = oauth.verify_access_token(value)
            if user_id is not None:
                return int(user_id)
    raise unauthenticated()


def optional_user(request: Request) -> int | None:
    """The caller's user id, None for anonymous; 401 for credentials that do not work."""
    if _RESOLVED not in request.scope:
        request.scope[_RESOLVED] = _resolve(request)
    user_id: int | None = request.scope[_RESOLVED]
    return user_id


def current_user(request: Request) -> int:
    """The caller's user id; 401 Unauthenticated when anonymous (login is required)."""
    user_id = optional_user(request)
    if user_id is None:
        raise unauthenticated()
    return user_id
