"""Stored OAuth objects (clients, codes, tokens, device codes) and their SQLite tables.

Secrets (client secrets, codes, tokens, device codes) are stored as SHA-256 hashes only, as
Doorkeeper does with `hash_token_secrets`; the plain value exists only in the one answer that
hands it out. The classes implement authlib's model mixins so its grants can use them as is.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oauth2.rfc8628 import DeviceCredentialMixin

OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob"
DEFAULT_SCOPE = "api_v3"
SCOPES = [DEFAULT_SCOPE]
DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"

SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_clients (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    confidential INTEGER NOT NULL,
    secret_hash TEXT
);
CREATE TABLE IF NOT EXISTS oauth_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    redirect_uri TEXT,
    scope TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_tokens (
    id INTEGER PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    scope TEXT NOT NULL,
    access_hash TEXT NOT NULL UNIQUE,
    refresh_hash TEXT UNIQUE,
    issued_at REAL NOT NULL,
    expires_in INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS oauth_device_codes (
    device_hash TEXT PRIMARY KEY,
    user_code TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at REAL NOT NULL,
    interval INTEGER NOT NULL,
    last_poll_at REAL,
    user_id INTEGER,
    approved INTEGER
);
"""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def redirect_uri_matches(registered: str, requested: str) -> bool:
    """Exact match, except that the port of a loopback redirect is ignored (RFC 8252 §7.3),
    as Doorkeeper does: a native client picks a free port at run time."""
    if registered == requested:
        return True
    ours, theirs = urlsplit(registered), urlsplit(requested)
    return (
        ours.scheme == theirs.scheme == "http"
        and _is_loopback(ours.hostname)
        and ours.hostname == theirs.hostname
        and ours.path == theirs.path
        and ours.query == theirs.query
        and not theirs.fragment
    )


