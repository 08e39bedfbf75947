"""Goal frameworks from corpus/goals: they load, their trees are sound, a new region's RUS is one YAML
file, and broken files are refused with a Swedish message naming the file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from ingest.config import GOALS_DIR
from ingest.enrich.goals import LINK_LEVELS, GoalFrameworkError, load_frameworks
from ingest.enrich.linking import GoalLinker

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def frameworks():
    return load_frameworks(GOALS_DIR)


def _yaml_nodes(nodes):
    for node in nodes:
        yield node
        yield from _yaml_nodes(node.get("children") or [])


def test_the_three_frameworks_load(frameworks):
    assert set(frameworks.frameworks) == {"rus-vastmanland", "natverk-westum", "agenda-2030"}
    for fw_id in frameworks.frameworks:
        assert any(True for _ in frameworks.iter_goals(fw_id)), fw_id


def test_every_framework_declares_its_scope(frameworks):
    rus, westum, agenda = (frameworks.frameworks[f] for f in ("rus-vastmanland", "natverk-westum", "agenda-2030"))
    assert agenda.scope_global and not agenda.scope
    assert "Västmanland" in rus.scope and not rus.scope_global
    assert "RUS" not in rus.scope, "bare 'RUS' is also a national emissions database"
    assert "Westum" in westum.scope


def test_examples_are_loaded_with_what_they_are_labelled_for(frameworks):
    examples = frameworks.examples
    negatives = [e for e in examples if not e.goal_ids]
    assert len(negatives) >= 30 and all(e.labelled == frozenset(frameworks.frameworks) for e in negatives)
    westum = [e for e in examples if any(g.startswith("natverk-westum:") for g in e.goal_ids)]
    assert len(westum) >= 30 and all("rus-vastmanland" in e.labelled for e in westum)
    plan = [e for e in examples if e.source.startswith("region-vastmanland_verksamhetsplan")]
    assert plan and all(e.labelled == {"rus-vastmanland"} for e in plan)
    assert all(frameworks.get(g) is not None for e in examples for g in e.goal_ids)


def test_no_example_is_an_evaluation_text(frameworks):
    bench = REPO / "bench"
    evaluation = " ".join(
        " ".join(item["text"].split())
        for path in bench.glob("goal_descriptions*.yaml")
        for key in ("descriptions", "negatives")
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")).get(key) or [])
    )
    for example in frameworks.examples:
        first_words = " ".join(example.text.split()[:12])
        assert first_words not in evaluation, first_words


@pytest.mark.parametrize("scope, words", [("everywhere", "'scope'"), ("[]", None), ("[Örebro, 7]", "'scope'")])
def test_a_bad_scope_is_refused(tmp_path, scope, words):
    (tmp_path / "x.yaml").write_text(f"framework: x\nscope: {scope}\ngoals:\n  - {{id: a, level: vision, label: A}}\n",
                                     encoding="utf-8")
    if words is None:
        assert load_frameworks(tmp_path).frameworks["x"].scope == ()
        return
    with pytest.raises(GoalFrameworkError, match=words):
        load_frameworks(tmp_path)


def test_an_example_naming_an_unknown_goal_is_refused(tmp_path):
    shutil.copy(GOALS_DIR / "natverk-westum.yaml", tmp_path / "natverk-westum.yaml")
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "x.yaml").write_text(
        "labelled: all\nexamples:\n  - goal_ids: [natverk-westum:omrade-9]\n    text: Något.\n", encoding="utf-8")
    with pytest.raises(GoalFrameworkError, match="omrade-9"):
        load_frameworks(tmp_path)


def test_every_yaml_node_is_loaded_once_with_a_unique_id(frameworks):
    for path in sorted(GOALS_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        ids = [str(n["id"]) for n in _yaml_nodes(data["goals"])]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate ids"
        loaded = [g.id for g in frameworks.iter_goals(data["framework"])]
        assert sorted(loaded) == sorted(ids), path.name
    global_ids = [g.global_id for g in frameworks.iter_goals()]
    assert len(global_ids) == len(set(global_ids)) == len(frameworks)


def test_rus_tree_matches_the_strategy(frameworks):
    malomraden = [g for g in frameworks.iter_goals("rus-vastmanland") if g.level == "malomrade"]
    assert [g.label for g in malomraden] == [
        "Ett välmående Västmanland",
        "Ett tillgängligt Västmanland",
        "Ett nyskapande Västmanland genom hållbar tillväxt",
    ]
    delmal = {g.number: g for g in frameworks.iter_goals("rus-vastmanland") if g.level == "delmal"}
    assert sorted(delmal) == list(range(1, 21))
    # Numbers the sources never spell out are marked, not invented.
    assert {n for n, g in delmal.items() if not g.wording_known} == {1, 2, 8, 12, 13}


def test_every_delmal_has_a_malomrade_parent_unless_uncertain(frameworks):
    checked = 0
    for goal in frameworks.iter_goals("rus-vastmanland"):
        if goal.level != "delmal":
            continue
        parent = frameworks.parent(goal)
        assert parent is not None, goal.global_id
        if goal.parent_uncertain:
            continue
        assert parent.level == "malomrade", f"{goal.global_id} hangs under {parent.global_id}"
        assert frameworks.link_parent(goal) is parent
        checked += 1
    assert checked >= 15
    # #17 belongs to Ett nyskapande Västmanland (the plan's chapter 2.4), #14 too despite its "#15" heading.
    for number in (14, 17):
        goal = frameworks.get(f"rus-vastmanland:delmal-{number}")
        assert frameworks.parent(goal).global_id == "rus-vastmanland:malomrade-3"


def test_other_frameworks_shape(frameworks):
    sdgs = [g for g in frameworks.iter_goals("agenda-2030") if g.level == "sdg"]
    assert sorted(g.number for g in sdgs) == list(range(1, 18))
    areas = [g for g in frameworks.iter_goals("natverk-westum") if g.level == "omrade"]
    assert [g.label for g in areas] == ["Strategisk kompetensförsörjning", "Tillgängliggöra utbildning",
                                        "Internationellt utbyte"]
    # Finer Westum nodes (mål, aktivitet) link through their område.
    for goal in frameworks.iter_goals("natverk-westum"):
        if goal.level in ("mal", "aktivitet"):
            assert frameworks.linkable(goal).level == "omrade"
    for goal in frameworks.iter_goals():
        assert frameworks.linkable(goal) is None or frameworks.linkable(goal).level in LINK_LEVELS


NEW_RUS = """
framework: rus-orebro
name: Regional utvecklingsstrategi för Örebro län
short_name: RUS Örebro
owner: Region Örebro län
source: "Testdata"
scope: [Örebro län, Region Örebro län, Örebro]
goals:
  - id: vision
    level: vision
    label: Ett hållbart och attraktivt Örebro län
    wording_known: true
    children:
      - id: malomrade-1
        level: malomrade
        number: 1
        label: Stärkt konkurrenskraft i besöksnäringen
        description: "Hotell, restauranger och upplevelseföretag växer och anställer."
        phrases: [besöksnäringen, hotell och restaurang]
        keywords: [turism, hotell, restaurang, besökare, upplevelser]
        wording_known: true
        children:
          - id: delmal-1
            level: delmal
            number: 1
            label: Fler gästnätter på länets hotell och vandrarhem
            phrases: [gästnätter]
            keywords: [övernattning, gästnätter, hotell, vandrarhem]
            wording_known: true
