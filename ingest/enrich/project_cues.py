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


# "drivs gemensamt av", "riktar sig främst till": an adverb may stand before a cue's final preposition.
_ADVERB = r"(?:(?:gemensamt|främst|huvudsakligen|i\s+huvudsak|i\s+första\s+hand|särskilt|framför\s+allt|formellt|också|även|delvis|till\s+stor\s+del|bland\s+annat)\s+)?"
_PREPOSITIONS = {"av", "till", "mot", "med", "från", "genom"}


def alternation(words) -> str:
    """A regex alternation of phrases, longest first, whole words, any whitespace between words."""
    parts = sorted({str(w).strip().lower() for w in words or () if str(w).strip()}, key=len, reverse=True)

    def phrase_re(phrase: str) -> str:
        tokens = [re.escape(t) for t in phrase.split()]
        if len(tokens) > 1 and phrase.split()[-1] in _PREPOSITIONS:
            return r"\s+".join(tokens[:-1]) + r"\s+" + _ADVERB + tokens[-1]
        return r"\s+".join(tokens)
    return "|".join(phrase_re(p) for p in parts) or r"(?!x)x"


def words_re(words, suffix: str = "") -> re.Pattern:
    return re.compile(rf"(?<![\wåäöÅÄÖ])(?:{alternation(words)})(?![\wåäöÅÄÖ]){suffix}", re.IGNORECASE)


@dataclass(frozen=True)
class Cues:
    report: re.Pattern
    periodic: re.Pattern
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
        for kind in ("results", "background", "lessons", "economy", "purpose"):  # "Mål och resultat": results
            pattern = self.sections.get(kind)
            if pattern is not None and pattern.search(heading):
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
    sections = {kind: re.compile(rf"(?<![\wåäö])(?:{alternation(words)})(?![\wåäö])", re.IGNORECASE)
                for kind, words in (data.get("sections") or {}).items()}
    return Cues(
        report=words_re(data.get("report_words")),
        periodic=re.compile(rf"(?:{alternation(data.get('periodic_words'))})", re.IGNORECASE),
        anaphora=words_re(data.get("anaphora")),
        sections=sections,
        owner_label=words_re(data.get("owner_labels"), r"\s*(?::|,|är|var|har\s+varit)?\s*"),
        owner_passive=words_re(data.get("owner_passive"), r"\s+"),
        owner_active=words_re(data.get("owner_active")),
        plan_action=re.compile(rf"^\W*(?:{alternation(data.get('plan_actions'))})\s+(?:projektet|projekten|arbetet\s+med)\b",
                               re.IGNORECASE),
        partner=words_re(data.get("partner_cues"), r"(?:\s*(?::|är|var|har\s+varit|har\s+varit)\s*|\s+)"),
        partner_heads=frozenset(w.lower() for w in data.get("partner_heads") or ()),
        municipal_units=frozenset(w.lower() for w in data.get("municipal_units") or ()),
        financing_label=words_re(data.get("financing_labels"),
                                 r"\s*(?::|\s(?:är|var|kommer\s+från|kom\s+från|sker\s+genom|skedde\s+genom))\s*"),
        financing=re.compile(rf"(?:{words_re(data.get('financing_cues')).pattern})\s+|(?<![\wåäö])(?:sam|med|del)?"
                             r"finansier(?:as|ades|ats|at|ad|ade)\s+(?:[\wåäö]+\s+){0,2}?(?:av|med|genom|från)\s+"
                             r"(?:medel\s+(?:från|ur)\s+)?", re.IGNORECASE),
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
