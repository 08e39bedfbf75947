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

    def goal_counts(self, visibility: tuple[str, ...], min_score: float,
                    ancestors: dict[str, list[str]]) -> dict[str, dict]:
        """The one count of what contributes to a goal, used everywhere: distinct passages and documents
        linked to the goal or to any goal below it (confirmed links, and others scoring at least
        `min_score`). `ancestors` maps a goal id to the ids above it."""
        if not visibility:
            return {}
        rows = self.db.execute(
            f"""SELECT DISTINCT l.goal_id, l.passage_id, l.document_id
                FROM reviewed_links l JOIN documents d ON d.id = l.document_id
                WHERE d.visibility IN ({_marks(visibility)}) AND l.score >= ?""",
            (*visibility, min_score),
        ).fetchall()
        passages: dict[str, set[str]] = {}
        documents: dict[str, set[str]] = {}
        for goal_id, passage_id, document_id in rows:
            for target in [goal_id, *ancestors.get(goal_id, ())]:
                passages.setdefault(target, set()).add(passage_id)
                documents.setdefault(target, set()).add(document_id)
        return {g: {"passages": len(ids), "documents": len(documents[g])} for g, ids in passages.items()}

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
