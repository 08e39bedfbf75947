"""One SQLite file shared by threads and processes: a connection per thread, WAL, explicit transactions.

The catalogue, the accounts and the upload jobs live in the same file and open it the same way; the
first opening in a process brings the schema up to date (`ingest.store.migrate`)."""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ingest.store.migrate import migrate

_MIGRATED: set[tuple[Path, int]] = set()  # (file, inode): a file deleted and made anew is migrated again
_MIGRATE_LOCK = threading.Lock()


class SqliteFile:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        db = self.db  # opens, and creates, the file
        with _MIGRATE_LOCK:
            key = (self.path.resolve(), os.stat(self.path).st_ino)
            if key not in _MIGRATED:
                migrate(db)
                _MIGRATED.add(key)

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")  # readers keep reading while ingest writes
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
