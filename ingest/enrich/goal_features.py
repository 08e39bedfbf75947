"""What the goal model reads: text → weighted features → TF-IDF vectors.

Features are the search's Swedish analysis (`search.text.analyse_terms`): word stems, compound parts
("~stem", weighed less), concepts from corpus/goals/features/concepts.yaml ("≈utlandet" for any country),
and the goals' multi-word phrases ("»snabbt bredband"). Numbers and Swedish place names (from
corpus/gazetteers/places.yaml) are never features: "10" says nothing about Agenda 2030 goal 10, and a
project in Köping is not for that reason about any goal.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import yaml
from scipy.sparse import csr_matrix

from ingest.config import CORPUS_DIR, GOALS_DIR
from ingest.enrich.explicit_goals import fold
from ingest.enrich.goals import Frameworks, Goal
from search.text import analyse_terms

CONCEPTS_FILE = Path("features") / "concepts.yaml"  # beside the frameworks (see goals_file)
PLACES_FILE = CORPUS_DIR / "gazetteers" / "places.yaml"
INFERRED_LEVELS = ("malomrade", "delmal", "omrade", "sdg")  # vision links only when written out
PART_WEIGHT = 0.5  # compound parts count, but less than whole words
PHRASE_WEIGHT = 1.0  # a goal phrase found in the text, beside its words
CONCEPT_WEIGHT = 1.0  # a word of a concept group (a country) also counts as the concept

_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"\w+")


def goals_file(frameworks: Frameworks, relative: Path) -> Path:
    """A knowledge file beside the frameworks in use (a `--goals-dir`), else the shipped one in corpus/goals."""
    folder = getattr(frameworks, "directory", None)
    if folder is not None and (Path(folder) / relative).is_file():
        return Path(folder) / relative
    return GOALS_DIR / relative


def _concepts(path: Path) -> dict[str, str]:
    """Stem → concept name."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError:
        return {}
    return {stem: name for name, words in (data.get("concepts") or {}).items() for word in words
            for stem in analyse_terms(str(word), decompound=False)}


def _place_stems(path: Path = PLACES_FILE) -> frozenset[str]:
    """Stems of Swedish municipality and county names that are not also ordinary words ("Mark", "Sala")."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError:
        return frozenset()
    names = [m["name"] for m in data.get("municipalities") or [] if not m.get("ambiguous")]
    names += [c["name"] for c in data.get("counties") or []]
    return frozenset(t for n in names for t in analyse_terms(n, decompound=False) if len(t) > 3)


def definition_texts(frameworks: Frameworks, goal: Goal) -> list[str]:
    """Pseudo-texts that define a goal: its label and description, its phrases, its keywords, and each
    finer node below it that is not a target of its own (a Westum område's mål and aktiviteter)."""
    texts = [f"{goal.label}. {goal.description}", " . ".join(goal.phrases), " . ".join(goal.keywords)]
    for child in frameworks.descendants(goal):
        if child.level not in INFERRED_LEVELS and child.wording_known:
            texts.append(" . ".join([child.label, child.description, *child.phrases, *child.keywords]))
    return [t for t in texts if t.strip(" .")]


class Featuriser:
    """Text → {feature: weight}."""

    def __init__(self, frameworks: Frameworks):
        self.concepts = _concepts(goals_file(frameworks, CONCEPTS_FILE))
        self.places = _place_stems()
        self._by_term: dict[str, tuple[tuple[str, float], ...]] = {}
        phrases = set()
        for goal in frameworks.iter_goals():
            if goal.wording_known:
                for p in [*goal.phrases, goal.label, *goal.aliases]:
                    folded = fold(p)
                    if " " in folded and not _DIGIT.search(folded) and len(folded) <= 80:
                        phrases.add(folded)
        # Phrases indexed by their first word: only those whose first word occurs are looked for.
        self._by_first: dict[str, list[tuple[str, re.Pattern]]] = defaultdict(list)
        for p in sorted(phrases):
            first = _WORD.match(p)
            if first:
                self._by_first[first.group()].append((p, re.compile(r"(?<!\w)" + re.escape(p) + r"(?!\w)")))

    def terms(self, text: str) -> Counter:
        counts: Counter = Counter()
        for term in analyse_terms(text):
            for feature, weight in self._term_features(term):
                counts[feature] += weight
        return counts

    def _term_features(self, term: str) -> tuple[tuple[str, float], ...]:
        """What one term adds, in order: itself and its concept; nothing for numbers and place names.
        A pure function of the term, so worked out once per term."""
        found = self._by_term.get(term)
        if found is None:
            found = ()
            if not (_DIGIT.search(term) or term.lstrip("~") in self.places):
                found = ((term, PART_WEIGHT if term[0] == "~" else 1.0),)
                concept = self.concepts.get(term)
                if concept:
                    found += (("≈" + concept, CONCEPT_WEIGHT),)
            if len(self._by_term) > 200_000:
                self._by_term.clear()
            self._by_term[term] = found
        return found

    def phrases(self, text: str) -> list[str]:
        folded = fold(text)
        found = []
        for word in set(_WORD.findall(folded)):
            for phrase, pattern in self._by_first.get(word, ()):
                if phrase in folded and pattern.search(folded):
                    found.append(phrase)
        return sorted(found)

    def __call__(self, text: str) -> dict[str, float]:
        counts = self.terms(text)
        for phrase in self.phrases(text):
            counts["»" + phrase] += PHRASE_WEIGHT
        return dict(counts)


class Vectoriser:
    """{feature: weight} → l2-normalised TF-IDF rows (sublinear tf, smoothed idf), built for speed: one
    passage is transformed many times per second during ingest."""

    def __init__(self, documents: list[dict[str, float]]):
        df: Counter = Counter()
        for doc in documents:
            df.update(doc.keys())
        self.names = np.array(sorted(df))
        self.index = {name: i for i, name in enumerate(self.names)}
        n = len(documents)
        self.idf = np.array([math.log((1 + n) / (1 + df[name])) + 1.0 for name in self.names])

    def transform(self, documents: list[dict[str, float]]) -> csr_matrix:
        indptr, indices, values = [0], [], []
        index = self.index
        for doc in documents:
            row = [(i, w) for f, w in doc.items() if (i := index.get(f)) is not None and w > 0]
            row.sort()
            vals = np.array([(1.0 + math.log(w)) if w >= 1 else w for _, w in row]) if row else np.zeros(0)
            idx = np.array([i for i, _ in row], dtype=np.int64)
            if row:
                vals = vals * self.idf[idx]
                vals = vals / (np.linalg.norm(vals) or 1.0)
            indices.extend(idx.tolist())
            values.extend(vals.tolist())
            indptr.append(len(indices))
        return csr_matrix((np.array(values, dtype=float), np.array(indices, dtype=np.int64), np.array(indptr)),
                          shape=(len(documents), len(self.names)))
