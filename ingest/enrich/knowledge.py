"""Entities and goal links for a document's passages, in the shape the catalogue stores."""
from __future__ import annotations

from dataclasses import dataclass

from ingest.config import goals_dir as goals_dir_in_use
from ingest.model import Passage

MIN_LINK_SCORE = 0.25  # weaker inferred links are noise on goal pages; explicit ones are always kept
MAX_LINKS_PER_PASSAGE = 6


@dataclass
class Knowledge:
    frameworks: object
    linker: object

    @classmethod
    def load(cls, goals_dir=None, frameworks=None) -> "Knowledge":
        """Build it (seconds). Most callers want `ingest.enrich.shared.knowledge()`: built once per process."""
        from ingest.enrich.goals import load_frameworks
        from ingest.enrich.linking import GoalLinker

        from ingest.enrich.entities import extract_entities

        frameworks = frameworks or load_frameworks(goals_dir or goals_dir_in_use())
        extract_entities("")  # build the spaCy pipeline and gazetteer patterns now, not in the first file
        return cls(frameworks=frameworks, linker=GoalLinker(frameworks))

    def analyse(self, passages: list[Passage], title: str = "") -> tuple[list[dict], list[dict], list[dict]]:
        from ingest.enrich.entities import extract_entities

        entities: dict[str, dict] = {}
        mentions: list[dict] = []
        links: list[dict] = []
        seen_sections: set[int] = set()
        for passage in passages:
            found = [(m, m.start, m.end) for m in extract_entities(passage.text)]
            # A report often names its project only in its title or a heading: those names belong to the
            # first passage under them (offsets -1: not in the passage text itself).
            headings = []
            if passage.section_ord not in seen_sections:
                seen_sections.add(passage.section_ord)
                headings.append(passage.heading)
            if passage.ord == 0 and title and title not in headings:
                headings.append(title)
            for heading in filter(None, headings):
                found += [(m, -1, -1) for m in extract_entities(heading)]
            for mention, start, end in found:
                if mention.type == "timespan":
                    continue  # time spans are shown in context, not as entities of their own
                entities.setdefault(
                    mention.entity_key, {"id": mention.entity_key, "type": mention.type, "name": mention.name}
                )
                mentions.append(
                    {
                        "entity_id": mention.entity_key,
                        "passage_id": passage.id,
                        "surface": mention.surface,
                        "start": start,
                        "end": end,
                    }
                )
            found = self.linker.link(passage.text, passage.heading_path)
            kept = [l for l in found if l.kind == "explicit" or l.score >= MIN_LINK_SCORE]
            for link in kept[:MAX_LINKS_PER_PASSAGE]:
                links.append(
                    {
                        "passage_id": passage.id,
                        "goal_id": link.goal_id,
                        "score": round(float(min(1.0, max(0.0, link.score))), 4),
                        "kind": link.kind,
                        "evidence": list(link.evidence),
                    }
                )
        from ingest.enrich.project_cards import attach_project_cards

        attach_project_cards(passages, title, entities, mentions)  # each project entity gets its "facts"
        return list(entities.values()), mentions, links
