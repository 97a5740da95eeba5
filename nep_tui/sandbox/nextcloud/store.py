"""The Nextcloud sandbox's data: users and one shared file tree with per-user restrictions.

Metadata lives in SQLite; file contents live in `files_dir`, one file per file id, so ids stay
stable across rename/move and no user-supplied name ever becomes a path on disk.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

from .admin_store import ADMIN_SCHEMA, AdminTables
from .tokens import TOKEN_SCHEMA, TokenTables

ROOT_ID = 1
FOLDER_MIME = "httpd/unix-directory"

# Nextcloud knows these better than Python's table does.
_MIME_OVERRIDES = {".md": "text/markdown", ".odt": "application/vnd.oasis.opendocument.text"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    login TEXT PRIMARY KEY, password TEXT NOT NULL, display_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id INTEGER REFERENCES nodes(id),
    name TEXT NOT NULL,
    is_dir INTEGER NOT NULL,
    owner TEXT NOT NULL,
    modifier TEXT,
    size INTEGER NOT NULL DEFAULT 0,
    mtime INTEGER NOT NULL,
    ctime INTEGER NOT NULL DEFAULT 0,
    mime TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0,
    trashed INTEGER NOT NULL DEFAULT 0);
CREATE UNIQUE INDEX IF NOT EXISTS nodes_live_name ON nodes(parent_id, name) WHERE trashed = 0;
CREATE TABLE IF NOT EXISTS restrictions (
    file_id INTEGER NOT NULL, login TEXT NOT NULL, kind TEXT NOT NULL,
    PRIMARY KEY (file_id, login, kind));
"""


