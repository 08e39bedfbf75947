"""Stage 1 of ingest: files become text blocks (one reader per format, chosen by content sniffing),
then sections and passages. Public: convert_file, convert_isolated (bounded in a child process)."""
from __future__ import annotations

import importlib
import multiprocessing
import os
import resource
import signal
import time
import traceback
from pathlib import Path
from typing import Callable

from ingest.config import Limits
from ingest.convert import budget, registry, structure
from ingest.convert.sniff import sniff
from ingest.model import ConvertedDocument, ConversionError

# The child starts with the largest budget any converter declares, then narrows it to its converter's.
MEMORY_LIMIT_BYTES = max(c.memory_mb for c in registry.CONVERTERS) * 1024**2


_TAKES_FORMAT = {"text", "html", "image"}  # readers shared by several formats are told which one


def text_too_long(chars: int, limits: Limits) -> str:
    return (f"Filen innehåller {chars // 1_000_000} miljoner tecken text, mer än gränsen på "
            f"{limits.max_text_chars // 1_000_000} miljoner. Dela upp dokumentet.")


def convert_file(path: Path, limits: Limits = Limits(),
                 on_start: Callable[[registry.Converter], None] | None = None) -> ConvertedDocument:
    """Read one file with the converter its content calls for. `on_start` hears which converter
    that is before it starts (the bounded child narrows its budget there)."""
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
    converter = registry.by_format(sniff(path, head))
    if on_start is not None:
        on_start(converter)
    module = importlib.import_module(f"ingest.convert.formats.{converter.module}")
    if converter.module in _TAKES_FORMAT:
        document = module.convert(path, limits, converter.format)
    else:
        document = module.convert(path, limits)
    document.blocks = structure.mend_broken_words(structure.drop_toc_blocks(document.blocks))
    chars = sum(len(b.text) for b in document.blocks)
    if chars > limits.max_text_chars:  # refused here, so a text bomb never travels to the parent
        raise ConversionError(text_too_long(chars, limits))
    return document


def _die_with_parent(seconds: float) -> None:
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
    signal.alarm(int(seconds) + 30)


def _child(path: str, limits: Limits, conn) -> None:
    _die_with_parent(limits.max_seconds_per_file)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ValueError, OSError):
        pass

    def extend(seconds: float) -> None:
        signal.alarm(int(seconds) + 30)
        conn.send(("budget", float(seconds)))

    def start(converter: registry.Converter) -> None:
        """The converter is known: its own memory and time budget replace the generous start."""
        try:
            memory = converter.memory_mb * 1024**2
            resource.setrlimit(resource.RLIMIT_AS, (memory, MEMORY_LIMIT_BYTES))
        except (ValueError, OSError):
            pass
        extend(min(converter.seconds, limits.max_seconds_per_file))

    budget.report_to(extend)
    try:
        conn.send(("ok", convert_file(Path(path), limits, on_start=start)))
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
        modules = dict.fromkeys(f"ingest.convert.formats.{c.module}" for c in registry.CONVERTERS)
        _CONTEXT.set_forkserver_preload(["ingest.convert", *modules])
    return _CONTEXT


def convert_isolated(path: Path, limits: Limits = Limits()) -> ConvertedDocument:
    """convert_file in a child process, bounded in time and memory: a hostile file costs only itself.

    The child first has Limits.max_seconds_per_file; once it knows the converter it reports that
    converter's budget, and OCR reports its own per page, so the deadline moves with the declared work."""
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(str(path), limits, sender), daemon=True)
    process.start()
    sender.close()
    budget_seconds = limits.max_seconds_per_file
    deadline = time.monotonic() + budget_seconds
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not receiver.poll(remaining):
                raise ConversionError(
                    f"Filen tog för lång tid att läsa (över {budget_seconds:.0f} s) och hoppades över."
                )
            try:
                status, payload = receiver.recv()
            except EOFError:
                raise ConversionError(
                    "Läsningen av filen avbröts oväntat (för mycket minne?) och hoppades över.") from None
            if status != "budget":
                break
            budget_seconds = payload
            deadline = time.monotonic() + payload
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()
    if status == "error":
        raise ConversionError(payload)
    return payload
