"""Entities in the catalogue: projects, organisations, places and programmes with their mentions."""
from __future__ import annotations

import json


class EntityQueries:
    """Mixed into `Catalogue`: needs `db`."""

    def entities(self, entity_type: str | None, visibility: tuple[str, ...]) -> list[dict]:
        if not visibility:
            return []
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
        if not visibility:
            return []
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
