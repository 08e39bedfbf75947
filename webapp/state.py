"""What every request needs, opened once per process: catalogue, search index, goal frameworks, and the
thread that keeps this process's index in step with the catalogue's change feed."""
from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from pathlib import Path

from ingest.config import DataDir, Limits
from ingest.enrich import shared
from ingest.enrich.goals import Frameworks
from ingest.store.catalogue import Catalogue
from ingest.store.follower import ChangeFollower
from ingest.store.indexing import sync
from ingest.store.writer_lock import writer_lock

log = logging.getLogger(__name__)


class AppState:
    def __init__(self, data: DataDir, limits: Limits | None = None):
        from search import SearchIndex

        self.data = data.ensure()
        self.limits = limits or Limits()
        self.catalogue = Catalogue(data.catalogue)
        self.index = SearchIndex(data.index)
        self.frameworks: Frameworks = shared.frameworks()
        with writer_lock(self.data.root):
            drift = sync(self.catalogue, self.index, self.frameworks)  # a crash or a new analyser left a difference
        if not drift.clean:
            log.warning("index repaired at start: %s", drift.to_json())
        self.follower = ChangeFollower(self.catalogue, self.index, self.data.root, self.frameworks).start()
        self.secret_key = _secret_key(self.data.root / "secret.key")
        self._linker_lock = threading.Lock()
        self._accounts = None
        self.uploads = None  # set by create_app: the background upload queue

    @property
    def linker(self):
        """The goal linker of this catalogue's latest retrain (built once per retrain in each process)."""
        with self._linker_lock:
            return shared.knowledge(catalogue=self.catalogue).linker

    @property
    def accounts(self):
        if self._accounts is None:
            from webapp.accounts import Accounts

            self._accounts = Accounts(self.data.catalogue)
        return self._accounts


KEY_WAIT_SECONDS = 5.0  # how long a reader waits for a key file another process has left empty


def _secret_key(path: Path) -> str:
    """Signing key for session cookies, made once per data dir and kept private to it.

    Several server workers start at once on a fresh data dir and must end up with the same key. The
    key is written whole to a private temporary file, then `os.link`ed into place: linking fails if
    the name exists, so exactly one process's key wins and nobody ever reads a half-written file.
    Everyone then reads the key that won."""
    waited_since = None
    while True:
        try:
            key = path.read_text().strip()
        except FileNotFoundError:
            _create_key_file(path)
            continue
        if key:
            return key
        # An empty file: left by an older version that wrote it in two steps (or still writing it).
        waited_since = waited_since or time.monotonic()
        if time.monotonic() - waited_since > KEY_WAIT_SECONDS:
            _replace_empty_key_file(path)
        time.sleep(0.02)


def _write_private_temp(path: Path) -> Path:
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_urlsafe(48) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return temp


def _create_key_file(path: Path) -> None:
    temp = _write_private_temp(path)
    try:
        os.link(temp, path)  # atomic, and fails if another process got there first: its key is kept
    except FileExistsError:
        pass
    finally:
        temp.unlink()
    _fsync_dir(path.parent)


def _replace_empty_key_file(path: Path) -> None:
    """Under an exclusive lock, so that of several processes finding the same empty file one replaces it."""
    import fcntl

    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if path.read_text().strip():
                return
        except FileNotFoundError:
            return
        temp = _write_private_temp(path)
        os.replace(temp, path)
        _fsync_dir(path.parent)
        log.warning("the empty session key file %s was replaced: everyone signed in must sign in again", path)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
