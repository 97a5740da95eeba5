"""Everything the sandbox hands out as a secret: OAuth2 clients, codes and tokens, Login Flow v2
app passwords, one-time upload tokens and direct download links."""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass
from typing import Any

from .db import SqliteDatabase

ACCESS_TOKEN_TTL = 3600
AUTH_CODE_TTL = 600
UPLOAD_TOKEN_TTL = 3600
DIRECT_LINK_TTL = 8 * 3600
LOGIN_FLOW_TTL = 20 * 60  # LoginFlowV2Mapper::lifetime
_ALNUM = string.ascii_letters + string.digits

TOKEN_SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_clients (
    client_id TEXT PRIMARY KEY, client_secret TEXT NOT NULL, redirect_uri TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, login TEXT NOT NULL, expires INTEGER NOT NULL,
    code_challenge TEXT, code_challenge_method TEXT);
CREATE TABLE IF NOT EXISTS oauth_tokens (
    access_token TEXT PRIMARY KEY, refresh_token TEXT UNIQUE NOT NULL, client_id TEXT,
    login TEXT NOT NULL, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS upload_tokens (
    token TEXT PRIMARY KEY, login TEXT NOT NULL, folder_id INTEGER NOT NULL, expires INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS login_flows (
    poll_token TEXT PRIMARY KEY, login_token TEXT UNIQUE NOT NULL, client_name TEXT NOT NULL,
    expires INTEGER NOT NULL, login TEXT, app_password TEXT);
CREATE TABLE IF NOT EXISTS app_passwords (
    password TEXT PRIMARY KEY, login TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS direct_links (
    token TEXT PRIMARY KEY, login TEXT NOT NULL, file_id INTEGER NOT NULL, expires INTEGER NOT NULL);
"""


def random_token(length: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True)
class AuthCode:
    client_id: str
    login: str
    code_challenge: str | None
    code_challenge_method: str | None


@dataclass(frozen=True)
class RefreshGrant:
    client_id: str | None  # None for tokens issued without the OAuth dance (tests, demo seed)
    login: str


class TokenTables(SqliteDatabase):
    def app_password_login(self, login: str, password: str) -> bool:
        return bool(
            self._query(
                "SELECT 1 FROM app_passwords WHERE login = ? AND password = ?", (login, password)
            )
        )

    def revoke_app_password(self, password: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM app_passwords WHERE password = ?", (password,))

    # -- OAuth2 app -------------------------------------------------------------------------

    def register_oauth_client(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO oauth_clients VALUES (?, ?, ?) ON CONFLICT(client_id) DO UPDATE"
                " SET client_secret = excluded.client_secret, redirect_uri = excluded.redirect_uri",
                (client_id, client_secret, redirect_uri),
            )

    def oauth_client(self, client_id: str) -> OAuthClient | None:
        rows = self._query("SELECT * FROM oauth_clients WHERE client_id = ?", (client_id,))
        return (
            OAuthClient(rows[0]["client_id"], rows[0]["client_secret"], rows[0]["redirect_uri"])
            if rows
            else None
        )

    def create_auth_code(
        self,
        client_id: str,
        login: str,
        *,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        code = random_token(128)
        with self._tx() as db:
            db.execute(
                "INSERT INTO oauth_codes VALUES (?, ?, ?, ?, ?, ?)",
                (
                    code,
                    client_id,
                    login,
                    int(time.time()) + AUTH_CODE_TTL,
                    code_challenge,
                    code_challenge_method,
                ),
            )
        return code

    def auth_code(self, code: str) -> AuthCode | None:
        """Looks without using it up; an expired code is dropped and reported as unknown."""
        rows = self._query("SELECT * FROM oauth_codes WHERE code = ?", (code,))
        if not rows:
            return None
        row = rows[0]
        if row["expires"] < time.time():
            with self._tx() as db:
                db.execute("DELETE FROM oauth_codes WHERE code = ?", (code,))
            return None
        return AuthCode(
            row["client_id"], row["login"], row["code_challenge"], row["code_challenge_method"]
        )

    def redeem_auth_code(self, code: str) -> dict[str, Any] | None:
        """Codes are single use: the first redemption wins, later ones get None."""
        with self._tx() as db:
            row = db.execute("SELECT * FROM oauth_codes WHERE code = ?", (code,)).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM oauth_codes WHERE code = ?", (code,))
        return self.issue_oauth_token(row["login"], client_id=row["client_id"])

    def refresh_grant(self, refresh_token: str) -> RefreshGrant | None:
        rows = self._query(
            "SELECT client_id, login FROM oauth_tokens WHERE refresh_token = ?", (refresh_token,)
        )
        return RefreshGrant(rows[0]["client_id"], rows[0]["login"]) if rows else None

    def issue_oauth_token(self, login: str, *, client_id: str | None = None) -> dict[str, Any]:
        access, refresh = random_token(72), random_token(128)
        with self._tx() as db:
            db.execute(
                "INSERT INTO oauth_tokens VALUES (?, ?, ?, ?, ?)",
                (access, refresh, client_id, login, int(time.time()) + ACCESS_TOKEN_TTL),
            )
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL,
            "refresh_token": refresh,
            "user_id": login,
        }

    def refresh_oauth_token(self, refresh_token: str, client_id: str) -> dict[str, Any] | None:
        """Refresh tokens rotate: the old pair dies, a new pair is issued; None if already used."""
        with self._tx() as db:
            row = db.execute(
                "SELECT * FROM oauth_tokens WHERE refresh_token = ?", (refresh_token,)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM oauth_tokens WHERE refresh_token = ?", (refresh_token,))
        return self.issue_oauth_token(row["login"], client_id=row["client_id"] or client_id)

    def login_for_access_token(self, access_token: str) -> str | None:
        rows = self._query(
            "SELECT login, expires FROM oauth_tokens WHERE access_token = ?", (access_token,)
        )
        if not rows or rows[0]["expires"] < time.time():
            return None
        login: str = rows[0]["login"]
        return login

    def revoke_tokens(self, login: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM oauth_tokens WHERE login = ?", (login,))

    # -- Login Flow v2 -----------------------------------------------------------------------

    def start_login_flow(self, client_name: str) -> tuple[str, str]:
        """(poll token, login token), both bearer secrets."""
        poll_token, login_token = random_token(128), random_token(128)
        with self._tx() as db:
            db.execute(
                "INSERT INTO login_flows (poll_token, login_token, client_name, expires) VALUES (?, ?, ?, ?)",
                (poll_token, login_token, client_name, int(time.time()) + LOGIN_FLOW_TTL),
            )
        return poll_token, login_token

    def login_flow_client(self, login_token: str) -> str | None:
        """The client name of a flow still waiting for its user."""
        rows = self._query(
            "SELECT client_name FROM login_flows WHERE login_token = ? AND login IS NULL AND expires >= ?",
            (login_token, int(time.time())),
        )
        return rows[0]["client_name"] if rows else None

    def grant_login_flow(self, login_token: str, login: str) -> bool:
        """The user said yes: an app password is made for the client to collect."""
        client_name = self.login_flow_client(login_token)
        if client_name is None:
            return False
        password = random_token(72)
        with self._tx() as db:
            db.execute("INSERT INTO app_passwords VALUES (?, ?, ?)", (password, login, client_name))
            db.execute(
                "UPDATE login_flows SET login = ?, app_password = ? WHERE login_token = ?",
                (login, password, login_token),
            )
        return True

    def poll_login_flow(self, poll_token: str) -> tuple[str, str] | None:
        """(login, app password) exactly once after the grant; None while waiting or when gone."""
        with self._tx() as db:
            row = db.execute(
                "SELECT * FROM login_flows WHERE poll_token = ?", (poll_token,)
            ).fetchone()
            if row is None:
                return None
            expired = row["expires"] < time.time()
            if expired or row["login"] is not None:
                db.execute("DELETE FROM login_flows WHERE poll_token = ?", (poll_token,))
        if expired or row["login"] is None:
            return None
        return row["login"], row["app_password"]

    # -- one-time upload tokens and direct download links -------------------------------------

    def create_upload_token(self, login: str, folder_id: int) -> tuple[str, int]:
        token, expires = random_token(64), int(time.time()) + UPLOAD_TOKEN_TTL
        with self._tx() as db:
            db.execute(
                "INSERT INTO upload_tokens VALUES (?, ?, ?, ?)", (token, login, folder_id, expires)
            )
        return token, expires

    def burn_upload_token(self, token: str) -> tuple[str, int, bool] | None:
        """Deletes the token whatever happens next; returns (login, folder_id, expired)."""
        with self._tx() as db:
            row = db.execute("SELECT * FROM upload_tokens WHERE token = ?", (token,)).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM upload_tokens WHERE token = ?", (token,))
        return row["login"], row["folder_id"], row["expires"] < time.time()

    def create_direct_link(self, login: str, file_id: int, ttl: int = DIRECT_LINK_TTL) -> str:
        token = random_token(60)
        with self._tx() as db:
            db.execute(
                "INSERT INTO direct_links VALUES (?, ?, ?, ?)",
                (token, login, file_id, int(time.time()) + ttl),
            )
        return token

    def direct_link(self, token: str) -> tuple[str, int] | None:
        """(login, file_id) of a live direct link."""
        rows = self._query("SELECT * FROM direct_links WHERE token = ?", (token,))
        if not rows or rows[0]["expires"] < time.time():
            return None
        login: str = rows[0]["login"]
        return login, rows[0]["file_id"]
