"""Labelled examples for the goal classifier: passages that sit under a heading naming a goal
("#17 Öka andelen elever …", "2.2 Målområde: Ett välmående Västmanland") are examples of it."""
from __future__ import annotations

from ingest.enrich.explicit_goals import ExplicitMatcher
from ingest.enrich.goals import Frameworks
from ingest.model import Passage

LABEL_LEVELS = ("delmal", "malomrade", "omrade", "sdg")


def heading_label(matcher: ExplicitMatcher, heading_path: list[str]) -> str | None:
    """The goal the deepest goal-naming heading refers to, if exactly one."""
    for heading in reversed(heading_path):
        refs = [r for r in matcher.find(heading, in_heading=True) if r.goal.level in LABEL_LEVELS]
        if len(refs) == 1:
            return refs[0].goal.global_id
        if refs:
            return None  # a heading naming several goals labels none of them
    return None


def labelled_passages(frameworks: Frameworks, passages: list[Passage]) -> list[dict]:
    matcher = ExplicitMatcher(frameworks)
    examples = []
    for passage in passages:
        goal_id = heading_label(matcher, passage.heading_path)
        named_areas = {r.goal.global_id for r in matcher.find(passage.text) if r.goal.level == "malomrade"}
        if goal_id and len(named_areas) == 1:
            # "Sammanställning aktiviteter målområdet Ett tillgängligt Västmanland …" after the last "#N"
            # section summarises the whole målområde: it is an example of that, not of the delmål above it.
            goal_id = named_areas.pop()
        if goal_id and len(passage.text.split()) >= 8:
            examples.append({"goal_id": goal_id, "text": passage.text, "heading": passage.heading,
                             "heading_path": list(passage.heading_path)})
    return examples
