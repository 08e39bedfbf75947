"""The trained part of goal linking: calibrated probabilities that a text is about each goal.

Goals that compete (one framework, one level: RUS målområden, RUS delmål, Westum områden, the 17
global goals) form a group. Each group is a multinomial logistic regression (scikit-learn) over
Swedish TF-IDF features — word stems and compound parts from the search's analysis
(`search.text.analyse_terms`) and the goals' multi-word phrases — with one extra class, "none of
these", learnt from texts about none of the goals (staff lists, court rulings, budget tables) and
from texts labelled with other frameworks only. A temperature per group, fitted by cross-validation
on the examples, turns the scores into calibrated probabilities. The goal hierarchy is a prior: a
målområde also gets the probability mass of its delmål, and a delmål leans on its målområde.

Training data: the goal definitions in corpus/goals/*.yaml, the labelled examples in
corpus/goals/examples/ and people's verdicts. Numbers are never features ("10" says nothing about
Agenda 2030 goal 10). Training is deterministic and takes a few seconds.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from ingest.enrich.goal_features import INFERRED_LEVELS, PART_WEIGHT, Featuriser, Vectoriser, definition_texts
from ingest.enrich.goals import Frameworks, LabelledText

__all__ = ["INFERRED_LEVELS", "PART_WEIGHT", "GoalModel", "definition_texts"]
NONE = "-"  # the class "about none of this group's goals"
NONE_BALANCE = 3.0  # in training, "none of these" weighs at most this many times an average goal
GOAL_BALANCE = 1.0  # 1: every goal's examples weigh the same in training; 0: as many as there are
REGULARISATION = 4.0  # C of the logistic regressions (chosen on the dev set, see bench/eval_linking.py)
DEFINITION_WEIGHT = 1.0  # one pseudo-text per part of a goal's definition
VERDICT_WEIGHT = 2.0  # a person's verdict counts more than a curated example
CALIBRATION_FOLDS = 4
PARENT_SHARE = 0.5  # a målområde's probability: this share from its delmål, the rest from its own model
CHILD_SHARE = 0.5  # a delmål's probability: this share through its målområde, the rest from its own model


@dataclass(frozen=True)
class Group:
    framework: str
    level: str
    goal_ids: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.framework}/{self.level}"


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class GroupModel:
    """One group's classifier: goals plus NONE, with a fitted temperature."""

    def __init__(self, group: Group, classes: list[str], model: LogisticRegression | None, temperature: float,
                 none_bias: float = 0.0):
        self.group = group
        self.classes = classes
        self.model = model
        self.temperature = temperature
        self.shift = np.array([none_bias if c == NONE else 0.0 for c in classes])
        if model is not None:
            coef, intercept = model.coef_, model.intercept_
            if coef.shape[0] == 1:  # two classes: sklearn keeps one row, for the second class
                coef, intercept = np.vstack([np.zeros_like(coef[0]), coef[0]]), np.array([0.0, intercept[0]])
            self._coef_t, self._intercept = np.ascontiguousarray(coef.T), intercept

    def logits(self, X) -> np.ndarray:
        """The same as the model's decision_function, without its checks (called for every passage)."""
        if self.model is None:
            return np.zeros((X.shape[0], len(self.classes)))
        return np.asarray(X @ self._coef_t) + self._intercept

    def probabilities(self, X) -> np.ndarray:
        return _softmax(self.logits(X) / self.temperature + self.shift)

    def weights(self, goal_id: str) -> np.ndarray | None:
        """How much each feature pulls a text toward the goal rather than the group's other classes."""
        if self.model is None or goal_id not in self.classes:
            return None
        coef = self._coef_t.T
        return coef[self.classes.index(goal_id)] - coef.mean(axis=0)


def _rebalanced(y: list[str], weights: np.ndarray) -> np.ndarray:
    """Training weights: each goal's examples together weigh the same (GOAL_BALANCE = 1; 0 keeps them as they
    are), and NONE at most NONE_BALANCE times an average goal. Most training texts are about other groups'
    goals, and some goals have many more examples than others; neither should decide the ranking."""
    labels = np.array(y)
    none = labels == NONE
    goals = sorted(set(y) - {NONE})
    if not goals:
        return weights
    out = weights.astype(float).copy()
    average_goal = weights[~none].sum() / len(goals)
    for goal in goals:
        mask = labels == goal
        total = weights[mask].sum()
        out[mask] *= (average_goal / total) ** GOAL_BALANCE
    if none.any():
        out[none] *= min(1.0, NONE_BALANCE * average_goal / weights[none].sum())
    return out


