"""Entities and goal links for a document's passages, in the shape the catalogue stores.

Goal links are decided per document: which frameworks the document is within (its title, organisation
and text name the framework, its owner or its region, or an editor placed it there) decides whether
"#7" is a reference to RUS Västmanland's delmål 7. People's verdicts always win: a confirmed link is
kept whatever the linker now thinks, a rejected one is never produced again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ingest.config import goals_dir as goals_dir_in_use
from ingest.model import Passage

MAX_LINKS_PER_PASSAGE = 6  # explicit links and people's confirmations are kept beyond this
LINK_BATCH = 64  # passages scored together (bounds what is held in memory at once for a long document)


@dataclass
class Knowledge:
    frameworks: object
    linker: object
    fingerprint: str = ""  # set by ingest.enrich.shared.knowledge: names the frameworks, code and model

    @classmethod
    def load(cls, goals_dir=None, frameworks=None, verdicts: Iterable = ()) -> "Knowledge":
        """Build it (seconds): frameworks, the entity pipeline and a linker trained on the frameworks, their
        examples and `verdicts` (see `ingest.enrich.linking.Verdict`). Most callers want
        `ingest.enrich.shared.knowledge()`: built once per process."""
        from ingest.enrich.goals import load_frameworks
        from ingest.enrich.linking import GoalLinker

        from ingest.enrich.entities import extract_entities

        frameworks = frameworks or load_frameworks(goals_dir or goals_dir_in_use())
        extract_entities("")  # build the spaCy pipeline and gazetteer patterns now, not in the first file
        return cls(frameworks=frameworks, linker=GoalLinker.train(frameworks, verdicts=verdicts))

    def retrain(self, verdicts: Iterable, goals_dir=None) -> None:
        """Refit the linker from the frameworks (re-read from the goals folder), their examples and all
        verdicts. Stored documents are then out of date: relink them (re-analysis) afterwards."""
        from ingest.enrich.goals import load_frameworks
        from ingest.enrich.linking import GoalLinker

        self.frameworks = load_frameworks(goals_dir or getattr(self.frameworks, "directory", None) or goals_dir_in_use())
        self.linker = GoalLinker.train(self.frameworks, verdicts=verdicts)

    def document_scope(self, passages: list[Passage], title: str = "", organisation: str = "",
                       scope_override: set[str] | None = None) -> set[str]:
        texts = [t for p in passages for t in (p.heading, p.text)]
        return self.linker.document_scope(title, organisation, texts, scope_override)

    def analyse(self, passages: list[Passage], title: str = "", organisation: str = "",
                scope_override: set[str] | None = None,
                reviews: Mapping[tuple[str, str], str] | None = None) -> tuple[list[dict], list[dict], list[dict]]:
        """`scope_override`: framework ids an editor placed the document in (replaces what its text says;
        global frameworks stay). `reviews`: {(passage_id, goal_id): "confirmed" | "rejected"}."""
        from ingest.enrich.linking import KEEP_LINK_SCORE

        entities, mentions = self._entities(passages, title)
        scope = self.document_scope(passages, title, organisation, scope_override)
        reviews = reviews or {}
        links: list[dict] = []
        found_all = []
        for start in range(0, len(passages), LINK_BATCH):
            batch = passages[start:start + LINK_BATCH]
            found_all += self.linker.link_many([(p.text, p.heading_path) for p in batch],
                                               top_k=MAX_LINKS_PER_PASSAGE + 4, scope=scope)
        for passage, found in zip(passages, found_all):
            verdicts = {g: v for (pid, g), v in reviews.items() if pid == passage.id}
            kept = [l for l in found if verdicts.get(l.goal_id) != "rejected"]
            chosen = [l for l in kept if l.kind == "explicit" or verdicts.get(l.goal_id) == "confirmed"]
            chosen += [l for l in kept if l not in chosen and l.score >= KEEP_LINK_SCORE][
                : max(0, MAX_LINKS_PER_PASSAGE - len(chosen))]
            present = {l.goal_id for l in chosen}
            for goal_id, verdict in verdicts.items():
                if verdict == "confirmed" and goal_id not in present:
                    link = self.linker.explain(passage.text, passage.heading_path, goal_id, scope=scope)
                    if link is not None:
                        chosen.append(link)
            links += [_link_row(passage.id, link) for link in chosen]
        return entities, mentions, links

    def _entities(self, passages: list[Passage], title: str) -> tuple[list[dict], list[dict]]:
        from ingest.enrich.entities import extract_entities_many

        entities: dict[str, dict] = {}
        mentions: list[dict] = []
        seen_sections: set[int] = set()
        # A report often names its project only in its title or a heading: those names belong to the
        # first passage under them (offsets -1: not in the passage text itself).
        headings_of: list[list[str]] = []
        for passage in passages:
            headings = []
            if passage.section_ord not in seen_sections:
                seen_sections.add(passage.section_ord)
                headings.append(passage.heading)
            if passage.ord == 0 and title and title not in headings:
                headings.append(title)
            headings_of.append([h for h in headings if h])
        texts = list(dict.fromkeys([p.text for p in passages] + [h for hs in headings_of for h in hs]))
        found_in = dict(zip(texts, extract_entities_many(texts)))  # spaCy over the whole document at once
        for passage, headings in zip(passages, headings_of):
            found = [(m, m.start, m.end) for m in found_in[passage.text]]
            for heading in headings:
                found += [(m, -1, -1) for m in found_in[heading]]
            for mention, start, end in found:
                if mention.type == "timespan":
                    continue  # time spans are shown in context, not as entities of their own
                entities.setdefault(
                    mention.entity_key, {"id": mention.entity_key, "type": mention.type, "name": mention.name}
                )
                mentions.append({"entity_id": mention.entity_key, "passage_id": passage.id,
                                 "surface": mention.surface, "start": start, "end": end})
        from ingest.enrich.project_cards import attach_project_cards

        attach_project_cards(passages, title, entities, mentions)  # each project entity gets its "facts"
        return list(entities.values()), mentions


def _link_row(passage_id: str, link) -> dict:
    """The catalogue's goal_links row (the first five keys), plus structured evidence for the lead to store."""
    return {
        "passage_id": passage_id,
        "goal_id": link.goal_id,
        "score": round(float(min(1.0, max(0.0, link.score))), 4),
        "kind": link.kind,
        "evidence": list(link.evidence),
        "evidence_sentences": link.evidence_sentences,
        "resembles": link.resembles,
        "in_scope": link.in_scope,
        "shown": link.shown,
    }
