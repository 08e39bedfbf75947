"""Retrain the goal linker from the frameworks, the curated examples and every verdict people have given,
then relink the catalogue with it: what `kunskapsbank goals retrain` and the admin page's button run.

One run at a time, whichever process asks (the catalogue's `goal_model_runs`). The verdicts are
snapshotted when the run starts; once the model is trained it is the one in use for every process of this
catalogue, and every document is linked again from its stored text. People's verdicts still decide: a
confirmed link stays whatever the model now thinks, a rejected one never comes back (reanalysis passes
them to the linker, and the catalogue's `reviewed_links` view applies them to every read).
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from typing import Callable

from ingest.config import DataDir
from ingest.store.catalogue import Catalogue

log = logging.getLogger(__name__)

MSG_BUSY = "En omträning av måltolkningen pågår redan. Vänta tills den är klar."


class RetrainBusy(RuntimeError):
    """Another retrain is running (in this process or another)."""


@dataclass
class RetrainResult:
    run_id: int
    status: str  # "done" | "failed"
    verdicts: int  # verdicts the model learnt from
    confirmed: int
    rejected: int
    documents: int  # documents to relink
    relinked: int  # documents relinked
    seconds: float
    message: str

    def to_json(self) -> dict:
        return asdict(self)


def start(data: DataDir, requested_by: str) -> int:
    """Claim the one retrain slot (raises RetrainBusy); the run then belongs to this process."""
    run_id = Catalogue(data.catalogue).start_retrain(requested_by)
    if run_id is None:
        raise RetrainBusy(MSG_BUSY)
    return run_id


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def retrain(data: DataDir, requested_by: str, *, run_id: int | None = None, index=None,
            say: Callable[[str], None] | None = None) -> RetrainResult:
    """Run a retrain to the end (`run_id`: one already claimed with `start`). `say` receives progress lines."""
    from ingest.enrich import shared
    from ingest.pipeline import Ingester

    catalogue = Catalogue(data.catalogue)
    run_id = run_id if run_id is not None else start(data, requested_by)
    began = time.monotonic()
    say = say or (lambda line: None)
    result = RetrainResult(run_id, "failed", 0, 0, 0, 0, 0, 0.0, "")
    try:
        verdicts = catalogue.model_verdicts(run_id)
        result.verdicts = len(verdicts)
        result.confirmed = sum(v["verdict"] == "confirmed" for v in verdicts)
        result.rejected = result.verdicts - result.confirmed
        say(f"Tränar om måltolkningen med målramverken, exemplen och "
            f"{_plural(result.verdicts, 'bedömning', 'bedömningar')} ({result.confirmed} bekräftade, "
            f"{result.rejected} avvisade) …")
        knowledge = shared.trained_knowledge(catalogue, run_id)
        documents = [d.id for d in catalogue.documents()]
        result.documents = len(documents)
        catalogue.mark_trained(run_id, len(documents), f"Tränad. Kopplar om 0 av {len(documents)} dokument …")
        say(f"Tränad på {time.monotonic() - began:.1f} s. Kopplar om {len(documents)} dokument …")
        ingester = Ingester(data, index=index, knowledge=knowledge, actor=requested_by)
        seen: list[str] = []

        def progress(document_id: str) -> None:
            seen.append(document_id)
            message = f"Kopplar om dokument {len(seen)} av {result.documents} …"
            catalogue.retrain_progress(run_id, len(seen) - 1, result.documents, message)
            say(f"  {len(seen)}/{result.documents} {document_id}")

        done = ingester.reanalyse(documents, progress)
        # Documents another process ingested meanwhile with the earlier model: link them too.
        from ingest.enrich.reanalysis import stale_documents

        late = [d for d in stale_documents(catalogue, knowledge.fingerprint) if d not in done]
        if late:
            result.documents += len(late)
            done += ingester.reanalyse(late, progress)
        result.relinked = len(done)
        result.seconds = round(time.monotonic() - began, 1)
        result.status = "done"
        result.message = (f"Klart: måltolkningen är omtränad med "
                          f"{_plural(result.verdicts, 'bedömning', 'bedömningar')} och "
                          f"{result.relinked} av {result.documents} dokument omkopplade "
                          f"({result.seconds:.0f} s).")
        if result.relinked < result.documents:
            result.message += " Resten kopplas om vid nästa inläsning (kunskapsbank reanalyse)."
        catalogue.retrain_progress(run_id, result.relinked, result.documents, result.message)
        catalogue.finish_retrain(run_id, True, result.message)
        say(result.message)
        return result
    except BaseException as exc:
        result.seconds = round(time.monotonic() - began, 1)
        result.message = f"Omträningen misslyckades: {exc}" if str(exc) else "Omträningen avbröts."
        log.exception("goal linker retrain %s failed", run_id)
        catalogue.finish_retrain(run_id, False, result.message)
        raise


def status(data: DataDir) -> dict | None:
    """The latest run as the admin page and the API show it."""
    return Catalogue(data.catalogue).retrain_run()
