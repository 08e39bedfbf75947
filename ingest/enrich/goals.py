"""Goal frameworks (RUS, a network's priority areas, Agenda 2030) loaded from YAML in corpus/goals/.

A framework is a tree of goals. Adding a region's RUS means adding one YAML file; nothing here
knows about any particular framework. See corpus/goals/README.md for the schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import yaml

# Levels a passage can be linked to (the `level` values of the link contract). Finer nodes
# (perspektiv, mal, aktivitet) lend their words to the nearest linkable ancestor.
LINK_LEVELS = ("vision", "malomrade", "delmal", "omrade", "sdg")
ALL_LEVELS = LINK_LEVELS + ("perspektiv", "mal", "aktivitet")
REQUIRED_KEYS = ("id", "level", "label")

LEVEL_NAMES = {
    "vision": "Vision",
    "perspektiv": "Perspektiv",
    "malomrade": "Målområde",
    "delmal": "Delmål",
    "omrade": "Prioriterat område",
    "mal": "Mål",
    "aktivitet": "Aktivitet",
    "sdg": "Globalt mål",
}


class GoalFrameworkError(ValueError):
    """A goal YAML file that cannot be used. The message is Swedish and names the file."""


@dataclass
class Goal:
    framework: str
    id: str
    level: str
    label: str
    number: int | None = None
    description: str = ""
    phrases: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    wording_known: bool = True
    prioritized: bool = False
    parent_uncertain: bool = False
    parent_id: str | None = None  # global id
    children: list[str] = field(default_factory=list)  # global ids

    @property
    def global_id(self) -> str:
        return f"{self.framework}:{self.id}"

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, self.level)

    @property
    def display_label(self) -> str:
        """"#17 Öka andelen ..." for numbered delmål, the label otherwise."""
        if self.level == "delmal" and self.number is not None and self.wording_known:
            return f"#{self.number} {self.label}"
        return self.label


@dataclass
class Framework:
    id: str
    name: str
    short_name: str
    owner: str
    source: str
    roots: list[str]  # global ids
    order: int = 100  # place in lists; the YAML key `order` (lower first), then the file name
    examples: list[dict] = field(default_factory=list)  # labelled text: {"goal_id", "text"}
    # Names that put a document in this framework's scope (the framework, its owner, its region);
    # `scope: global` in the YAML means every document is in scope.
    scope: tuple[str, ...] = ()
    scope_global: bool = False


@dataclass(frozen=True)
class LabelledText:
    """A text with the goals it is about, for training the linker.

    `labelled` names the frameworks this text was fully labelled for: a framework listed there with
    none of its goals in `goal_ids` means "about none of its goals". Other frameworks are unknown.
    `rejected` are goals a person said the text is not about."""

    text: str
    goal_ids: tuple[str, ...]
    labelled: frozenset[str] = frozenset()
    rejected: tuple[str, ...] = ()
    source: str = ""
    weight: float = 1.0
    quotable: bool = False  # written as an example to show people ("liknar: …"); plans' passages and verdicts are not


class Frameworks:
    """All loaded frameworks with lookups by global goal id."""

    def __init__(self, frameworks: list[Framework], goals: dict[str, Goal]):
        self.frameworks = {f.id: f for f in frameworks}
        self.goals = goals
        self.examples: list[LabelledText] = []  # every file in examples/, for training the linker
        self.directory: Path | None = None  # the folder they were loaded from (features/, evidence/ beside them)

    def __len__(self) -> int:
        return len(self.goals)

    def get(self, global_id: str) -> Goal | None:
        return self.goals.get(global_id)

    def iter_goals(self, framework: str | None = None) -> Iterator[Goal]:
        """Depth-first, in the order of the YAML files."""
        for fw in self.frameworks.values():
            if framework and fw.id != framework:
                continue
            stack = list(reversed(fw.roots))
            while stack:
                goal = self.goals[stack.pop()]
                yield goal
                stack.extend(reversed(goal.children))

    def parent(self, goal: Goal) -> Goal | None:
        return self.goals.get(goal.parent_id) if goal.parent_id else None

    def ancestors(self, goal: Goal) -> list[Goal]:
        """From the root down to the goal's parent."""
        chain = []
        current = self.parent(goal)
        while current is not None:
            chain.append(current)
            current = self.parent(current)
        return list(reversed(chain))

    def descendants(self, goal: Goal) -> list[Goal]:
        found, stack = [], list(goal.children)
        while stack:
            child = self.goals[stack.pop()]
            found.append(child)
            stack.extend(child.children)
        return found

    def linkable(self, goal: Goal) -> Goal | None:
        """The goal itself if passages link to its level, else its nearest linkable ancestor."""
        current = goal
        while current is not None and current.level not in LINK_LEVELS:
            current = self.parent(current)
        return current

    def link_parent(self, goal: Goal) -> Goal | None:
        """The goal a link names as its parent: a delmål's målområde, an SDG's root, ..."""
        parent = self.parent(goal)
        while parent is not None and parent.level not in LINK_LEVELS:
            parent = self.parent(parent)
        return parent

    def goal_json(self, goal: Goal) -> dict:
        parent = self.parent(goal)
        return {
            "id": goal.global_id,
            "framework": goal.framework,
            "framework_name": self.frameworks[goal.framework].name,
            "level": goal.level,
            "level_name": goal.level_name,
            "number": goal.number,
            "label": goal.label,
            "display_label": goal.display_label,
            "description": goal.description,
            "wording_known": goal.wording_known,
            "prioritized": goal.prioritized,
            "parent_uncertain": goal.parent_uncertain,
            "parent_id": parent.global_id if parent else None,
            "parent_label": parent.label if parent else None,
            "children": list(goal.children),
        }


