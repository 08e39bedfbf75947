"""Document types as data (corpus/doc_types.yaml): the vocabulary with display names, and a document's
type from its designation, title, first-page labels, file name and first pages, in that order."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.config import CORPUS_DIR

DOC_TYPES_FILE = CORPUS_DIR / "doc_types.yaml"
FALLBACK_TYPE = "övrigt"
_MIN_SUFFIX = 4  # "översiktsplan" ends in "plan", but "ungdom" does not end in the type word "dom"
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Series:
    prefix: str  # as written in a title: "Prop.", "SOU", "AD"
    forms: tuple[str, ...]  # how the series is written before its number on a page
    number: str  # number style, see ingest.convert.title.NUMBER_STYLES
    type: str
    organisation: str = ""


@dataclass(frozen=True)
class Vocabulary:
    names: dict  # type key -> display name (legacy keys included)
    keys: tuple  # the types documents get today, in file order
    words: dict  # word -> type key
    phrases: dict  # several-word phrase ("mål och budget") -> type key
    labels: dict  # folded first-page label line -> type key
    labels_in_title: frozenset  # folded labels that begin the title ("Protokoll – Kommunstyrelsen")
    project_cues: frozenset
    generic_titles: frozenset
    section_headings: frozenset
    period_words: frozenset
    series: tuple


@lru_cache(maxsize=2)
def vocabulary(path: Path = DOC_TYPES_FILE) -> Vocabulary:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    names, words, phrases, labels, cues, in_title = {}, {}, {}, {}, set(), set()
    for entry in data.get("types") or []:
        key = entry["key"]
        names[key] = entry.get("name") or key.capitalize()
        for word in entry.get("words") or []:
            target = phrases if " " in str(word) else words
            target.setdefault(str(word).lower(), key)
        for label in entry.get("labels") or []:
            labels.setdefault(fold(label), key)
            if entry.get("label_in_title"):
                in_title.add(fold(label))
        cues |= {str(c).lower() for c in entry.get("becomes_projektrapport_when_front_mentions") or []}
    keys = tuple(names)
    names.update({k: v for k, v in (data.get("legacy") or {}).items() if k not in names})
    series = tuple(Series(s["prefix"], tuple(s.get("forms") or [s["prefix"]]), s["number"], s["type"],
                          s.get("organisation", "")) for s in data.get("series") or [])
    return Vocabulary(
        names=names, keys=keys, words=words, phrases=phrases, labels=labels, labels_in_title=frozenset(in_title),
        project_cues=frozenset(cues),
        generic_titles=frozenset(fold(w) for w in data.get("generic_titles") or []),
        section_headings=frozenset(fold(w) for w in data.get("section_headings") or []),
        period_words=frozenset(str(w).lower() for w in data.get("period_words") or []),
        series=series,
    )


def fold(text: str) -> str:
    """Lower case, punctuation and extra spaces away: how labels and generic words are compared."""
    return " ".join(re.sub(r"[^\w\s]", " ", str(text).lower()).split())


def doc_type_names() -> dict[str, str]:
    """Type key -> display name, for the web app's facets and document pages."""
    return dict(vocabulary().names)


def doc_type_keys() -> set[str]:
    return set(vocabulary().keys)


def type_of_word(word: str) -> str | None:
    """The type a single word names: itself, or as the last part of a compound (longest match wins)."""
    vocab = vocabulary()
    word = word.lower()
    if word in vocab.words:
        return vocab.words[word]
    best = None
    for key, type_ in vocab.words.items():
        if len(key) >= _MIN_SUFFIX and word.endswith(key) and len(word) - len(key) >= 3:
            if best is None or len(key) > len(best[0]):
                best = (key, type_)
    return best[1] if best else None


def type_in_text(text: str) -> str | None:
    """The first word (or phrase) in `text` that names a type: a title's first typed word decides."""
    lowered = text.lower()
    phrase_hits = [(lowered.find(p), t) for p, t in vocabulary().phrases.items() if p in lowered]
    for match in _WORD.finditer(text):
        if phrase_hits and min(phrase_hits)[0] <= match.start():
            return min(phrase_hits)[1]
        found = type_of_word(match.group(0))
        if found:
            return found
    return min(phrase_hits)[1] if phrase_hits else None


def _counted_type(text: str) -> str | None:
    """The type named most often in the first pages, when it is named at least twice."""
    counts = Counter(t for t in (type_of_word(m.group(0)) for m in _WORD.finditer(text)) if t)
    if not counts:
        return None
    type_, n = counts.most_common(1)[0]
    return type_ if n >= 2 else None


def guess_doc_type(*, designation_type: str | None, title: str, labels: list[str], file_words: str,
                   front_text: str) -> str:
    """Designation ("Prop. …") > title > a first-page label ("Kommittédirektiv") > file name > first pages."""
    vocab = vocabulary()
    found = designation_type or type_in_text(title)
    if not found:
        found = next((vocab.labels[fold(l)] for l in labels if fold(l) in vocab.labels), None)
    found = found or type_in_text(file_words) or _counted_type(front_text[:6000])
    if found == "rapport" and vocab.project_cues:
        front_words = Counter(w.lower() for w in _WORD.findall(front_text[:6000]))
        if sum(front_words[c] for c in vocab.project_cues) >= 2:
            found = "projektrapport"
    return found or FALLBACK_TYPE
