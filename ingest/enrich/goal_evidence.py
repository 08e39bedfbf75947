"""Evidence a person can check for a goal link: the one or two sentences of the passage that carry it,
the words in them that matched (character offsets, for marking), and the goal phrase or curated
example they resemble. Never stop words, numbers or filler (corpus/goals/evidence/filler.txt).

Only the passage itself, the goal definitions and the curated examples in corpus/goals/examples/ are
quoted: people's verdicts train the model but are never shown, since their passages may be internal.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.config import GOALS_DIR
from ingest.enrich.explicit_goals import fold
from ingest.enrich.goal_model import PART_WEIGHT, GoalModel
from search.text import analyse_terms

FILLER_FILE = GOALS_DIR / "evidence" / "filler.txt"
MAX_SENTENCES = 2
SECOND_SENTENCE_SHARE = 0.5  # a second sentence is shown when it carries at least half as much as the first
MAX_MARKS_PER_SENTENCE = 6
MIN_MARK_WEIGHT = 0.4  # a word must pull this much toward the goal to be marked (logit per unit of tf-idf)
MARK_SHARE = 0.3  # ... and at least this share of the strongest word in its sentence
MAX_QUOTE = 280
MIN_RESEMBLANCE = 0.12  # cosine below which no example is said to resemble the passage

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"«(]?[A-ZÅÄÖ0-9])|\n+|\s+[•▪◦·]\s+|\s+-\s+(?=[A-ZÅÄÖ])")
_WORD = re.compile(r"\w[\w+-]*\w|\w")


@dataclass
class Evidence:
    strings: list[str] = field(default_factory=list)  # the `evidence` list of the JSON contract
    sentences: list[dict] = field(default_factory=list)  # [{"text", "marks": [[start, end], ...]}]
    resembles: str | None = None


@lru_cache(maxsize=4)
def filler_words(path: Path = FILLER_FILE) -> frozenset[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of surrounding space."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a >= 3:
            out.append((a, b))
    return out


def phrase_spans(sentence: str, phrase: str) -> list[tuple[int, int]]:
    """Where a folded goal phrase occurs in a sentence as written (any case, any run of spaces or dashes)."""
    parts = [re.escape(p) for p in phrase.split()]
    pattern = r"(?<!\w)" + r"\s+".join(parts).replace(r"\-", r"\s*[-–—]\s*") + r"(?!\w)"
    return [m.span() for m in re.finditer(pattern, sentence, re.IGNORECASE)]


def quote(text: str) -> str:
    text = " ".join(text.split())
    return "«" + (text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rsplit(" ", 1)[0] + " …") + "»"


class EvidenceFinder:
    def __init__(self, model: GoalModel, references: dict[str, list[str]]):
        """`references`: per goal id, texts it may be said to resemble (phrases, definitions, curated examples)."""
        self.model = model
        self.index = {name: i for i, name in enumerate(model.feature_names)}
        self.filler = filler_words()
        self.references = {g: list(dict.fromkeys(t for t in texts if t.strip())) for g, texts in references.items()}
        self._ref_vectors = {
            g: model.tfidf.transform(model.vectoriser.transform([model.featurise(t) for t in texts]))
            for g, texts in self.references.items() if texts
        }
        self._phrases = {
            g.global_id: sorted({fold(p) for p in [*g.phrases, *g.aliases]
                                 if len(fold(p)) > 3 and not re.search(r"\d", p)}, key=len, reverse=True)
            for g in model.frameworks.iter_goals()
        }

    def goal_phrases(self, goal_id: str) -> list[str]:
        goal = self.model.frameworks.get(goal_id)
        found = list(self._phrases.get(goal_id, []))
        for child in self.model.frameworks.descendants(goal):
            found += self._phrases.get(child.global_id, [])
        return sorted(set(found), key=len, reverse=True)

    def _word_weight(self, word: str, weights: np.ndarray) -> float:
        if word.lower() in self.filler or any(ch.isdigit() for ch in word):
            return 0.0
        best = 0.0
        for term in analyse_terms(word):
            i = self.index.get(term)
            if i is not None:
                best = max(best, weights[i] * (PART_WEIGHT if term.startswith("~") else 1.0))
        return best

    def inferred(self, text: str, goal_id: str) -> Evidence:
        weights = self.model.weights(goal_id)
        if weights is None:
            return Evidence()
        spans = sentences(text)
        if not spans:
            return Evidence()
        folded_text = fold(text)
        phrases = [p for p in self.goal_phrases(goal_id) if p in folded_text]
        X = self.model.tfidf.transform(self.model.vectoriser.transform(
            [self.model.featurise(text[a:b]) for a, b in spans]))
        carried = X @ weights
        order = [i for i in np.argsort(-carried, kind="stable") if carried[i] > 0][:MAX_SENTENCES]
        if len(order) == 2 and carried[order[1]] < SECOND_SENTENCE_SHARE * carried[order[0]]:
            order = order[:1]
        chosen = sorted(order)
        evidence = Evidence()
        marked_words: list[str] = []
        for i in chosen:
            a, b = spans[i]
            sentence = text[a:b]
            marks: list[tuple[int, int]] = []
            for phrase in phrases:
                for s, e in phrase_spans(sentence, phrase):
                    if not any(s < me and ms < e for ms, me in marks):
                        marks.append((s, e))
                        marked_words.append(sentence[s:e])
            scored = []
            for m in _WORD.finditer(sentence):
                if any(m.start() < me and ms < m.end() for ms, me in marks):
                    continue
                w = self._word_weight(m.group(), weights)
                if w >= MIN_MARK_WEIGHT:
                    scored.append((w, m.span()))
            top = max((w for w, _ in scored), default=0.0)
            scored = [(w, span) for w, span in scored if w >= MARK_SHARE * top]
            for _, span in sorted(scored, key=lambda x: -x[0])[:MAX_MARKS_PER_SENTENCE]:
                marks.append(span)
                marked_words.append(sentence[span[0]:span[1]])
            evidence.sentences.append({"text": sentence, "marks": [list(m) for m in sorted(marks)]})
            evidence.strings.append(quote(sentence))
        words = list(dict.fromkeys(w.lower() for w in marked_words))
        if words:
            evidence.strings.append("ord: " + ", ".join(words[:8]))
        evidence.resembles = phrases[0] if phrases else self._nearest_reference(
            " ".join(s["text"] for s in evidence.sentences) or text, goal_id, weights)
        if evidence.resembles:
            evidence.strings.append("liknar: " + quote(evidence.resembles))
        return evidence

    def _nearest_reference(self, text: str, goal_id: str, weights: np.ndarray) -> str | None:
        """The reference most like the text in the words that matter for this goal (cosine over the
        features that pull toward the goal, each scaled by how much it pulls)."""
        refs = self._ref_vectors.get(goal_id)
        if refs is None:
            return None
        pull = np.clip(weights, 0.0, None)
        refs = refs.multiply(pull).tocsr()
        vector = self.model.vector(text).multiply(pull).tocsr()
        norms = np.sqrt(refs.multiply(refs).sum(axis=1)).A.ravel() * np.sqrt(vector.multiply(vector).sum())
        sims = (refs @ vector.T).toarray().ravel() / np.where(norms > 0, norms, 1.0)
        best = int(np.argmax(sims))
        return self.references[goal_id][best] if sims[best] >= MIN_RESEMBLANCE else None

    @staticmethod
    def explicit(text: str, written: str, where: str) -> Evidence:
        """The sentence (or heading) where the reference is written, with the reference marked."""
        evidence = Evidence(strings=[f"{where}: {written}"])
        for a, b in sentences(text):
            sentence = text[a:b]
            spans = phrase_spans(sentence, fold(written)) or [
                m.span() for m in re.finditer(re.escape(written), sentence, re.IGNORECASE)]
            if spans:
                evidence.sentences.append({"text": sentence, "marks": [list(s) for s in spans[:3]]})
                break
        return evidence
