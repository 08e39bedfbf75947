"""What contributes to each goal, counted one way for every page (start page, /mal, /mal/{id}, the goal
map, /api/goals), and each goal's name as a newcomer reads it.

The one count: a goal's contributions are the distinct passages (and their documents) linked to the goal or
to any goal below it — confirmed and explicit links always, inferred links from `GOAL_LINK_SHOWN_MIN` —
as `Catalogue.goal_members` finds them. Passages are never linked to the finer levels of a framework
(Westum's mål and aktiviteter, RUS's perspektiv: their words count for the nearest linkable goal above);
such a goal's contributions are those of that goal which use its own words (a phrase, or a keyword).
Projects are the project entities those passages name; years are their documents' years.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter, OrderedDict

from ingest.config import GOAL_LINK_SHOWN_MIN
from ingest.enrich.goals import LINK_LEVELS, Frameworks, Goal
from search.text import analyse_terms

EMPTY = {"passages": 0, "documents": 0, "projects": 0}


# -- names ---------------------------------------------------------------------------------------------
def full_name(goal: Goal) -> str:
    """The goal with its level, written once: "Målområde 2: Ett tillgängligt Västmanland", "Delmål #17 Öka
    andelen …", "Mål 4: God utbildning för alla" (an SDG's label already says "Mål 4"), "Delmål #1"."""
    label = goal.display_label
    if goal.level == "vision" or label.lower().startswith((goal.level_name.lower(), "mål ")):
        return label
    if goal.level == "delmal" and goal.number is not None:
        return f"{goal.level_name} {label}"
    if goal.level in ("malomrade", "omrade") and goal.number is not None:
        return f"{goal.level_name} {goal.number}: {label}"
    return f"{goal.level_name}: {label}"


def counted_by_words(goal: Goal) -> bool:
    """Passages are not linked to this goal's level: its contributions are found by its words."""
    return goal.level not in LINK_LEVELS


# -- words of a goal that passages are not linked to -----------------------------------------------------
def _folded(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "").lower().replace("\u00ad", "")
    return " " + re.sub(r"[^\w#%+-]+", " ", text).strip() + " "


class _GoalWords:
    """A goal's phrases (matched as whole words) and keywords (matched by stem, every word of one). A
    passage uses the goal's words when it has one of its phrases, or two of its keywords: one common
    keyword ("projekt", "samverkan") alone says little about which of an area's goals a passage serves."""

    def __init__(self, goals: list[Goal]):
        self.phrases = sorted({_folded(p) for g in goals for p in g.phrases if len(p.strip()) > 3}, key=len)
        keywords = {k.strip(): frozenset(analyse_terms(k, decompound=False)) for g in goals for k in g.keywords}
        self.keywords = {k: stems for k, stems in keywords.items() if stems}

    def used_in(self, text: str, stems: set[str]) -> list[str]:
        folded = _folded(text)
        found = [p.strip() for p in self.phrases if p in folded]
        if found:
            return found[:4]
        keywords = [k for k, need in self.keywords.items() if need <= stems]
        return keywords[:4] if len(keywords) >= 2 else []


_STEMS: "OrderedDict[tuple, frozenset]" = OrderedDict()  # (passage id, text hash) -> stems, across recounts
_STEMS_LOCK = threading.Lock()
MAX_STEMMED = 100_000


def _stems(passage_id: str, text: str) -> frozenset:
    """A passage's word stems, analysed once per text (a recount after a change analyses only what changed)."""
    key = (passage_id, hash(text))
    with _STEMS_LOCK:
        found = _STEMS.get(key)
    if found is None:
        found = frozenset(analyse_terms(text, decompound=False))
        with _STEMS_LOCK:
            _STEMS[key] = found
            while len(_STEMS) > MAX_STEMMED:
                _STEMS.popitem(last=False)
    return found


