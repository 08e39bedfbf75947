"""Section types and "gott exempel" marks in the catalogue: passages' types, the project a report is about,
editors' marks with their audit entries, and the lists the good-examples pages read.

A mark is keyed by the stable passage id or the project's entity id (migration 0004), so re-ingesting a
document keeps it; whether someone may see it is decided here, when it is read, from the documents it
belongs to. Marking writes the mark, its audit entry and a change-feed entry for every document it
touches in one transaction, so the index and every server follow.
"""
from __future__ import annotations

import json
import re
import sqlite3

from ingest.store.records import now_iso

MARK_KINDS = ("passage", "project")
MAX_MOTIVATION_CHARS = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # one line of plain text


def _marks(values) -> str:
    return ",".join("?" * len(values))


class ExampleQueries:
    """Mixed into `Catalogue`: needs `db`, `transaction()` and `_record_change()`."""

    # -- section types ------------------------------------------------------------------------
    def _write_section_types(self, db: sqlite3.Connection, document_id: str, types: dict[str, str]) -> None:
        db.execute("DELETE FROM passage_section_types WHERE document_id = ?", (document_id,))
        db.executemany(
            """INSERT INTO passage_section_types (passage_id, document_id, section_type)
               SELECT id, document_id, ? FROM passages WHERE id = ? AND document_id = ?""",
            [(kind, pid, document_id) for pid, kind in types.items() if kind],
        )

    def section_types_for_passages(self, passage_ids: list[str]) -> dict[str, str]:
        if not passage_ids:
            return {}
        rows = self.db.execute(f"SELECT passage_id, section_type FROM passage_section_types "
                               f"WHERE passage_id IN ({_marks(passage_ids)})", tuple(passage_ids)).fetchall()
        return {r[0]: r[1] for r in rows}

    def section_types_for_document(self, document_id: str) -> dict[str, str]:
        rows = self.db.execute("SELECT passage_id, section_type FROM passage_section_types WHERE document_id = ?",
                               (document_id,)).fetchall()
        return {r[0]: r[1] for r in rows}

    # -- the project a document is about --------------------------------------------------------
    def main_projects(self, document_ids: list[str]) -> dict[str, dict]:
        """Per document, the project it reports on ({"id", "name"}): a project named in its title (or first
        heading), else, in a project report, the project it mentions most. Plans and strategies that only
        mention projects are about none of them and are left out."""
        ids = list(dict.fromkeys(document_ids))
        if not ids:
            return {}
        rows = self.db.execute(
            f"""SELECT m.document_id, e.id, e.name, COUNT(*) AS n, SUM(m.start < 0 AND p.ord = 0) AS in_title,
                       d.doc_type = 'projektrapport' AS report
                FROM mentions m JOIN entities e ON e.id = m.entity_id
                JOIN passages p ON p.id = m.passage_id JOIN documents d ON d.id = m.document_id
                WHERE e.type = 'project' AND m.document_id IN ({_marks(ids)})
                GROUP BY m.document_id, e.id""",
            tuple(ids),
        ).fetchall()
        best: dict[str, tuple] = {}
        for r in rows:
            if not (r["in_title"] or r["report"]):
                continue
            rank = (r["in_title"] > 0, r["n"], r["id"])
            if r["document_id"] not in best or rank > best[r["document_id"]][0]:
                best[r["document_id"]] = (rank, {"id": r["id"], "name": r["name"]})
        return {doc: found for doc, (_rank, found) in best.items()}

    def project_documents(self, entity_id: str) -> list[str]:
        """The documents that are about this project (it is their main project)."""
        candidates = [r[0] for r in self.db.execute(
            "SELECT DISTINCT document_id FROM mentions WHERE entity_id = ?", (entity_id,))]
        return sorted(doc for doc, project in self.main_projects(candidates).items() if project["id"] == entity_id)

    # -- marks -------------------------------------------------------------------------------
    def _documents_of(self, db: sqlite3.Connection, kind: str, target_id: str) -> list[str] | None:
        if kind == "passage":
            row = db.execute("SELECT document_id FROM passages WHERE id = ?", (target_id,)).fetchone()
            return [row[0]] if row else None
        row = db.execute("SELECT type FROM entities WHERE id = ?", (target_id,)).fetchone()
        return self.project_documents(target_id) if row and row[0] == "project" else None

    def mark_good_example(self, kind: str, target_id: str, motivation: str, editor: str) -> list[str] | None:
        """Mark a passage or project as a good example (or change the motivation); returns the documents
        touched, None when the passage or project does not exist. Audited, in the change feed."""
        if kind not in MARK_KINDS:
            raise ValueError(f"kind must be one of {MARK_KINDS}")
        motivation = " ".join(_CONTROL.sub(" ", motivation or "").split())[:MAX_MOTIVATION_CHARS]
        if not motivation:
            raise ValueError("a motivation is required")
        with self.transaction() as db:
            documents = self._documents_of(db, kind, target_id)
            if documents is None:
                return None
            before = db.execute("SELECT motivation FROM good_examples WHERE kind = ? AND target_id = ?",
                                (kind, target_id)).fetchone()
            at = now_iso()
            db.execute(
                """INSERT INTO good_examples (kind, target_id, motivation, marked_by, marked_at) VALUES (?,?,?,?,?)
                   ON CONFLICT(kind, target_id) DO UPDATE SET motivation = excluded.motivation,
                   marked_by = excluded.marked_by, marked_at = excluded.marked_at""",
                (kind, target_id, motivation, editor, at),
            )
            detail = {"kind": kind, "motivation": motivation, "documents": documents}
            if before:
                detail["previous_motivation"] = before[0]
            self._audit_in(db, at, editor, "good_example.mark", target_id, detail)
            for document_id in documents:
                self._record_change(db, document_id, "review")
        return documents

    def unmark_good_example(self, kind: str, target_id: str, editor: str) -> list[str] | None:
        """Remove a mark; returns the documents touched, None when there was no mark."""
        with self.transaction() as db:
            row = db.execute("SELECT motivation FROM good_examples WHERE kind = ? AND target_id = ?",
                             (kind, target_id)).fetchone()
            if row is None:
                return None
            documents = self._documents_of(db, kind, target_id) or []
            db.execute("DELETE FROM good_examples WHERE kind = ? AND target_id = ?", (kind, target_id))
            at = now_iso()
            self._audit_in(db, at, editor, "good_example.unmark", target_id,
                           {"kind": kind, "motivation": row[0], "documents": documents})
            for document_id in documents:
                self._record_change(db, document_id, "review")
        return documents

    @staticmethod
    def _audit_in(db: sqlite3.Connection, at: str, actor: str, action: str, target: str, detail: dict) -> None:
        db.execute("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?,?,?,?,?)",
                   (at, actor, action, target, json.dumps(detail, ensure_ascii=False)))

    def good_example_mark(self, kind: str, target_id: str) -> dict | None:
        row = self.db.execute("SELECT * FROM good_examples WHERE kind = ? AND target_id = ?",
                              (kind, target_id)).fetchone()
        return dict(row) if row else None

    def marks_for_passages(self, passage_ids: list[str]) -> dict[str, dict]:
        """Per passage, the mark that makes it a good example: its own, else its report's project's."""
        if not passage_ids or not self.db.execute("SELECT 1 FROM good_examples LIMIT 1").fetchone():
            return {}  # nothing is marked (the usual case): one cheap look instead of a join per search
        ids = tuple(passage_ids)
        out: dict[str, dict] = {}
        rows = self.db.execute(
            f"""SELECT p.id AS passage_id, p.document_id, g.* FROM passages p
                LEFT JOIN good_examples g ON g.kind = 'passage' AND g.target_id = p.id
                WHERE p.id IN ({_marks(ids)})""", ids).fetchall()
        documents = {r["passage_id"]: r["document_id"] for r in rows}
        for r in rows:
            if r["kind"]:
                out[r["passage_id"]] = {k: r[k] for k in ("kind", "target_id", "motivation", "marked_by", "marked_at")}
        if not self.db.execute("SELECT 1 FROM good_examples WHERE kind = 'project' LIMIT 1").fetchone():
            return out  # no project is marked (the usual case): skip finding each document's project (slow)
        projects = self.main_projects(list(set(documents.values())))
        project_marks = self._project_marks([p["id"] for p in projects.values()])
        for pid, doc in documents.items():
            project = projects.get(doc)
            if pid not in out and project and project["id"] in project_marks:
                out[pid] = dict(project_marks[project["id"]], project_name=project["name"])
        return out

    def _project_marks(self, entity_ids: list[str]) -> dict[str, dict]:
        if not entity_ids:
            return {}
        rows = self.db.execute(f"SELECT * FROM good_examples WHERE kind = 'project' AND target_id IN "
                               f"({_marks(entity_ids)})", tuple(entity_ids)).fetchall()
        return {r["target_id"]: dict(r) for r in rows}

    def good_example_passages(self, document_id: str) -> set[str]:
        """The passages of a document the index flags as good examples."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM passages WHERE document_id = ?", (document_id,))]
        return set(self.marks_for_passages(ids))

    def good_examples(self, visibility: tuple[str, ...], limit: int = 500) -> list[dict]:
        """Every mark the asker may see, newest first: a passage's when its document is visible, a project's
        with the visible documents it is the subject of (none visible: not shown)."""
        if not visibility:
            return []
        out = []
        for mark in self.db.execute("SELECT * FROM good_examples ORDER BY marked_at DESC, target_id LIMIT ?",
                                    (limit,)).fetchall():
            item = dict(mark)
            if mark["kind"] == "passage":
                row = self.db.execute(
                    f"""SELECT p.id, p.document_id, p.heading_path, p.page_start, p.text, t.section_type
                        FROM passages p JOIN documents d ON d.id = p.document_id
                        LEFT JOIN passage_section_types t ON t.passage_id = p.id
                        WHERE p.id = ? AND d.visibility IN ({_marks(visibility)})""",
                    (mark["target_id"], *visibility)).fetchone()
                if row is None:
                    continue  # gone with a re-ingest that changed its text, or not the asker's to see
                item["passage"] = dict(row, heading_path=json.loads(row["heading_path"]))
                documents = [row["document_id"]]
            else:
                entity = self.entity(mark["target_id"])
                documents = self.project_documents(mark["target_id"])
                item["project"] = entity
            item["documents"] = [d for d in (self.document(doc_id) for doc_id in documents)
                                 if d is not None and d.visibility in visibility]
            if item["documents"]:
                out.append(item)
        return out

    # -- what the goal pages and the good-examples mode show -------------------------------------
    def document_goal_ids(self, document_ids: list[str], min_score: float, per_document: int = 4) -> dict[str, list[str]]:
        """Per document, the goals most of its passages serve (people's verdicts applied)."""
        ids = list(dict.fromkeys(document_ids))
        if not ids:
            return {}
        rows = self.db.execute(
            f"""SELECT document_id, goal_id, COUNT(*) AS n, MAX(score) AS best FROM reviewed_links
                WHERE document_id IN ({_marks(ids)}) AND score >= ?
                GROUP BY document_id, goal_id ORDER BY document_id, n DESC, best DESC, goal_id""",
            (*ids, min_score)).fetchall()
        out: dict[str, list[str]] = {doc: [] for doc in ids}
        for r in rows:
            if len(out[r["document_id"]]) < per_document:
                out[r["document_id"]].append(r["goal_id"])
        return out

    def typed_passages_for_goals(self, goal_ids: list[str], section_types: list[str], visibility: tuple[str, ...],
                                 min_score: float, limit: int = 20) -> list[dict]:
        """Passages of these section types linked to these goals, surest links first."""
        if not goal_ids or not section_types or not visibility:
            return []
        rows = self.db.execute(
            f"""SELECT l.passage_id, l.document_id, MAX(l.score) AS score, t.section_type, d.title, d.organisation,
                       d.year, d.doc_type, p.heading_path, p.page_start, p.text
                FROM reviewed_links l
                JOIN passage_section_types t ON t.passage_id = l.passage_id
                JOIN documents d ON d.id = l.document_id
                JOIN passages p ON p.id = l.passage_id
                WHERE l.goal_id IN ({_marks(goal_ids)}) AND t.section_type IN ({_marks(section_types)})
                  AND d.visibility IN ({_marks(visibility)}) AND l.score >= ?
                GROUP BY l.passage_id ORDER BY score DESC, d.year DESC, p.ord LIMIT ?""",
            (*goal_ids, *section_types, *visibility, min_score, limit)).fetchall()
        return [dict(r, heading_path=json.loads(r["heading_path"])) for r in rows]
