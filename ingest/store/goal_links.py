"""Goal links in the catalogue: writing them with their evidence, reading them with people's verdicts
applied, and recording verdicts.

The verdict rule lives in one place, the `reviewed_links` view (migrations 0002, 0008): rejected links are
gone, confirmed ones count as certain, and links a person added count too. Every query here reads that
view. A link's evidence is its word list (`evidence`, every row) and, from the trained linker on, the
sentences that carry it with their marked words and what it resembles (`evidence_detail`, migration 0008).
"""
from __future__ import annotations

import json

from ingest.store.records import now_iso

VERDICTS = ("confirmed", "rejected")


def _marks(values) -> str:
    return ",".join("?" * len(values))


def evidence_detail_json(link: dict) -> str:
    """What `evidence_detail` keeps of a link from the linker: its evidence sentences and what it resembles."""
    detail = {}
    sentences = [{"text": str(s["text"]), "marks": [[int(a), int(b)] for a, b in s.get("marks", [])]}
                 for s in link.get("evidence_sentences") or []]
    if sentences:
        detail["evidence_sentences"] = sentences
    if link.get("resembles"):
        detail["resembles"] = str(link["resembles"])
    return json.dumps(detail, ensure_ascii=False)


def with_evidence_detail(row) -> dict:
    """A link row's evidence as the API gives it: the word list, and the sentences and resemblance when
    the row has them ([] and None for rows written before migration 0008 or added by a person)."""
    detail = json.loads(row["evidence_detail"] or "{}")
    return {"evidence": json.loads(row["evidence"]), "evidence_sentences": detail.get("evidence_sentences", []),
            "resembles": detail.get("resembles")}


class GoalLinkQueries:
    """Mixed into `Catalogue`: needs `db`, `transaction()` and `_record_change()`."""

    def _write_goal_links(self, db, document_id: str, links: list[dict]) -> None:
        """A document's links from the linker, inside the caller's transaction."""
        db.executemany(
            """INSERT INTO goal_links (passage_id, document_id, goal_id, score, kind, evidence, evidence_detail)
               VALUES (?,?,?,?,?,?,?)
               ON CONFLICT(passage_id, goal_id) DO UPDATE SET score = excluded.score, kind = excluded.kind,
               evidence = excluded.evidence, evidence_detail = excluded.evidence_detail""",
            [(l["passage_id"], document_id, l["goal_id"], l["score"], l["kind"],
              json.dumps(l["evidence"], ensure_ascii=False), evidence_detail_json(l)) for l in links],
        )

    def links_for_passages(self, passage_ids: list[str]) -> dict[str, list[dict]]:
        """Links per passage, strongest first, with people's verdicts applied."""
        if not passage_ids:
            return {}
        out: dict[str, list[dict]] = {pid: [] for pid in passage_ids}
        ids = list(passage_ids)
        for i in range(0, len(ids), 500):  # SQLite bounds the number of parameters
            chunk = ids[i:i + 500]
            rows = self.db.execute(
                f"""SELECT passage_id, goal_id, score, kind, evidence, evidence_detail, reviewer FROM reviewed_links
                    WHERE passage_id IN ({_marks(chunk)}) ORDER BY score DESC, goal_id""",
                tuple(chunk),
            ).fetchall()
            for r in rows:
                out[r["passage_id"]].append({"goal_id": r["goal_id"], "score": r["score"], "kind": r["kind"],
                                             **with_evidence_detail(r), "reviewer": r["reviewer"]})
        return out

    def reviews_for_passages(self, passage_ids: list[str]) -> dict[tuple[str, str], str]:
        """People's verdicts on these passages' links: {(passage_id, goal_id): "confirmed" | "rejected"}."""
        out: dict[tuple[str, str], str] = {}
        ids = list(passage_ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for r in self.db.execute(f"SELECT passage_id, goal_id, verdict FROM goal_reviews "
                                     f"WHERE passage_id IN ({_marks(chunk)})", tuple(chunk)):
                out[(r["passage_id"], r["goal_id"])] = r["verdict"]
        return out

    def goal_ids_for_passages(self, passage_ids: list[str], min_score: float) -> dict[str, list[str]]:
        links = self.links_for_passages(passage_ids)
        return {pid: [l["goal_id"] for l in ls if l["score"] >= min_score] for pid, ls in links.items()}

    def passages_for_goals(self, goal_ids: list[str], visibility: tuple[str, ...], min_score: float = 0.0,
                           limit: int = 500) -> list[dict]:
        if not goal_ids or not visibility:
            return []
        rows = self.db.execute(
            f"""SELECT l.goal_id, l.passage_id, l.document_id, l.score, l.kind, l.evidence, l.evidence_detail,
                       d.title, d.organisation, d.year, p.heading_path, p.page_start, p.text
                FROM reviewed_links l
                JOIN documents d ON d.id = l.document_id
                JOIN passages p ON p.id = l.passage_id
                WHERE l.goal_id IN ({_marks(goal_ids)}) AND d.visibility IN ({_marks(visibility)}) AND l.score >= ?
                ORDER BY l.kind = 'confirmed' DESC, l.kind = 'explicit' DESC, l.score DESC
                LIMIT ?""",
            (*goal_ids, *visibility, min_score, limit),
        ).fetchall()
        out = []
        for r in rows:
            row = dict(r, heading_path=json.loads(r["heading_path"]), **with_evidence_detail(r))
            del row["evidence_detail"]
            out.append(row)
        return out

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

    def verdict_counts(self) -> dict[str, int]:
        """How many links people have confirmed and rejected (added links count as confirmed)."""
        counts = dict.fromkeys(VERDICTS, 0)
        for verdict, n in self.db.execute("SELECT verdict, COUNT(*) FROM goal_reviews GROUP BY verdict"):
            counts[verdict] = n
        return counts

    def section_headings(self) -> list[dict]:
        """Every section heading with its document's title (for goal references the frameworks lack)."""
        rows = self.db.execute(
            "SELECT s.document_id, s.heading, s.page, d.title FROM sections s JOIN documents d ON d.id = s.document_id"
        ).fetchall()
        return [dict(r) for r in rows]
