"""The SQLite catalogue: the source of truth for documents, passages, entities and goal links.

The search index is derived from it (see `ingest.store.indexing`) and can always be rebuilt. Every
write to a document happens in one transaction and appends to the change feed (table `changes`): the
document's `revision` is the sequence number of its latest change, so the index, the servers and
`kunskapsbank check` can tell exactly what is out of date. The schema is built by numbered migrations
(`ingest/store/migrations/`); all SQL lives in `ingest/store/`.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Iterator

from ingest.store.entity_queries import EntityQueries
from ingest.store.example_queries import ExampleQueries
from ingest.store.goal_links import GoalLinkQueries
from ingest.store.goal_model_runs import GoalModelRuns
from ingest.store.project_queries import ProjectQueries
from ingest.store.records import (
    OVERRIDABLE_FIELDS, VISIBILITIES, Change, DocumentRecord, DocumentVersion, PassageRecord, now_iso,
)
from ingest.store.sqlite_file import SqliteFile

__all__ = ["Catalogue", "DocumentRecord", "PassageRecord", "now_iso"]

_DOCUMENT_COLUMNS = ("id", "source_path", "file_name", "sha256", "format", "size_bytes", "title", "organisation",
                     "year", "doc_type", "visibility", "pages", "original_path", "warnings", "ingested_at",
                     "revision", "analysis_fingerprint", "content_hash", "conversion_fingerprint", "ocr_pages")


def _marks(values) -> str:
    return ",".join("?" * len(values))


def content_hash(doc: DocumentRecord, passages: list[tuple[str, str]]) -> str:
    """What a reader of the index sees of a document: its metadata, visibility and passage texts."""
    digest = hashlib.sha256()
    for part in (doc.title, doc.organisation, str(doc.year), doc.doc_type, doc.visibility):
        digest.update((part or "").encode("utf-8") + b"\x1f")
    for passage_id, text in passages:
        digest.update(passage_id.encode("utf-8") + b"\x1e" + text.encode("utf-8") + b"\x1d")
    return digest.hexdigest()[:16]


class Catalogue(GoalLinkQueries, GoalModelRuns, EntityQueries, ExampleQueries, ProjectQueries, SqliteFile):
    """Thread-safe access to the catalogue file: one connection per thread."""

    # -- documents ---------------------------------------------------------------------------
    def document(self, document_id: str) -> DocumentRecord | None:
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
        return DocumentRecord.from_row(row) if row else None

    def document_by_source(self, source_path: str) -> DocumentRecord | None:
        row = self.db.execute("SELECT * FROM documents WHERE source_path = ?", (source_path,)).fetchone()
        return DocumentRecord.from_row(row) if row else None

    def documents(self, visibility: tuple[str, ...] = VISIBILITIES) -> list[DocumentRecord]:
        if not visibility:
            return []
        rows = self.db.execute(
            f"SELECT * FROM documents WHERE visibility IN ({_marks(visibility)}) ORDER BY year DESC, title",
            tuple(visibility),
        ).fetchall()
        return [DocumentRecord.from_row(r) for r in rows]

    def internal_document_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM documents WHERE visibility != 'public'")}

    def document_states(self) -> dict[str, str]:
        """Per document, "revision:content_hash": what the index must hold for it to be up to date."""
        return {r[0]: f"{r[1]}:{r[2]}" for r in self.db.execute("SELECT id, revision, content_hash FROM documents")}

    def passage_counts(self) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT d.id, COUNT(p.id) FROM documents d LEFT JOIN passages p ON p.document_id = d.id GROUP BY d.id"
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def versions(self, document_id: str) -> list[DocumentVersion]:
        rows = self.db.execute("SELECT * FROM document_versions WHERE document_id = ? ORDER BY revision",
                               (document_id,)).fetchall()
        return [DocumentVersion.from_row(r) for r in rows]

    def overrides(self, document_id: str) -> dict[str, dict]:
        rows = self.db.execute("SELECT field, value, editor, at FROM document_overrides WHERE document_id = ?",
                               (document_id,)).fetchall()
        return {r["field"]: {"value": r["value"], "editor": r["editor"], "at": r["at"]} for r in rows}

    # -- writes ------------------------------------------------------------------------------
    def reserve_document_id(self, candidates: list[str], source_path: str) -> str:
        """The id for a source: the one it already has, else the first free candidate. Taken in a write
        transaction, so two processes ingesting at once never get the same id."""
        with self.transaction() as db:
            row = db.execute("SELECT id FROM document_ids WHERE source_path = ?", (source_path,)).fetchone()
            if row:
                return row[0]
            for candidate in candidates:
                if db.execute("SELECT 1 FROM document_ids WHERE id = ?", (candidate,)).fetchone() is None:
                    db.execute("INSERT INTO document_ids (id, source_path) VALUES (?, ?)", (candidate, source_path))
                    return candidate
        raise RuntimeError(f"no free document id among {candidates}")

    def replace_document(self, doc: DocumentRecord, sections: list[dict], passages: list[dict],
                         mentions: list[dict], entities: list[dict], links: list[dict],
                         *, ingested_by: str = "", section_types: dict[str, str] | None = None) -> DocumentRecord:
        """Write a document and everything derived from it in one transaction; returns it as stored
        (editors' corrections applied, new revision). A new file is kept as a new version.
        `section_types`: {passage id: type} (ingest.enrich.section_types)."""
        with self.transaction() as db:
            doc = self._apply_overrides(db, doc)
            doc.content_hash = content_hash(doc, [(p["id"], p["text"]) for p in passages])
            db.execute("DELETE FROM documents WHERE id = ?", (doc.id,))  # cascades to children
            values = {**doc.__dict__, "warnings": json.dumps(doc.warnings, ensure_ascii=False),
                      "ocr_pages": json.dumps(doc.ocr_pages)}
            db.execute(f"INSERT INTO documents ({', '.join(_DOCUMENT_COLUMNS)}) VALUES ({_marks(_DOCUMENT_COLUMNS)})",
                       tuple(values[c] for c in _DOCUMENT_COLUMNS))
            db.executemany(
                "INSERT INTO sections (document_id, ord, heading, level, path, page) VALUES (?,?,?,?,?,?)",
                [(doc.id, s["ord"], s["heading"], s["level"], json.dumps(s["path"], ensure_ascii=False), s["page"])
                 for s in sections],
            )
            db.executemany(
                """INSERT INTO passages (id, document_id, ord, section_ord, heading_path, page_start, page_end, text)
                   VALUES (?,?,?,?,?,?,?,?)""",
                [(p["id"], doc.id, p["ord"], p["section_ord"], json.dumps(p["heading_path"], ensure_ascii=False),
                  p["page_start"], p["page_end"], p["text"]) for p in passages],
            )
            self._write_analysis(db, doc.id, mentions, entities, links)
            self._write_section_types(db, doc.id, section_types or {})
            doc.revision = self._record_change(db, doc.id, "content")
            last = db.execute("SELECT sha256 FROM document_versions WHERE document_id = ? ORDER BY revision DESC "
                              "LIMIT 1", (doc.id,)).fetchone()
            if last is None or last[0] != doc.sha256:
                db.execute(
                    """INSERT INTO document_versions (document_id, revision, sha256, file_name, format, size_bytes,
                           original_path, ingested_at, ingested_by) VALUES (?,?,?,?,?,?,?,?,?)""",
                    (doc.id, doc.revision, doc.sha256, doc.file_name, doc.format, doc.size_bytes, doc.original_path,
                     doc.ingested_at, ingested_by),
                )
        return doc

    def replace_analysis(self, document_id: str, mentions: list[dict], entities: list[dict], links: list[dict],
                         fingerprint: str, section_types: dict[str, str] | None = None) -> bool:
        """New entities and goal links (and section types, when given) for a stored document (after the
        knowledge changed); text untouched."""
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is None:
                return False
            db.execute("DELETE FROM mentions WHERE document_id = ?", (document_id,))
            db.execute("DELETE FROM goal_links WHERE document_id = ?", (document_id,))
            self._write_analysis(db, document_id, mentions, entities, links)
            if section_types is not None:
                self._write_section_types(db, document_id, section_types)
            db.execute("UPDATE documents SET analysis_fingerprint = ? WHERE id = ?", (fingerprint, document_id))
            self._record_change(db, document_id, "analysis")
        return True

    def set_visibility(self, document_id: str, visibility: str) -> bool:
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {VISIBILITIES}")
        with self.transaction() as db:
            if db.execute("UPDATE documents SET visibility = ? WHERE id = ? AND visibility != ?",
                          (visibility, document_id, visibility)).rowcount == 0:
                return False
            self._rehash(db, document_id)
            self._record_change(db, document_id, "visibility")
        return True

    def set_override(self, document_id: str, field: str, value: str | int | None, editor: str) -> bool:
        """An editor's correction of title, organisation, year or type; None removes it. Kept apart from the
        document row so that a re-ingest applies it again."""
        if field not in OVERRIDABLE_FIELDS:
            raise ValueError(f"field must be one of {OVERRIDABLE_FIELDS}")
        with self.transaction() as db:
            if db.execute("SELECT 1 FROM documents WHERE id = ?", (document_id,)).fetchone() is None:
                return False
            if value is None:
                db.execute("DELETE FROM document_overrides WHERE document_id = ? AND field = ?", (document_id, field))
            else:
                db.execute(
                    """INSERT INTO document_overrides (document_id, field, value, editor, at) VALUES (?,?,?,?,?)
                       ON CONFLICT(document_id, field) DO UPDATE SET value = excluded.value,
                       editor = excluded.editor, at = excluded.at""",
                    (document_id, field, str(value), editor, now_iso()),
                )
                db.execute(f"UPDATE documents SET {field} = ? WHERE id = ?", (_typed(field, value), document_id))
            self._rehash(db, document_id)
            self._record_change(db, document_id, "metadata")
        return True

    def delete_document(self, document_id: str) -> bool:
        with self.transaction() as db:
            if db.execute("DELETE FROM documents WHERE id = ?", (document_id,)).rowcount == 0:
                return False
            db.execute("DELETE FROM entities WHERE id NOT IN (SELECT DISTINCT entity_id FROM mentions)")
            db.execute("DELETE FROM document_overrides WHERE document_id = ?", (document_id,))
            self._record_change(db, document_id, "deleted")
        return True

    def _write_analysis(self, db: sqlite3.Connection, document_id: str, mentions: list[dict], entities: list[dict],
                        links: list[dict]) -> None:
        db.executemany("INSERT INTO entities (id, type, name) VALUES (?,?,?) ON CONFLICT(id) DO NOTHING",
                       [(e["id"], e["type"], e["name"]) for e in entities])
        db.executemany(
            "INSERT INTO mentions (entity_id, passage_id, document_id, surface, start, end) VALUES (?,?,?,?,?,?)",
            [(m["entity_id"], m["passage_id"], document_id, m["surface"], m["start"], m["end"]) for m in mentions],
        )
        self._write_goal_links(db, document_id, links)
        self._write_project_facts(db, document_id, entities)  # project cards: facts the analysis attached
        db.execute("DELETE FROM entities WHERE id NOT IN (SELECT DISTINCT entity_id FROM mentions)")

    def _apply_overrides(self, db: sqlite3.Connection, doc: DocumentRecord) -> DocumentRecord:
        for row in db.execute("SELECT field, value FROM document_overrides WHERE document_id = ?", (doc.id,)):
            setattr(doc, row["field"], _typed(row["field"], row["value"]))
        return doc

    def _rehash(self, db: sqlite3.Connection, document_id: str) -> None:
        doc = DocumentRecord.from_row(db.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone())
        passages = db.execute("SELECT id, text FROM passages WHERE document_id = ? ORDER BY ord", (document_id,))
        db.execute("UPDATE documents SET content_hash = ? WHERE id = ?",
                   (content_hash(doc, [(r[0], r[1]) for r in passages]), document_id))

    # -- change feed -------------------------------------------------------------------------
    def _record_change(self, db: sqlite3.Connection, document_id: str, kind: str) -> int:
        """Append to the change feed inside the caller's transaction; the document's revision follows."""
        seq = db.execute("INSERT INTO changes (document_id, kind, at) VALUES (?,?,?)",
                         (document_id, kind, now_iso())).lastrowid
        db.execute("UPDATE documents SET revision = ? WHERE id = ?", (seq, document_id))
        return seq

    def last_change(self) -> int:
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]

    def changes_since(self, seq: int, limit: int = 10_000) -> list[Change]:
        rows = self.db.execute("SELECT seq, document_id, kind, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
                               (seq, limit)).fetchall()
        return [Change(**dict(r)) for r in rows]

    # -- passages and sections ---------------------------------------------------------------
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

    # -- ingest log --------------------------------------------------------------------------
    def log(self, source_path: str, file_name: str, status: str, *, sha256: str | None = None,
            document_id: str | None = None, reason: str | None = None) -> None:
        with self.transaction() as db:
            db.execute(
                """INSERT INTO ingest_log (at, source_path, file_name, sha256, document_id, status, reason)
                   VALUES (?,?,?,?,?,?,?)""",
                (now_iso(), source_path, file_name, sha256, document_id, status, reason),
            )


def _typed(field: str, value):
    if field == "year":
        return int(value) if value not in (None, "") else None
    return str(value)
