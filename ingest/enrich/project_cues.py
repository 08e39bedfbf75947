"""The cue words of project cards (corpus/gazetteers/project_cues.yaml) as compiled patterns, and the
names the rules resolve to: municipalities by place name, organisation-like words."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.config import CORPUS_DIR

CUES_FILE = CORPUS_DIR / "gazetteers" / "project_cues.yaml"


def alternation(words) -> str:
    """A regex alternation of phrases, longest first, whole words, any whitespace between words."""
    parts = sorted({str(w).strip().lower() for w in words or () if str(w).strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(p) for p in phrase.split()) for phrase in parts) or r"(?!x)x"


def words_re(words, suffix: str = "") -> re.Pattern:
    return re.compile(rf"(?<![\wåäöÅÄÖ])(?:{alternation(words)})(?![\wåäöÅÄÖ]){suffix}", re.IGNORECASE)


@dataclass(frozen=True)
class Cues:
    report: re.Pattern
    anaphora: re.Pattern
    sections: dict[str, re.Pattern]
    owner_label: re.Pattern
    owner_passive: re.Pattern
    owner_active: re.Pattern
    plan_action: re.Pattern
    partner: re.Pattern
    partner_heads: frozenset
    municipal_units: frozenset
    financing_label: re.Pattern
    financing: re.Pattern
    financing_subject: re.Pattern
    financing_heads: frozenset
    budget: re.Pattern
    spend: re.Pattern
    target: re.Pattern
    group_words: tuple
    result_verb: re.Pattern
    goal_words: re.Pattern
    municipalities: dict  # folded place name -> official organisation name ("Köping" -> "Köpings kommun")

    def section_kind(self, heading: str) -> str:
        """results | background | purpose | lessons | economy | other, from a section heading."""
        heading = (heading or "").strip().lower()
        for kind, pattern in self.sections.items():
            if pattern.match(heading):
                return kind
        return "other"

    def group_base(self, word: str) -> str | None:
        """'äldre', 'vuxenstuderande', 'folkbibliotekspersonalens' -> the word naming who a project is for,
        without genitive or definite ending ('folkbibliotekspersonal'); None when it names no group."""
        word = word.lower().strip(":,.;()")
        variants = [word]
        for ending in ("s", "na", "en", "et", "ns", "nas", "ens", "ets"):
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                variants.append(word[: -len(ending)])
        if word.endswith(("arna", "arnas")):  # "medarbetarna" -> "medarbetare"
            variants.append(word[: word.rindex("arna")] + "are")
        for variant in variants:
            for group in self.group_words:
                if variant == group or (variant.endswith(group) and len(variant) - len(group) >= 3):
                    return variant
        return None


@lru_cache(maxsize=4)
def load_cues(path: Path = CUES_FILE) -> Cues:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    places = yaml.safe_load((Path(path).parent / "places.yaml").read_text(encoding="utf-8")) or {}
    municipalities = {m["name"].lower(): m["official_name"] for m in places.get("municipalities", [])
                      if m.get("official_name")}
    sections = {kind: re.compile(rf"(?:{alternation(words)})(?![\wåäö])", re.IGNORECASE)
                for kind, words in (data.get("sections") or {}).items()}
    return Cues(
        report=words_re(data.get("report_words")),
        anaphora=words_re(data.get("anaphora")),
        sections=sections,
        owner_label=words_re(data.get("owner_labels"), r"\s*(?::|är|var|har\s+varit)\s*"),
        owner_passive=words_re(data.get("owner_passive"), r"\s+"),
        owner_active=words_re(data.get("owner_active")),
        plan_action=re.compile(rf"^\W*(?:{alternation(data.get('plan_actions'))})\s+(?:projektet|projekten|arbetet\s+med)\b",
                               re.IGNORECASE),
        partner=words_re(data.get("partner_cues"), r"(?:\s*(?::|är|var|har\s+varit|har\s+varit)\s*|\s+)"),
        partner_heads=frozenset(w.lower() for w in data.get("partner_heads") or ()),
        municipal_units=frozenset(w.lower() for w in data.get("municipal_units") or ()),
        financing_label=words_re(data.get("financing_labels"),
                                 r"\s*(?::|\s(?:är|var|kommer\s+från|kom\s+från|sker\s+genom|skedde\s+genom))\s*"),
        financing=words_re(data.get("financing_cues"), r"\s+"),
        financing_subject=words_re(data.get("financing_subject_verbs")),
        financing_heads=frozenset(w.lower() for w in data.get("financing_heads") or ()),
        budget=words_re(data.get("budget_words")),
        spend=words_re(data.get("spend_words")),
        target=words_re(data.get("target_cues"), r"\s*:?\s*"),
        group_words=tuple(sorted({w.lower() for w in data.get("group_words") or ()}, key=len, reverse=True)),
        result_verb=words_re(data.get("result_verbs")),
        goal_words=words_re(data.get("goal_words")),
        municipalities=municipalities,
    )
