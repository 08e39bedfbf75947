"""Commands that change what is stored: `ingest` files, `reanalyse` stored documents with new knowledge,
`reindex` from the catalogue, `check` the index against the catalogue."""
from __future__ import annotations

import sys
from pathlib import Path

from ingest.cli._common import EXIT_OK, EXIT_SOME_FAILED, cli_actor, data_dir, lower_priority, print_json
from ingest.config import Limits


def cmd_ingest(args) -> int:
    from ingest.pipeline import Ingester, iter_files

    limits = Limits(max_file_bytes=int(args.max_mb * 1024 * 1024)) if args.max_mb else Limits()
    lower_priority()
    ingester = Ingester(data_dir(args), limits, actor=cli_actor())
    show_progress = sys.stderr.isatty() and not args.json
    if show_progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        total = sum(1 for _ in iter_files(args.paths))
        with Progress(
            TextColumn("[bold]Läser in[/bold]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), transient=True,
        ) as progress:
            task = progress.add_task("", total=total)

            def step(path: Path) -> None:
                progress.update(task, advance=0 if step.first else 1, description=path.name[:50])
                step.first = False

            step.first = True
            report = ingester.ingest_paths(args.paths, visibility=args.visibility, progress=step)
            progress.update(task, completed=total)
    else:
        report = ingester.ingest_paths(args.paths, visibility=args.visibility)

    if args.json:
        print_json(report.to_json())
    else:
        print(
            f"Inlästa: {len(report.ingested)}   Oförändrade: {len(report.unchanged)}   "
            f"Misslyckade: {len(report.failed)}   Nya avsnitt: {report.passages}"
        )
        for item in report.warnings:
            print(f"  OBS  {Path(item['path']).name}: {item['warning']}")
        for item in report.failed:
            print(f"  FEL  {item['path']}: {item['reason']}")
        if report.skipped:
            noun = "fil" if len(report.skipped) == 1 else "filer"
            print(f"Hoppade över {len(report.skipped)} {noun} som inte är dokument:")
            for item in report.skipped:
                print(f"  –    {item['path']}: {item['reason']}")
    return EXIT_OK if report.ok else EXIT_SOME_FAILED


def cmd_reindex(args) -> int:
    from ingest.store.catalogue import Catalogue
    from ingest.store.indexing import rebuild
    from search import SearchIndex

    data = data_dir(args)
    lower_priority()
    count = rebuild(Catalogue(data.catalogue), SearchIndex(data.index))
    print(f"Sökindexet är återuppbyggt från katalogen: {count} avsnitt.")
    return EXIT_OK


def cmd_reanalyse(args) -> int:
    from ingest.pipeline import Ingester

    lower_priority()
    ingester = Ingester(data_dir(args), actor=cli_actor())
    done = ingester.reanalyse_stale() if not args.all else ingester.reanalyse_all()
    if args.json:
        print_json({"reanalysed": done, "fingerprint": ingester.fingerprint})
    elif done:
        print(f"Entiteter och målkopplingar är framtagna på nytt för {len(done)} dokument.")
    else:
        print("Alla dokument är redan analyserade med nuvarande målramverk och ordlistor.")
    return EXIT_OK


def cmd_check(args) -> int:
    from ingest.enrich import shared
    from ingest.enrich.reanalysis import stale_documents
    from ingest.store.catalogue import Catalogue
    from ingest.store.indexing import find_drift, sync
    from ingest.store.writer_lock import writer_lock
    from search import SearchIndex

    data = data_dir(args)
    catalogue, index = Catalogue(data.catalogue), SearchIndex(data.index)
    stale = stale_documents(catalogue, shared.catalogue_fingerprint(catalogue))
    if args.fix and stale:
        from ingest.pipeline import Ingester

        Ingester(data, index=index, actor=cli_actor()).reanalyse_stale()
    if args.fix:
        with writer_lock(data.root):
            drift = sync(catalogue, index)
    else:
        drift = find_drift(catalogue, index)
    clean = drift.clean and not stale
    if args.json:
        print_json({**drift.to_json(), "clean": clean, "needs_reanalysis": stale, "fixed": bool(args.fix and not clean)})
    elif clean:
        print("Katalog och sökindex stämmer överens, och alla dokument är analyserade med nuvarande kunskap.")
    else:
        print("Skillnader mellan katalog och sökindex:")
        if drift.needs_rebuild:
            print("  sökindexet har fel version och behöver byggas om")
        for doc_id in drift.missing_in_index:
            print(f"  saknas eller är inaktuellt i indexet: {doc_id}")
        for doc_id in drift.stale_in_index:
            print(f"  finns i indexet men inte i katalogen: {doc_id}")
        for doc_id in stale:
            print(f"  analyserat med äldre målramverk eller ordlistor: {doc_id}")
        print("Åtgärdat." if args.fix else "Kör med --fix för att åtgärda.")
    return EXIT_OK if (clean or args.fix) else EXIT_SOME_FAILED


def add_commands(sub, common) -> None:
    p = sub.add_parser("ingest", parents=[common], help="läs in filer eller mappar (rekursivt)")
    p.add_argument("paths", nargs="+", metavar="SÖKVÄG")
    p.add_argument("--json", action="store_true", help="skriv sammanfattningen som JSON")
    p.add_argument("--visibility", choices=["public", "internal"], help="synlighet för dokumenten")
    p.add_argument("--max-mb", type=float, help="största tillåtna filstorlek i MB (standard 50)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("reanalyse", parents=[common],
                       help="ta fram entiteter och målkopplingar på nytt ur lagrad text (efter ändrade målramverk)")
    p.add_argument("--all", action="store_true", help="alla dokument, inte bara de som analyserats med äldre kunskap")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reanalyse)

    p = sub.add_parser("reindex", parents=[common], help="bygg om sökindexet från katalogen")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("check", parents=[common], help="jämför katalog och sökindex")
    p.add_argument("--fix", action="store_true", help="åtgärda skillnaderna")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)
