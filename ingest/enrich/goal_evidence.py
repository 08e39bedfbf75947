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
from scipy.sparse import csr_matrix

from ingest.enrich.explicit_goals import fold
from ingest.enrich.goal_features import goals_file
from ingest.enrich.goal_model import PART_WEIGHT, GoalModel
from search.text import analyse_terms

FILLER_FILE = Path("evidence") / "filler.txt"  # beside the frameworks (goal_features.goals_file)
MAX_SENTENCES = 2
SECOND_SENTENCE_SHARE = 0.5  # a second sentence is shown when it carries at least half as much as the first
MAX_MARKS_PER_SENTENCE = 6
MIN_MARK_WEIGHT = 0.4  # a word must pull this much toward the goal to be marked (logit per unit of tf-idf)
MARK_SHARE = 0.3  # ... and at least this share of the strongest word in its sentence
MAX_QUOTE = 280
MIN_RESEMBLANCE = 0.12  # cosine below which no example is said to resemble the passage

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"«(]?[A-ZÅÄÖ0-9])|\n+|\s+[•▪◦·]\s+|\s+-\s+(?=[A-ZÅÄÖ])")
_WORD = re.compile(r"\w[\w+-]*\w|\w")  # words as written, "Erasmus+" and "e-tjänst" whole


@dataclass
class Evidence:
    strings: list[str] = field(default_factory=list)  # the `evidence` list of the JSON contract
    sentences: list[dict] = field(default_factory=list)  # [{"text", "marks": [[start, end], ...]}]
    resembles: str | None = None


@lru_cache(maxsize=4)
def filler_stems(path: Path) -> frozenset[str]:
    """Stems of the filler words, so that every inflected form is covered ("görs", "gör", "göra")."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return frozenset()
    words = [w.strip().lower() for w in lines if w.strip() and not w.startswith("#")]
    return frozenset(words) | frozenset(t for w in words for t in analyse_terms(w, decompound=False))


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of surrounding space."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and (text[a].isspace() or text[a] in "•▪◦·–-*"):
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b - a >= 3:
            out.append((a, b))
    return out


def phrase_spans(sentence: str, phrase: str) -> list[tuple[int, int]]:
    """Where a folded goal phrase occurs in a sentence as written (any case, any run of spaces or dashes)."""
    return [m.span() for m in _phrase_pattern(phrase).finditer(sentence)]


@lru_cache(maxsize=20_000)
def _phrase_pattern(phrase: str) -> re.Pattern:
    """A phrase's pattern, built once (the same goal phrases are looked for in every passage)."""
    parts = [re.escape(p) for p in phrase.split()]
    pattern = r"(?<!\w)" + r"\s+".join(parts).replace(r"\-", r"\s*[-–—]\s*") + r"(?!\w)"
    return re.compile(pattern, re.IGNORECASE)


def quote(text: str) -> str:
    text = " ".join(text.split())
    return "«" + (text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1].rsplit(" ", 1)[0] + " …") + "»"


class Reading:
    """One passage as the model and the evidence finder see it: its sentences, their features (the passage's
    features are their sum, so the text is analysed once) and, when evidence is asked for, its words."""

    def __init__(self, finder: "EvidenceFinder", text: str, body_start: int = 0):
        """`body_start`: where the passage itself begins in `text` (after the heading the model also reads)."""
        self.finder = finder
        self.text = text
        self.spans = sentences(text)
        self.in_body = np.array([a >= body_start for a, _ in self.spans], dtype=bool)
        self.folded = fold(text)
        self.features = [finder.sentence_features(text[a:b]) for a, b in self.spans]
        self.total: dict[str, float] = {}
        for features in self.features:
            for name, weight in features.items():
                self.total[name] = self.total.get(name, 0.0) + weight
        self._X = None
        self._words = None

    @property
    def X(self) -> np.ndarray | None:
        """The sentences' vectors, dense: a passage has a few sentences, and every link reads them."""
        if self._X is None and self.spans:
            rows = self.finder.sentence_rows([self.text[a:b] for a, b in self.spans], self.features)
            self._X = np.zeros((len(rows), len(self.finder.model.feature_names)))
            for i, (indices, values) in enumerate(rows):
                self._X[i, indices] = values
        return self._X

    @property
    def words(self) -> list[list[tuple[int, int, tuple]]]:
        if self._words is None:
            self._words = [[(m.start(), m.end(), self.finder.word_features(m.group()))
                            for m in _WORD.finditer(self.text[a:b])] for a, b in self.spans]
        return self._words

    def pulls(self, i: int, weights: np.ndarray) -> tuple[list[tuple[int, int]], list[float]]:
        """Sentence i's words that have features, and each one's strongest pull toward the goal `weights` is
        of (its best feature's weight times that feature's factor), in one vector operation per sentence."""
        a, b = self.spans[i]  # only the sentences evidence is shown from are read word by word
        spans, indices, factors, starts = self.finder.word_table(self.text[a:b])
        if not spans:
            return spans, []
        return spans, np.maximum.reduceat(weights[indices] * factors, starts).tolist()


