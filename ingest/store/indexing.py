"""Keep the search index in step with the catalogue: the catalogue is the truth, the index derived.

Every passage written to the index carries its document's state, "revision:content_hash", as the
catalogue had it when the passage was read. Comparing those states with the catalogue's is how
`find_drift` (and `kunskapsbank check`) sees a lost write, a crash, a change made while a reindex ran,
or a different text — content, not counts. `sync` writes whatever differs; `rebuild` builds a fresh
index and replays the changes made while it ran before it swaps the new index in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

from ingest.config import GOAL_LINK_SHOWN_MIN
from ingest.store.catalogue import Catalogue, DocumentRecord
from search import IndexDoc

GOAL_FACET_MIN_SCORE = GOAL_LINK_SHOWN_MIN  # a passage counts toward a goal facet as it counts on the goal pages
WRITE_BATCH = 8  # documents per index commit when repairing


def _frameworks(frameworks):
    if frameworks is not None:
        return frameworks
    from ingest.enrich import shared

    return shared.frameworks()


def with_ancestors(goal_ids: list[str], frameworks=None) -> list[str]:
    """A passage serving delmål #17 also serves its målområde and the vision: filtering on a målområde
    must find it."""
    frameworks = _frameworks(frameworks)
    out: list[str] = []
    for goal_id in goal_ids:
        goal = frameworks.get(goal_id)
        chain = [goal_id] + ([a.global_id for a in frameworks.ancestors(goal)] if goal else [])
        out.extend(g for g in chain if g not in out)
    return out


def document_state(doc: DocumentRecord) -> str:
    return f"{doc.revision}:{doc.content_hash}"


def index_docs_for(catalogue: Catalogue, doc: DocumentRecord, frameworks=None) -> list[IndexDoc]:
    frameworks = _frameworks(frameworks)
    passages = catalogue.passages(doc.id)
    ids = [p.id for p in passages]
    goals = {pid: with_ancestors(g, frameworks)
             for pid, g in catalogue.goal_ids_for_passages(ids, GOAL_FACET_MIN_SCORE).items()}
    entities = catalogue.entities_for_passages(ids)
    section_types = catalogue.section_types_for_document(doc.id)
    good_examples = catalogue.good_example_passages(doc.id)
    state = document_state(doc)
    return [
        IndexDoc(
            passage_id=p.id, document_id=doc.id, title=doc.title, heading=p.heading, heading_path=p.heading_path,
            text=p.text, page=p.page_start, ord=p.ord, organisation=doc.organisation, doc_type=doc.doc_type,
            year=doc.year, visibility=doc.visibility, goal_ids=goals.get(p.id, []),
            entity_ids=[e["id"] for e in entities.get(p.id, [])], section_type=section_types.get(p.id, ""),
            good_example=p.id in good_examples, state=state,
        )
        for p in passages
    ]


def _current(catalogue: Catalogue, document_ids, frameworks) -> dict[str, list[IndexDoc] | None]:
    """Each document as the catalogue has it now: its passages, or None when it is gone."""
    out: dict[str, list[IndexDoc] | None] = {}
    for doc_id in dict.fromkeys(document_ids):
        doc = catalogue.document(doc_id)
        out[doc_id] = index_docs_for(catalogue, doc, frameworks) if doc is not None else None
    return out


def index_documents(catalogue: Catalogue, index, document_ids: list[str], frameworks=None) -> None:
    """Write these documents as the catalogue has them now, in one commit (deleting the ones that are gone)."""
    current = _current(catalogue, document_ids, _frameworks(frameworks))
    gone = [doc_id for doc_id, docs in current.items() if docs is None]
    present = {doc_id: docs for doc_id, docs in current.items() if docs is not None}
    if present or gone:
        index.replace_documents(present, delete=gone)


def index_document(catalogue: Catalogue, index, document_id: str, frameworks=None) -> None:
    index_documents(catalogue, index, [document_id], frameworks)


def all_index_docs(catalogue: Catalogue, frameworks=None) -> Iterator[IndexDoc]:
    frameworks = _frameworks(frameworks)
    for doc in catalogue.documents():
        yield from index_docs_for(catalogue, doc, frameworks)


def rebuild(catalogue: Catalogue, index, progress: Callable[[int], None] | None = None, frameworks=None) -> int:
    """A fresh index from the catalogue. Changes made while it is built are replayed into it before it
    replaces the live one, so nothing written during a reindex is lost or left stale."""
    frameworks = _frameworks(frameworks)
    seen = catalogue.last_change()

    def late_changes() -> dict[str, list[IndexDoc] | None]:
        nonlocal seen
        changes = catalogue.changes_since(seen)
        if changes:
            seen = changes[-1].seq
        return _current(catalogue, [c.document_id for c in changes], frameworks)

    return index.rebuild(all_index_docs(catalogue, frameworks), progress=progress, replay=late_changes)


@dataclass
class Drift:
    missing_in_index: list[str] = field(default_factory=list)  # in the catalogue; absent or out of date in the index
    stale_in_index: list[str] = field(default_factory=list)  # in the index, gone from the catalogue
    needs_rebuild: bool = False

    @property
    def clean(self) -> bool:
        return not (self.missing_in_index or self.stale_in_index or self.needs_rebuild)

    def to_json(self) -> dict:
        return {
            "clean": self.clean,
            "missing_in_index": self.missing_in_index,
            "stale_in_index": self.stale_in_index,
            "needs_rebuild": self.needs_rebuild,
        }


def find_drift(catalogue: Catalogue, index, document_ids: set[str] | None = None) -> Drift:
    """Where the index does not hold what the catalogue says (all documents, or just these)."""
    if index.needs_rebuild:
        return Drift(needs_rebuild=True)
    wanted = catalogue.document_states()
    held = index.document_states()
    if document_ids is not None:
        wanted = {d: s for d, s in wanted.items() if d in document_ids}
        held = {d: s for d, s in held.items() if d in document_ids}
    missing = sorted(doc_id for doc_id, state in wanted.items() if held.get(doc_id) != state)
    stale = sorted(doc_id for doc_id in held if doc_id not in wanted)
    return Drift(missing_in_index=missing, stale_in_index=stale)


def sync(catalogue: Catalogue, index, frameworks=None, document_ids: set[str] | None = None) -> Drift:
    """Repair whatever differs; returns what was found (empty when all agreed)."""
    drift = find_drift(catalogue, index, document_ids)
    if drift.needs_rebuild or (document_ids is None and len(drift.missing_in_index) > max(
            WRITE_BATCH, len(catalogue.document_states()) // 4)):
        rebuild(catalogue, index, frameworks=frameworks)  # much is missing: one rebuild beats many commits
        return drift
    todo = drift.missing_in_index + drift.stale_in_index
    for start in range(0, len(todo), WRITE_BATCH):
        index_documents(catalogue, index, todo[start:start + WRITE_BATCH], frameworks)
    return drift
