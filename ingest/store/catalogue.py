"""The SQLite catalogue: the source of truth for documents, passages, entities and goal links.

The search index is derived from it (see `ingest.store.indexing`) and can always be rebuilt.
Every write that replaces a document happens in one transaction, so a crash leaves either the
old version or the new one, never a mix.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ingest.store.sqlite_file import SqliteFile

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source_path TEXT NOT NULL UNIQUE,     -- where it was ingested from (absolute path or upload key)
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    format TEXT,
    size_bytes INTEGER,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    year INTEGER,
    doc_type TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'internal')),
    pages INTEGER,
    original_path TEXT,                   -- relative to the data dir, content-addressed
    warnings TEXT NOT NULL DEFAULT '[]',  -- JSON list of Swedish notes from the converter
    ingested_at TEXT NOT NULL,
    indexed_sha256 TEXT                   -- version present in the search index; NULL = needs indexing
);

CREATE TABLE IF NOT EXISTS sections (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    heading TEXT NOT NULL,
    level INTEGER NOT NULL,
    path TEXT NOT NULL,                   -- JSON list of headings
    page INTEGER,
    PRIMARY KEY (document_id, ord)
);

CREATE TABLE IF NOT EXISTS passages (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    section_ord INTEGER NOT NULL,
    heading_path TEXT NOT NULL,           -- JSON list of headings
    page_start INTEGER,
    page_end INTEGER,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_by_document ON passages(document_id, ord);

CREATE TABLE IF NOT EXISTS entities (
    id TEXT PRIMARY KEY,                  -- e.g. "project:digi-60"
    type TEXT NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS mentions (
    entity_id TEXT NOT NULL REFERENCES entities(id),
    passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    surface TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mentions_by_entity ON mentions(entity_id);
CREATE INDEX IF NOT EXISTS mentions_by_passage ON mentions(passage_id);

CREATE TABLE IF NOT EXISTS goal_links (
    passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    goal_id TEXT NOT NULL,
    score REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    kind TEXT NOT NULL CHECK (kind IN ('explicit', 'inferred')),
    evidence TEXT NOT NULL DEFAULT '[]',  -- JSON list
    PRIMARY KEY (passage_id, goal_id)
);
CREATE INDEX IF NOT EXISTS goal_links_by_goal ON goal_links(goal_id, score DESC);

-- A person's verdict on a link. Keyed by the stable passage id, so it survives re-ingest.
CREATE TABLE IF NOT EXISTS goal_reviews (
    passage_id TEXT NOT NULL,
    goal_id TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('confirmed', 'rejected')),
    reviewer TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (passage_id, goal_id)
);

-- Every attempt, successful or not: nothing handed over is silently lost.
CREATE TABLE IF NOT EXISTS ingest_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    source_path TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT,
    document_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('ingested', 'unchanged', 'failed', 'deleted')),
    reason TEXT
);
"""


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class DocumentRecord:
    id: str
    source_path: str
    file_name: str
    sha256: str
    title: str
    format: str = ""
    size_bytes: int = 0
    organisation: str = ""
    year: int | None = None
    doc_type: str = ""
    visibility: str = "public"
    pages: int | None = None
    original_path: str | None = None
    warnings: list[str] = field(default_factory=list)
    ingested_at: str = ""
    indexed_sha256: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "DocumentRecord":
        data = dict(row)
        data["warnings"] = json.loads(data["warnings"] or "[]")
        return cls(**data)


@dataclass
class PassageRecord:
    id: str
    document_id: str
    ord: int
    section_ord: int
    heading_path: list[str]
    page_start: int | None
    page_end: int | None
    text: str

    @property
    def heading(self) -> str:
        return self.heading_path[-1] if self.heading_path else ""

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "PassageRecord":
        data = dict(row)
        data["heading_path"] = json.loads(data["heading_path"])
        return cls(**data)


