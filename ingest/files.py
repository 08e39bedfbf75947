"""Which files a batch ingests: a folder walk yields the documents, lists what is not a document as
skipped (by the converter registry: extension and first bytes), and keeps file names as valid text."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

SIDECAR_SUFFIXES = (".meta.yaml", ".meta.yml", ".meta.json")


def iter_files(paths: Iterable[str | os.PathLike], skipped: list[dict] | None = None
               ) -> Iterator[tuple[Path, str | None]]:
    """Yield (file, problem) for every document under the given paths; problem is a Swedish reason or None.

    A file named explicitly is always yielded (when it cannot be read, that is a failure). In a walked
    folder, sidecar metadata and hidden files are passed over silently, and files that are not documents
    by the converter registry (source code, data, spreadsheets, archives) are added to `skipped` with the
    reason instead of being yielded.
    """
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            yield path, "Sökvägen finns inte."
            continue
        if path.is_file():
            yield path, None
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith(".") or name.lower().endswith(SIDECAR_SUFFIXES):
                    continue
                found = Path(root) / name
                reason = _not_a_document(found)
                if reason is None:
                    yield found, None
                elif skipped is not None:
                    skipped.append({"path": printable(str(found)), "reason": reason})


def _not_a_document(path: Path) -> str | None:
    """Why a file found in a folder is no document (by extension and first bytes), or None."""
    from ingest.convert.registry import walk_decision

    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError:
        head = b""  # unreadable: if it claims a document format, conversion reports the failure
    return walk_decision(path, head)


def printable(value: str) -> str:
    """A file name as valid text: names that are not UTF-8 (Latin-1 shares, old zips) reach Python as
    surrogate escapes, which SQLite and JSON cannot store."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
