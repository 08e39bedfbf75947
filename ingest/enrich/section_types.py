"""Section types: which part of a report's anatomy a passage is (Bakgrund, Syfte och mål, Genomförande,
Resultat, Lärdomar, …), from its heading path and wording.

The rules and the vocabulary are data (`corpus/section_types.yaml`, whose header explains the rules);
words are compared as the search index compares them, through the Swedish analysis
(`search.text.analyse_terms`: stems and compound parts), so "Projektets resultat", "5.2 Uppnådda
resultat" and "Erfarenheter och lärdomar" need no list of their own.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ingest import config
from search.text import analyse_terms

NO_TYPE = ""
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
_PART_SPLIT = re.compile(r"\s*(?:,|/|&|\boch\b|\bsamt\b|\s[–—-]\s)\s*")
_WORD = re.compile(r"[\wåäöéü+#-]+", re.IGNORECASE)
_TOKEN = re.compile(r"\w+")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class SectionType:
    key: str
    label: str
    description: str = ""
    weak: bool = False


@dataclass
class Vocabulary:
    """corpus/section_types.yaml, analysed once."""

    types: dict[str, SectionType]
    words: dict[str, str]  # stem -> type
    compound_heads: dict[str, str]  # stem of a compound's last part -> type
    heading_phrases: list[tuple[str, str]]  # (" words of the phrase ", type), longest first
    text_cues: dict[str, list[tuple[str, str]]]  # a cue's first word -> [(cue, type)]
    cut_words: frozenset[str]
    strip_prefix: re.Pattern
    max_part_words: int
    not_inherited: frozenset[str] = frozenset()  # stems that type their own section, not those below it
    good_examples: dict = field(default_factory=dict)
    _headings: dict = field(default_factory=dict, repr=False)  # heading_type's answers, per (heading, inherited)

    def label(self, key: str) -> str:
        found = self.types.get(key)
        return found.label if found else ""


def _stem(word: str) -> str:
    terms = [t for t in analyse_terms(word) if not t.startswith("~")]
    return terms[0] if terms else word.lower()


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def parse_vocabulary(data: dict) -> Vocabulary:
    types: dict[str, SectionType] = {}
    words: dict[str, str] = {}
    heads: dict[str, str] = {}
    phrases: list[tuple[str, str]] = []
    cues: dict[str, list[tuple[str, str]]] = {}
    for key, spec in (data.get("types") or {}).items():
        types[key] = SectionType(key, str(spec.get("label") or key), str(spec.get("description") or ""),
                                 bool(spec.get("weak")))
        for word in spec.get("words") or []:
            word = str(word)
            if " " in word.strip():  # a phrase written among the words
                phrases.append((_norm(word), key))
            else:
                words.setdefault(_stem(word), key)
        for word in spec.get("compound_heads") or []:
            heads.setdefault(_stem(str(word)), key)
        phrases += [(_norm(str(p)), key) for p in spec.get("heading_phrases") or []]
        for cue in (_norm(str(c)) for c in spec.get("text_cues") or []):
            first = _TOKEN.match(cue)
            if first:  # found by its first word: one pass over a passage's words, not one per cue
                cues.setdefault(first.group(0), []).append((cue, key))
    phrases = sorted(((f" {_words_only(p)} ", key) for p, key in phrases), key=lambda item: -len(item[0]))
    return Vocabulary(
        types=types, words=words, compound_heads=heads, heading_phrases=phrases, text_cues=cues,
        cut_words=frozenset(str(w).lower() for w in data.get("cut_words") or []),
        strip_prefix=re.compile(str(data.get("strip_prefix") or r"^\s*"), re.IGNORECASE),
        max_part_words=int(data.get("max_part_words") or 3),
        not_inherited=frozenset(_stem(str(w)) for w in data.get("not_inherited") or []),
        good_examples=dict(data.get("good_examples") or {}),
    )


def vocabulary_path() -> Path:
    return config.CORPUS_DIR / "section_types.yaml"


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Vocabulary:
    with open(path, encoding="utf-8") as handle:
        return parse_vocabulary(yaml.safe_load(handle) or {})


def vocabulary(path: Path | None = None) -> Vocabulary:
    """The vocabulary in use (read again when the file changes)."""
    path = Path(path or vocabulary_path())
    with _LOCK:
        return _load(str(path), path.stat().st_mtime)


# -- headings ------------------------------------------------------------------------------------
def _word_type(vocab: Vocabulary, word: str, inherited: bool = False) -> str:
    terms = analyse_terms(word)
    if not terms:
        return NO_TYPE
    whole = [t for t in terms if not t.startswith("~")]
    if inherited and whole and whole[0] in vocab.not_inherited:
        return NO_TYPE
    if whole and whole[0] in vocab.words:
        return vocab.words[whole[0]]
    parts = [t[1:] for t in terms if t.startswith("~")]
    if parts and parts[-1] in vocab.compound_heads:  # Swedish compounds mean their last part
        return vocab.compound_heads[parts[-1]]
    return NO_TYPE


def _words_only(text: str) -> str:
    return " ".join(_WORD.findall(text))


def heading_type(heading: str, vocab: Vocabulary | None = None, *, inherited: bool = False) -> str:
    """The type one heading names, or "" when it names none. `inherited`: asked for a section below it."""
    vocab = vocab or vocabulary()
    key = (heading, inherited)
    if key not in vocab._headings:
        if len(vocab._headings) > 50_000:  # a long-lived process reads many documents
            vocab._headings.clear()
        vocab._headings[key] = _heading_type(heading, vocab, inherited)
    return vocab._headings[key]


def _heading_type(heading: str, vocab: Vocabulary, inherited: bool) -> str:
    text = _norm(vocab.strip_prefix.sub("", heading or "", count=1))
    if not text:
        return NO_TYPE
    padded = f" {_words_only(text)} "
    for phrase, key in vocab.heading_phrases:
        if phrase in padded:
            return key
    head = text.split(":", 1)[0]  # "Mål: öka …" — the label before a colon is the heading's head
    words = _WORD.findall(head)
    for i, word in enumerate(words):
        if i > 0 and word in vocab.cut_words:
            words = words[:i]
            break
    found: list[str] = []
    for part in _PART_SPLIT.split(" ".join(words)):
        content = [w for w in _WORD.findall(part) if analyse_terms(w) and not w.isdigit()]
        if not content or len(content) > vocab.max_part_words:
            continue
        kinds = [k for k in (_word_type(vocab, w, inherited) for w in content) if k]
        if kinds:
            found.append(kinds[-1])  # the part's head is its last typed word
    strong = [k for k in found if not vocab.types[k].weak]
    return (strong or found or [NO_TYPE])[0]


# -- wording -------------------------------------------------------------------------------------
def text_type(text: str, vocab: Vocabulary | None = None) -> str:
    """The type a passage's own wording shows: a cue in its first sentence, or two distinct cues."""
    vocab = vocab or vocabulary()
    body = _norm(text or "")[:4000]
    if not body:
        return NO_TYPE
    first_end = len(_SENTENCE_END.split(body, maxsplit=1)[0])
    found: dict[str, set[str]] = {}
    for word in _TOKEN.finditer(body):
        for cue, key in vocab.text_cues.get(word.group(0), ()):
            end = word.start() + len(cue)
            if body.startswith(cue, word.start()) and not (cue[-1].isalnum() and body[end:end + 1].isalnum()):
                if word.start() < first_end:
                    return key  # a cue in the first sentence says what the passage is
                found.setdefault(key, set()).add(cue)
    counts = [(len(cues), key) for key, cues in found.items() if len(cues) >= 2]  # two distinct cues
    return max(counts, key=lambda c: c[0])[1] if counts else NO_TYPE


