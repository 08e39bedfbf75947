"""Whoosh search engine behind the `search` API (SearchIndex).

Layout on disk: ``index_dir/CURRENT`` names the live generation directory ``index_dir/g-<n>``;
each generation holds a Whoosh index plus ``kb_settings.json`` (schema + analyser version).
`rebuild` writes a fresh generation next to the live one and swaps CURRENT atomically (os.replace),
so readers never see a half-built index.

Thread safety: one long-lived Whoosh searcher per SearchIndex, used under a lock (searches are
CPU-bound Python, so the GIL serialises them anyway); writers are serialised by another lock and
by Whoosh's flock-based WRITELOCK (the kernel releases it when a writer process dies, so a lock
file left by a killed process never blocks).
"""
from __future__ import annotations

import copy
import os
import re
import time
from pathlib import Path
from typing import Iterable

import numpy as np
from whoosh import collectors
from whoosh.query import And, AndNot, Or, Term

from search._analysis import STOP_WORDS, raw_tokens, sv_stem
from search._query import (
    MAX_QUERY_CHARS, MAX_QUERY_TERMS, W_ALT, W_BODY, W_HEADING, W_PARTS, W_TITLE, _filter_query, _parse,
    _phrase_clause,
)
from search._snippets import _highlight_terms, _hit, _rerank_terms
from search._synonyms import SynonymTable, load_synonyms
from search._scoring import VecIndex, _segment_key
from search._store import SETTINGS_FILE, IndexStore, make_schema  # noqa: F401  (tests import these from here)
from search.api import Filters, Hit, IndexDoc, SearchResults

SEARCH_TIME_LIMIT = 1.0  # seconds for Whoosh-scored searches (more_like_this)
COUNT_TIME_LIMIT = 0.5  # seconds for matching a quoted phrase over all passages
CACHE_SIZE = 256

# Query-time weights besides the field boosts (search._query).
W_SYNONYM = 0.5
W_PROXIMITY = 0.6

FACET_FIELDS = {"organisation": "organisation", "doc_type": "doc_type", "year": "year", "goal": "goal", "entity": "entity"}
FACET_LIMIT = 30
RERANK_DEPTH = 30  # candidates re-scored for word proximity

MSG_EMPTY = "Skriv ett eller flera sökord."
MSG_ONLY_STOP = "Frågan innehöll bara vanliga småord (som \"och\", \"att\", \"för\") – skriv mer specifika ord."
MSG_TRUNCATED = "Frågan var lång och har kortats till de första {n} sökorden."
MSG_OR_FALLBACK = "Inga träffar innehöll alla orden – visar träffar som innehåller några av dem."
MSG_TIMEOUT = "Sökningen tog för lång tid och avbröts – resultaten kan vara ofullständiga. Prova en kortare fras."
MSG_SHOWING_SUGGESTION = "Inga träffar på det du skrev – visar träffar för \"{q}\"."
MSG_ONLY_NEGATIVE = "Frågan innehöll bara uteslutna ord (med minus) – lägg till något att söka efter."


def _default_synonyms() -> Path:
    """corpus/synonyms.yaml, the corpus folder being $KUNSKAPSBANK_CORPUS or <repo root>/corpus (as ingest
    reads it; search/ imports nothing from ingest/)."""
    corpus = os.environ.get("KUNSKAPSBANK_CORPUS", Path(__file__).resolve().parent.parent / "corpus")
    return Path(corpus) / "synonyms.yaml"


