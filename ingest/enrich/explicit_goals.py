"""Explicit goal references in text and headings: "#17 …", "delmål 4", "Målområde: Ett välmående
Västmanland", "Prioriterat område 2", "globala mål 4", or a goal's full label written out.

These are facts the author wrote, not guesses, so they become links of kind "explicit" — but only in
documents within the framework's scope (ingest/enrich/goal_scope.py decides; the linker filters).
A bare number ("10", "mål 4" without "globala"/"Agenda 2030") is never a reference.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.enrich.goals import Frameworks, Goal

_HASH_REF = re.compile(r"(?<![\w#])(?:mål\s*)?#\s?(\d{1,2})\b(?:\.?\s+([^\n#]{3,160}))?", re.IGNORECASE)
_DELMAL_REF = re.compile(r"\bdelmål(?:et)?\s+(?:nr\.?\s*)?#?(\d{1,2})\b", re.IGNORECASE)
_AREA_REF = re.compile(
    r"\b(?:prioriterat|prioriterade|fokus)\s*områd(?:e|et|en)\s*(?:nr\.?\s*)?(\d{1,2})\b", re.IGNORECASE
)
_SDG_REF = re.compile(
    r"\b(?:globala\s+mål(?:et)?|agenda\s+2030[-\s]*mål(?:et)?|sdg|hållbarhetsmål(?:et)?)\s*(?:nr\.?\s*)?(\d{1,2})\b",
    re.IGNORECASE,
)
NAMING_WORDS = 4  # a goal label this long, written out, names its framework ("Strategisk kompetensförsörjning" does not)
_SDG_REF_AFTER = re.compile(r"\bmål\s+(\d{1,2})\s+(?:i|inom|enligt)\s+(?:agenda\s+2030|de\s+globala\s+målen)", re.IGNORECASE)


@dataclass(frozen=True)
class ExplicitRef:
    goal: Goal
    evidence: str  # the words as written
    in_heading: bool


def fold(text: str) -> str:
    """Lowercase, NFC, single spaces, no trailing punctuation: for comparing labels."""
    text = unicodedata.normalize("NFC", text).lower().replace("\u00ad", "")
    text = re.sub(r"[–—-]\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip(" .:;,")


class ExplicitMatcher:
    def __init__(self, frameworks: Frameworks):
        self.frameworks = frameworks
        self._by_level_number: dict[tuple[str, int], list[Goal]] = {}
        self._labels: list[tuple[str, Goal]] = []
        for goal in frameworks.iter_goals():
            if goal.number is not None:
                self._by_level_number.setdefault((goal.level, goal.number), []).append(goal)
            if not goal.wording_known:
                continue
            for label in [goal.label, *goal.aliases]:
                folded = fold(label)
                # A written-out label is explicit only when it is specific: several words, or the name
                # of a målområde/område ("Ett välmående Västmanland", "Strategisk kompetensförsörjning").
                if len(folded.split()) >= 3 or (goal.level in ("malomrade", "omrade") and len(folded) > 12):
                    self._labels.append((folded, goal))
        self._labels.sort(key=lambda item: -len(item[0]))
        self._headings: dict[str, tuple[ExplicitRef, ...]] = {}

    def _numbered(self, level: str, number: int, rest: str | None) -> Goal | None:
        candidates = self._by_level_number.get((level, number), [])
        if rest:
            # "#15 Öka den regionala ekonomiska förnyelseförmågan" is really delmål 14: trust the words.
            folded = fold(rest)
            for label, goal in self._labels:
                if goal.level == level and (folded.startswith(label) or label.startswith(folded)):
                    return goal
        return candidates[0] if len(candidates) == 1 else None

    def named_frameworks(self, text: str) -> set[str]:
        """Frameworks whose goals the text names in words: a goal's label of NAMING_WORDS words or more,
        written out or after its number ("#17 Öka andelen elevers som fullföljer …"). Quoting a goal's
        wording names its framework as clearly as naming the region does."""
        found = set()
        folded = fold(text)
        for label, goal in self._labels:
            if len(label.split()) >= NAMING_WORDS and label in folded:
                found.add(goal.framework)
        for m in _HASH_REF.finditer(text):
            rest = fold(m.group(2) or "")
            if len(rest.split()) >= NAMING_WORDS:
                for label, goal in self._labels:
                    if goal.number == int(m.group(1)) and (label.startswith(rest) or rest.startswith(label)):
                        found.add(goal.framework)
        return found

    def find(self, text: str, in_heading: bool = False) -> list[ExplicitRef]:
        if not in_heading:
            return self._find(text, False)
        # A heading is read with every passage under it: its references are worked out once.
        cached = self._headings.get(text)
        if cached is None:
            if len(self._headings) > 10_000:
                self._headings.clear()
            cached = self._headings[text] = tuple(self._find(text, True))
        return list(cached)

    def _find(self, text: str, in_heading: bool) -> list[ExplicitRef]:
        found: dict[str, ExplicitRef] = {}

        def add(goal: Goal | None, evidence: str) -> None:
            if goal is not None and goal.global_id not in found:
                found[goal.global_id] = ExplicitRef(goal, evidence.strip(), in_heading)

        for m in _HASH_REF.finditer(text):
            rest = m.group(2) if in_heading else None
            written = m.group(0)[:80] if in_heading else text[m.start():m.end(1)]  # "#8", "# 8", "mål #8"
            add(self._numbered("delmal", int(m.group(1)), rest), " ".join(written.split()))
        for m in _DELMAL_REF.finditer(text):
            add(self._numbered("delmal", int(m.group(1)), None), m.group(0))
        for m in _AREA_REF.finditer(text):
            add(self._numbered("omrade", int(m.group(1)), None), m.group(0))
        for pattern in (_SDG_REF, _SDG_REF_AFTER):
            for m in pattern.finditer(text):
                add(self._numbered("sdg", int(m.group(1)), None), m.group(0))
        folded = fold(text)
        for label, goal in self._labels:
            if label in folded and re.search(r"(?<!\w)" + re.escape(label) + r"(?!\w)", folded):
                add(goal, label)
        return list(found.values())