@dataclass
class Client(ClientMixin):  # type: ignore[misc]  # authlib ships no type hints
    client_id: str
    name: str
    redirect_uris: list[str]
    confidential: bool
    secret_hash: str | None
    grant_types: frozenset[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Like Doorkeeper: the redirect may be omitted only when exactly one is registered.
        return self.redirect_uris[0] if len(self.redirect_uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return DEFAULT_SCOPE
        allowed: str = list_to_scope([name for name in scope_to_list(scope) if name in SCOPES])
        return allowed

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return any(redirect_uri_matches(uri, redirect_uri) for uri in self.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        return self.secret_hash is not None and hmac.compare_digest(
            self.secret_hash, digest(client_secret)
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.confidential:
            return method in ("client_secret_basic", "client_secret_post")
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]  # authlib ships no type hints
    code_hash: str
    client_id: str
    user_id: int
    redirect_uri: str | None
    scope: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class Token(TokenMixin):  # type: ignore[misc]  # authlib ships no type hints
    id: int
    client_id: str
    user_id: int
    scope: str
    issued_at: float
    expires_in: int
    revoked: bool
    now: float

    def check_client(self, client: Client) -> bool:
        return self.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return self.now >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked


@dataclass
class DeviceCredential(DeviceCredentialMixin):  # type: ignore[misc]  # authlib ships no type hints
    device_hash: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    interval: int
    last_poll_at: float | None
    user_id: int | None
    approved: bool | None
    now: float

    def get_client_id(self) -> str:
        return self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_user_code(self) -> str:
        return self.user_code

    def is_expired(self) -> bool:
        return self.now >= self.expires_at


class OAuthStore:
    """The OAuth tables, on the Nepenthes store's one connection (event-loop thread only)."""

    def __init__(
        self,
        connection: Callable[[], sqlite3.Connection],
        clock: Callable[[], float],
        grant_types: frozenset[str],
    ) -> None:
        self._connection = connection
        self.clock = clock
        self._grant_types = grant_types

    @property
    def db(self) -> sqlite3.Connection:
        return self._connection()

    @staticmethod
    def init_schema(db: sqlite3.Connection) -> None:
        db.executescript(SCHEMA)

    # Clients

    def save_client(
        self,
        client_id: str,
        *,
        name: str,
        redirect_uris: list[str],
        confidential: bool,
        secret: str | None,
    ) -> None:
        if confidential and not secret:
            raise ValueError("a confidential OAuth client needs a secret")
        with self.db:
            self.db.execute(
                "INSERT INTO oauth_clients (client_id, name, redirect_uris, confidential, secret_hash)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET name = excluded.name,"
                " redirect_uris = excluded.redirect_uris, confidential = excluded.confidential,"
                " secret_hash = excluded.secret_hash",
                (
                    client_id,
                    name,
                    json.dumps(redirect_uris),
                    int(confidential),
                    digest(secret) if secret else None,
                ),
            )

    def client(self, client_id: str) -> Client | None:
        row = self.db.execute(
            "SELECT client_id, name, redirect_uris, confidential, secret_hash FROM oauth_clients"
            " WHERE client_id = ?",
            (client_id,),
        ).fetchone()
        if row is None:
            return None
        return Client(row[0], row[1], json.loads(row[2]), bool(row[3]), row[4], self._grant_types)

    # Authorization codes

    def save_code(
        self,
        code: str,
        *,
        client_id: str,
        user_id: int,
        redirect_uri: str | None,
        scope: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
        lifetime: int,
    ) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO oauth_codes VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    digest(code),
                    client_id,
                    user_id,
                    redirect_uri,
                    scope,
                    code_challenge,
                    code_challenge_method,
                    self.clock() + lifetime,
                ),
            )

    def code(self, code: str, client_id: str) -> AuthorizationCode | None:
        row = self.db.execute(
            "SELECT * FROM oauth_codes WHERE code_hash = ? AND client_id = ? AND expires_at > ?",
            (digest(code), client_id, self.clock()),
        ).fetchone()
        return AuthorizationCode(*row) if row else None

    def delete_code(self, code: AuthorizationCode) -> None:
        with self.db:
            self.db.execute("DELETE FROM oauth_codes WHERE code_hash = ?", (code.code_hash,))

    # Tokens

    def save_token(self, token: dict[str, Any], *, client_id: str, user_id: int) -> None:
        refresh = token.get("refresh_token")
        with self.db:
            self.db.execute(
                "INSERT INTO oauth_tokens (client_id, user_id, scope, access_hash, refresh_hash,"
                " issued_at, expires_in) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    client_id,
                    user_id,
                    token["scope"],
                    digest(token["access_token"]),
                    digest(refresh) if refresh else None,
                    self.clock(),
                    token["expires_in"],
                ),
            )

    def _token(self, column: str, value: str) -> Token | None:
        row = self.db.execute(
            f"SELECT id, client_id, user_id, scope, issued_at, expires_in, revoked"
            f" FROM oauth_tokens WHERE {column} = ?",
            (digest(value),),
        ).fetchone()
        if row is None:
            return None
        return Token(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), self.clock())

    def token_by_access(self, access_token: str) -> Token | None:
        return self._token("access_hash", access_token)

    def token_by_refresh(self, refresh_token: str) -> Token | None:
        return self._token("refresh_hash", refresh_token)

    def revoke_token(self, token: Token) -> None:
        """Revokes the pair: the access token and the refresh token issued with it."""
        with self.db:
            self.db.execute("UPDATE oauth_tokens SET revoked = 1 WHERE id = ?", (token.id,))

    # Device codes

    def save_device_code(
        self,
        device_code: str,
        *,
        user_code: str,
        client_id: str,
        scope: str,
        lifetime: int,
        interval: int,
    ) -> None:
        with self.db:
            # A fixed user code (snapshot tests) is reused: the newest device code takes it over.
            self.db.execute(
                "DELETE FROM oauth_device_codes WHERE user_code = ? OR expires_at <= ?",
                (user_code, self.clock()),
            )
            self.db.execute(
                "INSERT INTO oauth_device_codes (device_hash, user_code, client_id, scope,"
                " expires_at, interval) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    digest(device_code),
                    user_code,
                    client_id,
                    scope,
                    self.clock() + lifetime,
                    interval,
                ),
            )

    def _device(self, column: str, value: str) -> DeviceCredential | None:
        row = self.db.execute(
            f"SELECT device_hash, user_code, client_id, scope, expires_at, interval, last_poll_at,"
            f" user_id, approved FROM oauth_device_codes WHERE {column} = ?",
            (value,),
        ).fetchone()
        if row is None:
            return None
        approved = None if row[8] is None else bool(row[8])
        return DeviceCredential(*row[:8], approved, self.clock())

    def device_by_code(self, device_code: str) -> DeviceCredential | None:
        return self._device("device_hash", digest(device_code))

    def device_by_user_code(self, user_code: str) -> DeviceCredential | None:
        return self._device("user_code", user_code)

    def user_code_taken(self, user_code: str) -> bool:
        return self.device_by_user_code(user_code) is not None

    def record_poll(self, device: DeviceCredential, *, slow_down: bool) -> None:
        """Remembers this poll; a poll that came too soon adds 5 s to the interval (RFC 8628 §3.5)."""
        with self.db:
            self.db.execute(
                "UPDATE oauth_device_codes SET last_poll_at = ?, interval = interval + ?"
                " WHERE device_hash = ?",
                (device.now, 5 if slow_down else 0, device.device_hash),
            )

    def decide_device(self, device: DeviceCredential, *, user_id: int, approved: bool) -> None:
        with self.db:
            self.db.execute(
                "UPDATE oauth_device_codes SET user_id = ?, approved = ? WHERE device_hash = ?",
                (user_id, int(approved), device.device_hash),
            )

    def delete_device(self, device: DeviceCredential) -> None:
        with self.db:
            self.db.execute(
                "DELETE FROM oauth_device_codes WHERE device_hash = ?", (device.device_hash,)
            )