def guess_mime(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return (
        _MIME_OVERRIDES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    )


class Access(Enum):
    NONE = 0
    READ = 1
    WRITE = 2


@dataclass(frozen=True)
class User:
    login: str
    display_name: str


@dataclass(frozen=True)
class Node:
    id: int
    parent_id: int | None
    name: str
    is_dir: bool
    owner: str
    modifier: str | None
    size: int
    mtime: int
    ctime: int
    mime: str
    revision: int
    trashed: bool

    @property
    def etag(self) -> str:
        return hashlib.md5(
            f"{self.id}:{self.revision}:{self.mtime}".encode(), usedforsecurity=False
        ).hexdigest()


class NodeExists(Exception):
    """A live node of that name is already in the folder."""


class NotAFolder(Exception):
    """A path runs through a file."""


class NextcloudStore(AdminTables, TokenTables):
    """Users and the shared file tree; the secrets it hands out live in `TokenTables`, the
    integration app's administration in `AdminTables`."""

    def __init__(self, db_path: Path, files_dir: Path) -> None:
        self.files_dir = Path(files_dir)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.incoming_dir.mkdir(exist_ok=True)
        super().__init__(db_path, _SCHEMA + TOKEN_SCHEMA + ADMIN_SCHEMA)
        with self._tx() as db:
            if db.execute("SELECT 1 FROM nodes WHERE id = ?", (ROOT_ID,)).fetchone() is None:
                db.execute(
                    "INSERT INTO nodes (id, parent_id, name, is_dir, owner, mtime, mime)"
                    " VALUES (?, NULL, '', 1, '', ?, ?)",
                    # 0 until content arrives: the root takes its time from what is seeded into it
                    (ROOT_ID, 0, FOLDER_MIME),
                )

    @property
    def incoming_dir(self) -> Path:
        return self.files_dir / ".incoming"

    def is_empty(self) -> bool:
        users: int = self._query("SELECT count(*) FROM users")[0][0]
        nodes: int = self._query("SELECT count(*) FROM nodes")[0][0]
        return users == 0 and nodes <= 1

    # -- users ------------------------------------------------------------------------------

    def ensure_user(self, login: str, password: str, display_name: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO users (login, password, display_name) VALUES (?, ?, ?)"
                " ON CONFLICT(login) DO UPDATE SET password = excluded.password,"
                " display_name = excluded.display_name",
                (login, password, display_name),
            )

    def user(self, login: str) -> User | None:
        rows = self._query("SELECT login, display_name FROM users WHERE login = ?", (login,))
        return User(rows[0]["login"], rows[0]["display_name"]) if rows else None

    def check_password(self, login: str, password: str) -> bool:
        rows = self._query("SELECT password FROM users WHERE login = ?", (login,))
        return bool(rows) and hmac.compare_digest(rows[0]["password"].encode(), password.encode())

    def display_name(self, login: str) -> str:
        found = self.user(login)
        return found.display_name if found else login

    # -- the file tree ----------------------------------------------------------------------

    @staticmethod
    def _node(row: sqlite3.Row) -> Node:
        return Node(
            id=row["id"],
            parent_id=row["parent_id"],
            name=row["name"],
            is_dir=bool(row["is_dir"]),
            owner=row["owner"],
            modifier=row["modifier"],
            size=row["size"],
            mtime=row["mtime"],
            ctime=row["ctime"],
            mime=row["mime"],
            revision=row["revision"],
            trashed=bool(row["trashed"]),
        )

    def node(self, file_id: int) -> Node | None:
        rows = self._query("SELECT * FROM nodes WHERE id = ?", (file_id,))
        return self._node(rows[0]) if rows else None

    def child(self, parent_id: int, name: str) -> Node | None:
        rows = self._query(
            "SELECT * FROM nodes WHERE parent_id = ? AND name = ? AND trashed = 0",
            (parent_id, name),
        )
        return self._node(rows[0]) if rows else None

    def children(self, parent_id: int) -> list[Node]:
        rows = self._query(
            "SELECT * FROM nodes WHERE parent_id = ? AND trashed = 0 ORDER BY name", (parent_id,)
        )
        return [self._node(row) for row in rows]

    def ancestors(self, node: Node) -> list[Node]:
        """From the node's parent up to the root."""
        chain: list[Node] = []
        parent_id = node.parent_id
        while parent_id is not None:
            parent = self.node(parent_id)
            if parent is None:
                break
            chain.append(parent)
            parent_id = parent.parent_id
        return chain

    def path_of(self, node: Node) -> str:
        """'/a/b' for a node, '/' for the root."""
        names = [n.name for n in reversed(self.ancestors(node))][1:] + (
            [node.name] if node.id != ROOT_ID else []
        )
        return "/" + "/".join(names)

    def node_at(self, path: str) -> Node | None:
        node = self.node(ROOT_ID)
        for name in _split(path):
            if node is None or not node.is_dir:
                return None
            node = self.child(node.id, name)
        return node

    def access(self, node: Node, login: str) -> Access:
        """Restrictions on a folder also hold for everything inside it."""
        marks = self.restrictions_for(login)
        access = Access.WRITE
        for each in [node, *self.ancestors(node)]:
            access = narrowed(access, marks.get(each.id, set()))
        return access

    def restrictions_for(self, login: str) -> dict[int, set[str]]:
        marks: dict[int, set[str]] = {}
        for row in self._query("SELECT file_id, kind FROM restrictions WHERE login = ?", (login,)):
            marks.setdefault(row["file_id"], set()).add(row["kind"])
        return marks

    def restrict(self, file_id: int, login: str) -> None:
        self._add_restriction(file_id, login, "hidden")

    def make_read_only(self, file_id: int, login: str) -> None:
        self._add_restriction(file_id, login, "read_only")

    def _add_restriction(self, file_id: int, login: str, kind: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO restrictions VALUES (?, ?, ?)", (file_id, login, kind)
            )

    def used_bytes(self, login: str) -> int:
        rows = self._query(
            "SELECT coalesce(sum(size), 0) FROM nodes WHERE owner = ? AND is_dir = 0 AND trashed = 0",
            (login,),
        )
        return int(rows[0][0])

    def content_path(self, file_id: int) -> Path:
        return self.files_dir / str(file_id)

    def new_incoming_path(self) -> Path:
        return self.incoming_dir / uuid.uuid4().hex

    def mkdir(self, owner: str, path: str, *, mtime: datetime | None = None) -> int:
        """Creates the folder and any missing parents; an existing folder is fine."""
        stamp = _stamp(mtime)
        parent = self.node(ROOT_ID)
        assert parent is not None
        for name in _split(path):
            existing = self.child(parent.id, name)
            if existing is None:
                existing = self.create_folder(owner, parent.id, name, mtime=stamp)
            elif not existing.is_dir:
                raise NotAFolder(self.path_of(existing))
            parent = existing
        return parent.id

    def put_file(
        self,
        owner: str,
        path: str,
        content: bytes,
        *,
        mtime: datetime | None = None,
        mime: str | None = None,
    ) -> int:
        """Seeds a small file (parents are created); an existing file gets the new content."""
        *folders, name = _split(path)
        parent_id = self.mkdir(owner, "/".join(folders), mtime=mtime)
        stamp = _stamp(mtime)
        existing = self.child(parent_id, name)
        if existing is not None:
            if existing.is_dir:
                raise NodeExists(path)
            incoming = self.new_incoming_path()
            incoming.write_bytes(content)
            return self.replace_content(existing.id, incoming, modifier=owner, mtime=stamp).id
        # Seeds write thousands of these: straight to the content file, no incoming + rename.
        with self._tx() as db:
            node_id = self._insert(
                db, parent_id, name, False, owner, len(content), stamp, mime or guess_mime(name)
            )
            self.content_path(node_id).write_bytes(content)
            self._propagate(db, parent_id, len(content), stamp)
        return node_id

    def create_folder(
        self, owner: str, parent_id: int, name: str, *, mtime: int | None = None
    ) -> Node:
        stamp = mtime if mtime is not None else int(time.time())
        with self._tx() as db:
            node_id = self._insert(db, parent_id, name, True, owner, 0, stamp, FOLDER_MIME)
            self._propagate(db, parent_id, 0, stamp)
        found = self.node(node_id)
        assert found is not None
        return found

    def create_file(
        self,
        owner: str,
        parent_id: int,
        name: str,
        incoming: Path,
        *,
        mtime: int | None = None,
        mime: str | None = None,
    ) -> Node:
        """Takes over an already written file from the incoming folder (an atomic rename)."""
        stamp = mtime if mtime is not None else int(time.time())
        size = incoming.stat().st_size
        with self._tx() as db:
            node_id = self._insert(
                db, parent_id, name, False, owner, size, stamp, mime or guess_mime(name)
            )
            os.replace(incoming, self.content_path(node_id))
            self._propagate(db, parent_id, size, stamp)
        found = self.node(node_id)
        assert found is not None
        return found

    def replace_content(
        self, file_id: int, incoming: Path, *, modifier: str, mtime: int | None = None
    ) -> Node:
        stamp = mtime if mtime is not None else int(time.time())
        size = incoming.stat().st_size
        with self._tx() as db:
            row = db.execute("SELECT * FROM nodes WHERE id = ?", (file_id,)).fetchone()
            db.execute(
                "UPDATE nodes SET size = ?, mtime = ?, modifier = ?, revision = revision + 1 WHERE id = ?",
                (size, stamp, modifier, file_id),
            )
            os.replace(incoming, self.content_path(file_id))
            self._propagate(db, row["parent_id"], size - row["size"], stamp)
        found = self.node(file_id)
        assert found is not None
        return found

    def move(self, file_id: int, new_parent_id: int, new_name: str) -> Node:
        """Rename and/or move; the id stays."""
        now = int(time.time())
        with self._tx() as db:
            row = db.execute("SELECT * FROM nodes WHERE id = ?", (file_id,)).fetchone()
            self._propagate(db, row["parent_id"], -row["size"], now)
            try:
                db.execute(
                    "UPDATE nodes SET parent_id = ?, name = ?, revision = revision + 1 WHERE id = ?",
                    (new_parent_id, new_name, file_id),
                )
            except sqlite3.IntegrityError as error:
                raise NodeExists(new_name) from error
            self._propagate(db, new_parent_id, row["size"], now)
        found = self.node(file_id)
        assert found is not None
        return found

    def trash(self, file_id: int, *, mtime: int | None = None) -> None:
        """Moves a node and everything inside it to the trash: fileinfo then says 404.

        Folder times only move when `mtime` is given (a user's DELETE), so a deletion made by a
        seed keeps the demo's timestamps deterministic."""
        with self._tx() as db:
            row = db.execute(
                "SELECT * FROM nodes WHERE id = ? AND trashed = 0", (file_id,)
            ).fetchone()
            if row is None or row["id"] == ROOT_ID:
                return
            db.execute(
                "WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL"
                " SELECT n.id FROM nodes n JOIN sub ON n.parent_id = sub.id)"
                " UPDATE nodes SET trashed = 1 WHERE id IN (SELECT id FROM sub)",
                (file_id,),
            )
            self._propagate(db, row["parent_id"], -row["size"], mtime or 0)

    def _insert(
        self,
        db: sqlite3.Connection,
        parent_id: int,
        name: str,
        is_dir: bool,
        owner: str,
        size: int,
        mtime: int,
        mime: str,
    ) -> int:
        try:
            cursor = db.execute(
                # No modifier yet: Nextcloud names one only after a `file_changed` activity.
                "INSERT INTO nodes (parent_id, name, is_dir, owner, size, mtime, ctime, mime)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (parent_id, name, int(is_dir), owner, size, mtime, mtime, mime),
            )
        except sqlite3.IntegrityError as error:
            raise NodeExists(name) from error
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    @staticmethod
    def _propagate(
        db: sqlite3.Connection, folder_id: int | None, size_delta: int, mtime: int
    ) -> None:
        """Like Nextcloud's propagator: folder sizes, mtimes and etags follow their contents."""
        if folder_id is None:
            return
        db.execute(
            "WITH RECURSIVE up(id, parent_id) AS (SELECT id, parent_id FROM nodes WHERE id = ?"
            " UNION ALL SELECT n.id, n.parent_id FROM nodes n JOIN up ON n.id = up.parent_id)"
            " UPDATE nodes SET size = size + ?, mtime = max(mtime, ?), revision = revision + 1"
            " WHERE id IN (SELECT id FROM up)",
            (folder_id, size_delta, mtime),
        )


def narrowed(access: Access, kinds: set[str]) -> Access:
    """The access left after one node's restrictions."""
    if "hidden" in kinds:
        return Access.NONE
    if "read_only" in kinds:
        return min(access, Access.READ, key=lambda a: a.value)
    return access


def _split(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _stamp(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else int(time.time())
