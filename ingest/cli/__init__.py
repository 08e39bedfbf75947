"""The `kunskapsbank` command: ingest, search, link, entities, goals, reindex, check, serve, user.

The shapes of `--json` output are contracts used by scripts outside this repo: extend, never rename.
Each module of this package adds its commands to the parser; nothing outside the package imports it.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ingest.cli import documents, queries, serve, users
from ingest.cli._common import EXIT_OK

COMMAND_MODULES = (documents, queries, serve, users)


def build_parser() -> argparse.ArgumentParser:
    data_help = "datakatalog (standard: $KUNSKAPSBANK_DATA eller ./data)"
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: the option may stand before or after the command without one erasing the other
    common.add_argument("--data-dir", default=argparse.SUPPRESS, help=data_help)

    parser = argparse.ArgumentParser(
        prog="kunskapsbank",
        description="Kunskapsbanken: läs in, sök och koppla dokument till mål.",
    )
    parser.add_argument("--data-dir", default=None, help=data_help)
    parser.add_argument("--goals-dir", default=None,
                        help="mapp med målramverk (standard: $KUNSKAPSBANK_GOALS eller corpus/goals)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    for module in COMMAND_MODULES:
        module.add_commands(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.goals_dir:  # through the environment, so server workers and converter children see it too
        os.environ["KUNSKAPSBANK_GOALS"] = str(Path(args.goals_dir).resolve())
    from search.api import SearchUnavailable

    try:
        return args.func(args)
    except SearchUnavailable as exc:  # e.g. no Swedish word list: refuse to run, say why in Swedish
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Avbrutet.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