# -- the one count -----------------------------------------------------------------------------------------
class GoalStats:
    """Contributions per goal id for one visibility and threshold: counts, passage ids, documents by year,
    and for goals counted by their words, the words each passage used."""

    def __init__(self, frameworks: Frameworks, members: dict[str, dict], texts: dict[str, str],
                 projects: dict[str, set[str]]):
        self.members = dict(members)
        self.words_used: dict[str, dict[str, list[str]]] = {}
        for goal in frameworks.iter_goals():
            anchor = frameworks.linkable(goal)
            pool = self.members.get(anchor.global_id) if anchor and counted_by_words(goal) else None
            if not pool:
                continue
            words = _GoalWords([goal] + frameworks.descendants(goal))
            used = {}
            for pid in pool["passages"]:
                if pid in texts and (found := words.used_in(texts[pid], _stems(pid, texts[pid]))):
                    used[pid] = found
            self.words_used[goal.global_id] = used
            passages = {pid: pool["passages"][pid] for pid in used}
            self.members[goal.global_id] = {"passages": passages,
                                            "documents": {d: pool["documents"][d] for d in passages.values()}}
        self.projects = {g: set().union(*(projects.get(p, ()) for p in m["passages"])) for g, m in self.members.items()}

    def counts(self, goal_id: str) -> dict:
        member = self.members.get(goal_id)
        if not member:
            return dict(EMPTY)
        return {"passages": len(member["passages"]), "documents": len(member["documents"]),
                "projects": len(self.projects.get(goal_id, ()))}

    def passage_ids(self, goal_id: str) -> set[str]:
        return set(self.members.get(goal_id, {}).get("passages", ()))

    def years(self, goal_id: str) -> list[dict]:
        """Contributing documents per year, oldest first (documents without a year are left out)."""
        per_year = Counter(y for y in self.members.get(goal_id, {}).get("documents", {}).values() if y)
        return [{"year": y, "documents": n} for y, n in sorted(per_year.items())]


def ancestors_map(frameworks: Frameworks) -> dict[str, list[str]]:
    return {g.global_id: [a.global_id for a in frameworks.ancestors(g)] for g in frameworks.iter_goals()}


_CACHE: "OrderedDict[tuple, GoalStats]" = OrderedDict()
_CACHE_LOCK = threading.Lock()


def goal_stats(kb, visibility: tuple[str, ...], min_score: float = GOAL_LINK_SHOWN_MIN) -> GoalStats:
    """The contributions of every goal as `visibility` may see them; computed again when the catalogue
    changes (its change feed moves), else taken from a small cache."""
    catalogue, frameworks = kb.catalogue, kb.frameworks
    key = (id(catalogue), id(frameworks), tuple(visibility), round(float(min_score), 4), catalogue.last_change())
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    members = catalogue.goal_members(tuple(visibility), min_score, ancestors_map(frameworks))
    anchors = {frameworks.linkable(g).global_id for g in frameworks.iter_goals()
               if counted_by_words(g) and frameworks.linkable(g) is not None}
    text_ids = [pid for g in anchors for pid in members.get(g, {}).get("passages", ())]
    all_ids = list({pid for m in members.values() for pid in m["passages"]})
    stats = GoalStats(frameworks, members, catalogue.passage_texts(list(set(text_ids))),
                      catalogue.project_ids_for_passages(all_ids))
    with _CACHE_LOCK:
        _CACHE[key] = stats
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return stats


# -- goals as JSON, with the one count -------------------------------------------------------------------
def goal_node(frameworks: Frameworks, stats: GoalStats, goal: Goal, urls) -> dict:
    """A goal as pages and /api/goals give it: its JSON, its address, its full name and its counts."""
    return {**frameworks.goal_json(goal), "url": urls.goal(goal.global_id), "full_name": full_name(goal),
            "counted_by_words": counted_by_words(goal), **stats.counts(goal.global_id)}


def goal_tree(frameworks: Frameworks, stats: GoalStats, goal: Goal, urls, skip_levels: tuple = ()) -> dict:
    """The goal and everything below it (leaving out `skip_levels`), each part with its counts."""
    children = [frameworks.get(cid) for cid in goal.children]
    return {**goal_node(frameworks, stats, goal, urls),
            "children": [goal_tree(frameworks, stats, c, urls, skip_levels) for c in children
                         if c is not None and c.level not in skip_levels]}


def frameworks_json(frameworks: Frameworks, stats: GoalStats, urls, skip_levels: tuple = ()) -> list[dict]:
    """Every framework as trees of goals with counts (what /mal, /api/goals and the goal map show)."""
    return [{"id": fw.id, "name": fw.name, "short_name": fw.short_name, "owner": fw.owner, "source": fw.source,
             "goals": [goal_tree(frameworks, stats, frameworks.get(root), urls, skip_levels) for root in fw.roots]}
            for fw in frameworks.frameworks.values()]
