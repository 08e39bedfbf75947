"""Patches to Whoosh's writing code: its subprocess writers die with the process that started them, and
a segment's postings are written without reading a field length from disk for every posting.

Both are applied once per process by `patch_whoosh` (search._store calls it on import); neither changes
what is written.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def _die_with_parent() -> None:
    """Linux: this process gets SIGKILL when the one that started it dies (PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: a worker may then outlive a parent killed -9
        log.debug("PR_SET_PDEATHSIG is not available", exc_info=True)


def _tie_subwriters_to_parent() -> None:
    """Whoosh's multiprocess writer workers wait on their job queue forever if the rebuilding process is
    killed -9; make them die with it."""
    from whoosh import multiproc

    original = multiproc.SubWriterTask.run
    if getattr(original, "_tied", False):
        return

    def run(self):
        _die_with_parent()
        return original(self)

    run._tied = True
    multiproc.SubWriterTask.run = run


class _LengthsOnce:
    """A per-document reader for FieldWriter.add_postings that reads each document's field length once
    per field: Whoosh asks for it once per posting (~200 per passage here), each time through a column
    reader. Postings come field by field, so only the current field's lengths are kept."""

    def __init__(self, lengths):
        self._lengths = lengths
        self._field = None
        self._by_doc: dict[int, int] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        if fieldname != self._field:
            self._field, self._by_doc = fieldname, {}
        length = self._by_doc.get(docnum)
        if length is None:
            length = self._by_doc[docnum] = self._lengths.doc_field_length(docnum, fieldname, default)
        return length


def _read_lengths_once() -> None:
    from whoosh.codec import base

    original = base.FieldWriter.add_postings
    if getattr(original, "_patched", False):
        return

    def add_postings(self, schema, lengths, items):
        return original(self, schema, _LengthsOnce(lengths) if lengths else lengths, items)

    add_postings._patched = True
    base.FieldWriter.add_postings = add_postings


def patch_whoosh() -> None:
    _tie_subwriters_to_parent()
    _read_lengths_once()