# -- passages ------------------------------------------------------------------------------------
def classify(heading_path: list[str], text: str = "", *, skip: frozenset[str] = frozenset(),
             vocab: Vocabulary | None = None) -> str:
    """A passage's type: the deepest heading of its path that names one, else its own wording.
    `skip`: headings that stand over the whole document (its title), which say nothing of one part."""
    vocab = vocab or vocabulary()
    for depth, heading in enumerate(reversed(heading_path or [])):
        if _norm(heading) not in skip:
            found = heading_type(heading, vocab, inherited=depth > 0)
            if found:
                return found
    return text_type(text, vocab)


def document_headings(passages, title: str = "") -> frozenset[str]:
    """Headings over the whole document: its title, and a first heading every passage sits under."""
    skip = {_norm(title)} if title else set()
    firsts = {tuple(p.heading_path[:1]) for p in passages}
    if len(firsts) == 1 and len(passages) > 1:
        only = next(iter(firsts))
        if only:
            skip.add(_norm(only[0]))
    return frozenset(s for s in skip if s)


def classify_passages(passages, title: str = "", vocab: Vocabulary | None = None) -> dict[str, str]:
    """{passage id: type} for a document's passages (objects with id, heading_path and text); passages
    of no type are left out."""
    vocab = vocab or vocabulary()
    skip = document_headings(passages, title)
    out = {}
    for p in passages:
        found = classify(p.heading_path, p.text, skip=skip, vocab=vocab)
        if found:
            out[p.id] = found
    return out


def good_example_preferences(vocab: Vocabulary | None = None) -> tuple[tuple[str, str, float], ...]:
    """The score multipliers of the "goda exempel" search mode (search.Filters.prefer), from the vocabulary."""
    vocab = vocab or vocabulary()
    settings = vocab.good_examples
    prefer = [("section_type", key, float(f)) for key, f in (settings.get("section_boosts") or {}).items()]
    prefer += [("doc_type", key, float(f)) for key, f in (settings.get("doc_type_boosts") or {}).items()]
    if settings.get("marked_boost"):
        prefer.append(("good_example", "1", float(settings["marked_boost"])))
    return tuple(prefer)
