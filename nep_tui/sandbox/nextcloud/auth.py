"""Who is calling: HTTP Basic (login:password) or a Bearer token from the OAuth2 app."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from starlette.requests import Request

from .store import NextcloudStore


@dataclass(frozen=True)
class Caller:
    login: str | None
    presented_credentials: bool
    app_password: str | None = None  # set when Basic auth used an app password (Login Flow v2)

    @property
    def rejected(self) -> bool:
        """Credentials were sent but were wrong (a 401, not an anonymous call)."""
        return self.presented_credentials and self.login is None


def identify(request: Request, store: NextcloudStore) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return Caller(store.login_for_access_token(value.strip()), True)
    if scheme == "basic":
        return _basic(value.strip(), store)
    return Caller(None, bool(header))


def _basic(value: str, store: NextcloudStore) -> Caller:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return Caller(None, True)
    login, sep, password = decoded.partition(":")
    if sep and store.check_password(login, password):
        return Caller(login, True)
    if sep and store.app_password_login(login, password):
        return Caller(login, True, app_password=password)
    return Caller(None, True)