class Catalogue(SqliteFile):
    """Thin, thread-safe access to the catalogue file. One connection per thread."""

    def __init__(self, path: Path):
        super().__init__(path)
        # executescript commits on its own, so it must run outside an explicit transaction.
        self.db.executescript(SCHEMA)
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    # -- documents ---------------------------------------------------------------------------
    def document(self, document_id: str) -> DocumentRecord | None:
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
        return DocumentRecord.from_row(row) if row else None

    def document_by_source(self, source_path: str) -> DocumentRecord | None:
        row = self.db.execute("SELECT * FROM documents WHERE source_path = ?", (source_path,)).fetchone()
        return DocumentRecord.from_row(row) if row else None

    def document_by_sha(self, sha256: str) -> DocumentRecord | None:
        row = self.db.execute("SELECT * FROM documents WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone()
        return DocumentRecord.from_row(row) if row else None

    def documents(self, visibility: tuple[str, ...] = ("public", "internal")) -> list[DocumentRecord]:
        marks = ",".join("?" * len(visibility))
        rows = self.db.execute(
            f"SELECT * FROM documents WHERE visibility IN ({marks}) ORDER BY year DESC, title",
            tuple(visibility),
        ).fetchall()
        return [DocumentRecord.from_row(r) for r in rows]

    def document_id_taken(self, document_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is not None

    def replace_document(
        self,
        doc: DocumentRecord,
        sections: list[dict],
        passages: list[dict],
        mentions: list[dict],
        entities: list[dict],
        links: list[dict],
    ) -> None:
        """Write a document and everything derived from it in one transaction."""
        with self.transaction() as db:
            db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))  # cascades to children
            db.execute(
                """INSERT INTO documents (id, source_path, file_name, sha256, format, size_bytes, title,
                       organisation, year, doc_type, visibility, pages, original_path, warnings,
                       ingested_at, indexed_sha256)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL)""",
                (
                    doc.id, doc.source_path, doc.file_name, doc.sha256, doc.format, doc.size_bytes,
                    doc.title, doc.organisation, doc.year, doc.doc_type, doc.visibility, doc.pages,
                    doc.original_path, json.dumps(doc.warnings, ensure_ascii=False), doc.ingested_at,
                ),
            )
            db.executemany(
                "INSERT INTO sections (document_id, ord, heading, level, path, page) VALUES (?,?,?,?,?,?)",
                [
                    (doc.id, s["ord"], s["heading"], s["level"], json.dumps(s["path"], ensure_ascii=False), s["page"])
                    for s in sections
                ],
            )
            db.executemany(
                """INSERT INTO passages (id, document_id, ord, section_ord, heading_path, page_start, page_end, text)
                   VALUES (?,?,?,?,?,?,?,?)""",
                [
                    (
                        p["id"], doc.id, p["ord"], p["section_ord"],
                        json.dumps(p["heading_path"], ensure_ascii=False), p["page_start"], p["page_end"], p["text"],
                    )
                    for p in passages
                ],
            )
            db.executemany(
                "INSERT INTO entities (id, type, name) VALUES (?,?,?) ON CONFLICT(id) DO NOTHING",
                [(e["id"], e["type"], e["name"]) for e in entities],
            )
            db.executemany(
                "INSERT INTO mentions (entity_id, passage_id, document_id, surface, start, end) VALUES (?,?,?,?,?,?)",
                [(m["entity_id"], m["passage_id"], doc.id, m["surface"], m["start"], m["end"]) for m in mentions],
            )
            db.executemany(
                """INSERT OR REPLACE INTO goal_links (passage_id, document_id, goal_id, score, kind, evidence)
                   VALUES (?,?,?,?,?,?)""",
                [
                    (l["passage_id"], doc.id, l["goal_id"], l["score"], l["kind"], json.dumps(l["evidence"], ensure_ascii=False))
                    for l in links
                ],
            )
            db.execute("DELETE FROM entities WHERE id NOT IN (SELECT DISTINCT entity_id FROM mentions)")

    def delete_document(self, document_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
            db.execute("DELETE FROM entities WHERE id NOT IN (SELECT DISTINCT entity_id FROM mentions)")

    def mark_indexed(self, document_id: str, sha256: str | None) -> None:
        with self.transaction() as db:
            db.execute("UPDATE documents SET indexed_sha256 = ? WHERE id = ?", (sha256, document_id))

    def mark_all_unindexed(self) -> None:
        with self.transaction() as db:
            db.execute("UPDATE documents SET indexed_sha256 = NULL")

    def unindexed_documents(self) -> list[DocumentRecord]:
        rows = self.db.execute(
            "SELECT * FROM documents WHERE indexed_sha256 IS NULL OR indexed_sha256 != sha256"
        ).fetchall()
        return [DocumentRecord.from_row(r) for r in rows]

    def passage_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT document_id, COUNT(*) FROM passages GROUP BY document_id").fetchall()
        counts = {r[0]: r[1] for r in rows}
        for (doc_id,) in self.db.execute("SELECT id FROM documents").fetchall():
            counts.setdefault(doc_id, 0)
        return counts

    # -- log ---------------------------------------------------------------------------------
    def log(self, source_path: str, file_name: str, status: str, *, sha256: str | None = None,
            document_id: str | None = None, reason: str | None = None) -> None:
        with self.transaction() as db:
            db.execute(
                """INSERT INTO ingest_log (at, source_path, file_name, sha256, document_id, status, reason)
                   VALUES (?,?,?,?,?,?,?)""",
                (now_iso(), source_path, file_name, sha256, document_id, status, reason),
            )

    def recent_failures(self, limit: int = 50) -> list[dict]:
        rows = self.db.execute(
            "SELECT at, file_name, source_path, reason FROM ingest_log WHERE status = 'failed' ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [dict(r) for r in rows]

    # -- passages ----------------------------------------------------------------------------
    def passage(self, passage_id: str) -> PassageRecord | None:
        row = self.db.execute("SELECT * FROM passages WHERE id = ?", (passage_id,)).fetchone()
        return PassageRecord.from_row(row) if row else None

    def passages(self, document_id: str) -> list[PassageRecord]:
        rows = self.db.execute("SELECT * FROM passages WHERE document_id = ? ORDER BY ord", (document_id,)).fetchall()
        return [PassageRecord.from_row(r) for r in rows]

    def iter_passages(self) -> Iterator[PassageRecord]:
        for row in self.db.execute("SELECT * FROM passages ORDER BY document_id, ord"):
            yield PassageRecord.from_row(row)

    def sections(self, document_id: str) -> list[dict]:
        rows = self.db.execute(
            "SELECT ord, heading, level, path, page FROM sections WHERE document_id = ? ORDER BY ord", (document_id,)
        ).fetchall()
        return [dict(r, path=json.loads(r["path"])) for r in rows]

    # -- goal links --------------------------------------------------------------------------
    def links_for_passages(self, passage_ids: list[str]) -> dict[str, list[dict]]:
        """Links per passage with people's verdicts applied: rejected links are dropped."""
        if not passage_ids:
            return {}
        marks = ",".join("?" * len(passage_ids))
        rows = self.db.execute(
            f"""SELECT l.passage_id, l.goal_id, l.score, l.kind, l.evidence, r.verdict, r.reviewer
                FROM goal_links l LEFT JOIN goal_reviews r
                  ON r.passage_id = l.passage_id AND r.goal_id = l.goal_id
                WHERE l.passage_id IN ({marks}) ORDER BY l.score DESC""",
            tuple(passage_ids),
        ).fetchall()
        out: dict[str, list[dict]] = {pid: [] for pid in passage_ids}
        for r in rows:
            if r["verdict"] == "rejected":
                continue
            out[r["passage_id"]].append(
                {
                    "goal_id": r["goal_id"],
                    "score": 1.0 if r["verdict"] == "confirmed" else r["score"],
                    "kind": "confirmed" if r["verdict"] == "confirmed" else r["kind"],
                    "evidence": json.loads(r["evidence"]),
                    "reviewer": r["reviewer"],
                }
            )
        return out

    def passages_for_goals(self, goal_ids: list[str], visibility: tuple[str, ...], min_score: float = 0.0,
                           limit: int = 500) -> list[dict]:
        if not goal_ids:
            return []
        goal_marks = ",".join("?" * len(goal_ids))
        vis_marks = ",".join("?" * len(visibility))
        rows = self.db.execute(
            f"""SELECT l.goal_id, l.passage_id, l.document_id, l.score, l.kind, l.evidence, r.verdict,
                       d.title, d.organisation, d.year, p.heading_path, p.page_start, p.text
                FROM goal_links l
                JOIN documents d ON d.id = l.document_id
                JOIN passages p ON p.id = l.passage_id
                LEFT JOIN goal_reviews r ON r.passage_id = l.passage_id AND r.goal_id = l.goal_id
                WHERE l.goal_id IN ({goal_marks}) AND d.visibility IN ({vis_marks})
                  AND COALESCE(r.verdict, '') != 'rejected' AND (l.score >= ? OR r.verdict = 'confirmed')
                ORDER BY (r.verdict = 'confirmed') DESC, l.kind = 'explicit' DESC, l.score DESC
                LIMIT ?""",
            (*goal_ids, *visibility, min_score, limit),
        ).fetchall()
        result = []
        for r in rows:
            item = dict(r)
            item["heading_path"] = json.loads(item["heading_path"])
            item["evidence"] = json.loads(item["evidence"])
            if item.pop("verdict") == "confirmed":
                item["kind"], item["score"] = "confirmed", 1.0
            result.append(item)
        return result

    def goal_link_counts(self, visibility: tuple[str, ...], min_score: float) -> dict[str, dict]:
        """Passages and documents per goal id (links a person rejected are not counted)."""
        vis_marks = ",".join("?" * len(visibility))
        rows = self.db.execute(
            f"""SELECT l.goal_id, COUNT(*) AS passages, COUNT(DISTINCT l.document_id) AS documents
                FROM goal_links l JOIN documents d ON d.id = l.document_id
                LEFT JOIN goal_reviews r ON r.passage_id = l.passage_id AND r.goal_id = l.goal_id
                WHERE d.visibility IN ({vis_marks}) AND COALESCE(r.verdict, '') != 'rejected'
                  AND (l.score >= ? OR r.verdict = 'confirmed')
                GROUP BY l.goal_id""",
            (*visibility, min_score),
        ).fetchall()
        return {r["goal_id"]: {"passages": r["passages"], "documents": r["documents"]} for r in rows}

    def review_link(self, passage_id: str, goal_id: str, verdict: str, reviewer: str) -> None:
        with self.transaction() as db:
            db.execute(
                """INSERT INTO goal_reviews (passage_id, goal_id, verdict, reviewer, reviewed_at) VALUES (?,?,?,?,?)
                   ON CONFLICT(passage_id, goal_id) DO UPDATE SET verdict = excluded.verdict,
                   reviewer = excluded.reviewer, reviewed_at = excluded.reviewed_at""",
                (passage_id, goal_id, verdict, reviewer, now_iso()),
            )

    def goal_ids_for_passages(self, passage_ids: list[str], min_score: float) -> dict[str, list[str]]:
        links = self.links_for_passages(passage_ids)
        return {pid: [l["goal_id"] for l in ls if l["score"] >= min_score] for pid, ls in links.items()}

    # -- entities ----------------------------------------------------------------------------
    def entities(self, entity_type: str | None, visibility: tuple[str, ...]) -> list[dict]:
        vis_marks = ",".join("?" * len(visibility))
        where = "AND e.type = ?" if entity_type else ""
        params: tuple = (*visibility, entity_type) if entity_type else tuple(visibility)
        rows = self.db.execute(
            f"""SELECT e.id, e.type, e.name, COUNT(*) AS mentions, COUNT(DISTINCT m.document_id) AS documents
                FROM entities e JOIN mentions m ON m.entity_id = e.id
                JOIN documents d ON d.id = m.document_id
                WHERE d.visibility IN ({vis_marks}) {where}
                GROUP BY e.id ORDER BY documents DESC, mentions DESC, e.name""",
            params,
        ).fetchall()
        return [dict(r) for r in rows]

    def entity(self, entity_id: str) -> dict | None:
        row = self.db.execute("SELECT id, type, name FROM entities WHERE id = ?", (entity_id,)).fetchone()
        return dict(row) if row else None

    def entity_mentions(self, entity_id: str, visibility: tuple[str, ...], limit: int = 500) -> list[dict]:
        vis_marks = ",".join("?" * len(visibility))
        rows = self.db.execute(
            f"""SELECT m.passage_id, m.document_id, m.surface, d.title, d.year, d.organisation,
                       p.heading_path, p.page_start, p.text
                FROM mentions m JOIN documents d ON d.id = m.document_id JOIN passages p ON p.id = m.passage_id
                WHERE m.entity_id = ? AND d.visibility IN ({vis_marks})
                ORDER BY d.year DESC, d.title, p.ord LIMIT ?""",
            (entity_id, *visibility, limit),
        ).fetchall()
        return [dict(r, heading_path=json.loads(r["heading_path"])) for r in rows]

    def entities_for_passages(self, passage_ids: list[str]) -> dict[str, list[dict]]:
        if not passage_ids:
            return {}
        marks = ",".join("?" * len(passage_ids))
        rows = self.db.execute(
            f"""SELECT DISTINCT m.passage_id, e.id, e.type, e.name FROM mentions m JOIN entities e ON e.id = m.entity_id
                WHERE m.passage_id IN ({marks}) ORDER BY e.type, e.name""",
            tuple(passage_ids),
        ).fetchall()
        out: dict[str, list[dict]] = {pid: [] for pid in passage_ids}
        for r in rows:
            out[r["passage_id"]].append({"id": r["id"], "type": r["type"], "name": r["name"]})
        return out
