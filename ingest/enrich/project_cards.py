"""Project cards: what a document says about each project it speaks of (owner, partners, period, financing,
target groups, results), as facts with their evidence passage, for the catalogue to merge at read time.

The document is read sentence by sentence. A sentence speaks of a project when it names it, when it refers
back to one ("Projektet …", "Förstudien …") named shortly before, or, in a report about one project (its
title names it), by default. The rules for each field are in `project_fields.py`; they fire only on explicit
wording. `attach_project_cards` is the hook the analysis step calls: it adds the facts to the project
entities of the document (key "facts"), and the project a report's title names when no rule found it.
"""
from __future__ import annotations

import logging
import re

from ingest.enrich import project_fields as rules
from ingest.enrich import project_outcomes as outcomes
from ingest.enrich import project_sentences as sentences
from ingest.enrich.gazetteers import entity_key, fold_name
from ingest.enrich.project_cues import Cues, load_cues
from ingest.model import Passage

log = logging.getLogger(__name__)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9#\"“”«(])")
_TITLE_SPLIT = re.compile(r"\s+[–—-]\s+|:\s+|\.\s+|,\s+")
_NEW_TOPIC = re.compile(r"\b(?:ett|en)\s+(?:annat|annan|nytt|ny|tredje|andra)\s+(?:exempel|projekt|satsning|insats|initiativ)",
                        re.IGNORECASE)
SHORT_DOCUMENT = 12  # passages: a text this short that names one project only is about that project
CURRENT_SPAN = 2  # sentences after a named project that an unnamed sentence may still be about


def split_sentences(text: str) -> list[tuple[int, str, bool]]:
    """(offset, sentence, starts a paragraph) in a passage; paragraphs (list items) are never joined."""
    out = []
    for para in re.finditer(r"[^\n]+", text):
        pos = para.start()
        for i, piece in enumerate(_SENTENCE_END.split(para.group(0))):
            start = text.index(piece, pos)
            out.append((start, piece, i == 0))
            pos = start + len(piece)
    return out


def main_project(passages: list[Passage], title: str, mentions: list[dict], entities: dict[str, dict],
                 cues: Cues) -> str | None:
    """The project a document is about: the one its title names, else (for a project report) the title's
    own name, added as a new project entity."""
    if not passages:
        return None
    first_id = passages[0].id
    in_title = [m["entity_id"] for m in mentions if m["passage_id"] == first_id and m["start"] < 0
                and entities.get(m["entity_id"], {}).get("type") == "project"
                and fold_name(m["surface"]) in fold_name(title)]
    if in_title:
        return in_title[0]
    labelled = re.search(r"\bprojekt(?:ets\s+)?namn\s*:\s*([^\n.;:]{3,80}?)(?=\s+[A-ZÅÄÖ][\wåäö]*\s*:|[\n.;]|$)",
                         " ".join(p.text for p in passages[:2]), re.IGNORECASE)
    if labelled:  # "Projektnamn: Digital vård i glesbygd"
        return _project_entity(labelled.group(1).strip(), passages, entities, mentions)
    projects = {m["entity_id"] for m in mentions if entities.get(m["entity_id"], {}).get("type") == "project"}
    # a short text that names one project only is about that project (not a plan or an annual report)
    single = (next(iter(projects)) if len(projects) == 1 and len(passages) <= SHORT_DOCUMENT
              and not cues.periodic.search(title or "") else None)
    opening = passages[0].text[:120]
    if not title or not (cues.report.search(title) or cues.report.search(opening)):
        return single
    # "Slutrapport – Grön kompetens i Bergslagen", "Grön kompetens i Bergslagen. Slutrapport 2023": the name is
    # the first part of the title that is more than a report word and a date
    parts = [p.strip(" .") for p in _TITLE_SPLIT.split(title.strip())]
    parts = [p for p in parts if p and not cues.report.fullmatch(re.sub(r"[\s\d–-]+$", "", p).lower())]
    name = parts[0] if parts else ""
    if not 3 <= len(name) <= 80 or len(name.split()) > 8:
        return single
    if any(e["type"] in ("organisation", "place", "programme") and fold_name(e["name"]) == fold_name(name)
           for e in entities.values()):
        return single
    for entity in entities.values():  # "Bygdens mötesplatser" in the text, "… i Surahammar" in the title
        if entity["type"] == "project" and fold_name(name).startswith(fold_name(entity["name"]) + " "):
            return entity["id"]
    return _project_entity(name, passages, entities, mentions)


def _project_entity(name: str, passages: list[Passage], entities: dict[str, dict], mentions: list[dict]) -> str:
    """A project only the title (or a "Projektnamn:" line) names becomes an entity of its own, mentioned
    wherever the text writes its name."""
    key = entity_key("project", name)
    entities.setdefault(key, {"id": key, "type": "project", "name": name})
    mentions.append({"entity_id": key, "passage_id": passages[0].id, "surface": name, "start": -1, "end": -1})
    taken = {(m["passage_id"], m["start"]) for m in mentions}
    for passage in passages:
        for found in re.finditer(rf"(?<![\wåäö]){re.escape(name)}(?![\wåäö])", passage.text):
            inside = [m for m in mentions if m["passage_id"] == passage.id and m["start"] <= found.start() < m["end"]]
            if not inside and (passage.id, found.start()) not in taken:
                mentions.append({"entity_id": key, "passage_id": passage.id, "surface": name,
                                 "start": found.start(), "end": found.end()})
    return key


