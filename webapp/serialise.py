"""JSON shapes of the API, shared by the HTML pages (which render the same dicts)."""
from __future__ import annotations

from ingest.store.catalogue import DocumentRecord, PassageRecord
from ingest.enrich.goals import Frameworks
from webapp.urls import urls


def document_json(doc: DocumentRecord, passages: int | None = None) -> dict:
    data = {
        "id": doc.id,
        "title": doc.title,
        "organisation": doc.organisation,
        "year": doc.year,
        "doc_type": doc.doc_type,
        "format": doc.format,
        "pages": doc.pages,
        "file_name": doc.file_name,
        "visibility": doc.visibility,
        "ingested_at": doc.ingested_at,
        "warnings": doc.warnings,
        "ocr_pages": doc.ocr_pages,
        "url": urls.document(doc.id),
        "original_url": urls.original(doc.id) if doc.original_path else None,
    }
    if passages is not None:
        data["passages"] = passages
    return data


def goal_link_json(frameworks: Frameworks, link: dict) -> dict | None:
    goal = frameworks.get(link["goal_id"])
    if goal is None:  # a framework was removed since ingest
        return None
    parent = frameworks.link_parent(goal)
    return {
        "goal_id": goal.global_id,
        "framework": goal.framework,
        "level": goal.level,
        "number": goal.number,
        "label": goal.display_label,
        "parent_id": parent.global_id if parent else None,
        "parent_label": parent.label if parent else None,
        "score": round(float(link["score"]), 4),
        "kind": link["kind"],
        "evidence": link.get("evidence", []),
        "url": urls.goal(goal.global_id),
        # the linker's structured evidence (links stored since migration 0008; [] and None before)
        "evidence_sentences": link.get("evidence_sentences") or [],
        "resembles": link.get("resembles"),
    }


def passage_json(p: PassageRecord, frameworks: Frameworks, links: list[dict], entities: list[dict]) -> dict:
    return {
        "id": p.id,
        "document_id": p.document_id,
        "ord": p.ord,
        "heading": p.heading,
        "heading_path": p.heading_path,
        "page": p.page_start,
        "page_end": p.page_end,
        "text": p.text,
        "url": urls.passage(p.id),
        "goal_links": [j for j in (goal_link_json(frameworks, link) for link in links) if j],
        "entities": [dict(e, url=urls.entity(e["id"])) for e in entities],
    }


def project_card_json(card: dict) -> dict:
    """A merged project card (ingest.store.project_cards) with links: goals to their pages, results to the
    passages they come from. The same shape for /api/entities/{id} and `kunskapsbank entities --json`."""
    card = dict(card)

    def sourced(item: dict | None) -> dict | None:  # evidence as links too: the page shows them
        return dict(item, sources=[urls.passage(p) for p in item["passage_ids"]]) if item else item
    card["owner"] = sourced(card["owner"])
    card["period"] = sourced(card["period"])
    for field in ("partners", "financing", "target_groups"):
        card[field] = [sourced(item) for item in card[field]]
    card["goals"] = [dict(g, url=urls.goal(g["goal_id"]), followup_url=urls.followup(g["goal_id"]))
                     for g in card["goals"]]
    card["results"] = [dict(r, url=urls.passage(r["passage_id"]) if r["passage_id"] else None)
                       for r in card["results"]]
    return card
