"""Keep the search index in step with the catalogue: the catalogue is the truth, the index derived.

`index_document` writes one document's passages and then records in the catalogue which version
the index holds; `sync` finds and repairs any difference (after a crash, a kill -9, or a changed
analyser) so that catalogue and index agree again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterator

from ingest.store.catalogue import Catalogue, DocumentRecord
from search import IndexDoc

GOAL_FACET_MIN_SCORE = 0.4  # a passage counts toward a goal facet only when the link is fairly sure


@lru_cache(maxsize=1)
def _frameworks():
    from ingest.config import GOALS_DIR
    from ingest.enrich.goals import load_frameworks

    return load_frameworks(GOALS_DIR)


def with_ancestors(goal_ids: list[str]) -> list[str]:
    """A passage serving delmål #17 also serves its målområde and the vision: filtering on a målområde
    must find it."""
    frameworks = _frameworks()
    out: list[str] = []
    for goal_id in goal_ids:
        goal = frameworks.get(goal_id)
        chain = [goal_id] + ([a.global_id for a in frameworks.ancestors(goal)] if goal else [])
        out.extend(g for g in chain if g not in out)
    return out


def index_docs_for(catalogue: Catalogue, doc: DocumentRecord) -> list[IndexDoc]:
    passages = catalogue.passages(doc.id)
    ids = [p.id for p in passages]
    goals = {pid: with_ancestors(g) for pid, g in catalogue.goal_ids_for_passages(ids, GOAL_FACET_MIN_SCORE).items()}
    entities = catalogue.entities_for_passages(ids)
    return [
        IndexDoc(
            passage_id=p.id,
            document_id=doc.id,
            title=doc.title,
            heading=p.heading,
            heading_path=p.heading_path,
            text=p.text,
            page=p.page_start,
            ord=p.ord,
            organisation=doc.organisation,
            doc_type=doc.doc_type,
            year=doc.year,
            visibility=doc.visibility,
            goal_ids=goals.get(p.id, []),
            entity_ids=[e["id"] for e in entities.get(p.id, [])],
        )
        for p in passages
    ]


def index_document(catalogue: Catalogue, index, document_id: str) -> None:
    index_documents(catalogue, index, [document_id])


def index_documents(catalogue: Catalogue, index, document_ids: list[str]) -> None:
    """Write these documents' passages in one commit, then record in the catalogue which version the
    index holds. A crash in between leaves them marked unindexed, and `sync` writes them again."""
    docs = {doc_id: catalogue.document(doc_id) for doc_id in dict.fromkeys(document_ids)}
    for doc_id in [d for d, doc in docs.items() if doc is None]:
        index.delete_document(doc_id)
    present = {doc_id: doc for doc_id, doc in docs.items() if doc is not None}
    if present:
        index.replace_documents({doc_id: index_docs_for(catalogue, doc) for doc_id, doc in present.items()})
    for doc in present.values():
        catalogue.mark_indexed(doc.id, doc.sha256)


def all_index_docs(catalogue: Catalogue) -> Iterator[IndexDoc]:
    for doc in catalogue.documents():
        yield from index_docs_for(catalogue, doc)


def rebuild(catalogue: Catalogue, index, progress: Callable[[int], None] | None = None) -> int:
    catalogue.mark_all_unindexed()
    count = index.rebuild(all_index_docs(catalogue), progress=progress)
    for doc in catalogue.documents():
        catalogue.mark_indexed(doc.id, doc.sha256)
    return count


@dataclass
class Drift:
    missing_in_index: list[str] = field(default_factory=list)  # in the catalogue, not (fully) indexed
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


def find_drift(catalogue: Catalogue, index) -> Drift:
    if index.needs_rebuild:
        return Drift(needs_rebuild=True)
    in_catalogue = catalogue.passage_counts()
    in_index = index.document_counts()
    unindexed = {d.id for d in catalogue.unindexed_documents()}
    missing = sorted(
        doc_id for doc_id, count in in_catalogue.items() if doc_id in unindexed or in_index.get(doc_id, 0) != count
    )
    stale = sorted(doc_id for doc_id in in_index if doc_id not in in_catalogue)
    return Drift(missing_in_index=missing, stale_in_index=stale)


def sync(catalogue: Catalogue, index) -> Drift:
    """Repair whatever differs; returns what was found (empty when all agreed)."""
    drift = find_drift(catalogue, index)
    if drift.needs_rebuild:
        rebuild(catalogue, index)
        return drift
    if len(drift.missing_in_index) > max(8, len(catalogue.passage_counts()) // 4):
        rebuild(catalogue, index)  # much is missing (a killed first ingest): one rebuild beats many commits
        return drift
    for doc_id in drift.stale_in_index:
        index.delete_document(doc_id)
    for start in range(0, len(drift.missing_in_index), 8):
        index_documents(catalogue, index, drift.missing_in_index[start:start + 8])
    return drift
