"""One SQLite connection shared by the sandbox's threads, with short transactions or one long
bulk transaction for seeding."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class SqliteDatabase:
    def __init__(self, db_path: Path, schema: str) -> None:
        self._lock = threading.RLock()
        self._in_bulk = False
        self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(schema)

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

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()
