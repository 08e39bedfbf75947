"""The `kunskapsbank` command: ingest, search, link, entities, goals, reindex, check, serve, user.

The shapes of `--json` output are contracts used by scripts outside this repo: extend, never rename.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ingest.config import DataDir, Limits

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _data(args) -> DataDir:
    return DataDir.resolve(args.data_dir).ensure()


# -- ingest ----------------------------------------------------------------------------------
def lower_priority() -> None:
    """Ingest yields the CPU to searches when both compete (a server on the same machine); alone it
    runs as fast as before. The converter processes it starts inherit the lower priority."""
    try:
        os.nice(10)
    except OSError:
        pass


def cmd_ingest(args) -> int:
    from ingest.pipeline import Ingester, iter_files

    limits = Limits(max_file_bytes=int(args.max_mb * 1024 * 1024)) if args.max_mb else Limits()
    lower_priority()
    ingester = Ingester(_data(args), limits)
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
        _print_json(report.to_json())
    else:
        print(
            f"Inlästa: {len(report.ingested)}   Oförändrade: {len(report.unchanged)}   "
            f"Misslyckade: {len(report.failed)}   Nya avsnitt: {report.passages}"
        )
        for item in report.warnings:
            print(f"  OBS  {Path(item['path']).name}: {item['warning']}")
        for item in report.failed:
            print(f"  FEL  {item['path']}: {item['reason']}")
    return EXIT_OK if report.ok else EXIT_SOME_FAILED


# -- search ----------------------------------------------------------------------------------
def open_index(data: DataDir):
    """Open the search index, repairing any drift from the catalogue first."""
    from ingest.catalogue import Catalogue
    from ingest.indexing import sync
    from search import SearchIndex

    catalogue = Catalogue(data.catalogue)
    index = SearchIndex(data.index)
    sync(catalogue, index)
    return catalogue, index


def cmd_search(args) -> int:
    from search import Filters

    _, index = open_index(_data(args))
    filters = Filters(
        organisation=args.org or [],
        doc_type=args.type or [],
        year=args.year or [],
        goal=args.goal or [],
        entity=args.entity or [],
        visibility=("public",) if args.public_only else ("public", "internal"),
    )
    results = index.search(args.query, filters, limit=args.limit, offset=args.offset, group=not args.all_passages)
    if args.json:
        _print_json(results.to_json())
        return EXIT_OK
    if results.message:
        print(results.message)
    if results.suggestion:
        print(f"Menade du: {results.suggestion}?")
    print(f"{results.total} träffar för «{results.query}»")
    import html
    import re

    for number, hit in enumerate(results.hits, start=results.offset + 1):
        page = f", s. {hit.page}" if hit.page else ""
        snippet = html.unescape(re.sub(r"</?mark>", "*", hit.snippet))
        where = " — ".join(part for part in (hit.title, hit.heading) if part)  # passages before any heading have none
        print(f"\n{number}. {where}{page}  [{hit.url}]")
        print(f"   {snippet}")
    return EXIT_OK


# -- knowledge -------------------------------------------------------------------------------
def cmd_link(args) -> int:
    from ingest.knowledge import Knowledge

    text = sys.stdin.read()
    knowledge = Knowledge.load()
    links = knowledge.linker.link(text, [], top_k=args.limit)
    _print_json({"links": [link_json(knowledge.frameworks, l) for l in links]})
    return EXIT_OK


def link_json(frameworks, link) -> dict:
    return {
        "goal_id": link.goal_id,
        "framework": link.framework,
        "level": link.level,
        "number": link.number,
        "label": link.label,
        "parent_id": link.parent_id,
        "parent_label": link.parent_label,
        "score": round(float(link.score), 4),
        "kind": link.kind,
        "evidence": list(link.evidence),
    }


def cmd_entities(args) -> int:
    from ingest.catalogue import Catalogue

    catalogue = Catalogue(_data(args).catalogue)
    items = catalogue.entities(args.type, ("public", "internal"))
    if args.json:
        _print_json(items)
    else:
        for item in items:
            print(f"{item['type']:<13} {item['name']:<50} {item['mentions']:>4} omnämn. i {item['documents']} dok.")
    return EXIT_OK


def cmd_goals(args) -> int:
    from ingest.goals import load_frameworks
    from ingest.config import GOALS_DIR

    frameworks = load_frameworks(GOALS_DIR)
    if args.missing:
        from ingest.catalogue import Catalogue
        from ingest.goal_proposals import missing_goal_references

        found = missing_goal_references(Catalogue(_data(args).catalogue), frameworks)
        if args.json:
            _print_json(found)
        else:
            if not found:
                print("Alla målreferenser i dokumenten finns i målramverken.")
            for item in found:
                print(f"{item['reference']:<40} {item['count']:>3} ggr, t.ex. i {item['examples'][0]['title']}")
        return EXIT_OK
    goals = [g for g in frameworks.iter_goals()]
    if args.json:
        _print_json([frameworks.goal_json(g) for g in goals])
    else:
        for goal in goals:
            print(f"{goal.global_id:<40} {goal.level:<10} {goal.label}")
    return EXIT_OK


# -- index maintenance -----------------------------------------------------------------------
def cmd_reindex(args) -> int:
    from ingest.catalogue import Catalogue
    from ingest.indexing import rebuild
    from search import SearchIndex

    data = _data(args)
    lower_priority()
    count = rebuild(Catalogue(data.catalogue), SearchIndex(data.index))
    print(f"Sökindexet är återuppbyggt från katalogen: {count} avsnitt.")
    return EXIT_OK


def cmd_check(args) -> int:
    from ingest.catalogue import Catalogue
    from ingest.indexing import find_drift, sync
    from search import SearchIndex

    data = _data(args)
    catalogue, index = Catalogue(data.catalogue), SearchIndex(data.index)
    drift = sync(catalogue, index) if args.fix else find_drift(catalogue, index)
    if args.json:
        _print_json({**drift.to_json(), "fixed": bool(args.fix and not drift.clean)})
    elif drift.clean:
        print("Katalog och sökindex stämmer överens.")
    else:
        print("Skillnader mellan katalog och sökindex:")
        if drift.needs_rebuild:
            print("  sökindexet har fel version och behöver byggas om")
        for doc_id in drift.missing_in_index:
            print(f"  saknas eller är inaktuellt i indexet: {doc_id}")
        for doc_id in drift.stale_in_index:
            print(f"  finns i indexet men inte i katalogen: {doc_id}")
        print("Åtgärdat." if args.fix else "Kör med --fix för att åtgärda.")
    return EXIT_OK if (drift.clean or args.fix) else EXIT_SOME_FAILED


def cmd_serve(args) -> int:
    import uvicorn

    from webapp.app import create_app

    data = _data(args)
    print(f"Kunskapsbanken körs på http://{args.host}:{args.port}  (data: {data.root}, {args.workers} process(er))")
    if args.workers > 1:
        # Each worker process builds its own app from the environment; they share catalogue and index.
        os.environ["KUNSKAPSBANK_DATA"] = str(data.root)
        data.ensure()
        catalogue, index = open_index(data)  # repair any drift once, before the workers start
        index.close()
        catalogue.close()
        uvicorn.run("webapp.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                    log_level="warning")
    else:
        uvicorn.run(create_app(data), host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


# -- accounts --------------------------------------------------------------------------------
def _read_new_password(args) -> str | None:
    """From stdin (first line) with --password-stdin, else asked twice on a terminal; never echoed."""
    if args.password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        print("Inget lösenord: ange det med --password-stdin eller kör kommandot i en terminal.", file=sys.stderr)
        return None
    import getpass

    first = getpass.getpass("Lösenord: ")
    if getpass.getpass("Upprepa lösenordet: ") != first:
        print("Lösenorden är inte lika.", file=sys.stderr)
        return None
    return first


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def cmd_user(args) -> int:
    from ingest.accounts import Accounts

    accounts = Accounts(_data(args).catalogue)
    if args.user_command == "add":
        password = _read_new_password(args)
        if password is None:
            return EXIT_USAGE
        try:
            user = accounts.add_user(args.name, password, args.role)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
        accounts.audit(_cli_actor(), "user.add", user.username, {"role": user.role})
        print(f"Användaren {user.username} ({user.role}) är skapad.")
        return EXIT_OK
    if args.user_command == "remove":
        if not accounts.remove_user(args.name):
            print(f"Användaren {args.name} finns inte.", file=sys.stderr)
            return EXIT_SOME_FAILED
        accounts.audit(_cli_actor(), "user.remove", args.name.strip().lower(), {})
        print(f"Användaren {args.name.strip().lower()} är borttagen, liksom dess API-nycklar.")
        return EXIT_OK
    if args.user_command == "list":
        users = accounts.list_users()
        if args.json:
            _print_json(users)
        elif not users:
            print("Inga användare. Skapa en med: kunskapsbank user add NAMN --role admin")
        else:
            for u in users:
                state = "  (avstängd)" if u["disabled"] else ""
                print(f"{u['username']:<40} {u['role']:<7} skapad {u['created_at']}  {u['tokens']} API-nycklar{state}")
        return EXIT_OK
    if args.user_command == "token":
        try:
            token = accounts.create_token(args.name)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_SOME_FAILED
        accounts.audit(_cli_actor(), "token.create", args.name.strip().lower(), {})
        print("Ny API-nyckel (visas bara nu, spara den på ett säkert ställe):", file=sys.stderr)
        print(token)
        return EXIT_OK
    return EXIT_USAGE


# -- parser ----------------------------------------------------------------------------------
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
    sub = parser.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    p = sub.add_parser("ingest", parents=[common], help="läs in filer eller mappar (rekursivt)")
    p.add_argument("paths", nargs="+", metavar="SÖKVÄG")
    p.add_argument("--json", action="store_true", help="skriv sammanfattningen som JSON")
    p.add_argument("--visibility", choices=["public", "internal"], help="synlighet för dokumenten")
    p.add_argument("--max-mb", type=float, help="största tillåtna filstorlek i MB (standard 50)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", parents=[common], help="sök bland avsnitten")
    p.add_argument("query", metavar="FRÅGA")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p.add_argument("--org", action="append", help="filtrera på organisation (kan upprepas)")
    p.add_argument("--type", action="append", help="filtrera på dokumenttyp")
    p.add_argument("--year", action="append", type=int, help="filtrera på år")
    p.add_argument("--goal", action="append", help="filtrera på mål-id, t.ex. rus-vastmanland:delmal-17")
    p.add_argument("--entity", action="append", help="filtrera på entitets-id")
    p.add_argument("--all-passages", action="store_true", help="visa alla avsnitt, inte bara bästa per dokument")
    p.add_argument("--public-only", action="store_true", help="visa bara offentliga dokument")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("link", parents=[common], help="koppla text från stdin till mål (JSON)")
    p.add_argument("--json", action="store_true", help="(standard) skriv JSON")
    p.add_argument("--limit", type=int, default=8)
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("entities", parents=[common], help="lista projekt, organisationer, platser, program")
    p.add_argument("--type", choices=["project", "organisation", "place", "programme"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_entities)

    p = sub.add_parser("goals", parents=[common], help="lista målramverkens mål")
    p.add_argument("--missing", action="store_true", help="mål som nämns i dokumenten men saknas i ramverken")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_goals)

    p = sub.add_parser("reindex", parents=[common], help="bygg om sökindexet från katalogen")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("check", parents=[common], help="jämför katalog och sökindex")
    p.add_argument("--fix", action="store_true", help="åtgärda skillnaderna")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("serve", parents=[common], help="starta webbgränssnittet")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, choices=range(1, 17), metavar="N",
                   help="serverprocesser (2 på en maskin med två kärnor ger mest under last)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("user", parents=[common], help="hantera redaktörer och administratörer")
    users = p.add_subparsers(dest="user_command", required=True, metavar="ÅTGÄRD")
    u = users.add_parser("add", parents=[common], help="skapa en användare")
    u.add_argument("name", metavar="NAMN")
    u.add_argument("--role", choices=["reader", "editor", "admin"], required=True,
                   help="reader (personal: ser interna dokument), editor (redaktör: laddar upp och tar bort) eller admin")
    u.add_argument("--password-stdin", action="store_true", help="läs lösenordet från standard in")
    u = users.add_parser("remove", parents=[common], help="ta bort en användare och dess API-nycklar")
    u.add_argument("name", metavar="NAMN")
    u = users.add_parser("list", parents=[common], help="lista användarna")
    u.add_argument("--json", action="store_true")
    u = users.add_parser("token", parents=[common], help="skapa en ny API-nyckel (visas en gång)")
    u.add_argument("name", metavar="NAMN")
    p.set_defaults(func=cmd_user)

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("Avbrutet.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
