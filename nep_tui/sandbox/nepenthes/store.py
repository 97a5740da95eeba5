"""The Nepenthes side's SQLite store: one connection, used on the server's event-loop thread.

Core tables live here. Other modules (storages, file links, OAuth, ...) own their tables and
create them with their own `init_schema(db)` using `CREATE TABLE IF NOT EXISTS`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    -- The sandbox keeps passwords readable: credentials.json must be rewritable on restart.
    password TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active',
    language TEXT NOT NULL DEFAULT 'en',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL DEFAULT 'API token',
    value TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY,
    identifier TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent_id INTEGER REFERENCES projects(id),
    active INTEGER NOT NULL DEFAULT 1,
    public INTEGER NOT NULL DEFAULT 0,
    status_code TEXT,
    status_explanation TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS projects_parent ON projects(parent_id);
CREATE TABLE IF NOT EXISTS memberships (
    user_id INTEGER NOT NULL REFERENCES users(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, project_id)
);
CREATE TABLE IF NOT EXISTS types (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    position INTEGER NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    is_milestone INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS project_types (
    project_id INTEGER NOT NULL REFERENCES projects(id),
    type_id INTEGER NOT NULL REFERENCES types(id),
    PRIMARY KEY (project_id, type_id)
);
CREATE TABLE IF NOT EXISTS statuses (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    position INTEGER NOT NULL,
    is_closed INTEGER NOT NULL DEFAULT 0,
    is_default INTEGER NOT NULL DEFAULT 0,
    is_readonly INTEGER NOT NULL DEFAULT 0,
    default_done_ratio INTEGER
);
CREATE TABLE IF NOT EXISTS priorities (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    position INTEGER NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    is_active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- open, locked or closed
    status TEXT NOT NULL DEFAULT 'open',
    start_date TEXT,
    end_date TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS work_packages (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    type_id INTEGER NOT NULL REFERENCES types(id),
    status_id INTEGER NOT NULL REFERENCES statuses(id),
    priority_id INTEGER NOT NULL REFERENCES priorities(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    assignee_id INTEGER REFERENCES users(id),
    responsible_id INTEGER REFERENCES users(id),
    subject TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    start_date TEXT,
    due_date TEXT,
    percentage_done INTEGER,
    version_id INTEGER REFERENCES versions(id),
    lock_version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS work_packages_project ON work_packages(project_id);
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES users(id),
    actor_id INTEGER REFERENCES users(id),
    project_id INTEGER NOT NULL REFERENCES projects(id),
    resource_id INTEGER NOT NULL REFERENCES work_packages(id),
    reason TEXT NOT NULL,
    read_ian INTEGER NOT NULL DEFAULT 0,
    -- JSON list of {"property": ..., "value": ...} (dateAlert details)
    details TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_recipient ON notifications(recipient_id);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    container_id INTEGER NOT NULL REFERENCES work_packages(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    digest TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- name of the file under DIR/attachments/ (never derived from the client's file name)
    disk_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_container ON attachments(container_id);
"""


SQLITE_INTEGERS = range(-(2**63), 2**63)


def _bindable(params: tuple[Any, ...]) -> bool:
    """False when an integer is too big for SQLite, e.g. an id of 30 digits from a URL."""
    return all(not isinstance(value, int) or value in SQLITE_INTEGERS for value in params)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class NepenthesStore:
    """Holds the one sqlite3 connection. Autocommit; use `transaction()` to group writes."""

    def __init__(self, db_path: Path, public_url: Callable[[], str] = lambda: "") -> None:
        """`public_url`: the server's origin for the few absolute URLs the API gives (avatars),
        known once the socket is bound."""
        self.db_path = Path(db_path)
        self.public_url = public_url
        # The connection is created on the starting thread (seeding) and then used only by the
        # server's event-loop thread, never by two threads at once.
        self.db = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(work_packages)")}
        if "version_id" not in columns:  # a sandbox folder from before versions
            self.db.execute("ALTER TABLE work_packages ADD COLUMN version_id INTEGER")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # Lookups with an id no row can have find nothing, rather than failing to bind it.

    def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        bound = tuple(params)
        return self.db.execute(sql, bound).fetchone() if _bindable(bound) else None

    def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        bound = tuple(params)
        return self.db.execute(sql, bound).fetchall() if _bindable(bound) else []

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    def is_empty(self) -> bool:
        users: int = self.scalar("SELECT COUNT(*) FROM users")
        return users == 0

    def table_exists(self, name: str) -> bool:
        return (
            self.one("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
            is not None
        )

    # Lookups every module needs

    def user(self, user_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM users WHERE id=?", (user_id,))

    def user_by_login(self, login: str) -> sqlite3.Row | None:
        return self.one("SELECT * FROM users WHERE login=?", (login,))

    def user_id_for_api_token(self, value: str) -> int | None:
        user_id: int | None = self.scalar(
            "SELECT users.id FROM api_tokens JOIN users ON users.id = api_tokens.user_id"
            " WHERE api_tokens.value=? AND users.status='active'",
            (value,),
        )
        return user_id

    def project(self, project_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM projects WHERE id=?", (project_id,))

    def project_by_ref(self, ref: str) -> sqlite3.Row | None:
        """A project by numeric id or by identifier, as the real server's friendly finders do."""
        if ref.isdigit():
            return self.project(int(ref))
        return self.one("SELECT * FROM projects WHERE identifier=?", (ref,))

    def work_package(self, wp_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM work_packages WHERE id=?", (wp_id,))


def request_store(request: Request) -> NepenthesStore:
    """The store `create_app` put on the app's state (Starlette's state holds untyped values)."""
    store: NepenthesStore = request.app.state.store
    return store


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just added (sqlite3 only knows one after an INSERT)."""
    if cursor.lastrowid is None:
        raise TypeError("the cursor did not run an INSERT")
    return cursor.lastrowid