def extract_facts(passages: list[Passage], title: str, entities: dict[str, dict], mentions: list[dict],
                  cues: Cues | None = None) -> list[dict]:
    """Every fact the rules find, in document order (`ord` counts sentences)."""
    cues = cues or load_cues()
    main = main_project(passages, title, mentions, entities, cues)
    by_passage: dict[str, list[dict]] = {}
    for m in mentions:
        if m["start"] >= 0 and m["entity_id"] in entities:
            by_passage.setdefault(m["passage_id"], []).append(m)
    facts: list[dict] = []
    if main:
        facts.append({"entity_id": main, "field": "about", "value": {}, "passage_id": passages[0].id,
                      "strength": 3, "ord": 0})
        facts += _title_targets(passages[0].id, title, main, cues)
    ordinal, carried = 0, (None, None, CURRENT_SPAN + 1)  # (section, project, age) from the passage before
    for passage in passages:
        section = cues.section_kind(passage.heading) if passage.heading_path else "other"
        heading_projects = [m["entity_id"] for m in mentions if m["passage_id"] == passage.id and m["start"] < 0
                            and entities[m["entity_id"]]["type"] == "project" and m["entity_id"] != main]
        if heading_projects:
            current, age = heading_projects[-1], 0
        elif carried[0] == passage.section_ord:  # a page break split the text: "… #Vägled." | "Projektet ska …"
            current, age = carried[1], carried[2]
        else:
            current, age = None, CURRENT_SPAN + 1
        colon_result = False
        for offset, text, new_paragraph in split_sentences(passage.text):
            ordinal += 1
            refs = [sentences.Ref(entities[m["entity_id"]]["type"], m["entity_id"], entities[m["entity_id"]]["name"],
                              m["start"] - offset, m["end"] - offset)
                    for m in by_passage.get(passage.id, []) if offset <= m["start"] and m["end"] <= offset + len(text)]
            s = sentences.Sentence(text=text, passage_id=passage.id, section=section, main=main,
                               opening=passage.ord <= 1 and ordinal <= 4, refs=refs,
                               after_result_colon=colon_result and new_paragraph and bool(re.match(r"\W*\d", text)))
            named = s.projects
            if _NEW_TOPIC.search(text):  # "Ett annat exempel är …": what follows is not the project before
                current, age = None, CURRENT_SPAN + 1
            if named:
                s.subject, s.subject_kind = (named[0].id if len({r.id for r in named}) == 1 else None), "named"
                current, age = named[-1].id, 0
            elif cues.anaphora.search(text) and (current and age <= CURRENT_SPAN or main):
                s.subject, s.subject_kind = (current if current and age <= CURRENT_SPAN else main), "anaphora"
                current, age = s.subject, -1  # "Projektet …" keeps the chain going
            elif current and age < CURRENT_SPAN:
                s.subject, s.subject_kind = current, ("main" if current == main else "current")
            elif main:
                s.subject, s.subject_kind = main, "main"
            age += 1
            _apply_rules(s, cues)
            if not s.after_result_colon:  # a list after "… 74 mobiliteter:" goes on while its items start with a number
                colon_result = bool(s.facts and s.facts[-1]["field"] == "result" and text.rstrip().endswith(":"))
            for fact in s.facts:
                fact["ord"] = ordinal
            facts += s.facts
        carried = (passage.section_ord, current, age)
    return facts


def _apply_rules(s: sentences.Sentence, cues: Cues) -> None:
    masked = s.text
    for r in s.refs:  # dates inside names ("Omställning 2020–2022") are not periods
        if r.type in ("project", "programme", "organisation") and r.start >= 0:
            masked = masked[:r.start] + " " * (r.end - r.start) + masked[r.end:]
    rules.owner_rules(s, cues)
    rules.partner_rules(s, cues)
    rules.financing_rules(s, cues)
    outcomes.target_rules(s, cues)
    rules.period_rules(s, cues, masked)
    outcomes.result_rules(s, cues)
    if s.subject_kind == "current":  # who runs, pays or joins a project is never taken from a sentence that
        named = {r.id for r in s.projects}  # neither names it nor refers back to it
        s.facts = [f for f in s.facts if f["field"] in ("period", "result") or f["entity_id"] in named
                   or f["entity_id"] != s.subject]


def _title_targets(passage_id: str, title: str, project: str, cues: Cues) -> list[dict]:
    """'Digi 60+ – digital delaktighet för äldre', 'Hälsoinsatser för nyanlända': who the title says it is for."""
    out = []
    for m in re.finditer(r"\bför\s+((?:[\wåäö]+\s+){0,2}[\wåäö]+)", title):
        for phrase in outcomes.group_phrases(m.group(1).split(" i ")[0], cues):
            out.append({"entity_id": project, "field": "target_group", "value": {"text": phrase},
                        "passage_id": passage_id, "strength": 1, "ord": 0})
    return out[:2]


def attach_project_cards(passages: list[Passage], title: str, entities: dict[str, dict],
                         mentions: list[dict]) -> None:
    """The analysis hook: each project entity of the document gets its facts under "facts". A failure here
    costs the cards of this document, never its entities and goal links."""
    try:
        facts = extract_facts(passages, title, entities, mentions)
    except Exception:  # noqa: BLE001 - untrusted text must not stop the analysis
        log.exception("project card extraction failed for %r", title)
        return
    for fact in facts:
        entity = entities.get(fact.pop("entity_id"))
        if entity is not None and entity["type"] == "project":
            entity.setdefault("facts", []).append(fact)