class SearchIndex:
    def __init__(self, index_dir: Path, synonyms_path: Path | None = None, *, decompound: bool = True,
                 synonyms: bool = True, cache_size: int = CACHE_SIZE):
        self.index_dir = Path(index_dir)
        self.decompound = decompound
        self.use_synonyms = synonyms
        self.synonyms: SynonymTable = load_synonyms(synonyms_path or _default_synonyms()) if synonyms else SynonymTable()
        self._cache_size = cache_size
        self._store = IndexStore(self.index_dir)

    @property
    def needs_rebuild(self) -> bool:
        """True when the index on disk is missing, corrupt or built by other schema/analysis versions."""
        return self._store.needs_rebuild

    @needs_rebuild.setter
    def needs_rebuild(self, value: bool) -> None:
        self._store.needs_rebuild = value

    # ------------------------------------------------------------------ storage (search._store)

    def close(self) -> None:
        self._store.close()

    def replace_document(self, document_id: str, docs: list[IndexDoc]) -> None:
        self.replace_documents({document_id: docs})

    def replace_documents(self, documents: dict[str, list[IndexDoc]]) -> None:
        """Several documents in one commit (a commit costs ~0.2 s, whatever its size)."""
        self._store.replace_documents(documents)

    def delete_document(self, document_id: str) -> None:
        self._store.delete_document(document_id)

    def rebuild(self, docs: Iterable[IndexDoc], progress=None) -> int:
        return self._store.rebuild(docs, progress)

    def document_counts(self) -> dict[str, int]:
        return self._store.document_counts()

    # ------------------------------------------------------------------ vectorised evaluation

    def _vec(self, s) -> VecIndex:
        v = self._store.aux.get("vec")
        if v is None or v.s is not s:
            v = self._store.aux["vec"] = VecIndex(s, self._store.segments)
        return v

    def _term_scores(self, v: VecIndex, term: str, alts=(), with_parts=True, scale=1.0) -> np.ndarray:
        """Same shape as _term_clause: title + heading + max(body, parts), or the alternatives."""
        out = v.dense("title", term, W_TITLE * scale)
        v.add(out, "heading", term, W_HEADING * scale)
        body = v.dense("body", term, W_BODY * scale)
        if with_parts and self.decompound:
            np.maximum(body, v.dense("parts", term, W_PARTS * scale), out=body)
        out += body
        if alts:
            a_scale = W_ALT * scale
            alt_sum = np.zeros(v.N, dtype=np.float32)
            alt_all = np.ones(v.N, dtype=bool)
            for a in alts:
                one = v.dense("body", a, a_scale)
                v.add(one, "heading", a, a_scale * W_HEADING)
                v.add(one, "title", a, a_scale * W_TITLE)
                alt_all &= one > 0
                alt_sum += one
            alt_sum[~alt_all] = 0
            np.maximum(out, alt_sum, out=out)
        return out

    def _words_scores(self, v: VecIndex, terms, with_parts=True, scale=1.0) -> np.ndarray:
        """All words present (AND), scores summed; zero where any is missing."""
        total = np.zeros(v.N, dtype=np.float32)
        every = np.ones(v.N, dtype=bool)
        for t in terms:
            one = self._term_scores(v, t, (), with_parts, scale)
            every &= one > 0
            total += one
        total[~every] = 0
        return total

    def _phrase_mask(self, s, v: VecIndex, terms, with_parts=True) -> tuple[np.ndarray, bool]:
        q = _phrase_clause(list(terms), with_parts=with_parts and self.decompound)
        ids, timed_out = self._matching(s, q)
        m = np.zeros(v.N, dtype=bool)
        if len(ids):
            m[ids] = True
        return m, timed_out

    def _evaluate(self, s, v: VecIndex, pos, neg, mode="and"):
        """(match mask, scores, timed_out) for parsed slots."""
        slot_scores = []
        timed_out = False
        mains = [sl.terms[0] if not sl.phrase else None for sl in pos]
        i = 0
        while i < len(pos):
            sl = pos[i]
            if sl.phrase:
                m, t_o = self._phrase_mask(s, v, sl.terms)
                timed_out |= t_o
                sc = self._words_scores(v, sl.terms)
                sc[~m] = 0
                slot_scores.append(sc)
                i += 1
                continue
            match = None
            if self.use_synonyms and self.synonyms.groups:
                seq = []
                for t in mains[i:i + self.synonyms.max_len]:
                    if t is None:
                        break
                    seq.append(t)
                found = self.synonyms.alternatives(seq, 0) if seq else []
                if found:
                    match = found[0]
            if match:
                n, others = match
                if n == 1:
                    sc = self._term_scores(v, pos[i].terms[0], pos[i].alts[0])
                else:
                    sc = self._words_scores(v, [p.terms[0] for p in pos[i:i + n]])
                for o in others:  # multi-word alternatives: all words present (not checked as a phrase)
                    np.maximum(sc, self._words_scores(v, list(o), with_parts=False, scale=W_SYNONYM), out=sc)
                slot_scores.append(sc)
                i += n
                continue
            slot_scores.append(self._term_scores(v, sl.terms[0], sl.alts[0]))
            i += 1
        if not slot_scores:
            return np.zeros(v.N, dtype=bool), np.zeros(v.N, dtype=np.float32), timed_out
        score = np.zeros(v.N, dtype=np.float32)
        count = np.zeros(v.N, dtype=np.int16)
        for sc in slot_scores:
            score += sc
            count += sc > 0
        n = len(slot_scores)
        if mode == "and" or n == 1:
            mask = count == n
        elif mode == "relaxed" and n > 2:
            mask = count >= n - 1
        else:
            mask = count >= 1
        for sl in neg:
            if sl.phrase:
                m, t_o = self._phrase_mask(s, v, sl.terms, with_parts=False)
                timed_out |= t_o
            else:
                m = self._words_scores(v, sl.terms, with_parts=False) > 0
            mask &= ~m
        return mask, score, timed_out

    def _filter_mask(self, v: VecIndex, f: Filters) -> np.ndarray | None:
        vis = [x for x in (f.visibility or ()) if x]
        if not vis:
            return None
        mask = v.mask_of("visibility", vis)
        for fname, values in (("organisation", f.organisation), ("doc_type", f.doc_type), ("goal", f.goal),
                              ("entity", f.entity), ("year", f.year)):
            vals = [str(x) for x in (values or []) if str(x)]
            if vals:
                mask &= v.mask_of(fname, vals)
        if f.document_id:
            mask &= v.mask_of("document_id", [f.document_id])
        return mask

    def _rank(self, s, mask, score, n: int, group: bool) -> list[tuple[int, float]]:
        matched = np.flatnonzero(mask)
        if not len(matched):
            return []
        sc = score[matched]
        if group:
            docidx, _names = self._doc_index(s)
            order = np.lexsort((matched, -sc))  # score desc, docnum asc (deterministic)
            di = docidx[matched[order]]
            _u, first = np.unique(di, return_index=True)
            order = order[np.sort(first)][:n]
        else:
            if len(matched) > n:
                part = np.argpartition(-sc, n - 1)[:n]
                order = part[np.lexsort((matched[part], -sc[part]))]
            else:
                order = np.lexsort((matched, -sc))
        return [(int(matched[k]), float(sc[k])) for k in order[:n]]

    # ------------------------------------------------------------------ per-searcher caches

    def _facet_postings(self, s, field: str) -> dict[str, np.ndarray]:
        key = ("facet", field)
        if key not in self._store.aux:
            out: dict[str, list] = {}
            for sub, offset in s.leaf_searchers():
                reader = sub.reader()
                if field not in reader.indexed_field_names():
                    continue
                segment = _segment_key(reader)
                local = self._store.segments.get((segment, "facet", field)) if segment else None
                if local is None:  # read once per segment version, not once per searcher
                    local = {}
                    for term in reader.lexicon(field):
                        value = term.decode("utf-8") if isinstance(term, bytes) else term
                        local[value] = np.fromiter(reader.postings(field, term).all_ids(), dtype=np.int64)
                    if segment:
                        self._store.segments.put((segment, "facet", field), local)
                for value, ids in local.items():
                    out.setdefault(value, []).append(ids + offset)
            self._store.aux[key] = {v: np.concatenate(a) for v, a in out.items()}
        return self._store.aux[key]

    def _doc_index(self, s) -> tuple[np.ndarray, list[str]]:
        """docnum -> small int per document_id (for 'more in this document' counts)."""
        key = ("docidx",)
        if key not in self._store.aux:
            arr = np.full(s.doc_count_all(), -1, dtype=np.int64)
            names: list[str] = []
            for value, ids in self._facet_postings(s, "document_id").items():
                arr[ids] = len(names)
                names.append(value)
            self._store.aux[key] = (arr, names)
        return self._store.aux[key]

    # ------------------------------------------------------------------ search

    def search(self, query: str, filters: Filters | None = None, limit: int = 10, offset: int = 0,
               group: bool = True) -> SearchResults:
        try:
            limit = max(0, min(int(limit), 100))
            offset = max(0, min(int(offset), 10_000))
        except (TypeError, ValueError):
            limit, offset = 10, 0
        filters = filters or Filters()
        query = query if isinstance(query, str) else ("" if query is None else str(query))
        key = (query, repr(filters), limit, offset, group)
        with self._store.lock:
            s = self._store.get_searcher()
            cached = self._store.cache.get(key)
            if cached is not None:
                self._store.cache.move_to_end(key)
                return copy.deepcopy(cached)
            try:
                res = self._search(s, query, filters, limit, offset, group)
            except Exception as exc:  # never raise to the caller for a query string
                import logging

                logging.getLogger(__name__).exception("search failed for %r", query[:200])
                res = SearchResults(query=query, total=0, hits=[], facets={}, offset=offset, limit=limit,
                                    message="Sökningen kunde inte genomföras för den här frågan. Prova med andra ord.")
                return res
            self._store.cache[key] = res
            if len(self._store.cache) > self._cache_size:
                self._store.cache.popitem(last=False)
            return copy.deepcopy(res)

    def _empty(self, query, limit, offset, message=None, suggestion=None) -> SearchResults:
        return SearchResults(query=query, total=0, hits=[], facets={k: [] for k in FACET_FIELDS}, suggestion=suggestion,
                             message=message, offset=offset, limit=limit)

    def _search(self, s, query: str, filters: Filters, limit: int, offset: int, group: bool,
                _retry: bool = False) -> SearchResults:
        pos, neg, notes = _parse(query)
        messages = []
        if "truncated" in notes:
            messages.append(MSG_TRUNCATED.format(n=MAX_QUERY_TERMS))
        if not pos:
            if neg:
                msg = MSG_ONLY_NEGATIVE
            elif query.strip() and any(t for t, *_ in raw_tokens(query[:MAX_QUERY_CHARS])):
                msg = MSG_ONLY_STOP
            else:
                msg = MSG_EMPTY
            return self._empty(query, limit, offset, " ".join(messages + [msg]))
        v = self._vec(s)
        fmask = self._filter_mask(v, filters)
        if fmask is None:
            return self._empty(query, limit, offset, " ".join(messages) or None)
        mask, score, timed_out = self._evaluate(s, v, pos, neg, "and")
        mask &= fmask
        for mode in ("relaxed", "or"):
            if mask.any() or len(pos) < 2:
                break
            mask, score, timed_out = self._evaluate(s, v, pos, neg, mode)
            mask &= fmask
            if mask.any():
                messages.append(MSG_OR_FALLBACK)
        matched = np.flatnonzero(mask)
        total = int(len(matched))
        facets = self._facets(s, matched, mask)
        docidx, _names = self._doc_index(s)
        per_doc = np.bincount(docidx[matched], minlength=len(_names)) if total else np.zeros(0, dtype=np.int64)
        total_docs = int(np.count_nonzero(per_doc)) if total else 0
        hits: list[Hit] = []
        if total and limit:
            words = [sl.terms[0] for sl in pos if not sl.phrase]
            if len(words) >= 2:  # same re-ranked head for every page: pagination stays consistent
                top = self._rank(s, mask, score, max(offset + limit, RERANK_DEPTH), group)
                top = self._proximity_rerank(s, top, words)
            else:
                top = self._rank(s, mask, score, offset + limit, group)
            terms = _highlight_terms(pos, self.synonyms if self.use_synonyms else None)
            focus = {t for sl in pos for t in sl.terms}
            for docnum, sc in top[offset:offset + limit]:
                fields = s.stored_fields(docnum)
                more = int(per_doc[docidx[docnum]]) - 1 if group and docidx[docnum] >= 0 else 0
                hits.append(_hit(fields, sc, terms, max(more, 0), focus, self.decompound))
        if timed_out:
            messages.append(MSG_TIMEOUT)
        suggestion = None
        if total_docs < 3:
            suggestion = self._suggest(s, query, filters.visibility)
        if total == 0 and suggestion and not _retry:
            # nothing found but a close spelling is: show its results (and say so)
            alt = self._search(s, suggestion, filters, limit, offset, group, _retry=True)
            if alt.total:
                alt.query = query
                alt.suggestion = suggestion
                alt.message = " ".join(messages + [MSG_SHOWING_SUGGESTION.format(q=suggestion)] + ([alt.message] if alt.message else []))
                return alt
        return SearchResults(query=query, total=total, hits=hits, facets=facets, suggestion=suggestion,
                             message=" ".join(messages) or None, offset=offset, limit=limit,
                             total_documents=total_docs)

    def _matching(self, s, q, max_docs: int | None = None) -> tuple[np.ndarray, bool]:
        """All matching docnums without scoring (for totals and facets), within a time budget."""
        deadline = time.monotonic() + COUNT_TIME_LIMIT
        chunks = []
        timed_out = False
        for sub, offset in s.leaf_searchers():
            m = q.matcher(sub, sub.boolean_context())
            buf = []
            n = 0
            while m.is_active():
                buf.append(m.id())
                m.next()
                n += 1
                if max_docs is not None and n >= max_docs:
                    break
                if n & 1023 == 0 and time.monotonic() > deadline:
                    timed_out = True
                    break
            if buf:
                chunks.append(np.asarray(buf, dtype=np.int64) + offset)
            if timed_out or (max_docs is not None and n >= max_docs):
                break
        if not chunks:
            return np.zeros(0, dtype=np.int64), timed_out
        return np.concatenate(chunks), timed_out

    def _facets(self, s, matched: np.ndarray, mask: np.ndarray | None = None) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        if len(matched) == 0:
            return {k: [] for k in FACET_FIELDS}
        if mask is None:
            mask = np.zeros(s.doc_count_all(), dtype=bool)
            mask[matched] = True
        for name, field in FACET_FIELDS.items():
            counts = []
            for value, ids in self._facet_postings(s, field).items():
                c = int(np.count_nonzero(mask[ids]))
                if c:
                    counts.append({"value": int(value) if name == "year" and value.isdigit() else value, "count": c})
            if name == "year":
                counts.sort(key=lambda d: (-d["count"], -int(d["value"]) if isinstance(d["value"], int) else 0))
            else:
                counts.sort(key=lambda d: (-d["count"], str(d["value"])))
            out[name] = counts[:FACET_LIMIT]
        return out

    def _top(self, s, q, n: int, group: bool, total: int | None = None) -> tuple[list[tuple[int, float]], bool]:
        """Top-n passages (group=False) or the best passage of each of the top-n documents.

        Top-N scoring (Whoosh skips blocks that cannot enter the top), under a time limit. Grouping is
        done here rather than with Whoosh's CollapseCollector, which TimeLimitCollector bypasses:
        fetch k passages, keep the best per document, and widen k only when too few documents came back.
        """
        if not group:
            return self._collect(s, q, n)
        docidx, _names = self._doc_index(s)
        k = max(40, n * 6)
        while True:
            top, timed_out = self._collect(s, q, k)
            seen: set[int] = set()
            out = []
            for d, sc in top:
                di = int(docidx[d])
                if di in seen and di >= 0:
                    continue
                seen.add(di)
                out.append((d, sc))
            if len(out) >= n or len(top) < k or timed_out or (total is not None and k >= total):
                return out[:n], timed_out
            k *= 4

    @staticmethod
    def _collect(s, q, k: int) -> tuple[list[tuple[int, float]], bool]:
        col = s.collector(limit=k)
        tlc = collectors.TimeLimitCollector(col, timelimit=SEARCH_TIME_LIMIT, use_alarm=False)
        timed_out = False
        try:
            s.search_with_collector(q, tlc)
        except collectors.TimeLimit:
            timed_out = True
        res = tlc.results()
        return [(hit.docnum, float(hit.score or 0.0)) for hit in res], timed_out

    def _proximity_rerank(self, s, top: list[tuple[int, float]], words: list[str]) -> list[tuple[int, float]]:
        """Boost candidates whose body has the query words close together (window of len+3 words).
        Done on the few top candidates from their stored text, not as a phrase query over all hits."""
        head = top[: RERANK_DEPTH]
        need = set(words)
        width = len(need) + 3
        out = []
        for docnum, sc in head:
            seq = _rerank_terms(s.stored_fields(docnum).get("text") or "")
            close = False
            last: dict[str, int] = {}
            for i, t in enumerate(seq):
                if t in need:
                    last[t] = i
                    if len(last) == len(need) and i - min(last.values()) < width:
                        close = True
                        break
            out.append((docnum, sc * (1.0 + W_PROXIMITY) if close else sc))
        out.sort(key=lambda x: (-x[1], x[0]))
        return out + top[RERANK_DEPTH:]

    # ------------------------------------------------------------------ suggestions

    def suggest(self, query: str, visibility: tuple[str, ...] = ("public",)) -> str | None:
        try:
            with self._store.lock:
                return self._suggest(self._store.get_searcher(), query, visibility)
        except Exception:
            return None

    def _suggest(self, s, query: str, visibility) -> str | None:
        if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_CHARS:
            return None
        vis = tuple(v for v in (visibility or ()) if v)
        if not vis:
            return None
        words = re.findall(r"[^\W\d_]{4,}", query.lower())
        if not words:
            return None
        reader = s.reader()
        corrector = s.corrector("body")  # vocabulary = analysed (stemmed) body terms
        fq = _filter_query(Filters(visibility=vis))
        changed = query
        did = False
        for w in dict.fromkeys(words):
            if w in STOP_WORDS:
                continue
            stem = sv_stem(w)
            if reader.doc_frequency("body", stem) > 0 and len(
                    self._matching(s, And([Term("body", stem), fq]), max_docs=1)[0]):
                continue  # a known word among what the asker may see (counting all documents would leak)
            maxdist = 1 if len(w) <= 5 else 2
            prefix = 2 if len(w) >= 6 else 1  # first letters as typed: keeps the lexicon walk short
            cands = list(dict.fromkeys(list(corrector.suggest(w, limit=5, maxdist=maxdist, prefix=prefix))
                                       + list(corrector.suggest(stem, limit=5, maxdist=maxdist, prefix=prefix))))
            for cand in cands:
                matched, _ = self._matching(s, And([Term("body", cand), fq]), max_docs=1)
                if not len(matched):
                    continue  # only words that visible passages contain: no leaks
                surface = self._surface_form(s, int(matched[0]), cand, w)
                if surface:
                    changed = re.sub(rf"(?i)(?<!\w){re.escape(w)}(?!\w)", surface, changed)
                    did = True
                    break
        return changed if did and changed.lower() != query.lower() else None

    @staticmethod
    def _surface_form(s, docnum: int, stem: str, typed: str) -> str | None:
        """The written word behind an index term, taken from a passage that contains it."""
        text = s.stored_fields(docnum).get("text") or ""
        best = None
        for tok, _a, _b, _subs in raw_tokens(text):
            if tok.isalpha() and sv_stem(tok) == stem:
                d = _edit_distance(tok, typed)
                if best is None or d < best[0]:
                    best = (d, tok)
        return best[1] if best else None

    # ------------------------------------------------------------------ more like this

    def more_like_this(self, passage_id: str, limit: int = 5, filters: Filters | None = None) -> list[Hit]:
        filters = filters or Filters()
        try:
            with self._store.lock:
                s = self._store.get_searcher()
                docnum = s.document_number(passage_id=passage_id)
                if docnum is None:
                    return []
                fields = s.stored_fields(docnum)
                if fields.get("visibility", "public") not in (filters.visibility or ()):
                    return []
                fq = _filter_query(filters)
                if fq is None:
                    return []
                text = f"{fields.get('heading') or ''}\n{fields.get('text') or ''}"
                keys = s.key_terms_from_text("body", text, numterms=15)
                if not keys:
                    return []
                q = Or([Term("body", t, boost=float(w)) for t, w in keys])
                q = AndNot(And([q, fq]), Term("passage_id", passage_id))
                top, _ = self._top(s, q, max(1, int(limit)), group=True)
                terms = {t for t, _w in keys}
                return [_hit(s.stored_fields(d), sc, terms, 0, decompound=self.decompound)
                        for d, sc in top[: max(0, int(limit))]]
        except Exception:
            return []


def _edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
