"""What every command shares: the data directory, JSON output, exit codes, process priority, the index."""
from __future__ import annotations

import json
import os
import sys

from ingest.config import DataDir

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def data_dir(args) -> DataDir:
    return DataDir.resolve(args.data_dir).ensure()


def cli_actor() -> str:
    """Who is at the keyboard, for versions and the audit log."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def lower_priority() -> None:
    """Ingest yields the CPU to searches when both compete (a server on the same machine); alone it
    runs as fast as before. The converter processes it starts inherit the lower priority."""
    try:
        os.nice(10)
    except OSError:
        pass


def open_index(data: DataDir):
    """Open the search index, repairing any drift from the catalogue first."""
    from ingest.store.catalogue import Catalogue
    from ingest.store.indexing import sync
    from search import SearchIndex

    catalogue = Catalogue(data.catalogue)
    index = SearchIndex(data.index)
    sync(catalogue, index)
    return catalogue, index
