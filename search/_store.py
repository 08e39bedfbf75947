"""Store: index generations on disk, writers and locks, rebuilds, and the one long-lived searcher.

Layout on disk: ``index_dir/CURRENT`` names the live generation directory ``index_dir/g-<n>``;
each generation holds a Whoosh index plus ``kb_settings.json`` (schema + analyser version).
`rebuild` writes a fresh generation next to the live one and swaps CURRENT atomically (os.replace),
so readers never see a half-built index.

Thread safety: one long-lived Whoosh searcher per index, used under `IndexStore.lock` (searches are
CPU-bound Python, so the GIL serialises them anyway); writers are serialised by another lock and
by Whoosh's flock-based WRITELOCK (the kernel releases it when a writer process dies, so a lock
file left by a killed process never blocks).
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable

from whoosh import index as windex
from whoosh.fields import ID, KEYWORD, STORED, Schema
from whoosh.scoring import BM25F

from search._analysis import ANALYSIS_VERSION, HeadingPartsAnalyzer, SwedishAnalyzer, SwedishDecompoundAnalyzer
from search._derivation import rules_digest
from search._memo import memo_text, memoised
from search._refresh import fresh_searcher
from search._roles import passage_roles, without_title
from search._segments import SegmentCache
from search._whoosh_patches import patch_whoosh
from search.api import IndexDoc

log = logging.getLogger(__name__)

SCHEMA_VERSION = 7  # 6 on two branches at once (role/hparts; section_type/good_example)
# the derivation rules are data (corpus/derivations.yaml): an index built with other rules is rebuilt
SETTINGS_VERSION = f"schema-{SCHEMA_VERSION}/analysis-{ANALYSIS_VERSION}/derivations-{rules_digest()}"
SETTINGS_FILE = "kb_settings.json"

MP_REBUILD_MIN = 2000  # rebuilds at least this big use a multi-process writer
# Full rebuilds analyse in this many processes, one segment each: no final merge, ~1.7x faster and
# several times faster at 100k passages than one writer whose pooled postings must be merged.
REBUILD_PROCS = int(os.environ.get("KUNSKAPSBANK_INDEX_PROCS", "2"))

patch_whoosh()


def make_schema() -> Schema:
    sv = memoised(SwedishAnalyzer())  # each word form analysed once per process when indexing
    return Schema(
        passage_id=ID(stored=True, unique=True),
        document_id=ID(stored=True, sortable=True),
        title=memo_text(sv, stored=True, phrase=True),
        heading=memo_text(sv, stored=True, phrase=True),
        body=memo_text(sv, phrase=True),
        parts=memo_text(memoised(SwedishDecompoundAnalyzer()), phrase=True),
        hparts=memo_text(memoised(HeadingPartsAnalyzer()), phrase=False),  # the heading's compound parts and derivations
        text=STORED,
        meta=STORED,  # json: page, ord, heading_path
        organisation=ID(stored=True),
        doc_type=ID(stored=True),
        year=ID(stored=True),
        visibility=ID(stored=True),
        goal=KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        entity=KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        section_type=ID(stored=True),
        good_example=ID(stored=True),  # "1" when marked
        docstate=ID(),  # "<document id> <state>": what version of each document the index holds
        role=KEYWORD(commas=True, scorable=False, lowercase=False),  # cover, toc, references (search._roles)
    )


def _fields_for(doc: IndexDoc) -> dict:
    heading = doc.heading or ""
    text = doc.text or ""
    body = without_title(text, doc.title or "")
    fields = dict(
        passage_id=doc.passage_id,
        document_id=doc.document_id,
        title=doc.title or "",
        heading=heading,
        body=body,
        parts=body,  # same string as body: tokenised once (raw_tokens cache)
        hparts=heading,
        text=text,
        meta=json.dumps({"page": doc.page, "ord": doc.ord, "heading_path": list(doc.heading_path or [])}),
        visibility=doc.visibility or "public",
        docstate=f"{doc.document_id} {doc.state}",
    )
    if doc.organisation:
        fields["organisation"] = doc.organisation
    if doc.doc_type:
        fields["doc_type"] = doc.doc_type
    if doc.year is not None:
        fields["year"] = str(doc.year)
    goals = [g.replace(",", " ") for g in doc.goal_ids or [] if g]
    if goals:
        fields["goal"] = ",".join(goals)
    if doc.section_type:
        fields["section_type"] = doc.section_type
    if doc.good_example:
        fields["good_example"] = "1"
    ents = [e.replace(",", " ") for e in doc.entity_ids or [] if e]
    if ents:
        fields["entity"] = ",".join(ents)
    roles = passage_roles(doc.title or "", heading, text, doc.ord)
    if roles:
        fields["role"] = ",".join(roles)
    return fields


def _replace(writer, documents: dict[str, list[IndexDoc]], delete: list[str]) -> None:
    for document_id in delete:
        writer.delete_by_term("document_id", document_id)
    for document_id, docs in documents.items():
        writer.delete_by_term("document_id", document_id)
        for d in docs:
            if d.document_id != document_id:
                raise ValueError(f"passage {d.passage_id} belongs to {d.document_id}, not {document_id}")
            writer.add_document(**_fields_for(d))


def _close_quietly(thing, what: str) -> None:
    """Close a searcher or index being replaced: a failure there must not fail the caller, but is logged."""
    try:
        thing.close()
    except Exception:
        log.warning("closing the old %s failed", what, exc_info=True)


class IndexStore:
    """The live generation of one index directory, its writer and its searcher, plus what belongs to
    that searcher: `aux` (per-searcher caches of the ranking code) and `cache` (search results), both
    emptied whenever the searcher changes."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self.lock = threading.RLock()  # searcher use and swap
        self._wlock = threading.RLock()  # writers in this process
        self.cache: OrderedDict = OrderedDict()
        self._searcher = None
        self.aux: dict = {}
        self.segments = SegmentCache()  # per-segment postings, kept when a commit opens a new searcher
        self.needs_rebuild = False
        self._open()

    # ------------------------------------------------------------------ storage

    def _current_name(self) -> str | None:
        try:
            return (self.index_dir / "CURRENT").read_text().strip() or None
        except OSError:
            return None

    def _open(self) -> None:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        name = self._current_name()
        self._ix = None
        if name:
            path = self.index_dir / name
            try:
                settings = json.loads((path / SETTINGS_FILE).read_text())
                self._ix = windex.open_dir(str(path))
                self._ix.doc_count()  # touch the TOC: raises on a corrupt index
                self._check_stale_lock(self._ix)
                # an index of older versions is served (with its stored schema) until it is rebuilt
                self.needs_rebuild = settings.get("version") != SETTINGS_VERSION
                self._current = name
            except Exception:
                log.warning("index generation %s cannot be opened: serving an empty index until it is rebuilt",
                            path, exc_info=True)
                self._ix = None
        if self._ix is None:
            # missing or corrupt: serve an empty index and ask for a rebuild
            self.needs_rebuild = True
            path, name = self._new_generation()
            self._ix = windex.create_in(str(path), make_schema())
            self._write_settings(path)
            self._point_to(name)
            self._current = name

    @staticmethod
    def _check_stale_lock(ix) -> None:
        """Whoosh's WRITELOCK is an flock: a killed writer's lock is released by the kernel. Probe it
        so that a lock held by a live process is noticed early (it is then simply waited for)."""
        lock = ix.lock("WRITELOCK")
        try:
            if lock.acquire(False):
                lock.release()
        except OSError:
            log.warning("the index write lock could not be probed", exc_info=True)

    def _new_generation(self) -> tuple[Path, str]:
        name = f"g-{time.time_ns():x}-{os.getpid()}"
        path = self.index_dir / name
        path.mkdir(parents=True)
        return path, name

    @staticmethod
    def _write_settings(path: Path) -> None:
        (path / SETTINGS_FILE).write_text(json.dumps({"version": SETTINGS_VERSION, "schema": SCHEMA_VERSION,
                                                      "analysis": ANALYSIS_VERSION}))

    def _point_to(self, name: str) -> None:
        tmp = self.index_dir / f"CURRENT.tmp-{os.getpid()}-{threading.get_ident()}"
        tmp.write_text(name)
        os.replace(tmp, self.index_dir / "CURRENT")

    def _gc_generations(self, keep: set[str]) -> None:
        for child in self.index_dir.iterdir():
            if child.is_dir() and child.name.startswith("g-") and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)

    # ------------------------------------------------------------------ searcher

    def get_searcher(self):
        """The long-lived searcher, refreshed when this or another process committed/swapped (hold `lock`)."""
        name = self._current_name()
        if name and name != self._current:
            try:
                ix = windex.open_dir(str(self.index_dir / name))
                settings = json.loads((self.index_dir / name / SETTINGS_FILE).read_text())
                self._ix, self._current = ix, name
                self.needs_rebuild = settings.get("version") != SETTINGS_VERSION
                self._drop_searcher()
            except Exception:  # keep serving the generation we have; the next call tries again
                log.warning("index generation %s named in CURRENT cannot be opened yet", name, exc_info=True)
        if self._searcher is None:
            self._searcher = self._ix.searcher(weighting=BM25F(B=0.75, K1=1.2))
            self.aux = {}
            self.cache.clear()
        elif not self._searcher.up_to_date():  # another process committed
            self._reopen_searcher()
        return self._searcher

    def _reopen_searcher(self) -> None:
        """A fresh searcher after a commit, reading only what the commit changed (see search/_refresh.py:
        unchanged segments keep their readers; new ones, and ones with new deletions, are opened)."""
        old = self._searcher
        self._searcher = fresh_searcher(self._ix, old)
        self.aux = {}
        self.cache.clear()

    def _drop_searcher(self) -> None:
        if self._searcher is not None:
            _close_quietly(self._searcher, "searcher")
        self._searcher = None
        self.aux = {}
        self.cache.clear()

    def close(self) -> None:
        with self.lock:
            self._drop_searcher()
            _close_quietly(self._ix, "index")

    # ------------------------------------------------------------------ writing

    def write(self, fn: Callable) -> None:
        with self._wlock:
            with self.lock:
                self.get_searcher()  # follow a rebuild swapped in by another process before writing
            writer = self._ix.writer(timeout=30.0, limitmb=128)
            try:
                fn(writer)
            except BaseException:
                writer.cancel()
                raise
            else:
                writer.commit()
        with self.lock:
            self.cache.clear()
            if self._searcher is not None:
                self._reopen_searcher()

    def replace_documents(self, documents: dict[str, list[IndexDoc]], delete: Iterable[str] = ()) -> None:
        """Several documents (and deletions) in one commit (a commit costs ~0.2 s, whatever its size)."""
        documents = {doc_id: list(docs) for doc_id, docs in documents.items()}
        delete = list(delete)
        self.write(lambda w: _replace(w, documents, delete))

    def delete_document(self, document_id: str) -> None:
        self.write(lambda w: w.delete_by_term("document_id", document_id))

    def rebuild(self, docs: Iterable[IndexDoc], progress=None,
                replay: Callable[[], dict[str, list[IndexDoc] | None]] | None = None) -> int:
        """A fresh generation from `docs`, swapped in atomically. `replay` returns what changed while it was
        built ({document id: passages, or None when deleted}); it is asked until it has nothing more, and
        its answers are written into the new generation before the swap."""
        with self._wlock:
            path, name = self._new_generation()
            count = 0
            try:
                ix = windex.create_in(str(path), make_schema())
                it = iter(docs)
                first = list(itertools.islice(it, MP_REBUILD_MIN))
                if len(first) == MP_REBUILD_MIN and (os.cpu_count() or 1) >= 2 and REBUILD_PROCS > 1:
                    # large rebuild: analyse in REBUILD_PROCS processes, one segment each (measured ~1.7x)
                    writer = ix.writer(procs=REBUILD_PROCS, limitmb=128, multisegment=True)
                else:
                    writer = ix.writer(limitmb=256)
                try:
                    for d in itertools.chain(first, it):
                        writer.add_document(**_fields_for(d))
                        count += 1
                        if progress and count % 500 == 0:
                            progress(count)
                except BaseException:
                    writer.cancel()
                    raise
                else:
                    writer.commit()
                while replay is not None and (late := replay()):
                    late_writer = ix.writer(timeout=30.0, limitmb=128)
                    _replace(late_writer, {d: docs for d, docs in late.items() if docs is not None},
                             [d for d, docs in late.items() if docs is None])
                    late_writer.commit()
                self._write_settings(path)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            with self.lock:
                old = self._current
                self._point_to(name)
                self._drop_searcher()
                _close_quietly(self._ix, "index")
                self._ix, self._current = ix, name
                self.needs_rebuild = False
            self._gc_generations(keep={name, old})  # keep the previous one for readers still on it
            if progress:
                progress(count)
            return count

    def document_states(self, document_ids: Iterable[str] | None = None) -> dict[str, str]:
        """The state each document was written with ("" when its passages disagree: a torn write), for
        all documents or just these; documents without live passages are absent."""
        with self.lock:
            s = self.get_searcher()
            seen: dict[str, set[str]] = {}
            for sub, _offset in s.leaf_searchers():
                reader = sub.reader()
                if "docstate" not in reader.indexed_field_names():
                    continue
                if document_ids is None:
                    terms = reader.lexicon("docstate")
                else:
                    terms = (t for d in document_ids for t in reader.expand_prefix("docstate", f"{d} "))
                for term in terms:
                    value = term.decode("utf-8") if isinstance(term, bytes) else term
                    if any(True for _ in reader.postings("docstate", term).all_ids()):
                        doc_id, _, state = value.partition(" ")
                        seen.setdefault(doc_id, set()).add(state)
            return {doc_id: states.pop() if len(states) == 1 else "" for doc_id, states in seen.items()}

    def document_counts(self) -> dict[str, int]:
        with self.lock:
            s = self.get_searcher()
            counts: dict[str, int] = {}
            for sub, _offset in s.leaf_searchers():
                reader = sub.reader()
                for term in reader.lexicon("document_id"):
                    doc_id = term.decode("utf-8") if isinstance(term, bytes) else term
                    n = sum(1 for _ in reader.postings("document_id", term).all_ids())
                    if n:
                        counts[doc_id] = counts.get(doc_id, 0) + n
            return counts