"""


def test_a_new_framework_file_loads_and_links_without_code_change(tmp_path):
    goals_dir = tmp_path / "goals"
    goals_dir.mkdir()
    for path in GOALS_DIR.glob("*.yaml"):
        shutil.copy(path, goals_dir / path.name)
    (goals_dir / "rus-orebro.yaml").write_text(NEW_RUS, encoding="utf-8")

    frameworks = load_frameworks(goals_dir)
    assert "rus-orebro" in frameworks.frameworks
    delmal = frameworks.get("rus-orebro:delmal-1")
    assert delmal is not None and frameworks.link_parent(delmal).global_id == "rus-orebro:malomrade-1"
    assert frameworks.get("rus-vastmanland:delmal-17") is not None  # the others are still there

    linker = GoalLinker(frameworks, examples=[])
    explicit = linker.link("Målet i Örebro län är fler gästnätter på länets hotell och vandrarhem under sommaren.", [])
    found = {l.goal_id: l for l in explicit}
    assert found["rus-orebro:delmal-1"].kind == "explicit"
    assert found["rus-orebro:delmal-1"].parent_label == "Stärkt konkurrenskraft i besöksnäringen"
    inferred = linker.link("Fler turister bokar övernattningar och restaurangbesök i Örebro.", [])
    orebro = [l for l in inferred if l.framework == "rus-orebro" and l.level == "malomrade"]
    assert orebro and orebro[0].goal_id == "rus-orebro:malomrade-1" and orebro[0].kind == "inferred"


@pytest.mark.parametrize(
    "content, words",
    [
        ("framework: trasig\ngoals: [\n  - id: a\n", "kan inte läsas som YAML"),
        ("framework: utan-mal\nname: Inga mål\n", "krävs"),
        ("framework: x\ngoals:\n  - id: a\n    level: vision\n", "behöver"),
        ("framework: x\ngoals:\n  - {id: a, level: planet, label: Hela jorden}\n", "okänd nivå"),
        ("framework: x\ngoals:\n  - {id: a, level: vision, label: A}\n  - {id: a, level: vision, label: B}\n",
         "förekommer två gånger"),
    ],
)
def test_a_broken_file_is_refused_in_swedish(tmp_path, content, words):
    (tmp_path / "trasig.yaml").write_text(content, encoding="utf-8")
    with pytest.raises(GoalFrameworkError) as info:
        load_frameworks(tmp_path)
    message = str(info.value)
    assert words in message
    assert "trasig.yaml" in message


def test_an_empty_goal_folder_is_refused(tmp_path):
    with pytest.raises(GoalFrameworkError, match="Inga målramverk"):
        load_frameworks(tmp_path)


def test_a_framework_id_used_twice_is_refused(tmp_path):
    shutil.copy(GOALS_DIR / "natverk-westum.yaml", tmp_path / "a.yaml")
    shutil.copy(GOALS_DIR / "natverk-westum.yaml", tmp_path / "b.yaml")
    with pytest.raises(GoalFrameworkError) as info:
        load_frameworks(tmp_path)
    # Either the framework id or its first goal id is reported as taken; both name the second file.
    assert "b.yaml" in str(info.value)
    assert "finns redan" in str(info.value) or "förekommer två gånger" in str(info.value)
