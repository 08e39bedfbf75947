"""Ingest files: convert, split, extract entities, link goals, write the catalogue, index.

One bad file never stops a batch: every file ends as ingested, unchanged or failed with a
Swedish reason, and every attempt is written to the catalogue's ingest log. A document's identity and
visibility are its own: a re-ingest keeps the stored visibility unless a person gives one (flag, sidecar,
upload form), and making an internal document public is recorded in the audit log. Writes to the
catalogue and the index happen under the data directory's writer lock, one writer at a time.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ingest.config import DataDir, Limits
from ingest.convert import metadata
from ingest.batch import Prepared, analysis_of
from ingest.convert.splitter import split
from ingest.enrich.section_types import classify_passages
from ingest.files import iter_files, printable  # noqa: F401  (iter_files: used by callers)
from ingest.model import ConversionError
from ingest.store.catalogue import Catalogue, DocumentRecord, now_iso
from ingest.store.writer_lock import writer_lock

logger = logging.getLogger(__name__)

# During a batch, documents reach the search index in groups: at most this many documents or passages,
# or this many seconds after the first of them, so search sees new documents soon while commits stay few.
INDEX_BATCH = 32
INDEX_BATCH_PASSAGES = 2000
INDEX_BATCH_SECONDS = 10.0
REANALYSE_BATCH = 8  # documents relinked per hold of the writer lock


@dataclass
class IngestReport:
    ingested: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # {"path", "reason"}
    passages: int = 0
    warnings: list[dict] = field(default_factory=list)  # {"path", "warning"}
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}: not documents; not failures

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict:
        return {
            "ingested": self.ingested,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "passages": self.passages,
            "warnings": self.warnings,
            "skipped": self.skipped,
        }


def fingerprint_of(knowledge) -> str:
    """The fingerprint of the knowledge that analysed a document (see ingest.enrich.shared)."""
    from ingest.enrich import shared

    return getattr(knowledge, "fingerprint", "") or shared.fingerprint()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Ingester:
    """Ingests files into one data directory. Not thread-safe: one ingest at a time per data dir."""

    def __init__(self, data: DataDir, limits: Limits = Limits(), *, index=None, knowledge=None, actor: str = ""):
        self.data = data.ensure()
        self.limits = limits
        self.catalogue = Catalogue(data.catalogue)
        self.actor = actor  # who asked ("cli:anna", an uploader): kept with versions and in the audit log
        self._index = index
        self._knowledge = knowledge
        # Files converted at once: each conversion runs in its own process next to this one's analysis.
        self._pending_index: list[str] = []
        self._pending_passages = 0
        self._batching = False
        # Converter children at once (= cores by default); with two or more, entities and goal links are
        # found in a process of their own while this one converts, splits and writes.
        cores = os.cpu_count() or 1
        self.workers = max(1, min(int(os.environ.get("KUNSKAPSBANK_INGEST_WORKERS", str(cores))), cores))

    @property
    def index(self):
        if self._index is None:
            from ingest.store.indexing import sync
            from search import SearchIndex

            self._index = SearchIndex(self.data.index)
            # Whatever a crash (or a new analyser) left different between catalogue and index is
            # repaired before any new write.
            with writer_lock(self.data.root):
                sync(self.catalogue, self._index, self.knowledge.frameworks)
        return self._index

    @property
    def knowledge(self):
        """The knowledge given, or the catalogue's: a retrain (in any process) is picked up at the next file."""
        if self._knowledge is not None:
            return self._knowledge
        from ingest.enrich import shared

        return shared.knowledge(catalogue=self.catalogue)

    @property
    def conversion_fingerprint(self) -> str:
        from ingest.enrich import shared

        return shared.conversion_fingerprint()

    def _same_file(self, existing: DocumentRecord | None, sha: str) -> bool:
        """Nothing to read again: the same bytes, read by the readers we have now."""
        return (existing is not None and existing.sha256 == sha
                and existing.conversion_fingerprint == self.conversion_fingerprint)

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.knowledge)

    # -- public ------------------------------------------------------------------------------
    def ingest_paths(self, paths: Iterable[str | os.PathLike], *, visibility: str | None = None,
                     progress: Callable[[Path], None] | None = None) -> IngestReport:
        """Ingest files in order; with two or more workers every core is busy (see ingest/batch.py)."""
        from ingest.batch import ingest_batch

        return ingest_batch(self, paths, visibility=visibility, progress=progress)

    def _maybe_flush(self) -> None:
        if (len(self._pending_index) >= INDEX_BATCH or self._pending_passages >= INDEX_BATCH_PASSAGES
                or (self._pending_index and time.monotonic() > self._flush_at)):
            self.flush_index()

    def flush_index(self) -> None:
        """Index the documents ingested since the last flush, in one commit."""
        if self._pending_index:
            from ingest.store.indexing import index_documents

            pending, self._pending_index = self._pending_index, []
            self._pending_passages = 0
            self._flush_at = time.monotonic() + INDEX_BATCH_SECONDS
            with writer_lock(self.data.root):
                index_documents(self.catalogue, self.index, pending, self.knowledge.frameworks)

    def reanalyse_stale(self, progress: Callable[[str], None] | None = None) -> list[str]:
        """Entities and goal links again, from stored text, for every document the knowledge has moved on
        from (a new framework, gazetteer or linker); returns the documents done."""
        from ingest.enrich.reanalysis import stale_documents

        return self.reanalyse(stale_documents(self.catalogue, self.fingerprint), progress)

    def reanalyse_all(self, progress: Callable[[str], None] | None = None) -> list[str]:
        return self.reanalyse([d.id for d in self.catalogue.documents()], progress)

    def reanalyse(self, stale: list[str], progress: Callable[[str], None] | None = None) -> list[str]:
        from ingest.enrich.reanalysis import reanalyse

        done: list[str] = []
        batching, self._batching = self._batching, True
        try:
            for start in range(0, len(stale), REANALYSE_BATCH):
                knowledge = self.knowledge  # one model and its fingerprint for the whole batch
                with writer_lock(self.data.root):
                    batch = reanalyse(self.catalogue, knowledge, fingerprint_of(knowledge),
                                      stale[start:start + REANALYSE_BATCH], progress=progress)
                self._pending_index += batch
                self.flush_index()
                done += batch
        finally:
            self._batching = batching
        return done

    def _convert_if_changed(self, path: Path, visibility: str | None):
        """(sha256, conversion or exception) for a file ingest_file will need to convert; None otherwise."""
        try:
            sha = sha256_of(path)
            existing = self.catalogue.document_by_source(printable(str(path.resolve())))
            if self._same_file(existing, sha):
                return None  # same file: nothing to convert (visibility and analysis are updated in place)
            from ingest.convert import convert_isolated

            return sha, convert_isolated(path, self.limits)
        except (ConversionError, OSError) as exc:
            return None if isinstance(exc, OSError) else (sha, exc)

    def ingest_file(self, path: Path, report: IngestReport, *, source_path: str | None = None,
                    display_name: str | None = None, visibility: str | None = None,
                    extra_meta: dict | None = None, prepared: tuple | None = None) -> str | None:
        """Ingest one file; returns the document id, or None when it failed (recorded in report).

        `prepared` is (sha256, converted document or ConversionError) when the file was converted ahead."""
        step = self._prepare(path, report, source_path=source_path, display_name=display_name,
                             visibility=visibility, extra_meta=extra_meta, prepared=prepared)
        return self._finish(step, report) if isinstance(step, Prepared) else step

    def _prepare(self, path: Path, report: IngestReport, *, source_path: str | None = None,
                 display_name: str | None = None, visibility: str | None = None,
                 extra_meta: dict | None = None, prepared: tuple | None = None) -> "Prepared | str | None":
        """Everything before entities and goal links: an unchanged or failed file ends here (its id or None)."""
        source = source_path or printable(str(path.resolve()))
        name = display_name or printable(path.name)
        try:
            sha = sha256_of(path)
        except OSError as exc:
            return self._fail(report, path, source, name, None, _os_reason(exc))
        existing = self.catalogue.document_by_source(source)
        chosen = visibility or metadata.read_sidecar(path).get("visibility")  # a person's explicit choice
        if chosen is not None and chosen not in ("public", "internal"):
            chosen = "internal"  # an unknown value: err on the side of not publishing
        if self._same_file(existing, sha):
            self._update_in_place(existing, chosen)
            report.unchanged.append(printable(str(path)))
            self.catalogue.log(source, name, "unchanged", sha256=sha, document_id=existing.id)
            return existing.id
        try:
            if prepared is not None and prepared[0] == sha:
                if isinstance(prepared[1], ConversionError):
                    raise prepared[1]
                converted = prepared[1]
            else:
                from ingest.convert import convert_isolated

                converted = convert_isolated(path, self.limits)
        except ConversionError as exc:
            return self._fail(report, path, source, name, sha, str(exc))
        except OSError as exc:
            return self._fail(report, path, source, name, sha, _os_reason(exc))
        text_chars = sum(len(b.text) for b in converted.blocks)
        if text_chars > self.limits.max_text_chars:
            return self._fail(report, path, source, name, sha,
                              f"Filen innehåller {text_chars // 1_000_000} miljoner tecken text, mer än gränsen på "
                              f"{self.limits.max_text_chars // 1_000_000} miljoner. Dela upp dokumentet.")
        if not any(b.text.strip() for b in converted.blocks):
            return self._fail(report, path, source, name, sha, "Filen innehåller ingen läsbar text.")

        meta = metadata.resolve(path, converted, extra_meta)
        doc_id = existing.id if existing else self._new_document_id(name, source)
        new_visibility = chosen or (existing.visibility if existing else "public")
        sections, passages = split(doc_id, converted.blocks, meta["title"])
        if not passages:
            return self._fail(report, path, source, name, sha, "Filen innehåller ingen läsbar text.")
        return Prepared(path, source, name, sha, existing, new_visibility, converted, meta, doc_id, sections, passages)

    def _finish(self, step: Prepared, report: IngestReport) -> str:
        """Entities and goal links (from the analysis process when it found them), then catalogue and index."""
        path, source, name, sha, existing = step.path, step.source, step.name, step.sha, step.existing
        converted, meta, doc_id, passages = step.converted, step.meta, step.doc_id, step.passages
        new_visibility, sections = step.new_visibility, step.sections
        warnings = list(converted.warnings)
        knowledge = self.knowledge  # the links and the fingerprint stored with them come from one model
        try:
            entities, mentions, links = analysis_of(self, step, knowledge)
        except Exception as exc:  # entity/goal analysis must never cost us the document itself
            logger.exception("entity/goal analysis failed for %s", path)
            entities, mentions, links = [], [], []
            warnings.append(f"Entiteter och målkopplingar kunde inte tas fram: {exc}")
        original = self._keep_original(path, sha, converted.format)
        record = DocumentRecord(
            id=doc_id,
            source_path=source,
            file_name=name,
            sha256=sha,
            format=converted.format,
            size_bytes=path.stat().st_size,
            title=meta["title"],
            organisation=meta["organisation"],
            year=meta["year"],
            doc_type=meta["doc_type"],
            visibility=new_visibility,
            pages=converted.pages,
            original_path=original,
            warnings=warnings,
            ingested_at=now_iso(),
            analysis_fingerprint=fingerprint_of(knowledge),
            conversion_fingerprint=self.conversion_fingerprint,
            ocr_pages=list(converted.ocr_pages),
        )
        with writer_lock(self.data.root):
            self.catalogue.replace_document(
                record,
                sections=[s.__dict__ for s in sections],
                passages=[p.__dict__ for p in passages],
                mentions=mentions,
                entities=entities,
                links=links,
                ingested_by=self.actor,
                section_types=classify_passages(passages, meta["title"]),
            )
            if existing and existing.visibility == "internal" and new_visibility == "public":
                self._audit("document.publish", doc_id, {"file_name": name, "source": source})
            self.catalogue.log(source, name, "ingested", sha256=sha, document_id=doc_id)
            self.index_document(doc_id)
        self._pending_passages += len(passages)
        report.ingested.append(printable(str(path)))
        report.passages += len(passages)
        report.warnings.extend({"path": printable(str(path)), "warning": w} for w in warnings)
        if self._batching:
            self._maybe_flush()
        return doc_id

    def reviews_of(self, passages: list) -> dict:
        """People's verdicts on these passages' goal links (kept through a re-ingest)."""
        return self.catalogue.reviews_for_passages([p.id for p in passages])

    def index_document(self, document_id: str) -> None:
        if self._batching:
            self._pending_index.append(document_id)
            return
        from ingest.store.indexing import index_document

        with writer_lock(self.data.root):
            index_document(self.catalogue, self.index, document_id, self.knowledge.frameworks)

    def delete_document(self, document_id: str) -> bool:
        doc = self.catalogue.document(document_id)
        if doc is None:
            return False
        with writer_lock(self.data.root):
            # catalogue first: were we killed before the index write, servers following the change feed
            # and `check` see the deletion and finish it
            self.catalogue.delete_document(document_id)
            self.index.delete_document(document_id)
        self.catalogue.log(doc.source_path, doc.file_name, "deleted", sha256=doc.sha256, document_id=document_id)
        return True

    def _update_in_place(self, existing: DocumentRecord, visibility: str | None) -> None:
        """The same file again: only a person's new visibility and newer knowledge can change it."""
        touched = False
        with writer_lock(self.data.root):
            if visibility and visibility != existing.visibility:
                touched |= self.catalogue.set_visibility(existing.id, visibility)
                if visibility == "public":
                    self._audit("document.publish", existing.id, {"file_name": existing.file_name})
            knowledge = self.knowledge
            if existing.analysis_fingerprint != fingerprint_of(knowledge):
                from ingest.enrich.reanalysis import reanalyse_document

                touched |= reanalyse_document(self.catalogue, knowledge, fingerprint_of(knowledge), existing.id)
        if touched:
            self.index_document(existing.id)

    def _audit(self, action: str, target: str, detail: dict) -> None:
        from ingest.store.people import PeopleStore

        PeopleStore(self.data.catalogue).insert_audit(now_iso(), self.actor or "ingest", action, target, detail)

    # -- helpers -----------------------------------------------------------------------------
    def _fail(self, report: IngestReport, path: Path, source: str, name: str, sha: str | None,
              reason: str) -> None:
        report.failed.append({"path": printable(str(path)), "reason": reason})
        self.catalogue.log(source, name, "failed", sha256=sha, reason=reason)
        return None

    def _new_document_id(self, name: str, source: str) -> str:
        """Ids come from the file name, so a fresh ingest of the same corpus gives the same ids; a second
        file of the same name gets one from its source. Reserved atomically in the catalogue."""
        candidates = ["d" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10] for key in (name.lower(), source)]
        return self.catalogue.reserve_document_id(candidates, source)

    def _keep_original(self, path: Path, sha: str, fmt: str) -> str:
        relative = f"originals/{sha[:2]}/{sha}.{fmt}"
        target = self.data.root / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)  # never a half-written original under its final name
        return relative


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "Filen kan inte läsas: behörighet saknas."
    if isinstance(exc, FileNotFoundError):
        return "Filen finns inte längre."
    return f"Filen kunde inte läsas: {exc.strerror or exc}"
