"""Facets: how many matching passages carry each organisation, type, year, goal and entity, and which document
each passage belongs to (for grouping and "more in this document"); read once per segment version."""
from __future__ import annotations

import numpy as np

from search._segments import all_ids, segment_key

FACET_FIELDS = {"organisation": "organisation", "doc_type": "doc_type", "year": "year", "goal": "goal", "entity": "entity",
                "section_type": "section_type"}
FACET_LIMIT = 30


def _facet_postings(ctx, field: str) -> dict[str, np.ndarray]:
    key = ("facet", field)
    if key not in ctx.aux:
        out: dict[str, list] = {}
        for sub, offset in ctx.s.leaf_searchers():
            reader = sub.reader()
            if field not in reader.indexed_field_names():
                continue
            segment = segment_key(reader)
            local = ctx.segments.get((segment, "facet", field)) if segment else None
            if local is None:  # read once per segment version, not once per searcher
                local = {}
                for term in reader.lexicon(field):
                    value = term.decode("utf-8") if isinstance(term, bytes) else term
                    local[value] = all_ids(reader, field, term)
                if segment:
                    ctx.segments.put((segment, "facet", field), local)
            for value, ids in local.items():
                out.setdefault(value, []).append(ids + offset)
        ctx.aux[key] = {v: np.concatenate(a) for v, a in out.items()}
    return ctx.aux[key]


def _doc_index(ctx) -> tuple[np.ndarray, list[str]]:
    """docnum -> small int per document_id (for 'more in this document' counts)."""
    key = ("docidx",)
    if key not in ctx.aux:
        arr = np.full(ctx.s.doc_count_all(), -1, dtype=np.int64)
        names: list[str] = []
        for value, ids in _facet_postings(ctx, "document_id").items():
            arr[ids] = len(names)
            names.append(value)
        ctx.aux[key] = (arr, names)
    return ctx.aux[key]


def _facets(ctx, matched: np.ndarray, mask: np.ndarray | None = None) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if len(matched) == 0:
        return {k: [] for k in FACET_FIELDS}
    if mask is None:
        mask = np.zeros(ctx.s.doc_count_all(), dtype=bool)
        mask[matched] = True
    for name, field in FACET_FIELDS.items():
        counts = []
        for value, ids in _facet_postings(ctx, field).items():
            c = int(np.count_nonzero(mask[ids]))
            if c:
                counts.append({"value": int(value) if name == "year" and value.isdigit() else value, "count": c})
        if name == "year":
            counts.sort(key=lambda d: (-d["count"], -int(d["value"]) if isinstance(d["value"], int) else 0))
        else:
            counts.sort(key=lambda d: (-d["count"], str(d["value"])))
        out[name] = counts[:FACET_LIMIT]
    return out
