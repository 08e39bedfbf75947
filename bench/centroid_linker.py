"""The previous goal linker (nearest centroid over TF-IDF), kept only so bench/eval_linking.py can print
old and new side by side. The service uses ingest/enrich/linking.py.

Two sources, in order of trust:
1. explicit references the author wrote ("#17", "Målområde: …", "Prioriterat område 2", a goal's
   full label) — kind "explicit";
2. a nearest-centroid classifier over Swedish TF-IDF vectors (stems plus compound parts, the same
   analysis the search index uses) — kind "inferred". Each goal's centroid is built from its
   definition in corpus/goals (label, description, phrases, keywords, sub-goals and activities)
   and from labelled example passages (corpus/goals/examples/), so a passage can link to a goal
   without sharing the goal title's words.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ingest.enrich.explicit_goals import ExplicitMatcher, fold
from ingest.enrich.goals import Frameworks, Goal
from search.text import analyse_terms

# Frequent words that do carry some signal but explain nothing to a reader of the evidence.
EVIDENCE_SKIP = {"ska", "skall", "kommer", "ny", "nya", "nytt", "fler", "mer", "mera", "många", "bättre", "lättare",
                 "samt", "även", "kunna", "kan", "får", "genom", "öka", "ökad", "ökat", "andel", "andelen"}
INFERRED_LEVELS = ("malomrade", "delmal", "omrade", "sdg")  # vision links only when written out
PART_WEIGHT = 0.5  # compound parts count, but less than whole words
COS_FULL = 0.30  # a cosine this high is as strong as inference gets
SOFTMAX_SHARPNESS = 18.0
EXAMPLE_WEIGHT = 0.5  # the mean of a goal's labelled example passages, beside its definition (1.0)
DEFINITION_WEIGHT = 1.0
CHILD_WEIGHT = 0.5  # each delmål's profile inside its målområde's
PARENT_FLOOR = 0.9  # a målområde scores at least this share of its best delmål: the two agree


@dataclass
class GoalLink:
    goal_id: str
    framework: str
    level: str
    number: int | None
    label: str
    parent_id: str | None
    parent_label: str | None
    score: float
    kind: str  # "explicit" | "inferred" (a person's verdict is stored separately as "confirmed")
    evidence: list[str] = field(default_factory=list)


def _definition_text(frameworks: Frameworks, goal: Goal) -> str:
    """The words that define a goal, with the finer goals and activities under it."""
    parts = [goal.label, goal.label, goal.description, " . ".join(goal.phrases), " . ".join(goal.keywords)]
    for child in frameworks.descendants(goal):
        if child.level not in INFERRED_LEVELS:
            parts += [child.label, child.description, " . ".join(child.phrases), " . ".join(child.keywords)]
    return " . ".join(p for p in parts if p)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


class _Vectoriser:
    def __init__(self, documents: list[list[str]]):
        df = Counter()
        for terms in documents:
            df.update(set(terms))
        self.vocabulary = {term: i for i, term in enumerate(sorted(df))}
        n = len(documents)
        self.idf = np.zeros(len(self.vocabulary))
        for term, i in self.vocabulary.items():
            self.idf[i] = math.log((1 + n) / (1 + df[term])) + 1.0

    def __call__(self, terms: list[str]) -> np.ndarray:
        vector = np.zeros(len(self.vocabulary))
        for term, count in Counter(terms).items():
            i = self.vocabulary.get(term)
            if i is not None:
                weight = PART_WEIGHT if term.startswith("~") else 1.0
                vector[i] = weight * (1.0 + math.log(count)) * self.idf[i]
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector


class CentroidLinker:
    def __init__(self, frameworks: Frameworks, examples: list[dict] | None = None):
        """`examples` ({"goal_id", "text"}) default to the labelled examples of every framework."""
        self.frameworks = frameworks
        self.explicit = ExplicitMatcher(frameworks)
        if examples is None:
            examples = [ex for fw in frameworks.frameworks.values() for ex in fw.examples]
        self.targets = [
            g for g in frameworks.iter_goals() if g.level in INFERRED_LEVELS and g.wording_known
        ]
        definitions = {g.global_id: analyse_terms(_definition_text(frameworks, g)) for g in self.targets}
        example_terms = [(ex["goal_id"], analyse_terms(ex["text"])) for ex in examples]
        self.vectorise = _Vectoriser(list(definitions.values()) + [t for _, t in example_terms])
        # Each goal: its definition, plus the mean of its labelled examples as one vector (so a goal
        # with fifteen example passages does not drown one with two).
        own: dict[str, list[tuple[float, np.ndarray]]] = {
            gid: [(DEFINITION_WEIGHT, self.vectorise(terms))] for gid, terms in definitions.items()
        }
        grouped: dict[str, list[np.ndarray]] = {}
        for goal_id, terms in example_terms:
            goal = frameworks.get(goal_id)
            goal = frameworks.linkable(goal) if goal else None
            if goal is not None and goal.global_id in own:
                grouped.setdefault(goal.global_id, []).append(self.vectorise(terms))
        for goal_id, vectors in grouped.items():
            own[goal_id].append((EXAMPLE_WEIGHT, _unit(np.mean(vectors, axis=0))))
        profiles = {gid: _unit(sum(w * v for w, v in parts)) for gid, parts in own.items()}
        # A målområde is also described by its delmål, each counted once and below its own words.
        self.centroids = np.zeros((len(self.targets), len(self.vectorise.vocabulary)))
        for row, goal in enumerate(self.targets):
            vector = profiles[goal.global_id].copy()
            for child in frameworks.descendants(goal):
                if child.global_id in profiles:
                    vector += CHILD_WEIGHT * profiles[child.global_id]
            self.centroids[row] = _unit(vector)
        self._children = {
            g.global_id: [c.global_id for c in frameworks.descendants(g) if c.global_id in profiles] for g in self.targets
        }
        # Goals compete with others of the same framework and level (delmål with delmål, ...).
        self._groups: dict[tuple[str, str], list[int]] = {}
        for row, goal in enumerate(self.targets):
            self._groups.setdefault((goal.framework, goal.level), []).append(row)
        self._terms = {i: t for t, i in self.vectorise.vocabulary.items()}
        self._rows = {g.global_id: row for row, g in enumerate(self.targets)}
        self._phrases = {
            g.global_id: sorted({fold(p) for p in g.phrases if len(fold(p)) > 3}, key=len, reverse=True)
            for g in self.targets
        }

    # -- inference ---------------------------------------------------------------------------
    def inferred_scores(self, text: str) -> dict[str, float]:
        """Score in [0, 1] for every inferred-level goal: absolute similarity times how clearly the
        goal stands out among its siblings."""
        vector = self.vectorise(analyse_terms(text))
        if not vector.any():
            return {}
        cosines = self.centroids @ vector
        scores: dict[str, float] = {}
        for rows in self._groups.values():
            group = cosines[rows]
            exp = np.exp(SOFTMAX_SHARPNESS * (group - group.max()))
            share = exp / exp.sum()
            for row, cos, p in zip(rows, group, share):
                strength = min(1.0, max(0.0, cos) / COS_FULL)
                scores[self.targets[row].global_id] = float(strength * (0.35 + 0.65 * p))
        for goal_id, children in self._children.items():
            if children:
                best_child = max(scores.get(c, 0.0) for c in children)
                scores[goal_id] = max(scores.get(goal_id, 0.0), PARENT_FLOOR * best_child)
        return scores

    def _evidence_basis(self, text: str) -> tuple[dict[str, str], np.ndarray]:
        """Each stem's first surface word, and the passage's whole-word vector."""
        surface: dict[str, str] = {}
        for word in dict.fromkeys(re.findall(r"\w[\w:+-]*", text.lower())):
            for term in analyse_terms(word, decompound=False):
                surface.setdefault(term, word)
        return surface, self.vectorise(analyse_terms(text, decompound=False))

    def _shared_words(self, basis: tuple[dict[str, str], np.ndarray], goal_row: int, limit: int = 5) -> list[str]:
        """The passage's words that pull it toward the goal most, as written (evidence for people)."""
        surface, vector = basis
        contribution = vector * self.centroids[goal_row]
        best = np.argsort(-contribution)[:limit]
        terms = self._terms
        words = [surface.get(terms[i], terms[i]) for i in best if contribution[i] > 0.002]
        return [w for w in words if w not in EVIDENCE_SKIP]

    def _phrase_hits(self, folded: str, goal_id: str) -> list[str]:
        hits = []
        for phrase in self._phrases.get(goal_id, ()):
            if phrase in folded and re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", folded):
                if not any(phrase in h for h in hits):
                    hits.append(phrase)
        return hits[:4]

    # -- public ------------------------------------------------------------------------------
    def link(self, text: str, heading_path: list[str] | tuple[str, ...] = (), top_k: int = 10) -> list[GoalLink]:
        links: dict[str, GoalLink] = {}
        headings = [h for h in heading_path if h]
        for ref in self.explicit.find(text) + [r for h in headings[-2:] for r in self.explicit.find(h, in_heading=True)]:
            goal = self.frameworks.linkable(ref.goal)  # an activity's words point at its område
            if goal is not None:
                where = "rubrik" if ref.in_heading else "text"
                self._add(links, goal, 1.0, "explicit", [f"{where}: {ref.evidence}"])
        for goal_id in [gid for gid, link in links.items() if link.kind == "explicit"]:
            parent = self.frameworks.link_parent(self.frameworks.get(goal_id))
            if parent is not None and parent.level in INFERRED_LEVELS:
                self._add(links, parent, 0.9, "explicit", [f"via {self.frameworks.get(goal_id).display_label}"])

        context = " ".join([headings[-1]] if headings else []) + " " + text
        folded = fold(context)
        basis = None
        for goal_id, model_score in self.inferred_scores(context).items():
            if goal_id in links:
                continue
            phrases = self._phrase_hits(folded, goal_id)
            boost = min(0.6, sum(0.3 if " " in p else 0.1 for p in phrases))
            score = 1.0 - (1.0 - model_score) * (1.0 - boost)
            if score < 0.05:
                continue
            evidence = [f"fras: {p}" for p in phrases]
            words = []
            if score >= 0.2:
                basis = basis or self._evidence_basis(context)
                words = self._shared_words(basis, self._rows[goal_id])
            if words:
                evidence.append("ord: " + ", ".join(words))
            self._add(links, self.frameworks.get(goal_id), score, "inferred", evidence)
        ranked = sorted(links.values(), key=lambda l: (l.kind != "explicit", -l.score, l.goal_id))
        return ranked[:top_k]

    def _add(self, links: dict[str, GoalLink], goal: Goal, score: float, kind: str, evidence: list[str]) -> None:
        existing = links.get(goal.global_id)
        if existing is not None:
            if existing.kind == "explicit" or existing.score >= score:
                existing.evidence.extend(e for e in evidence if e not in existing.evidence)
                return
        parent = self.frameworks.link_parent(goal)
        links[goal.global_id] = GoalLink(
            goal_id=goal.global_id,
            framework=goal.framework,
            level=goal.level,
            number=goal.number,
            label=goal.display_label,
            parent_id=parent.global_id if parent else None,
            parent_label=parent.label if parent else None,
            score=round(min(1.0, max(0.0, score)), 4),
            kind=kind,
            evidence=evidence,
        )