def _fit(X, y: list[str], weights: np.ndarray) -> LogisticRegression | None:
    if len(set(y)) < 2:
        return None
    # SAG: fast on a few hundred sparse rows (L-BFGS over 40k weights is not), deterministic with a seed.
    model = LogisticRegression(C=REGULARISATION, solver="sag", max_iter=3000, tol=1e-4, random_state=0)
    with warnings.catch_warnings(), threadpool_limits(1):  # a shared machine: one core is plenty here
        warnings.simplefilter("ignore")
        model.fit(X, y, sample_weight=weights)
    return model


def _calibrate(logits: np.ndarray, gold: np.ndarray, weights: np.ndarray, none: int | None) -> tuple[float, float]:
    """Temperature T and a bias b on the NONE class that make softmax(logits / T + b·[NONE]) best predict
    held-out labels (weighted negative log-likelihood). The bias undoes the rebalancing of NONE in training."""
    shift = np.zeros(logits.shape[1])

    def nll(params: np.ndarray) -> float:
        if none is not None:
            shift[none] = params[1]
        p = _softmax(logits / np.exp(params[0]) + shift)[np.arange(len(gold)), gold]
        return float(-(weights * np.log(np.clip(p, 1e-12, 1.0))).sum())
    best = minimize(nll, np.zeros(2), method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-4})
    return float(np.exp(np.clip(best.x[0], -3, 3))), float(best.x[1]) if none is not None else 0.0


