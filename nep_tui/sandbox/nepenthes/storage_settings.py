"""The administrator's side of a storage: its host, application password (automatically managed
project folders), the OpenProject OAuth application Nextcloud uses, and the record of the
Nextcloud OAuth client (`OAuthClientCredentials`).

Storages seeded without a row here (the demo) use the sandbox's one Nextcloud as host and count
as configured with their seeded client.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request

from nep_tui.sandbox.nepenthes import storage_context
from nep_tui.sandbox.nepenthes.storage_store import _one, now_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS storage_settings (
    storage_id INTEGER PRIMARY KEY,
    host TEXT NOT NULL,
    application_password TEXT,
    oauth_application_id INTEGER
);
CREATE TABLE IF NOT EXISTS storage_oauth_applications (
    id INTEGER PRIMARY KEY,
    storage_id INTEGER NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    owner_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS oauth_client_credentials (
    id INTEGER PRIMARY KEY,
    storage_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def init_schema(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA)


def settings(db: sqlite3.Connection, storage_id: int) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM storage_settings WHERE storage_id = ?", (storage_id,))


def save_settings(db: sqlite3.Connection, storage_id: int, **values: Any) -> None:
    current = settings(db, storage_id) or {
        "storage_id": storage_id,
        "host": "",
        "application_password": None,
        "oauth_application_id": None,
    }
    current.update(values)
    db.execute(
        "INSERT OR REPLACE INTO storage_settings VALUES (?, ?, ?, ?)",
        (
            storage_id,
            current["host"],
            current["application_password"],
            current["oauth_application_id"],
        ),
    )


def host_of(request: Request, storage: dict[str, Any]) -> str:
    """The storage's host with its trailing slash; seeded storages use the sandbox's Nextcloud."""
    row = settings(storage_context.db(request), storage["id"])
    return row["host"] if row and row["host"] else storage_context.nextcloud_url(request) + "/"


def application_password(db: sqlite3.Connection, storage_id: int) -> str | None:
    row = settings(db, storage_id)
    return row["application_password"] if row else None


def oauth_application(db: sqlite3.Connection, application_id: int) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM storage_oauth_applications WHERE id = ?", (application_id,))


def oauth_application_of(db: sqlite3.Connection, storage_id: int) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM storage_oauth_applications WHERE storage_id = ?", (storage_id,))


def save_oauth_application(
    db: sqlite3.Connection,
    *,
    storage_id: int,
    client_id: str,
    name: str,
    redirect_uri: str,
    owner_id: int,
) -> int:
    stamp = now_iso()
    cursor = db.execute(
        "INSERT INTO storage_oauth_applications (storage_id, client_id, name, redirect_uri,"
        " owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (storage_id, client_id, name, redirect_uri, owner_id, stamp, stamp),
    )
    return int(cursor.lastrowid or 0)


def rename_oauth_application(
    db: sqlite3.Connection, storage_id: int, *, name: str, redirect_uri: str
) -> None:
    db.execute(
        "UPDATE storage_oauth_applications SET name = ?, redirect_uri = ?, updated_at = ?"
        " WHERE storage_id = ?",
        (name, redirect_uri, now_iso(), storage_id),
    )


def client_credentials(db: sqlite3.Connection, credentials_id: int) -> dict[str, Any] | None:
    return _one(db, "SELECT * FROM oauth_client_credentials WHERE id = ?", (credentials_id,))


def client_credentials_of(db: sqlite3.Connection, storage: dict[str, Any]) -> dict[str, Any] | None:
    """The record of the storage's Nextcloud OAuth client; a seeded client gets one on first
    sight, dated like the storage."""
    if not storage["oauth_client_id"]:
        return None
    row = _one(db, "SELECT * FROM oauth_client_credentials WHERE storage_id = ?", (storage["id"],))
    if row is None:
        db.execute(
            "INSERT INTO oauth_client_credentials (storage_id, created_at, updated_at)"
            " VALUES (?, ?, ?)",
            (storage["id"], storage["created_at"], storage["created_at"]),
        )
        row = _one(
            db, "SELECT * FROM oauth_client_credentials WHERE storage_id = ?", (storage["id"],)
        )
    return row


def replace_client_credentials(
    db: sqlite3.Connection, storage_id: int, client_id: str, client_secret: str
) -> int:
    """OAuthClients::CreateService: the old client goes (`delete_all`), and with it, by the
    database cascade, every user's token for this storage."""
    stamp = now_iso()
    db.execute("DELETE FROM oauth_client_credentials WHERE storage_id = ?", (storage_id,))
    db.execute(
        "UPDATE storages SET oauth_client_id = ?, oauth_client_secret = ?, updated_at = ?"
        " WHERE id = ?",
        (client_id, client_secret, stamp, storage_id),
    )
    # The sandbox has one Nextcloud, so a user's one token is the token of this storage.
    db.execute("DELETE FROM nextcloud_tokens")
    db.execute("DELETE FROM nextcloud_oauth_states WHERE storage_id = ?", (storage_id,))
    cursor = db.execute(
        "INSERT INTO oauth_client_credentials (storage_id, created_at, updated_at)"
        " VALUES (?, ?, ?)",
        (storage_id, stamp, stamp),
    )
    return int(cursor.lastrowid or 0)


def delete_storage(db: sqlite3.Connection, storage_id: int) -> None:
    """The storage with its file links, project storages, client, tokens and application."""
    for table in ("file_links", "project_storages", "oauth_client_credentials"):
        db.execute(f"DELETE FROM {table} WHERE storage_id = ?", (storage_id,))
    db.execute("DELETE FROM nextcloud_tokens")
    db.execute("DELETE FROM nextcloud_oauth_states WHERE storage_id = ?", (storage_id,))
    delete_oauth_application(db, storage_id)
    db.execute("DELETE FROM storage_settings WHERE storage_id = ?", (storage_id,))
    db.execute("DELETE FROM storages WHERE id = ?", (storage_id,))


def delete_oauth_application(db: sqlite3.Connection, storage_id: int) -> None:
    """The Doorkeeper application with the tokens Nextcloud holds from it."""
    application = oauth_application_of(db, storage_id)
    if application is not None:
        db.execute("DELETE FROM oauth_tokens WHERE client_id = ?", (application["client_id"],))
        db.execute("DELETE FROM oauth_clients WHERE client_id = ?", (application["client_id"],))
    db.execute("DELETE FROM storage_oauth_applications WHERE storage_id = ?", (storage_id,))


def name_taken(db: sqlite3.Connection, name: str, *, other_than: int | None = None) -> bool:
    row = _one(
        db,
        "SELECT id FROM storages WHERE lower(name) = lower(?) AND id IS NOT ?",
        (name, other_than),
    )
    return row is not None
