"""Last-seen data: the answers the user has seen, kept per profile so that the TUI can show them
at once and while the server cannot be reached.

One SQLite file under the platformdirs cache dir (`NEP_TUI_CACHE_DIR` overrides), 0600 in a
0700 folder. It holds the models' own validated JSON by key, never a token, a header or a
file's contents: only what `remembered` calls return, and those are parsed models.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Concatenate, Generic, ParamSpec, Protocol, TypeVar

import platformdirs
from pydantic import TypeAdapter, ValidationError

from nep_tui.api.errors import NetworkUnreachable, TLSVerificationFailed

P = ParamSpec("P")
T = TypeVar("T")

CACHE_FILE = "last-seen.sqlite3"
SCHEMA = """
CREATE TABLE IF NOT EXISTS last_seen (
    profile TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    PRIMARY KEY (profile, key)
)
"""


def cache_dir() -> Path:
    override = os.environ.get("NEP_TUI_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("nep-tui"))


def cache_path() -> Path:
    return cache_dir() / CACHE_FILE


@contextmanager
def _database() -> Iterator[sqlite3.Connection]:
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    path = folder / CACHE_FILE
    # Created empty with its mode first, so that it is never readable by others.
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(SCHEMA)
        yield connection


@dataclass(frozen=True)
class Shelf(Generic[P, T]):
    """One kind of remembered answer: its name, how to read it back, and its key from the
    call's arguments (None: not remembered, e.g. a later page)."""

    name: str
    adapter: TypeAdapter[T]
    key_of: Callable[P, str | None]

    def key(self, *args: P.args, **kwargs: P.kwargs) -> str | None:
        part = self.key_of(*args, **kwargs)
        return None if part is None else f"{self.name}:{part}"


@dataclass(frozen=True)
class Cached(Generic[T]):
    value: T
    fetched_at: datetime


class LastSeen:
    """The remembered answers of one profile."""

    def __init__(self, profile: str, clock: Callable[[], float] = time.time) -> None:
        self.profile = profile
        self.clock = clock
        """When an answer counts as fetched (seconds since the epoch; tests fix it)."""

    def keep(self, shelf: Shelf[P, T], value: T, *args: P.args, **kwargs: P.kwargs) -> None:
        key = shelf.key(*args, **kwargs)
        if key is None:
            return
        payload = shelf.adapter.dump_json(value).decode()
        with _database() as db:
            db.execute(
                "INSERT OR REPLACE INTO last_seen VALUES (?, ?, ?, ?)",
                (self.profile, key, payload, self.clock()),
            )

    def recall(self, shelf: Shelf[P, T], *args: P.args, **kwargs: P.kwargs) -> Cached[T] | None:
        key = shelf.key(*args, **kwargs)
        if key is None or not cache_path().exists():
            return None
        with _database() as db:
            row = db.execute(
                "SELECT payload, fetched_at FROM last_seen WHERE profile = ? AND key = ?",
                (self.profile, key),
            ).fetchone()
        if row is None:
            return None
        try:
            value = shelf.adapter.validate_json(row[0])
        except ValidationError:
            return None  # written by another version of nep-tui: as if never seen
        return Cached(value, datetime.fromtimestamp(row[1], UTC))


class Remembers(Protocol):
    """What `remembered` needs of the object whose calls it wraps (the client)."""

    last_seen: LastSeen | None

    def report_reachable(self, reachable: bool) -> None: ...


C = TypeVar("C", bound=Remembers)


def remembered(
    shelf: Shelf[P, T],
) -> Callable[
    [Callable[Concatenate[C, P], Awaitable[T]]], Callable[Concatenate[C, P], Awaitable[T]]
]:
    """Keep what the call returns on `shelf`, and tell the owner whether the server answered."""

    def decorate(
        call: Callable[Concatenate[C, P], Awaitable[T]],
    ) -> Callable[Concatenate[C, P], Awaitable[T]]:
        @functools.wraps(call)
        async def remembering(owner: C, /, *args: P.args, **kwargs: P.kwargs) -> T:
            try:
                value = await call(owner, *args, **kwargs)
            except TLSVerificationFailed:
                raise  # the server answered; the network is there
            except NetworkUnreachable:
                owner.report_reachable(False)
                raise
            owner.report_reachable(True)
            if owner.last_seen is not None:
                owner.last_seen.keep(shelf, value, *args, **kwargs)
            return value

        return remembering

    return decorate


def recall(
    owner: Remembers, shelf: Shelf[P, T], *args: P.args, **kwargs: P.kwargs
) -> Cached[T] | None:
    """What `owner` last got on `shelf` for these arguments, if it keeps last-seen data."""
    if owner.last_seen is None:
        return None
    return owner.last_seen.recall(shelf, *args, **kwargs)


def clear(profile: str | None = None) -> int:
    """Forget the last-seen data of one profile (None: of all). Returns how many entries went."""
    if not cache_path().exists():
        return 0
    with _database() as db:
        if profile is None:
            cursor = db.execute("DELETE FROM last_seen")
        else:
            cursor = db.execute("DELETE FROM last_seen WHERE profile = ?", (profile,))
        count = cursor.rowcount
    return count
