"""Stage 1 of ingest: files become text blocks (one reader per format, chosen by content sniffing),
then sections and passages. Public: convert_file, convert_isolated (bounded in a child process)."""
from __future__ import annotations

import multiprocessing
import os
import signal
import resource
import traceback
from pathlib import Path

from ingest.config import Limits
from ingest.convert.sniff import sniff
from ingest.model import ConvertedDocument, ConversionError

MEMORY_LIMIT_BYTES = 2 * 1024**3


def convert_file(path: Path, limits: Limits = Limits()) -> ConvertedDocument:
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ConversionError("Sökvägen är en mapp, inte en fil.")
        if size == 0:
            raise ConversionError("Filen är tom.")
        if size > limits.max_file_bytes:
            raise ConversionError(
                f"Filen är för stor ({size / 1024 / 1024:.1f} MB). Största tillåtna storlek är "
                f"{limits.max_file_bytes / 1024 / 1024:.0f} MB."
            )
        with path.open("rb") as handle:
            head = handle.read(8192)
    except PermissionError:
        raise ConversionError("Filen kan inte läsas: behörighet saknas.") from None
    except FileNotFoundError:
        raise ConversionError("Filen finns inte.") from None
    fmt = sniff(path, head)
    if fmt == "pdf":
        from ingest.convert.formats import pdf

        return pdf.convert(path, limits)
    if fmt == "docx":
        from ingest.convert.formats import docx

        return docx.convert(path, limits)
    data = path.read_bytes()
    if fmt == "html":
        from ingest.convert.formats import html

        return html.convert(path, data)
    from ingest.convert.formats import text

    return text.convert(path, data, fmt)


def _die_with_parent(limits: Limits) -> None:
    """A converter child never outlives its ingest: its parent is the fork server, which exits when the
    ingest process dies, and the child is then killed (Linux); in any case it ends once its time is up."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError):
        pass
    signal.alarm(int(limits.max_seconds_per_file) + 30)


def _child(path: str, limits: Limits, conn) -> None:
    _die_with_parent(limits)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ValueError, OSError):
        pass
    try:
        conn.send(("ok", convert_file(Path(path), limits)))
    except ConversionError as exc:
        conn.send(("error", str(exc)))
    except MemoryError:
        conn.send(("error", "Filen krävde för mycket minne för att läsas och hoppades över."))
    except RecursionError:
        conn.send(("error", "Filen är för djupt nästlad för att läsas och hoppades över."))
    except Exception as exc:  # an unexpected parser failure is the file's problem, not the batch's
        detail = f"{type(exc).__name__}: {exc}"[:300]
        conn.send(("error", f"Filen kunde inte tolkas ({detail})."))
        traceback.print_exc()
    finally:
        conn.close()


_CONTEXT = None


def _context():
    """Children come from a fork server: a small single-threaded process with the converters already
    imported. Forking the ingest process itself is unsafe once it has threads (the web server, the
    look-ahead conversions): a child can inherit a lock some other thread held and hang forever."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(["ingest.convert", "ingest.convert.formats.pdf", "ingest.convert.formats.docx",
                                         "ingest.convert.formats.html", "ingest.convert.formats.text"])
    return _CONTEXT


def convert_isolated(path: Path, limits: Limits = Limits()) -> ConvertedDocument:
    """convert_file in a child process, bounded in time and memory: a hostile file costs only itself."""
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(str(path), limits, sender), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(limits.max_seconds_per_file):
            raise ConversionError(
                f"Filen tog för lång tid att läsa (över {limits.max_seconds_per_file:.0f} s) och hoppades över."
            )
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise ConversionError("Läsningen av filen avbröts oväntat (för mycket minne?) och hoppades över.") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()
    if status == "error":
        raise ConversionError(payload)
    return payload
