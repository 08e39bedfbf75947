"""The "goda exempel" search mode and the section-type and good-example decorations of search results.

`/sok?mode=goda-exempel` (and `/api/search?mode=goda-exempel`) ranks result and lesson passages of project
reports first (score multipliers from corpus/section_types.yaml, through `search.Filters.prefer`) and
groups the documents found by the project they report on, so that each group answers who did it, what
came out and what they learnt: project, owner, year, its goals, its best result and lesson passages and
an editor's "gott exempel" mark. Everything read here respects the asker's visibility.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from ingest.config import GOAL_LINK_SHOWN_MIN
from ingest.enrich.section_types import good_example_preferences, vocabulary
from search import Filters
from webapp.urls import urls

MODE = "goda-exempel"
GOAL_MIN_SCORE = GOAL_LINK_SHOWN_MIN  # a passage's own goals: the links the goal pages show
DOCUMENT_GOAL_MIN_SCORE = 0.3  # a report's goals: what many of its passages link to, fairly surely
SEARCH_DEPTH = 100  # documents (and typed passages) the mode groups: the engine's largest page
EXCERPT_CHARS = 320


def mode_filters(filters: Filters) -> Filters:
    return replace(filters, prefer=tuple(filters.prefer) + good_example_preferences())


def section_label(key: str, labels=None) -> str:
    """The Swedish label of a section type ("" for none); `labels`: a vocabulary already read (one per page)."""
    return (labels or vocabulary()).label(key) if key else ""


def mark_json(mark: dict | None, signed_in: bool) -> dict | None:
    """A mark as everyone who may see it sees it; who marked it only for signed-in users."""
    if not mark:
        return None
    out = {"kind": mark["kind"], "target_id": mark["target_id"], "motivation": mark["motivation"],
           "marked_at": mark["marked_at"]}
    if mark.get("project_name"):
        out["project_name"] = mark["project_name"]
    if signed_in:
        out["marked_by"] = mark["marked_by"]
    return out


def decorate_hits(kb, hits: list[dict], signed_in: bool) -> list[dict]:
    """JSON hits (`SearchResults.to_json()["hits"]`) given their section label and good-example mark
    (additive keys), in place; returns them."""
    marks = kb.catalogue.marks_for_passages([hit["passage_id"] for hit in hits])
    labels = vocabulary()
    for hit in hits:
        hit["section_label"] = section_label(hit.get("section_type", ""), labels)
        hit["good_example"] = mark_json(marks.get(hit["passage_id"]), signed_in)
    return hits


def _goal_items(kb, goal_ids: list[str]) -> list[dict]:
    out = []
    for goal_id in goal_ids:
        goal = kb.frameworks.get(goal_id)
        if goal is not None and goal.level != "vision":  # every passage serves the vision: it says nothing
            out.append({"goal_id": goal.global_id, "label": goal.display_label, "url": urls.goal(goal.global_id)})
    return out[:3]


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


def example_groups(kb, query: str, filters: Filters, offset: int, limit: int, signed_in: bool) -> tuple[list[dict], int]:
    """(the groups of this page, how many groups in all) for a search in the good-examples mode."""
    filters = mode_filters(filters)
    shown = [t for t in vocabulary().good_examples.get("shown_types") or [] if t in vocabulary().types]
    documents = kb.index.search(query, filters, limit=SEARCH_DEPTH, offset=0, group=True)
    typed = kb.index.search(query, replace(filters, section_type=shown), limit=SEARCH_DEPTH, offset=0, group=False)
    doc_ids = list(dict.fromkeys(h.document_id for h in documents.hits))
    projects = kb.catalogue.main_projects(doc_ids)
    groups: "OrderedDict[str, dict]" = OrderedDict()
    for hit in documents.hits:
        project = projects.get(hit.document_id)
        key = project["id"] if project else hit.document_id
        group = groups.setdefault(key, {"project": dict(project, url=urls.entity(project["id"])) if project else None,
                                        "document_ids": [], "best": hit})
        group["document_ids"].append(hit.document_id)
    page = list(groups.values())[offset:offset + limit]
    best_typed: dict[tuple[str, str], object] = {}
    for hit in typed.hits:  # best first: keep the first of each (document, type)
        best_typed.setdefault((hit.document_id, hit.section_type), hit)
    page_docs = [d for g in page for d in g["document_ids"]]
    goals = kb.catalogue.document_goal_ids(page_docs, DOCUMENT_GOAL_MIN_SCORE)
    out = []
    for group in page:
        records = [kb.catalogue.document(d) for d in group["document_ids"]]
        records = [r for r in records if r is not None]
        if not records:
            continue
        first = records[0]
        findings = []
        for kind in shown:
            found = _finding(kb, group["document_ids"], kind, best_typed)
            if found:
                findings.append(found)
        passage_ids = [f["passage_id"] for f in findings] + [group["best"].passage_id]
        marks = kb.catalogue.marks_for_passages(passage_ids)
        mark = next((marks[p] for p in passage_ids if p in marks), None)
        out.append({
            "project": group["project"],
            "owner": first.organisation,
            "year": max((r.year for r in records if r.year), default=None),
            "documents": [{"id": r.id, "title": r.title, "year": r.year, "url": urls.document(r.id)} for r in records],
            "goals": _goal_items(kb, [g for d in group["document_ids"] for g in goals.get(d, [])]),
            "findings": findings,
            "best": {"passage_id": group["best"].passage_id, "heading": group["best"].heading,
                     "snippet": group["best"].snippet, "url": group["best"].url,
                     "section_type": group["best"].section_type,
                     "section_label": section_label(group["best"].section_type)},
            "good_example": mark_json(mark, signed_in),
        })
    return out, len(groups)


def _finding(kb, document_ids: list[str], kind: str, best_typed: dict) -> dict | None:
    """The group's best passage of this type for the query; else the report's first one (unranked)."""
    for doc_id in document_ids:
        hit = best_typed.get((doc_id, kind))
        if hit is not None:
            return {"section_type": kind, "section_label": section_label(kind), "passage_id": hit.passage_id,
                    "heading": hit.heading, "snippet": hit.snippet, "text": None, "url": hit.url, "matched": True}
    for doc_id in document_ids:
        types = kb.catalogue.section_types_for_document(doc_id)
        for passage in kb.catalogue.passages(doc_id):
            if types.get(passage.id) == kind:
                return {"section_type": kind, "section_label": section_label(kind), "passage_id": passage.id,
                        "heading": passage.heading, "snippet": None, "text": _excerpt(passage.text),
                        "url": urls.passage(passage.id), "matched": False}
    return None
