"""Tables and queries of the storage side: storages, project storages, file links, the users'
Nextcloud tokens and the pending OAuth states of the consent dance.

Every function takes the Nepenthes store's one sqlite3 connection (autocommit; group writes
with `NepenthesStore.transaction()`), so the seed and the routes share them. The storage origin
is not stored: the sandbox has one Nextcloud, whose URL can change between runs (port 0), so
routes take it from the app config.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from nep_tui.sandbox.nepenthes.store import inserted_id

SCHEMA = """
CREATE TABLE IF NOT EXISTS storages (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    provider_type TEXT NOT NULL DEFAULT 'Nextcloud',
    authentication_method TEXT NOT NULL DEFAULT 'TwoWayOAuth2',
    has_application_password INTEGER NOT NULL DEFAULT 1,
    oauth_client_id TEXT NOT NULL,
    oauth_client_secret TEXT NOT NULL,
    creator_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS project_storages (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL,
    storage_id INTEGER NOT NULL REFERENCES storages(id),
    project_folder_mode TEXT NOT NULL DEFAULT 'automatic',
    project_folder_id TEXT,
    creator_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (project_id, storage_id)
);
CREATE TABLE IF NOT EXISTS file_links (
    id INTEGER PRIMARY KEY,
    storage_id INTEGER NOT NULL REFERENCES storages(id),
    origin_id TEXT NOT NULL,
    origin_name TEXT NOT NULL,
    origin_mime_type TEXT NOT NULL DEFAULT '',
    origin_created_at TEXT,
    origin_updated_at TEXT,
    origin_created_by_name TEXT,
    origin_last_modified_by_name TEXT,
    container_id INTEGER,
    container_type TEXT,
    creator_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS file_links_unique_origin
    ON file_links (storage_id, origin_id, IFNULL(container_id, -creator_id));
CREATE INDEX IF NOT EXISTS file_links_container ON file_links (container_id);
CREATE TABLE IF NOT EXISTS nextcloud_tokens (
    user_id INTEGER PRIMARY KEY,
    access_token TEXT NOT NULL,
    refresh_token TEXT,
    expires_at REAL,
    origin_user_id TEXT
);
CREATE TABLE IF NOT EXISTS nextcloud_oauth_states (
    state TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    storage_id INTEGER NOT NULL,
    created_at REAL NOT NULL
);
"""

# An OAuth state of the consent dance older than this is refused, like the real cookie expiry.
STATE_TTL_SECONDS = 3600
# Refresh a little before expiry so a call does not race the clock.
EXPIRY_MARGIN_SECONDS = 30


def init_schema(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _all(
    db: sqlite3.Connection, sql: str, params: tuple[Any, ...] | list[Any] = ()
) -> list[dict[str, Any]]:
    """Rows as dicts, whatever row factory the shared connection uses."""
    cursor = db.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, tuple(row), strict=True)) for row in cursor.fetchall()]


def _one(
    db: sqlite3.Connection, sql: str, params: tuple[Any, ...] | list[Any] = ()
) -> dict[str, Any] | None:
    rows = _all(db, sql, params)
    return rows[0] if rows else None


# --- storages -------------------------------------------------------------------------------


def create_storage(
    db: sqlite3.Connection,
    *,
    name: str,
    oauth_client_id: str,
    oauth_client_secret: str,
    storage_id: int | None = None,
    creator_id: int | None = None,
    created_at: str | None = None,
) -> int:
    stamp = created_at or now_iso()
    cursor = db.execute(
        "INSERT INTO storages (id, name, oauth_client_id, oauth_client_secret, creator_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (storage_id, name, oauth_client_id, oauth_client_secret, creator_id, stamp, stamp),
    )
    return inserted_id(cursor)


def storages(db: sqlite3.Connection) -> list[dict[str, Any]]:
    return _all(db, "SELECT * FROM storages ORDER BY id")


def storage(db: sqlite3.Connection, storage_id: int) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM storages WHERE id = ?", (storage_id,))


def storage_by_client_id(db: sqlite3.Connection, client_id: str) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM storages WHERE oauth_client_id = ?", (client_id,))


# --- project storages -----------------------------------------------------------------------


def create_project_storage(
    db: sqlite3.Connection,
    *,
    project_id: int,
    storage_id: int,
    project_folder_id: str | None,
    project_folder_mode: str = "automatic",
    creator_id: int | None = None,
    created_at: str | None = None,
) -> int:
    stamp = created_at or now_iso()
    cursor = db.execute(
        "INSERT INTO project_storages (project_id, storage_id, project_folder_mode,"
        " project_folder_id, creator_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (project_id, storage_id, project_folder_mode, project_folder_id, creator_id, stamp, stamp),
    )
    return inserted_id(cursor)


def project_storages(
    db: sqlite3.Connection, *, storage_id: int | None = None, project_id: int | None = None
) -> list[dict[str, Any]]:
    clauses, params = [], []
    if storage_id is not None:
        clauses.append("storage_id = ?")
        params.append(storage_id)
    if project_id is not None:
        clauses.append("project_id = ?")
        params.append(project_id)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return _all(db, f"SELECT * FROM project_storages {where} ORDER BY id", params)


def project_storage(db: sqlite3.Connection, project_storage_id: int) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM project_storages WHERE id = ?", (project_storage_id,))


def storage_active_in_project(db: sqlite3.Connection, storage_id: int, project_id: int) -> bool:
    return bool(project_storages(db, storage_id=storage_id, project_id=project_id))


# --- file links -----------------------------------------------------------------------------

ORIGIN_FIELDS = {
    "name": "origin_name",
    "mimeType": "origin_mime_type",
    "createdAt": "origin_created_at",
    "lastModifiedAt": "origin_updated_at",
    "createdByName": "origin_created_by_name",
    "lastModifiedByName": "origin_last_modified_by_name",
}


def create_file_link(
    db: sqlite3.Connection,
    *,
    storage_id: int,
    origin: dict[str, Any],
    container_id: int | None,
    creator_id: int,
    created_at: str | None = None,
) -> int:
    """Insert one link, or return the id of the existing link for the same storage, origin id
    and container (the real server neither duplicates nor updates it)."""
    existing = _one(
        db,
        "SELECT id FROM file_links WHERE storage_id = ? AND origin_id = ?"
        " AND IFNULL(container_id, -creator_id) = IFNULL(?, ?)",
        (storage_id, str(origin["id"]), container_id, -creator_id),
    )
    if existing:
        return int(existing["id"])
    stamp = created_at or now_iso()
    cursor = db.execute(
        "INSERT INTO file_links (storage_id, origin_id, origin_name, origin_mime_type,"
        " origin_created_at, origin_updated_at, origin_created_by_name,"
        " origin_last_modified_by_name, container_id, container_type, creator_id, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            storage_id,
            str(origin["id"]),
            origin["name"],
            origin.get("mimeType") or "",
            origin.get("createdAt"),
            origin.get("lastModifiedAt"),
            origin.get("createdByName"),
            origin.get("lastModifiedByName"),
            container_id,
            "WorkPackage" if container_id is not None else None,
            creator_id,
            stamp,
            stamp,
        ),
    )
    return inserted_id(cursor)


def file_link(db: sqlite3.Connection, link_id: int) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM file_links WHERE id = ?", (link_id,))


def file_links_of(
    db: sqlite3.Connection, container_id: int, storage_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    sql = "SELECT * FROM file_links WHERE container_id = ?"
    params: list[Any] = [container_id]
    if storage_ids is not None:
        sql += f" AND storage_id IN ({','.join('?' * len(storage_ids))})"
        params.extend(storage_ids)
    return _all(db, sql + " ORDER BY id", params)


def delete_file_link(db: sqlite3.Connection, link_id: int) -> None:
    db.execute("DELETE FROM file_links WHERE id = ?", (link_id,))


def refresh_origin_data(db: sqlite3.Connection, link_id: int, origin: dict[str, Any]) -> None:
    """Cache what Nextcloud just said about the file (only ever called after a 200)."""
    assignments = ", ".join(f"{column} = ?" for column in ORIGIN_FIELDS.values())
    values = [origin.get(key) for key in ORIGIN_FIELDS]
    db.execute(f"UPDATE file_links SET {assignments} WHERE id = ?", (*values, link_id))


# --- per-user Nextcloud tokens --------------------------------------------------------------


def save_nextcloud_token(db: sqlite3.Connection, user_id: int, token: dict[str, Any]) -> None:
    """Store a token answer of Nextcloud's OAuth2 app (`access_token`, `refresh_token`,
    `expires_in`, `user_id`) as the user's connection to the storage."""
    expires_in = token.get("expires_in")
    expires_at = time.time() + float(expires_in) if expires_in else None
    db.execute(
        "INSERT OR REPLACE INTO nextcloud_tokens (user_id, access_token, refresh_token,"
        " expires_at, origin_user_id) VALUES (?, ?, ?, ?, ?)",
        (
            user_id,
            token["access_token"],
            token.get("refresh_token"),
            expires_at,
            token.get("user_id"),
        ),
    )


def nextcloud_token(db: sqlite3.Connection, user_id: int) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM nextcloud_tokens WHERE user_id = ?", (user_id,))


def token_expired(token: dict[str, Any]) -> bool:
    expires_at = token.get("expires_at")
    return expires_at is not None and expires_at - EXPIRY_MARGIN_SECONDS <= time.time()


def forget_nextcloud_token(db: sqlite3.Connection, user_id: int) -> None:
    db.execute("DELETE FROM nextcloud_tokens WHERE user_id = ?", (user_id,))


# --- OAuth states of the consent dance ------------------------------------------------------


def oauth_state_for(db: sqlite3.Connection, user_id: int, storage_id: int) -> str:
    """The state to put in the user's authorize link: a fresh one is reused, so listing
    storages again and again does not pile states up."""
    row = _one(
        db,
        "SELECT state FROM nextcloud_oauth_states WHERE user_id = ? AND storage_id = ? AND created_at > ?",
        (user_id, storage_id, time.time() - STATE_TTL_SECONDS / 2),
    )
    if row:
        return str(row["state"])
    state = secrets.token_urlsafe(24)
    db.execute(
        "INSERT INTO nextcloud_oauth_states (state, user_id, storage_id, created_at) VALUES (?, ?, ?, ?)",
        (state, user_id, storage_id, time.time()),
    )
    return state


def take_oauth_state(db: sqlite3.Connection, state: str) -> dict[str, Any] | None:
    """The user and storage a state was issued for; a state works once and not after its TTL."""
    row = _one(db, "SELECT * FROM nextcloud_oauth_states WHERE state = ?", (state,))
    db.execute(
        "DELETE FROM nextcloud_oauth_states WHERE state = ? OR created_at < ?",
        (state, time.time() - STATE_TTL_SECONDS),
    )
    if row is None or row["created_at"] < time.time() - STATE_TTL_SECONDS:
        return None
    return row
