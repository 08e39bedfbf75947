"""Project cards as a reader sees them: merged at read time from the facts of the documents that reader may
see, editors' corrections applied, goals rolled up from the goal links of the project's passages.

Merging: for owner and period the strongest fact wins (then the newer document, then the later sentence);
partners, financing, target groups and results are the union, a name contained in a longer one
("länsstyrelsen" in "Länsstyrelsen Västmanland") counted once. Status comes from the period and today's
date: planerat before the start, avslutat after the end, pågående between; unknown when an end is missing.
Nothing from a document the reader may not see is ever read (the visibility filter is in the query).
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

from ingest.config import GOAL_LINK_SHOWN_MIN

STATUSES = ("planerat", "pågående", "avslutat")
GOAL_MIN_SCORE = GOAL_LINK_SHOWN_MIN  # inferred links weaker than this do not make a goal of the project (as on goal pages)
MAX_GOALS = 15


def fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").lower()
    return re.sub(r"\s+", " ", re.sub(r"[^\wåäöé+:]+", " ", text)).strip()


def _tokens(text: str) -> set[str]:
    return set(fold(text).split())


# -- dates ----------------------------------------------------------------------------------------------
def bounds(value: str | None, as_end: bool) -> date | None:
    """The first (or last) day a partial ISO date can mean: "2021" ends 2021-12-31, "2021-10" ends 10-31."""
    if not value:
        return None
    try:
        parts = [int(p) for p in value.split("-")]
        year, month = parts[0], parts[1] if len(parts) > 1 else (12 if as_end else 1)
        day = parts[2] if len(parts) > 2 else (calendar.monthrange(year, month)[1] if as_end else 1)
        return date(year, month, day)
    except (ValueError, IndexError):
        return None


def status_for(start: str | None, end: str | None, today: date) -> str | None:
    first, last = bounds(start, False), bounds(end, True)
    if first and today < first:
        return "planerat"
    if last and last < today:
        return "avslutat"
    if first and last and first <= today <= last:
        return "pågående"
    return None


def years_of(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    first, last = bounds(start, False), bounds(end, True)
    return (first.year if first else None, last.year if last else None)


# -- merging ----------------------------------------------------------------------------------------------
def _rank(fact: dict) -> tuple:
    return (fact["strength"], fact["year"] or 0, fact["ord"])


def _union(items: list[tuple[str, dict]], key: str) -> list[dict]:
    """Merge (name, fact) pairs by name; a name whose words are all in a longer one is that one."""
    merged: dict[str, dict] = {}
    for name, fact in items:
        entry = merged.setdefault(fold(name), {key: name, "passage_ids": []})
        if fact["passage_id"] not in entry["passage_ids"]:
            entry["passage_ids"].append(fact["passage_id"])
    names = sorted(merged, key=lambda n: -len(n.split()))
    kept: list[str] = []
    for name in names:
        home = next((k for k in kept if set(name.split()) <= set(k.split())), None)
        if home:
            merged[home]["passage_ids"] += [p for p in merged[name]["passage_ids"] if p not in merged[home]["passage_ids"]]
        else:
            kept.append(name)
    order = [fold(n) for n, _ in items]
    return [merged[n] for n in sorted(kept, key=order.index)]


def merge_facts(name: str, facts: list[dict], today: date) -> dict:
    """The card the facts give, before corrections (fields the facts lack stay empty)."""
    by_field: dict[str, list[dict]] = {}
    for fact in facts:
        if fact["field"] == "owner" and fact["value"].get("document_organisation"):
            fact = dict(fact, value={"name": fact["organisation"]})
        if fact["field"] == "owner" and not fact["value"].get("name"):
            continue
        by_field.setdefault(fact["field"], []).append(fact)
    owner_fact = max(by_field.get("owner", []), key=_rank, default=None)
    owner = ({"name": owner_fact["value"]["name"], "passage_ids": sorted({f["passage_id"] for f in by_field["owner"]
                                                                          if fold(f["value"]["name"]) == fold(owner_fact["value"]["name"])})}
             if owner_fact else None)
    excluded = {fold(name)} | ({fold(owner["name"])} if owner else set())
    partners = _union([(f["value"]["name"], f) for f in by_field.get("partner", [])
                       if fold(f["value"]["name"]) not in excluded
                       and not (owner and _tokens(f["value"]["name"]) <= _tokens(owner["name"]))], "name")
    period = _period(by_field.get("period", []))
    financing = _financing(by_field.get("financing", []))
    targets = _union([(f["value"]["text"], f) for f in by_field.get("target_group", [])], "text")
    results, seen = [], set()
    for f in sorted(by_field.get("result", []), key=lambda f: (-(f["year"] or 0), f["document_id"], f["ord"])):
        if fold(f["value"]["text"]) not in seen:
            seen.add(fold(f["value"]["text"]))
            results.append({"text": f["value"]["text"], "passage_id": f["passage_id"], "document_id": f["document_id"],
                            "number": f["value"].get("number"), "percent": bool(f["value"].get("percent"))})
    return {"owner": owner, "partners": partners, "period": period,
            "status": status_for(period["start"], period["end"], today),
            "financing": financing, "target_groups": targets, "results": results}


def _period(facts: list[dict]) -> dict:
    starts = [f for f in facts if f["value"].get("start")]
    ends = [f for f in facts if f["value"].get("end")]
    start = max(starts, key=_rank, default=None)
    end = max(ends, key=_rank, default=None)
    return {"start": start["value"]["start"] if start else None, "end": end["value"]["end"] if end else None,
            "start_text": start["value"].get("start_text") if start else None,
            "end_text": end["value"].get("end_text") if end else None,
            "passage_ids": sorted({f["passage_id"] for f in (start, end) if f})}


def _financing(facts: list[dict]) -> list[dict]:
    named = [f for f in facts if f["value"].get("programme")]
    items = _union([(f["value"]["programme"], f) for f in named], "programme")
    for item in items:
        amounts = [f for f in named if f["value"].get("amount_sek") and (
            fold(f["value"]["programme"]) == fold(item["programme"])
            or _tokens(f["value"]["programme"]) <= _tokens(item["programme"]))]
        best = max(amounts, key=_rank, default=None)
        item["amount_sek"] = best["value"]["amount_sek"] if best else None
    totals = [f for f in facts if not f["value"].get("programme") and f["value"].get("amount_sek")]
    total = max(totals, key=_rank, default=None)
    if total:
        items.append({"programme": None, "amount_sek": total["value"]["amount_sek"], "total": True,
                      "passage_ids": [total["passage_id"]]})
    return [dict(i, total=i.get("total", False)) for i in items]


# -- corrections ----------------------------------------------------------------------------------------
def apply_corrections(card: dict, corrections: dict[str, dict], today: date) -> dict:
    """An editor's value replaces the whole field; evidence stays with what the documents said."""
    for field, c in corrections.items():
        value = c["value"]
        if field == "owner":
            card["owner"] = {"name": value, "passage_ids": []} if value else None
        elif field == "partners":
            card["partners"] = [{"name": v, "passage_ids": []} for v in value or []]
        elif field == "period":
            value = value or {}
            card["period"] = {"start": value.get("start"), "end": value.get("end"), "start_text": None,
                              "end_text": None, "passage_ids": []}
        elif field == "financing":
            card["financing"] = [{"programme": v.get("programme") or None, "amount_sek": v.get("amount_sek"),
                                  "total": not v.get("programme"), "passage_ids": []} for v in value or []]
        elif field == "target_groups":
            card["target_groups"] = [{"text": v, "passage_ids": []} for v in value or []]
        elif field == "results":
            card["results"] = [{"text": v, "passage_id": None, "document_id": None, "number": None, "percent": False}
                               for v in value or []]
    if "status" in corrections:
        card["status"] = corrections["status"]["value"]
    elif "period" in corrections:
        card["status"] = status_for(card["period"]["start"], card["period"]["end"], today)
    card["corrections"] = {f: {"editor": c["editor"], "at": c["at"]} for f, c in corrections.items()}
    return card


