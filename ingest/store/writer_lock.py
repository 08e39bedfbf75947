"""One writer at a time per data directory: CLI ingest, reindex and every server's upload worker.

An flock on `<data>/writer.lock`, so the kernel releases it when a writer is killed. Re-entrant within
a process (a thread holding it may take it again); other threads and processes wait, or with
`wait=False` learn at once that someone else is writing.
"""
from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

_HELD: dict[Path, list] = {}  # lock file -> [fd, depth, owning thread id]
_GUARD = threading.Lock()
_LOCAL_LOCKS: dict[Path, threading.RLock] = {}


def _local_lock(path: Path) -> threading.RLock:
    with _GUARD:
        return _LOCAL_LOCKS.setdefault(path, threading.RLock())


@contextmanager
def writer_lock(data_root: Path, *, wait: bool = True) -> Iterator[bool]:
    """Yields True while this thread holds the data directory's writer lock; with wait=False, yields
    False (holding nothing) when another thread or process has it."""
    path = (Path(data_root) / "writer.lock").resolve()
    local = _local_lock(path)
    if not local.acquire(blocking=wait):
        yield False
        return
    try:
        held = _HELD.get(path)
        if held is not None:  # this thread already holds the file lock
            held[1] += 1
            try:
                yield True
            finally:
                held[1] -= 1
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            yield False
            return
        _HELD[path] = [fd, 1, threading.get_ident()]
        try:
            yield True
        finally:
            del _HELD[path]
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
    finally:
        local.release()


@contextmanager
def batch_lease(data_root: Path) -> Iterator[None]:
    """Held (shared) for the whole of a batch ingest that writes the catalogue first and the index in
    batches: servers following the change feed leave those documents to it while it lives."""
    fd = os.open(Path(data_root) / "batch.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock; so does the kernel when the process dies


def batch_running(data_root: Path) -> bool:
    """True while some process holds a batch lease."""
    fd = os.open(Path(data_root) / "batch.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
