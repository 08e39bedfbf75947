"""What every request needs, opened once per process: catalogue, search index, goal frameworks, and the
thread that keeps this process's index in step with the catalogue's change feed."""
from __future__ import annotations

import logging
import secrets
import threading
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
        self._linker = None
        self._linker_lock = threading.Lock()
        self._accounts = None
        self.uploads = None  # set by create_app: the background upload queue

    @property
    def linker(self):
        with self._linker_lock:
            if self._linker is None:
                self._linker = shared.knowledge().linker
            return self._linker

    @property
    def accounts(self):
        if self._accounts is None:
            from webapp.accounts import Accounts

            self._accounts = Accounts(self.data.catalogue)
        return self._accounts


def _secret_key(path: Path) -> str:
    """Signing key for session cookies, made once per data dir and kept private to it."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key