class EvidenceFinder:
    def __init__(self, model: GoalModel, references: dict[str, list[str]]):
        """`references`: per goal id, texts it may be said to resemble (phrases, definitions, curated examples)."""
        self.model = model
        self.index = {name: i for i, name in enumerate(model.feature_names)}
        self.filler = filler_stems(goals_file(model.frameworks, FILLER_FILE))
        self._word_cache: dict[str, tuple[tuple[int, float], ...]] = {}
        self._sentence_cache: dict[str, dict[str, float]] = {}
        self._word_tables: dict[str, tuple] = {}
        self._sentence_rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.references = {g: list(dict.fromkeys(t for t in texts if t.strip())) for g, texts in references.items()}
        # Per goal: the references as vectors over the features that pull toward the goal, each scaled by
        # its pull and normalised — so "resembles" is judged on the words that matter for this goal.
        self._refs = {}
        for goal_id, texts in self.references.items():
            weights = model.weights(goal_id)
            if texts and weights is not None:
                pull = np.clip(weights, 0.0, None)
                refs = model.vectors(texts).multiply(pull).tocsr()
                norms = np.sqrt(np.asarray(refs.multiply(refs).sum(axis=1)).ravel())
                self._refs[goal_id] = (pull, csr_matrix(refs.multiply(1.0 / np.where(norms > 0, norms, 1.0)[:, None])))
        self._phrases = {
            g.global_id: sorted({fold(p) for p in [*g.phrases, *g.aliases]
                                 if len(fold(p)) > 3 and not re.search(r"\d", p)}, key=len, reverse=True)
            for g in model.frameworks.iter_goals()
        }
        self._goal_phrases: dict[str, list[str]] = {}

    def reading(self, text: str, body_start: int = 0) -> Reading:
        return Reading(self, text, body_start)

    def goal_phrases(self, goal_id: str) -> list[str]:
        """The goal's phrases and those of the goals under it, longest first (worked out once per goal)."""
        found = self._goal_phrases.get(goal_id)
        if found is None:
            goal = self.model.frameworks.get(goal_id)
            found = list(self._phrases.get(goal_id, []))
            for child in self.model.frameworks.descendants(goal):
                found += self._phrases.get(child.global_id, [])
            # longest first, ties alphabetically: the same order in every process (a set's order is not)
            found = self._goal_phrases[goal_id] = sorted(set(found), key=lambda phrase: (-len(phrase), phrase))
        return list(found)

    def sentence_features(self, sentence: str) -> dict[str, float]:
        """The model's features of one sentence (never changed by callers). Kept per sentence: a section's
        heading is read with each of its passages, and reports repeat their standard sentences."""
        cached = self._sentence_cache.get(sentence)
        if cached is None:
            if len(self._sentence_cache) > 20_000:
                self._sentence_cache.clear()
            cached = self._sentence_cache[sentence] = self.model.featurise(sentence)
        return cached

    def sentence_rows(self, sentences: list[str], features: list[dict[str, float]]) -> list[tuple]:
        """Each sentence's TF-IDF row as (indices, values): rows are normalised one by one, so a sentence's
        row is the same whichever passage it is read in (kept per sentence, as above; the others in one go)."""
        rows = [self._sentence_rows.get(sentence) for sentence in sentences]
        missing = [i for i, row in enumerate(rows) if row is None]
        if missing:
            X = self.model.vectoriser.transform([features[i] for i in missing])
            if len(self._sentence_rows) > 20_000:
                self._sentence_rows.clear()
            for n, i in enumerate(missing):
                a, b = X.indptr[n], X.indptr[n + 1]
                rows[i] = self._sentence_rows[sentences[i]] = (X.indices[a:b], X.data[a:b])
        return rows

    def word_table(self, sentence: str) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray, np.ndarray]:
        """A sentence's words that have features: their spans, and their (feature index, factor) pairs flat,
        with where each word's pairs start (kept per sentence, as above)."""
        table = self._word_tables.get(sentence)
        if table is None:
            spans, indices, factors, starts = [], [], [], []
            for m in _WORD.finditer(sentence):
                features = self.word_features(m.group())
                if features:
                    spans.append((m.start(), m.end()))
                    starts.append(len(indices))
                    indices.extend(j for j, _ in features)
                    factors.extend(f for _, f in features)
            if len(self._word_tables) > 20_000:
                self._word_tables.clear()
            table = self._word_tables[sentence] = (spans, np.array(indices, dtype=np.int64),
                                                   np.array(factors, dtype=float), np.array(starts, dtype=np.int64))
        return table

    def word_features(self, word: str) -> tuple[tuple[int, float], ...]:
        """(feature index, factor) for a word as written; () for filler, numbers and very short words."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        found: tuple[tuple[int, float], ...] = ()
        if len(word) >= 3 and not any(ch.isdigit() for ch in word):
            terms = analyse_terms(word)
            if word.lower() not in self.filler and not any(t in self.filler for t in terms if t[0] != "~"):
                found = tuple((self.index[t], PART_WEIGHT if t[0] == "~" else 1.0) for t in terms if t in self.index)
        if len(self._word_cache) > 100_000:
            self._word_cache.clear()
        self._word_cache[word] = found
        return found

    def inferred(self, reading: Reading | str, goal_id: str) -> Evidence:
        if isinstance(reading, str):
            reading = self.reading(reading)
        weights = self.model.weights(goal_id)
        if weights is None or reading.X is None:
            return Evidence()
        text = reading.text
        phrases = [p for p in self.goal_phrases(goal_id) if p in reading.folded]
        carried = reading.X @ weights
        if (carried[reading.in_body] > 0).any():  # the passage's own sentences before its heading
            carried = np.where(reading.in_body, carried, 0.0)
        order = [i for i in np.argsort(-carried, kind="stable") if carried[i] > 0][:MAX_SENTENCES]
        if len(order) == 2 and carried[order[1]] < SECOND_SENTENCE_SHARE * carried[order[0]]:
            order = order[:1]
        chosen = sorted(order)
        evidence = Evidence()
        marked_words: list[str] = []
        for i in chosen:
            a, b = reading.spans[i]
            sentence = text[a:b]
            marks: list[tuple[int, int]] = []
            for phrase in phrases:
                for s, e in phrase_spans(sentence, phrase):
                    if not any(s < me and ms < e for ms, me in marks):
                        marks.append((s, e))
                        marked_words.append(sentence[s:e])
            scored = []
            for (start, end), w in zip(*reading.pulls(i, weights)):
                if w >= MIN_MARK_WEIGHT and not any(start < me and ms < end for ms, me in marks):
                    scored.append((w, (start, end)))
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
        evidence.resembles = phrases[0] if phrases else self._nearest_reference(reading, chosen, goal_id)
        if evidence.resembles:
            evidence.strings.append("liknar: " + quote(evidence.resembles))
        return evidence

    def _nearest_reference(self, reading: Reading, chosen: list[int], goal_id: str) -> str | None:
        found = self._refs.get(goal_id)
        if found is None or not chosen:
            return None
        pull, refs = found
        vector = reading.X[chosen].sum(axis=0) * pull
        norm = np.linalg.norm(vector)
        if not norm:
            return None
        sims = refs @ (vector / norm)
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
