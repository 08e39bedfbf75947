"""Project facts and editors' corrections of project cards in the catalogue: writing a document's facts
(inside its analysis transaction) and reading them back for the documents a reader may see."""
from __future__ import annotations

import json
import sqlite3

from ingest.store.records import now_iso

FACT_FIELDS = ("about", "owner", "partner", "period", "financing", "target_group", "result")
CARD_FIELDS = ("owner", "partners", "period", "status", "financing", "target_groups", "results")


def _marks(values) -> str:
    return ",".join("?" * len(values))


class ProjectQueries:
    """Mixed into `Catalogue`: needs `db` and `transaction()`."""

    def _write_project_facts(self, db: sqlite3.Connection, document_id: str, entities: list[dict]) -> None:
        """Replace the document's project facts with those the analysis attached to its entities."""
        db.execute("DELETE FROM project_facts WHERE document_id = ?", (document_id,))
        db.executemany(
            """INSERT INTO project_facts (document_id, entity_id, field, value, passage_id, strength, ord)
               VALUES (?,?,?,?,?,?,?)""",
            [(document_id, e["id"], f["field"], json.dumps(f["value"], ensure_ascii=False), f["passage_id"],
              int(f.get("strength", 1)), int(f.get("ord", 0)))
             for e in entities if e.get("type") == "project" for f in e.get("facts") or ()
             if f.get("field") in FACT_FIELDS],
        )

    def project_facts(self, entity_ids: list[str], visibility: tuple[str, ...]) -> dict[str, list[dict]]:
        """Facts per project from the documents of the given visibility, with what the merge needs to know of
        each document (year, organisation, title)."""
        if not entity_ids or not visibility:
            return {}
        rows = self.db.execute(
            f"""SELECT f.entity_id, f.field, f.value, f.passage_id, f.strength, f.ord, f.document_id,
                       d.year, d.organisation, d.title
                FROM project_facts f JOIN documents d ON d.id = f.document_id
                WHERE f.entity_id IN ({_marks(entity_ids)}) AND d.visibility IN ({_marks(visibility)})
                ORDER BY d.year, f.document_id, f.ord""",
            (*entity_ids, *visibility),
        ).fetchall()
        out: dict[str, list[dict]] = {eid: [] for eid in entity_ids}
        for r in rows:
            out[r["entity_id"]].append(dict(r, value=json.loads(r["value"])))
        return out

    def project_passages(self, entity_ids: list[str], visibility: tuple[str, ...]) -> dict[str, set[str]]:
        """The passages that speak of each project: those that mention it, and every passage of a report
        about it."""
        if not entity_ids or not visibility:
            return {}
        params = (*entity_ids, *visibility)
        rows = self.db.execute(
            f"""SELECT m.entity_id, m.passage_id FROM mentions m JOIN documents d ON d.id = m.document_id
                WHERE m.entity_id IN ({_marks(entity_ids)}) AND d.visibility IN ({_marks(visibility)})
                UNION
                SELECT f.entity_id, p.id FROM project_facts f JOIN documents d ON d.id = f.document_id
                JOIN passages p ON p.document_id = f.document_id
                WHERE f.field = 'about' AND f.entity_id IN ({_marks(entity_ids)})
                  AND d.visibility IN ({_marks(visibility)})""",
            params + params,
        ).fetchall()
        out: dict[str, set[str]] = {eid: set() for eid in entity_ids}
        for r in rows:
            out[r[0]].add(r[1])
        return out

    def projects_for_passages(self, passage_ids: list[str], visibility: tuple[str, ...]) -> dict[str, set[str]]:
        """Per project: which of these passages speak of it (the inverse of `project_passages`)."""
        if not passage_ids or not visibility:
            return {}
        out: dict[str, set[str]] = {}
        for start in range(0, len(passage_ids), 500):  # SQLite's limit on parameters
            chunk = passage_ids[start:start + 500]
            params = (*chunk, *visibility)
            rows = self.db.execute(
                f"""SELECT m.entity_id, m.passage_id FROM mentions m JOIN entities e ON e.id = m.entity_id
                    JOIN documents d ON d.id = m.document_id
                    WHERE e.type = 'project' AND m.passage_id IN ({_marks(chunk)})
                      AND d.visibility IN ({_marks(visibility)})
                    UNION
                    SELECT f.entity_id, p.id FROM passages p JOIN project_facts f ON f.document_id = p.document_id
                    JOIN documents d ON d.id = p.document_id
                    WHERE f.field = 'about' AND p.id IN ({_marks(chunk)}) AND d.visibility IN ({_marks(visibility)})""",
                params + params,
            ).fetchall()
            for r in rows:
                out.setdefault(r[0], set()).add(r[1])
        return out

    # -- corrections ---------------------------------------------------------------------------------
    def project_card_corrections(self, entity_ids: list[str],
                                 visibility: tuple[str, ...] = ("public", "internal")) -> dict[str, dict[str, dict]]:
        """Editors' corrections per project and field that a reader with `visibility` may see."""
        if not entity_ids or not visibility:
            return {}
        rows = self.db.execute(
            f"""SELECT entity_id, field, value, visibility, editor, at FROM project_card_corrections
                WHERE entity_id IN ({_marks(entity_ids)}) AND visibility IN ({_marks(visibility)})""",
            (*entity_ids, *visibility)).fetchall()
        out: dict[str, dict[str, dict]] = {eid: {} for eid in entity_ids}
        for r in rows:
            out[r["entity_id"]][r["field"]] = {"value": json.loads(r["value"]), "editor": r["editor"], "at": r["at"],
                                               "visibility": r["visibility"]}
        return out

    def set_project_card_correction(self, entity_id: str, field: str, value, editor: str, *,
                                    visibility: str = "public", remove: bool = False) -> None:
        """An editor's value for one field of a project card (kept across re-ingest); `remove` goes back to
        what the documents say. `visibility` 'internal' keeps it from anonymous readers."""
        if field not in CARD_FIELDS:
            raise ValueError(f"field must be one of {CARD_FIELDS}")
        with self.transaction() as db:
            if remove:
                db.execute("DELETE FROM project_card_corrections WHERE entity_id = ? AND field = ?", (entity_id, field))
                return
            db.execute(
                """INSERT INTO project_card_corrections (entity_id, field, value, visibility, editor, at)
                   VALUES (?,?,?,?,?,?)
                   ON CONFLICT(entity_id, field) DO UPDATE SET value = excluded.value, visibility = excluded.visibility,
                   editor = excluded.editor, at = excluded.at""",
                (entity_id, field, json.dumps(value, ensure_ascii=False), visibility, editor, now_iso()),
            )
