"""Commands that read: `search` passages, `link` text to goals, list `entities` and `goals`."""
from __future__ import annotations

import sys

from ingest.cli._common import EXIT_OK, EXIT_USAGE, data_dir, open_index, print_json


def cmd_search(args) -> int:
    from ingest.enrich.section_types import good_example_preferences, vocabulary
    from search import Filters

    vocab = vocabulary()
    unknown = [s for s in args.section or [] if s not in vocab.types]
    if unknown:
        print(f"Okänd typ av avsnitt: {', '.join(unknown)}. Välj bland: {', '.join(vocab.types)}.", file=sys.stderr)
        return EXIT_USAGE
    _, index = open_index(data_dir(args))
    filters = Filters(
        organisation=args.org or [],
        doc_type=args.type or [],
        year=args.year or [],
        goal=args.goal or [],
        entity=args.entity or [],
        section_type=args.section or [],
        document_id=args.document,
        visibility=("public",) if args.public_only else ("public", "internal"),
        prefer=good_example_preferences(vocab) if args.good_examples else (),
    )
    results = index.search(args.query, filters, limit=args.limit, offset=args.offset, group=args.group and not args.document)
    if args.json:
        print_json(results.to_json())
        return EXIT_OK
    if results.message:
        print(results.message)
    if results.suggestion:
        print(f"Menade du: {results.suggestion}?")
    print(f"{results.total} {'träff' if results.total == 1 else 'träffar'} för «{results.query}»")
    import html
    import re

    for number, hit in enumerate(results.hits, start=results.offset + 1):
        page = f", s. {hit.page}" if hit.page else ""
        snippet = html.unescape(re.sub(r"</?mark>", "*", hit.snippet))
        where = " — ".join(part for part in (hit.title, hit.heading) if part)  # passages before any heading have none
        label = vocab.label(hit.section_type) if hit.section_type else ""
        kind = f" ({label})" if label and label.lower() != (hit.heading or "").lower() else ""
        print(f"\n{number}. {where}{kind}{page}  [{hit.url}]")
        print(f"   {snippet}")
        if hit.more_in_document:
            print(f"   (+{hit.more_in_document} i samma dokument)  --document {hit.document_id}")
    return EXIT_OK


def cmd_link(args) -> int:
    from ingest.config import DataDir
    from ingest.enrich import shared
    from ingest.enrich.linking import link_json

    text = sys.stdin.read()
    data = DataDir.resolve(args.data_dir)
    catalogue = None
    if data.catalogue.exists():  # the linker as the data dir's latest retrain left it; never makes a data dir
        from ingest.store.catalogue import Catalogue

        catalogue = Catalogue(data.catalogue)
    knowledge = shared.knowledge(catalogue=catalogue)
    links = knowledge.linker.link(text, [], top_k=args.limit)
    print_json({"links": [link_json(l) for l in links]})
    return EXIT_OK


def cmd_entities(args) -> int:
    from ingest.store.catalogue import Catalogue

    catalogue = Catalogue(data_dir(args).catalogue)
    items = catalogue.entities(args.type, ("public", "internal"))
    if args.json:
        projects = [item for item in items if item["type"] == "project"]
        if projects:  # each project with its card, as /api/entities/{id} gives it
            from ingest.enrich import shared
            from ingest.store.project_cards import project_cards
            from webapp.serialise import project_card_json

            cards = project_cards(catalogue, projects, ("public", "internal"), shared.frameworks())
            for item in projects:
                item["card"] = project_card_json(cards[item["id"]])
        print_json(items)
    else:
        for item in items:
            print(f"{item['type']:<13} {item['name']:<50} {item['mentions']:>4} omnämn. i {item['documents']} dok.")
    return EXIT_OK


def cmd_goals(args) -> int:
    from ingest.enrich.goals import load_frameworks
    from ingest.config import GOALS_DIR

    if args.action == "retrain":
        return cmd_retrain(args)
    frameworks = load_frameworks(GOALS_DIR)
    if args.missing:
        from ingest.store.catalogue import Catalogue
        from ingest.enrich.goal_proposals import missing_goal_references

        found = missing_goal_references(Catalogue(data_dir(args).catalogue), frameworks)
        if args.json:
            print_json(found)
        else:
            if not found:
                print("Alla målreferenser i dokumenten finns i målramverken.")
            for item in found:
                print(f"{item['reference']:<40} {item['count']:>3} ggr, t.ex. i {item['examples'][0]['title']}")
        return EXIT_OK
    goals = [g for g in frameworks.iter_goals()]
    if args.json:
        print_json([frameworks.goal_json(g) for g in goals])
    else:
        for goal in goals:
            print(f"{goal.global_id:<40} {goal.level:<10} {goal.label}")
    return EXIT_OK


def cmd_retrain(args) -> int:
    """`goals retrain`: refit the linker from frameworks, examples and all verdicts; relink the catalogue."""
    from ingest import retrain
    from ingest.cli._common import EXIT_SOME_FAILED, cli_actor, lower_priority

    lower_priority()
    progress = sys.stderr if args.json else sys.stdout  # --json: stdout holds the JSON only
    try:
        result = retrain.retrain(data_dir(args), cli_actor(), say=lambda line: print(line, file=progress, flush=True))
    except retrain.RetrainBusy as exc:
        if args.json:
            print_json({"status": "busy", "message": str(exc)})
        else:
            print(exc, file=sys.stderr)
        return EXIT_SOME_FAILED
    if args.json:
        print_json(result.to_json())
    return EXIT_OK if result.status == "done" else EXIT_SOME_FAILED


def add_commands(sub, common) -> None:
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
    p.add_argument("--section", action="append", metavar="TYP",
                   help="filtrera på typ av avsnitt, t.ex. resultat, lardomar (kan upprepas)")
    p.add_argument("--goda-exempel", dest="good_examples", action="store_true",
                   help="resultat och lärdomar i projektrapporter först, markerade goda exempel högst")
    p.add_argument("--document", metavar="ID", help="sök bara i ett dokument (dokument-id, visar alla dess träffar)")
    p.add_argument("--no-group", "--all-passages", dest="group", action="store_false",
                   help="visa alla träffande stycken, inte bara det bästa per dokument")
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

    p = sub.add_parser("goals", parents=[common], help="lista målramverkens mål; 'goals retrain' tränar om måltolkningen")
    p.add_argument("action", nargs="?", choices=["retrain"],
                   help="retrain: träna om måltolkningen med målramverken, exemplen och alla bedömningar "
                        "(bekräftade och avvisade kopplingar) och koppla om alla dokument")
    p.add_argument("--missing", action="store_true", help="mål som nämns i dokumenten men saknas i ramverken")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_goals)
