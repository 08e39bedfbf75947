"""Re-run entities and goal linking over documents' stored text when the knowledge changed.

A new goal framework, gazetteer entry or linker model changes what every stored document should be
linked to, although no file changed: this reads the passages from the catalogue (no conversion) and
replaces the document's mentions and links. People's verdicts are kept apart and still apply.
"""
from __future__ import annotations

import logging
from typing import Callable, Iterable

from ingest.model import Passage

log = logging.getLogger(__name__)


def stale_documents(catalogue, fingerprint: str) -> list[str]:
    return [d.id for d in catalogue.documents() if d.analysis_fingerprint != fingerprint]


def reanalyse_document(catalogue, knowledge, fingerprint: str, document_id: str) -> bool:
    """False when the document is gone."""
    doc = catalogue.document(document_id)
    if doc is None:
        return False
    passages = [Passage(id=p.id, ord=p.ord, section_ord=p.section_ord, heading_path=p.heading_path, text=p.text,
                        page_start=p.page_start, page_end=p.page_end) for p in catalogue.passages(doc.id)]
    reviews = catalogue.reviews_for_passages([p.id for p in passages])  # confirmed stay, rejected stay away
    entities, mentions, links = knowledge.analyse(passages, doc.title, doc.organisation, reviews=reviews)
    from ingest.enrich.section_types import classify_passages

    return catalogue.replace_analysis(doc.id, mentions, entities, links, fingerprint,
                                      section_types=classify_passages(passages, doc.title))


def reanalyse(catalogue, knowledge, fingerprint: str, document_ids: Iterable[str] | None = None,
              progress: Callable[[str], None] | None = None) -> list[str]:
    """Reanalyse these documents (default: every one whose fingerprint differs); returns those done."""
    done = []
    for doc_id in list(document_ids if document_ids is not None else stale_documents(catalogue, fingerprint)):
        if progress:
            progress(doc_id)
        try:
            if reanalyse_document(catalogue, knowledge, fingerprint, doc_id):
                done.append(doc_id)
        except Exception:  # one document's analysis must not stop the others; it stays stale and is retried
            log.exception("reanalysis failed for %s", doc_id)
    return done