# -- goals ------------------------------------------------------------------------------------------------
def goal_rollup(links_by_passage: dict[str, list[dict]], frameworks) -> list[dict]:
    """The project's goals from its passages' links: confirmed first, then explicit, then by passages."""
    goals: dict[str, dict] = {}
    for passage_id, links in links_by_passage.items():
        for link in links:
            goal = frameworks.get(link["goal_id"])
            if goal is None or (link["kind"] == "inferred" and link["score"] < GOAL_MIN_SCORE):
                continue
            item = goals.setdefault(goal.global_id, {"goal_id": goal.global_id, "label": goal.display_label,
                                                     "passages": [], "confirmed": False, "explicit": False,
                                                     "score": 0.0})
            if passage_id not in item["passages"]:
                item["passages"].append(passage_id)
            item["confirmed"] |= link["kind"] == "confirmed"
            item["explicit"] |= link["kind"] == "explicit"
            item["score"] = max(item["score"], round(float(link["score"]), 4))
    ranked = sorted(goals.values(), key=lambda g: (-g["confirmed"], -g["explicit"], -len(g["passages"]), -g["score"],
                                                    g["goal_id"]))
    for g in ranked:
        g["passages"].sort()
    return ranked[:MAX_GOALS]


def project_cards(catalogue, entities: list[dict], visibility: tuple[str, ...], frameworks,
                  today: date | None = None, *, corrected: bool = True) -> dict[str, dict]:
    """Cards for these project entities ({"id", "name"}), as the reader with `visibility` may see them;
    `corrected=False` gives what the documents alone say."""
    today = today or date.today()
    ids = [e["id"] for e in entities]
    facts = catalogue.project_facts(ids, visibility)
    corrections = catalogue.project_card_corrections(ids, visibility) if corrected else {}
    passages = catalogue.project_passages(ids, visibility)
    every_passage = sorted({p for ps in passages.values() for p in ps})
    links = catalogue.links_for_passages(every_passage) if every_passage else {}
    cards = {}
    for entity in entities:
        card = merge_facts(entity["name"], facts.get(entity["id"], []), today)
        card = apply_corrections(card, corrections.get(entity["id"], {}), today)
        own = {p: links.get(p, []) for p in passages.get(entity["id"], ())}
        card["goals"] = goal_rollup(own, frameworks)
        card["documents"] = sorted({f["document_id"] for f in facts.get(entity["id"], [])})
        cards[entity["id"]] = card
    return cards