def load_frameworks(directory: Path) -> Frameworks:
    """Every *.yaml in the folder (sorted by name) plus optional labelled examples in examples/."""
    directory = Path(directory)
    frameworks: list[Framework] = []
    goals: dict[str, Goal] = {}
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise GoalFrameworkError(f"Inga målramverk (*.yaml) i {directory}.")
    for path in files:
        framework = _load_file(path, goals, taken={f.id for f in frameworks})
        frameworks.append(framework)
    frameworks.sort(key=lambda f: f.order)  # stable: equal orders keep file-name order
    loaded = Frameworks(frameworks, goals)
    loaded.directory = directory
    for fw in frameworks:
        examples_file = directory / "examples" / f"{fw.id}.yaml"
        if examples_file.exists():
            fw.examples = _load_examples(examples_file, loaded)
    for path in sorted((directory / "examples").glob("*.yaml")):
        loaded.examples += _load_labelled(path, loaded)
    return loaded


def _load_file(path: Path, goals: dict[str, Goal], taken: set[str]) -> Framework:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GoalFrameworkError(f"{path.name}: kan inte läsas som YAML ({exc}).") from exc
    if not isinstance(data, dict) or not data.get("framework") or not isinstance(data.get("goals"), list):
        raise GoalFrameworkError(f"{path.name}: nycklarna 'framework' och 'goals' (en lista) krävs.")
    fw_id = str(data["framework"])
    if fw_id in taken:
        raise GoalFrameworkError(f"{path.name}: ramverket '{fw_id}' finns redan i en annan fil.")
    roots = []

    def add(node, parent: Goal | None) -> str:
        if not isinstance(node, dict) or any(not node.get(k) for k in REQUIRED_KEYS):
            raise GoalFrameworkError(f"{path.name}: varje mål behöver {', '.join(REQUIRED_KEYS)} ({node!r:.80}).")
        if node["level"] not in ALL_LEVELS:
            raise GoalFrameworkError(
                f"{path.name}: okänd nivå '{node['level']}' för '{node['id']}' (tillåtna: {', '.join(ALL_LEVELS)})."
            )
        number = node.get("number")
        goal = Goal(
            framework=fw_id,
            id=str(node["id"]),
            level=str(node["level"]),
            label=str(node["label"]).strip(),
            number=int(number) if number is not None else None,
            description=str(node.get("description") or "").strip(),
            phrases=[str(p) for p in node.get("phrases") or []],
            keywords=[str(k) for k in node.get("keywords") or []],
            aliases=[str(a) for a in node.get("aliases") or []],
            wording_known=bool(node.get("wording_known", True)),
            prioritized=bool(node.get("prioritized", False)),
            parent_uncertain=bool(node.get("parent_uncertain", False)),
            parent_id=parent.global_id if parent else None,
        )
        if goal.global_id in goals:
            raise GoalFrameworkError(f"{path.name}: mål-id '{goal.id}' förekommer två gånger.")
        goals[goal.global_id] = goal
        for child in node.get("children") or []:
            goal.children.append(add(child, goal))
        return goal.global_id

    for node in data["goals"]:
        roots.append(add(node, None))
    return Framework(
        id=fw_id,
        name=str(data.get("name") or fw_id),
        short_name=str(data.get("short_name") or data.get("name") or fw_id),
        owner=str(data.get("owner") or ""),
        source=str(data.get("source") or ""),
        roots=roots,
        order=int(data.get("order", 100)),
        scope=_scope_names(path, data.get("scope")),
        scope_global=data.get("scope") == "global",
    )


def _scope_names(path: Path, value) -> tuple[str, ...]:
    if value is None or value == "global":
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GoalFrameworkError(f"{path.name}: 'scope' ska vara 'global' eller en lista med namn.")
    return tuple(v.strip() for v in value)


def _load_examples(path: Path, frameworks: Frameworks) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for item in data.get("examples") or []:
        if frameworks.get(item.get("goal_id", "")) and item.get("text"):
            examples.append({"goal_id": item["goal_id"], "text": item["text"], "source": item.get("source", "")})
    return examples


def _load_labelled(path: Path, frameworks: Frameworks) -> list[LabelledText]:
    """Examples in either shape: a framework's file ({"framework", "examples": [{"goal_id", "text"}]},
    fully labelled for that framework only) or a curated file ({"labelled": [framework ids] | "all",
    "examples": [{"goal_ids": [...], "text"}]}; `goal_ids: []` is a text about none of the goals)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GoalFrameworkError(f"examples/{path.name}: kan inte läsas som YAML ({exc}).") from exc
    labelled = data.get("labelled", [data["framework"]] if data.get("framework") else [])
    labelled = frozenset(frameworks.frameworks) if labelled == "all" else frozenset(labelled)
    out = []
    for item in data.get("examples") or []:
        ids = item.get("goal_ids", [item["goal_id"]] if item.get("goal_id") else None)
        text = str(item.get("text") or "").strip()
        if ids is None or not text:
            continue
        unknown = [g for g in ids if frameworks.get(g) is None]
        if unknown:
            raise GoalFrameworkError(f"examples/{path.name}: okänt mål-id {unknown[0]}.")
        out.append(LabelledText(text, tuple(ids), labelled, source=str(item.get("source") or path.name),
                                quotable="labelled" in data))
    return out
