"""Link a passage to the goals it works toward, with a score in [0, 1] and evidence a person can check.

Two sources, in order of trust:
1. explicit references the author wrote ("#17 …", "Målområde: …", "Prioriterat område 2", "globala
   mål 4", a goal's full label) — kind "explicit" — counted only for frameworks whose scope the text or
   document is within (ingest/enrich/goal_scope.py); a bare number never links;
2. a trained, calibrated model (ingest/enrich/goal_model.py) — kind "inferred". Its score is the
   probability that the passage is about the goal; below SHOW_LINK_SCORE a link is a weaker
   suggestion, hidden unless a person asks to see weaker ones ("visa svagare"). Outside a framework's
   scope the probability is scaled by OUT_OF_SCOPE_WEIGHT, so such links are weaker suggestions at most.

Build once per process: `GoalLinker(frameworks)` trains on the goal definitions and the examples in
corpus/goals/examples/; `GoalLinker.train(frameworks, verdicts=...)` also learns from people's verdicts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from ingest.config import GOAL_LINK_SHOWN_MIN
from ingest.enrich.explicit_goals import ExplicitMatcher
from ingest.enrich.goal_evidence import Evidence, EvidenceFinder, sentences
from ingest.enrich.goal_model import INFERRED_LEVELS, GoalModel
from ingest.enrich.goal_scope import ScopeMatcher
from ingest.enrich.goals import Frameworks, Goal, LabelledText

SHOW_LINK_SCORE = GOAL_LINK_SHOWN_MIN  # inferred links at least this probable are shown by default (one place: config)
KEEP_LINK_SCORE = 0.15  # weaker suggestions than this are not kept at all
OUT_OF_SCOPE_WEIGHT = 0.5  # an inferred link to a framework the document is outside: a weaker suggestion at most
MIN_SUGGESTION = 0.05  # link() drops anything weaker

Verdict = tuple[str, Sequence[str], str, str]  # (passage text, heading path, goal id, "confirmed" | "rejected")


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
    evidence_sentences: list[dict] = field(default_factory=list)  # [{"text", "marks": [[start, end], ...]}]
    resembles: str | None = None  # the goal phrase or curated example the passage resembles
    in_scope: bool = True  # False: the text is outside the framework's scope (see goal_scope.py)

    @property
    def shown(self) -> bool:
        """Shown by default; False means a weaker suggestion ("visa svagare")."""
        return (self.kind == "explicit" and self.in_scope) or self.score >= SHOW_LINK_SCORE


def context_text(text: str, heading_path: Sequence[str] = ()) -> str:
    """What the model reads: the nearest heading, then the passage."""
    headings = [h for h in heading_path if h]
    return (headings[-1] + "\n" + text) if headings else text


def verdict_examples(verdicts: Iterable[Verdict | dict]) -> list[LabelledText]:
    """People's verdicts as training examples: one per passage, its confirmed goals and its rejected ones.
    A verdict is a (text, heading path, goal id, verdict) tuple or a dict with those keys (the catalogue's
    `verdicts()` rows: text, heading_path, goal_id, verdict)."""
    merged: dict[str, tuple[list[str], list[str]]] = {}
    for item in verdicts:
        if isinstance(item, dict):
            item = (item["text"], item.get("heading_path") or [], item["goal_id"], item["verdict"])
        text, heading_path, goal_id, verdict = item
        confirmed, rejected = merged.setdefault(context_text(text, heading_path), ([], []))
        (confirmed if verdict == "confirmed" else rejected).append(goal_id)
    return [LabelledText(text, tuple(dict.fromkeys(c)), frozenset(), tuple(dict.fromkeys(r)), "bedömning")
            for text, (c, r) in merged.items()]


def _examples(frameworks: Frameworks, examples) -> list[LabelledText]:
    if examples is None:
        return list(frameworks.examples)
    out = []
    for ex in examples:  # LabelledText, or the older {"goal_id", "text"} dicts
        out.append(ex if isinstance(ex, LabelledText) else LabelledText(ex["text"], (ex["goal_id"],), frozenset()))
    return out


class GoalLinker:
    def __init__(self, frameworks: Frameworks, examples: Iterable | None = None, verdicts: Iterable[Verdict] = ()):
        """`examples` default to every file in corpus/goals/examples/; `verdicts` are people's."""
        self.frameworks = frameworks
        self.explicit = ExplicitMatcher(frameworks)
        self.scopes = ScopeMatcher(frameworks)
        curated = _examples(frameworks, examples)
        self.model = GoalModel(frameworks, curated, verdict_examples(verdicts))
        self.targets: list[Goal] = self.model.targets
        self.evidence = EvidenceFinder(self.model, self._references(curated))

    @classmethod
    def train(cls, frameworks: Frameworks, examples: Iterable | None = None,
              verdicts: Iterable[Verdict] = ()) -> "GoalLinker":
        """Refit from the frameworks, the examples and all verdicts (what `kunskapsbank goals retrain` runs)."""
        return cls(frameworks, examples, verdicts)

    def _references(self, curated: list[LabelledText]) -> dict[str, list[str]]:
        """What a passage may be said to resemble, per goal: its label, phrases and description, the labels
        of the finer goals under it, and the sentences of curated examples about it (never a verdict's passage,
        which may be internal, nor a plan's)."""
        references: dict[str, list[str]] = {}
        for goal in self.targets:
            below = {goal.global_id} | {d.global_id for d in self.frameworks.descendants(goal)}
            refs = [goal.label, *goal.phrases, goal.description]
            refs += [d.label for d in self.frameworks.descendants(goal) if d.level not in INFERRED_LEVELS]
            for ex in curated:
                if ex.quotable and below.intersection(ex.goal_ids):
                    refs += [ex.text[a:b] for a, b in sentences(ex.text)]
            references[goal.global_id] = [r for r in refs if r and not re.search(r"\d", r)]
        return references

    # -- scope ---------------------------------------------------------------------------------
    def document_scope(self, title: str = "", organisation: str = "", texts: Iterable[str] = (),
                       override: set[str] | None = None) -> set[str]:
        return self.scopes.in_document(title, organisation, texts, override)

    # -- inference -----------------------------------------------------------------------------
    def inferred_scores(self, text: str) -> dict[str, float]:
        """Probability in [0, 1] that the text is about each inferred-level goal (scope not applied)."""
        return self.model.scores(text) if text.strip() else {}

    def link(self, text: str, heading_path: Sequence[str] = (), top_k: int = 10,
             scope: set[str] | None = None) -> list[GoalLink]:
        """Links for one passage, explicit first, then by score. `scope`: the frameworks the passage's
        document is within (Knowledge.analyse decides it per document); None = decide from this text."""
        return self.link_many([(text, heading_path)], top_k=top_k, scope=scope)[0]

    def link_many(self, passages: Iterable[tuple[str, Sequence[str]]], top_k: int = 10,
                  scope: set[str] | None = None) -> list[list[GoalLink]]:
        """`link` for many passages (text, heading path) of one document: the same links, with the model
        scoring them all in one matrix product per goal group."""
        items = [(text, [h for h in heading_path if h]) for text, heading_path in passages]
        readings = [self.evidence.reading(context, len(context) - len(text))
                    for context, text in ((context_text(text, headings), text) for text, headings in items)]
        scores = self.model.scores_of_many([r.total for r in readings])
        return [self._link(text, headings, top_k, scope, reading, probabilities)
                for (text, headings), reading, probabilities in zip(items, readings, scores)]

    def _link(self, text: str, headings: list[str], top_k: int, scope: set[str] | None, reading,
              probabilities: dict[str, float]) -> list[GoalLink]:
        if scope is None:
            scope = self.scopes.in_text(text, headings[-2:])
        links: dict[str, GoalLink] = {}
        refs = [(r, text) for r in self.explicit.find(text)]
        refs += [(r, h) for h in headings[-2:] for r in self.explicit.find(h, in_heading=True)]
        for ref, source in refs:
            goal = self.frameworks.linkable(ref.goal)  # an activity's words point at its område
            if goal is None or goal.framework not in scope:
                continue
            where = "rubrik" if ref.in_heading else "text"
            self._add(links, goal, 1.0, "explicit", EvidenceFinder.explicit(source, ref.evidence, where))
        for goal_id in [gid for gid, link in links.items() if link.kind == "explicit"]:
            parent = self.frameworks.link_parent(self.frameworks.get(goal_id))
            if parent is not None and parent.level in INFERRED_LEVELS:
                via = Evidence(strings=[f"via {self.frameworks.get(goal_id).display_label}"],
                               sentences=links[goal_id].evidence_sentences)
                self._add(links, parent, 0.9, "explicit", via)

        inferred = []
        for goal_id, probability in probabilities.items():
            goal = self.frameworks.get(goal_id)
            score = probability if goal.framework in scope else probability * OUT_OF_SCOPE_WEIGHT
            if goal_id not in links and score >= MIN_SUGGESTION:
                inferred.append((score, goal_id))
        room = max(0, top_k - len(links))
        for score, goal_id in sorted(inferred, key=lambda x: (-x[0], x[1]))[:room]:
            goal = self.frameworks.get(goal_id)
            evidence = Evidence()
            if score >= KEEP_LINK_SCORE:  # evidence costs time; links weaker than this are never kept
                evidence = self.evidence.inferred(reading, goal_id)
            self._add(links, goal, score, "inferred", evidence, in_scope=goal.framework in scope)
        ranked = sorted(links.values(), key=lambda l: (l.kind != "explicit", -l.score, l.goal_id))
        return ranked[:top_k]

    def explain(self, text: str, heading_path: Sequence[str], goal_id: str,
                scope: set[str] | None = None) -> GoalLink | None:
        """The link to one given goal however weak (for a link a person confirmed), with its evidence."""
        for link in self.link(text, heading_path, top_k=len(self.frameworks.goals), scope=scope):
            if link.goal_id == goal_id:
                return link
        goal = self.frameworks.get(goal_id)
        if goal is None:
            return None
        headings = [h for h in heading_path if h]
        context = context_text(text, headings)
        in_scope = scope is None or goal.framework in scope
        score = self.inferred_scores(context).get(goal_id, 0.0) * (1.0 if in_scope else OUT_OF_SCOPE_WEIGHT)
        links: dict[str, GoalLink] = {}
        reading = self.evidence.reading(context, len(context) - len(text))
        self._add(links, goal, score, "inferred", self.evidence.inferred(reading, goal_id), in_scope=in_scope)
        return links[goal_id]

    def _add(self, links: dict[str, GoalLink], goal: Goal, score: float, kind: str, evidence: Evidence,
             in_scope: bool = True) -> None:
        existing = links.get(goal.global_id)
        if existing is not None:
            if existing.kind == "explicit" or existing.score >= score:
                existing.evidence.extend(e for e in evidence.strings if e not in existing.evidence)
                if not existing.evidence_sentences:
                    existing.evidence_sentences = evidence.sentences
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
            evidence=list(evidence.strings),
            evidence_sentences=evidence.sentences,
            resembles=evidence.resembles,
            in_scope=in_scope,
        )


def link_json(link) -> dict:
    """A link as the JSON contract of `kunskapsbank link` and `POST /api/link` shows it. The first ten keys
    are the original contract; the rest were added (structured evidence, scope, default visibility)."""
    return {
        "goal_id": link.goal_id,
        "framework": link.framework,
        "level": link.level,
        "number": link.number,
        "label": link.label,
        "parent_id": link.parent_id,
        "parent_label": link.parent_label,
        "score": round(float(link.score), 4),
        "kind": link.kind,
        "evidence": list(link.evidence),
        "evidence_sentences": [{"text": s["text"], "marks": [list(m) for m in s["marks"]]}
                               for s in getattr(link, "evidence_sentences", [])],
        "resembles": getattr(link, "resembles", None),
        "in_scope": bool(getattr(link, "in_scope", True)),
        "shown": bool(getattr(link, "shown", True)),
    }