class GoalModel:
    def __init__(self, frameworks: Frameworks, examples: list[LabelledText], verdicts: list[LabelledText] = ()):
        self.frameworks = frameworks
        self.featurise = Featuriser(frameworks)
        self.groups = self._groups(frameworks)
        self.targets = [frameworks.get(g) for grp in self.groups for g in grp.goal_ids]
        definitions = [(text, goal.global_id) for goal in self.targets
                       for text in definition_texts(frameworks, goal)]
        items = [LabelledText(text, (gid,), frozenset(), weight=DEFINITION_WEIGHT) for text, gid in definitions]
        self._n_definitions = len(items)
        items += list(examples)
        items += [LabelledText(v.text, v.goal_ids, v.labelled, v.rejected, v.source, VERDICT_WEIGHT * v.weight)
                  for v in verdicts]
        features = [self.featurise(item.text) for item in items]
        self.vectoriser = Vectoriser(features)
        X = self.vectoriser.transform(features)
        self.feature_names = self.vectoriser.names
        self.models = {grp.key: self._train_group(grp, X, items) for grp in self.groups}
        self._weights: dict[str, np.ndarray | None] = {}
        self._children = {
            g.global_id: [c for c in (frameworks.get(cid) for cid in g.children) if c.global_id in self._group_of]
            for g in self.targets
        }

    # -- training ------------------------------------------------------------------------------
    def _groups(self, frameworks: Frameworks) -> list[Group]:
        by_key: dict[tuple[str, str], list[str]] = {}
        for goal in frameworks.iter_goals():
            if goal.level in INFERRED_LEVELS and goal.wording_known:
                by_key.setdefault((goal.framework, goal.level), []).append(goal.global_id)
        groups = [Group(fw, level, tuple(ids)) for (fw, level), ids in by_key.items()]
        self._group_of = {gid: grp for grp in groups for gid in grp.goal_ids}
        return groups

    def _in_group(self, goal_id: str, group: Group) -> str | None:
        """The group's goal that `goal_id` is or lies under (a delmål lies under its målområde)."""
        goal = self.frameworks.get(goal_id)
        while goal is not None:
            if goal.global_id in group.goal_ids:
                return goal.global_id
            goal = self.frameworks.parent(goal)
        return None

    def label(self, item: LabelledText, group: Group) -> list[str]:
        """The item's classes in this group: its goals, NONE, or [] when unknown."""
        found = sorted({g for g in (self._in_group(gid, group) for gid in item.goal_ids) if g})
        if found:
            return found
        if any(self.frameworks.get(gid).framework == group.framework for gid in item.goal_ids):
            return []  # labelled more coarsely (a målområde only): which delmål is unknown
        if group.framework in item.labelled or any(self._in_group(r, group) for r in item.rejected):
            return [NONE]
        return []

    def _rows(self, group: Group, items: list[LabelledText], indices) -> tuple[list[int], list[str], np.ndarray]:
        rows, y, w = [], [], []
        for i in indices:
            labels = self.label(items[i], group)
            for label in labels:
                rows.append(i)
                y.append(label)
                w.append(items[i].weight / len(labels))
        return rows, y, np.array(w)

    def _train_group(self, group: Group, X, items: list[LabelledText]) -> GroupModel:
        rows, y, w = self._rows(group, items, range(len(items)))
        model = _fit(X[rows], y, _rebalanced(y, w))
        if model is None:
            return GroupModel(group, sorted(set(y) | set(group.goal_ids)), None, 1.0)
        classes = list(model.classes_)
        # Calibration: fit on all but one fold of the examples (definitions always in), score that fold.
        held_logits, held_gold, held_w = [], [], []
        example_ids = list(range(self._n_definitions, len(items)))
        for fold_no in range(CALIBRATION_FOLDS):
            held = [i for i in example_ids if i % CALIBRATION_FOLDS == fold_no]
            keep = [i for i in range(len(items)) if i < self._n_definitions or i % CALIBRATION_FOLDS != fold_no]
            r_train, y_train, w_train = self._rows(group, items, keep)
            r_held, y_held, w_held = self._rows(group, items, held)
            fold_model = _fit(X[r_train], y_train, _rebalanced(y_train, w_train))
            if fold_model is None or not r_held or list(fold_model.classes_) != classes:
                continue  # a class missing from this fold's training: its scores cannot be compared
            held_logits.append(GroupModel(group, classes, fold_model, 1.0).logits(X[r_held]))
            held_gold.append(np.array([classes.index(label) for label in y_held]))
            held_w.append(w_held)
        temperature, none_bias = 1.0, 0.0
        if held_logits:
            temperature, none_bias = _calibrate(np.vstack(held_logits), np.concatenate(held_gold),
                                                np.concatenate(held_w), classes.index(NONE) if NONE in classes else None)
        return GroupModel(group, classes, model, temperature, none_bias)

    # -- prediction ----------------------------------------------------------------------------
    def vector(self, text: str):
        return self.vectoriser.transform([self.featurise(text)])

    def vectors(self, texts: list[str]):
        return self.vectoriser.transform([self.featurise(t) for t in texts])

    def group_probabilities(self, X) -> dict[str, float]:
        """Each goal's probability from its own group's model, before the hierarchy (the first row of X)."""
        return self._group_probabilities_many(X[:1])[0]

    def _group_probabilities_many(self, X) -> list[dict[str, float]]:
        rows: list[dict[str, float]] = [{} for _ in range(X.shape[0])]
        for grp in self.groups:
            gm = self.models[grp.key]
            probs = gm.probabilities(X)
            for c, cls in enumerate(gm.classes):
                if cls != NONE:
                    for row, p in zip(rows, probs[:, c]):
                        row[cls] = float(p)
        return rows

    def scores(self, text: str) -> dict[str, float]:
        """Probability in [0, 1] that the text is about each goal, with the hierarchy applied."""
        return self.scores_of(self.featurise(text))

    def scores_of(self, features: dict[str, float]) -> dict[str, float]:
        return self.scores_of_many([features])[0]

    def scores_of_many(self, features: list[dict[str, float]]) -> list[dict[str, float]]:
        """`scores_of` for many texts at once: one matrix product per group (for batches of passages)."""
        if not features:
            return []
        X = self.vectoriser.transform(features)
        known = np.diff(X.indptr) > 0  # a text with no known feature gets no scores
        out: list[dict[str, float]] = [{} for _ in features]
        rows = np.flatnonzero(known)
        if len(rows):
            for i, own in zip(rows, self._group_probabilities_many(X[rows])):
                out[i] = self._with_hierarchy(own)
        return out

    def _with_hierarchy(self, own: dict[str, float]) -> dict[str, float]:
        scores = dict(own)
        for parent_id, children in self._children.items():
            if not children:
                continue
            child_ids = [c.global_id for c in children]
            mass = sum(own.get(c, 0.0) for c in child_ids)
            scores[parent_id] = (1 - PARENT_SHARE) * own.get(parent_id, 0.0) + PARENT_SHARE * min(1.0, mass)
            for child in child_ids:
                conditional = own.get(child, 0.0) / mass if mass else 0.0
                scores[child] = (1 - CHILD_SHARE) * own.get(child, 0.0) + CHILD_SHARE * scores[parent_id] * conditional
        return {g: min(1.0, max(0.0, s)) for g, s in scores.items()}

    def weights(self, goal_id: str) -> np.ndarray | None:
        """How much each feature pulls a text toward the goal (for evidence); computed once per goal."""
        if goal_id not in self._weights:
            group = self._group_of.get(goal_id)
            self._weights[goal_id] = self.models[group.key].weights(goal_id) if group else None
        return self._weights[goal_id]
