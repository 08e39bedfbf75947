"""Numbered schema migrations (`migrations/NNNN_name.sql`), applied in order and recorded in the file.

Each migration runs in one transaction together with the row that records it, so a crash leaves the
catalogue at the previous version, and several processes opening a fresh data directory at once apply
each migration exactly once (the first takes the write lock, the others then find it recorded).
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    def statements(self) -> list[str]:
        """The file's statements one by one (executescript would commit outside our transaction)."""
        out, pending = [], ""
        for line in self.path.read_text(encoding="utf-8").splitlines(keepends=True):
            if not pending and line.lstrip().startswith("--"):
                continue
            pending += line
            if sqlite3.complete_statement(pending):
                out.append(pending.strip())
                pending = ""
        if pending.strip():
            raise ValueError(f"{self.path.name}: incomplete statement at the end")
        return out


def available(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must be NNNN_name.sql: {path.name}")
        found.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, 3 … without gaps: {versions}")
    return found


def applied_versions(db: sqlite3.Connection) -> set[int]:
    db.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)""")
    return {row[0] for row in db.execute("SELECT version FROM schema_migrations")}


def migrate(db: sqlite3.Connection, folder: Path = MIGRATIONS_DIR) -> list[int]:
    """Apply what is missing, in order; returns the versions applied now. `db` is in autocommit mode."""
    done: list[int] = []
    for migration in available(folder):
        if migration.version in applied_versions(db):
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            if migration.version in applied_versions(db):  # another process was first
                db.execute("ROLLBACK")
                continue
            for statement in migration.statements():
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?,?,?)",
                       (migration.version, migration.name,
                        datetime.now(timezone.utc).replace(microsecond=0).isoformat()))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        done.append(migration.version)
    return done


def current_version(db: sqlite3.Connection) -> int:
    return max(applied_versions(db), default=0)
