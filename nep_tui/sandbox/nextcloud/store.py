"""The Nextcloud sandbox's data: users, one shared file tree, OAuth clients and tokens.

Metadata lives in SQLite; file contents live in `files_dir`, one file per file id, so ids stay
stable across rename/move and no user-supplied name ever becomes a path on disk.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
import secrets
import sqlite3
import string
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

ROOT_ID = 1
ACCESS_TOKEN_TTL = 3600
AUTH_CODE_TTL = 600
UPLOAD_TOKEN_TTL = 3600
DIRECT_LINK_TTL = 8 * 3600
LOGIN_FLOW_TTL = 20 * 60  # LoginFlowV2Mapper::lifetime
FOLDER_MIME = "httpd/unix-directory"

_ALNUM = string.ascii_letters + string.digits
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


def guess_mime(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return _MIME_OVERRIDES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


class Access(Enum):
    NONE = 0
    READ = 1
    WRITE = 2


@dataclass(frozen=True)
class User:
    login: str
    display_name: str


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
        return hashlib.md5(f"{self.id}:{self.revision}:{self.mtime}".encode(), usedforsecurity=False).hexdigest()


class NodeExists(Exception):
    """A live node of that name is already in the folder."""


class NotAFolder(Exception):
    """A path runs through a file."""


class NextcloudStore:
    def __init__(self, db_path: Path, files_dir: Path) -> None:
        self.files_dir = Path(files_dir)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.incoming_dir.mkdir(exist_ok=True)
        self._lock = threading.RLock()
        self._in_bulk = False
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        with self._tx() as db:
            if db.execute("SELECT 1 FROM nodes WHERE id = ?", (ROOT_ID,)).fetchone() is None:
                db.execute(
                    "INSERT INTO nodes (id, parent_id, name, is_dir, owner, mtime, mime)"
                    " VALUES (?, NULL, '', 1, '', ?, ?)",
                    (ROOT_ID, int(time.time()), FOLDER_MIME),
                )

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Many writes as one transaction without fsyncs (seeding thousands of files)."""
        with self._lock:
            previous = int(self._db.execute("PRAGMA synchronous").fetchone()[0])
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute("BEGIN IMMEDIATE")
            self._in_bulk = True
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._in_bulk = False
                self._db.execute(f"PRAGMA synchronous={previous}")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._in_bulk:
                yield self._db
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    @property
    def incoming_dir(self) -> Path:
        return self.files_dir / ".incoming"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def is_empty(self) -> bool:
        users = self._query("SELECT count(*) FROM users")[0][0]
        nodes = self._query("SELECT count(*) FROM nodes")[0][0]
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

    def app_password_login(self, login: str, password: str) -> bool:
        return bool(self._query("SELECT 1 FROM app_passwords WHERE login = ? AND password = ?", (login, password)))

    def revoke_app_password(self, password: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM app_passwords WHERE password = ?", (password,))

    def display_name(self, login: str) -> str:
        found = self.user(login)
        return found.display_name if found else login

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
        return OAuthClient(rows[0]["client_id"], rows[0]["client_secret"], rows[0]["redirect_uri"]) if rows else None

    def create_auth_code(
        self, client_id: str, login: str, *, code_challenge: str | None = None, code_challenge_method: str | None = None
    ) -> str:
        code = random_token(128)
        with self._tx() as db:
            db.execute(
                "INSERT INTO oauth_codes VALUES (?, ?, ?, ?, ?, ?)",
                (code, client_id, login, int(time.time()) + AUTH_CODE_TTL, code_challenge, code_challenge_method),
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
        return AuthCode(row["client_id"], row["login"], row["code_challenge"], row["code_challenge_method"])

    def redeem_auth_code(self, code: str) -> dict | None:
        """Codes are single use: the first redemption wins, later ones get None."""
        with self._tx() as db:
            row = db.execute("SELECT * FROM oauth_codes WHERE code = ?", (code,)).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM oauth_codes WHERE code = ?", (code,))
        return self.issue_oauth_token(row["login"], client_id=row["client_id"])

    def refresh_grant(self, refresh_token: str) -> RefreshGrant | None:
        rows = self._query("SELECT client_id, login FROM oauth_tokens WHERE refresh_token = ?", (refresh_token,))
        return RefreshGrant(rows[0]["client_id"], rows[0]["login"]) if rows else None

    def issue_oauth_token(self, login: str, *, client_id: str | None = None) -> dict:
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

    def refresh_oauth_token(self, refresh_token: str, client_id: str) -> dict | None:
        """Refresh tokens rotate: the old pair dies, a new pair is issued; None if already used."""
        with self._tx() as db:
            row = db.execute("SELECT * FROM oauth_tokens WHERE refresh_token = ?", (refresh_token,)).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM oauth_tokens WHERE refresh_token = ?", (refresh_token,))
        return self.issue_oauth_token(row["login"], client_id=row["client_id"] or client_id)

    def login_for_access_token(self, access_token: str) -> str | None:
        rows = self._query("SELECT login, expires FROM oauth_tokens WHERE access_token = ?", (access_token,))
        if not rows or rows[0]["expires"] < time.time():
            return None
        return rows[0]["login"]

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
            row = db.execute("SELECT * FROM login_flows WHERE poll_token = ?", (poll_token,)).fetchone()
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
            db.execute("INSERT INTO upload_tokens VALUES (?, ?, ?, ?)", (token, login, folder_id, expires))
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
            db.execute("INSERT INTO direct_links VALUES (?, ?, ?, ?)", (token, login, file_id, int(time.time()) + ttl))
        return token

    def direct_link(self, token: str) -> tuple[str, int] | None:
        """(login, file_id) of a live direct link."""
        rows = self._query("SELECT * FROM direct_links WHERE token = ?", (token,))
        if not rows or rows[0]["expires"] < time.time():
            return None
        return rows[0]["login"], rows[0]["file_id"]

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
        rows = self._query("SELECT * FROM nodes WHERE parent_id = ? AND name = ? AND trashed = 0", (parent_id, name))
        return self._node(rows[0]) if rows else None

    def children(self, parent_id: int) -> list[Node]:
        rows = self._query("SELECT * FROM nodes WHERE parent_id = ? AND trashed = 0 ORDER BY name", (parent_id,))
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
        names = [n.name for n in reversed(self.ancestors(node))][1:] + ([node.name] if node.id != ROOT_ID else [])
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
            db.execute("INSERT OR IGNORE INTO restrictions VALUES (?, ?, ?)", (file_id, login, kind))

    def used_bytes(self, login: str) -> int:
        rows = self._query(
            "SELECT coalesce(sum(size), 0) FROM nodes WHERE owner = ? AND is_dir = 0 AND trashed = 0", (login,)
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
            node_id = self._insert(db, parent_id, name, False, owner, len(content), stamp, mime or guess_mime(name))
            self.content_path(node_id).write_bytes(content)
            self._propagate(db, parent_id, len(content), stamp)
        return node_id

    def create_folder(self, owner: str, parent_id: int, name: str, *, mtime: int | None = None) -> Node:
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
            node_id = self._insert(db, parent_id, name, False, owner, size, stamp, mime or guess_mime(name))
            os.replace(incoming, self.content_path(node_id))
            self._propagate(db, parent_id, size, stamp)
        found = self.node(node_id)
        assert found is not None
        return found

    def replace_content(self, file_id: int, incoming: Path, *, modifier: str, mtime: int | None = None) -> Node:
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

    def trash(self, file_id: int) -> None:
        """Moves a node and everything inside it to the trash: fileinfo then says 404."""
        with self._tx() as db:
            row = db.execute("SELECT * FROM nodes WHERE id = ? AND trashed = 0", (file_id,)).fetchone()
            if row is None or row["id"] == ROOT_ID:
                return
            db.execute(
                "WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL"
                " SELECT n.id FROM nodes n JOIN sub ON n.parent_id = sub.id)"
                " UPDATE nodes SET trashed = 1 WHERE id IN (SELECT id FROM sub)",
                (file_id,),
            )
            self._propagate(db, row["parent_id"], -row["size"], int(time.time()))

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
    def _propagate(db: sqlite3.Connection, folder_id: int | None, size_delta: int, mtime: int) -> None:
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
