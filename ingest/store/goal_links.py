"""Goal links in the catalogue: reading them with people's verdicts applied, and recording verdicts.

The verdict rule lives in one place, the `reviewed_links` view (migration 0002): rejected links are gone,
confirmed ones count as certain, and links a person added count too. Every query here reads that view.
"""
from __future__ import annotations

import json

from ingest.store.records import now_iso

VERDICTS = ("confirmed", "rejected")


def _marks(values) -> str:
    return ",".join("?" * len(values))


class GoalLinkQueries:
    """Mixed into `Catalogue`: needs `db`, `transaction()` and `_record_change()`."""

    def links_for_passages(self, passage_ids: list[str]) -> dict[str, list[dict]]:
        """Links per passage, strongest first, with people's verdicts applied."""
        if not passage_ids:
            return {}
        rows = self.db.execute(
            f"""SELECT passage_id, goal_id, score, kind, evidence, reviewer FROM reviewed_links
                WHERE passage_id IN ({_marks(passage_ids)}) ORDER BY score DESC, goal_id""",
            tuple(passage_ids),
        ).fetchall()
        out: dict[str, list[dict]] = {pid: [] for pid in passage_ids}
        for r in rows:
            out[r["passage_id"]].append({"goal_id": r["goal_id"], "score": r["score"], "kind": r["kind"],
                                         "evidence": json.loads(r["evidence"]), "reviewer": r["reviewer"]})
        return out

    def goal_ids_for_passages(self, passage_ids: list[str], min_score: float) -> dict[str, list[str]]:
        links = self.links_for_passages(passage_ids)
        return {pid: [l["goal_id"] for l in ls if l["score"] >= min_score] for pid, ls in links.items()}

    def passages_for_goals(self, goal_ids: list[str], visibility: tuple[str, ...], min_score: float = 0.0,
                           limit: int = 500) -> list[dict]:
        if not goal_ids or not visibility:
            return []
        rows = self.db.execute(
            f"""SELECT l.goal_id, l.passage_id, l.document_id, l.score, l.kind, l.evidence,
                       d.title, d.organisation, d.year, p.heading_path, p.page_start, p.text
                FROM reviewed_links l
                JOIN documents d ON d.id = l.document_id
                JOIN passages p ON p.id = l.passage_id
                WHERE l.goal_id IN ({_marks(goal_ids)}) AND d.visibility IN ({_marks(visibility)}) AND l.score >= ?
                ORDER BY l.kind = 'confirmed' DESC, l.kind = 'explicit' DESC, l.score DESC
                LIMIT ?""",
            (*goal_ids, *visibility, min_score, limit),
        ).fetchall()
        return [dict(r, heading_path=json.loads(r["heading_path"]), evidence=json.loads(r["evidence"])) for r in rows]

    def goal_link_counts(self, visibility: tuple[str, ...], min_score: float) -> dict[str, dict]:
        """Passages and documents per goal id."""
        if not visibility:
            return {}
        rows = self.db.execute(
            f"""SELECT l.goal_id, COUNT(*) AS passages, COUNT(DISTINCT l.document_id) AS documents
                FROM reviewed_links l JOIN documents d ON d.id = l.document_id
                WHERE d.visibility IN ({_marks(visibility)}) AND l.score >= ?
                GROUP BY l.goal_id""",
            (*visibility, min_score),
        ).fetchall()
        return {r["goal_id"]: {"passages": r["passages"], "documents": r["documents"]} for r in rows}

    def goal_members(self, visibility: tuple[str, ...], min_score: float,
                     ancestors: dict[str, list[str]]) -> dict[str, dict]:
        """What contributes to each goal: the distinct passages linked to the goal or to any goal below it
        (confirmed links, and others scoring at least `min_score`), each with its document, and those
        documents with their years. `ancestors` maps a goal id to the ids above it.
        {goal: {"passages": {passage_id: document_id}, "documents": {document_id: year}}}"""
        if not visibility:
            return {}
        rows = self.db.execute(
            f"""SELECT DISTINCT l.goal_id, l.passage_id, l.document_id, d.year
                FROM reviewed_links l JOIN documents d ON d.id = l.document_id
                WHERE d.visibility IN ({_marks(visibility)}) AND (l.score >= ? OR l.kind = 'confirmed')""",
            (*visibility, min_score),
        ).fetchall()
        members: dict[str, dict] = {}
        for goal_id, passage_id, document_id, year in rows:
            for target in [goal_id, *ancestors.get(goal_id, ())]:
                item = members.setdefault(target, {"passages": {}, "documents": {}})
                item["passages"][passage_id] = document_id
                item["documents"][document_id] = year
        return members

    def goal_counts(self, visibility: tuple[str, ...], min_score: float,
                    ancestors: dict[str, list[str]]) -> dict[str, dict]:
        """The one count of what contributes to a goal, used everywhere: the number of distinct passages
        and documents in `goal_members`."""
        return {g: {"passages": len(m["passages"]), "documents": len(m["documents"])}
                for g, m in self.goal_members(visibility, min_score, ancestors).items()}

    def passage_texts(self, passage_ids: list[str]) -> dict[str, str]:
        """Each passage's text (for finding a goal's own words among the passages of its area)."""
        out: dict[str, str] = {}
        ids = list(passage_ids)
        for i in range(0, len(ids), 500):  # SQLite bounds the number of parameters
            chunk = ids[i:i + 500]
            for r in self.db.execute(f"SELECT id, text FROM passages WHERE id IN ({_marks(chunk)})", tuple(chunk)):
                out[r["id"]] = r["text"]
        return out

    def project_ids_for_passages(self, passage_ids: list[str]) -> dict[str, set[str]]:
        """The projects each passage names."""
        out: dict[str, set[str]] = {}
        ids = list(passage_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for r in self.db.execute(
                f"""SELECT DISTINCT m.passage_id, m.entity_id FROM mentions m JOIN entities e ON e.id = m.entity_id
                    WHERE e.type = 'project' AND m.passage_id IN ({_marks(chunk)})""", tuple(chunk)):
                out.setdefault(r["passage_id"], set()).add(r["entity_id"])
        return out

    def review_link(self, passage_id: str, goal_id: str, verdict: str, reviewer: str) -> bool:
        """Record a person's verdict; False when the passage does not exist. Bumps the document's revision."""
        if verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}")
        with self.transaction() as db:
            row = db.execute("SELECT document_id FROM passages WHERE id = ?", (passage_id,)).fetchone()
            if row is None:
                return False
            db.execute(
                """INSERT INTO goal_reviews (passage_id, goal_id, verdict, reviewer, reviewed_at) VALUES (?,?,?,?,?)
                   ON CONFLICT(passage_id, goal_id) DO UPDATE SET verdict = excluded.verdict,
                   reviewer = excluded.reviewer, reviewed_at = excluded.reviewed_at""",
                (passage_id, goal_id, verdict, reviewer, now_iso()),
            )
            self._record_change(db, row["document_id"], "review")
        return True

    def verdicts(self) -> list[dict]:
        """Every verdict with its passage's text: training examples for the goal linker."""
        rows = self.db.execute(
            """SELECT r.passage_id, r.goal_id, r.verdict, p.text, p.heading_path FROM goal_reviews r
               JOIN passages p ON p.id = r.passage_id ORDER BY r.reviewed_at, r.passage_id"""
        ).fetchall()
        return [dict(r, heading_path=json.loads(r["heading_path"])) for r in rows]

    def section_headings(self) -> list[dict]:
        """Every section heading with its document's title (for goal references the frameworks lack)."""
        rows = self.db.execute(
            "SELECT s.document_id, s.heading, s.page, d.title FROM sections s JOIN documents d ON d.id = s.document_id"
        ).fetchall()
        return [dict(r) for r in rows]
