"""Goals that documents name but the frameworks lack: proposals for additions to corpus/goals.

A heading such as "#12 Öka antalet …" or "Prioriterat område 4: …" is a goal the author defined. When
no framework has it, or has it only as "formulering saknas i underlaget", the wording is listed so a
person can add it to the YAML file.
"""
from __future__ import annotations

import re
from collections import defaultdict

from ingest.enrich.explicit_goals import ExplicitMatcher
from ingest.enrich.goals import Frameworks

_GOAL_HEADING = re.compile(
    r"^(?:\d+(?:\.\d+)*\s+)?(?:(?P<hash>#\s?\d{1,2})\.?\s+\S"
    r"|(?P<area>(?:målområde|prioriterat område|fokusområde|delmål)\b[\s\d:]*\S))",
    re.IGNORECASE,
)


def missing_goal_references(catalogue, frameworks: Frameworks) -> list[dict]:
    matcher = ExplicitMatcher(frameworks)
    found: dict[str, dict] = {}
    counts: dict[str, int] = defaultdict(int)
    for row in catalogue.section_headings():
        heading = " ".join(row["heading"].split())
        m = _GOAL_HEADING.match(heading)
        if not m:
            continue
        refs = matcher.find(heading, in_heading=True)
        known = [r.goal for r in refs if r.goal.wording_known]
        if known:
            continue
        reason = "okänd formulering" if refs else "saknas i målramverken"
        key = heading.lower()
        counts[key] += 1
        entry = found.setdefault(key, {
            "reference": heading,
            "reason": reason,
            "matches_goal": refs[0].goal.global_id if refs else None,
            "count": 0,
            "examples": [],
        })
        if len(entry["examples"]) < 3:
            entry["examples"].append({"document_id": row["document_id"], "title": row["title"], "page": row["page"]})
    for key, entry in found.items():
        entry["count"] = counts[key]
    return sorted(found.values(), key=lambda e: (-e["count"], e["reference"]))
