"""Known names from corpus/gazetteers/*.yaml: projects, organisations (with public_bodies.yaml: regions,
agencies, courts, ministries), places, funding programmes.

Each name and alias maps to one canonical entry, so "Digi60+", "Digi 60 plus" and "Digi 60+" are one
project. Places marked ambiguous (Vara, Mark, Lund ...) are only trusted after "i"/"från"/"till".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.config import CORPUS_DIR

ENTITY_TYPES = ("project", "organisation", "place", "programme")
TYPE_NAMES = {"project": "Projekt", "organisation": "Organisation", "place": "Plats", "programme": "Finansiering",
              "timespan": "Tidsperiod"}


# Sections of public_bodies.yaml and the kind their entries get (an entry may name its own kind).
PUBLIC_BODY_KINDS = {"regions": "region", "government": "regering", "agencies": "myndighet",
                     "county_boards": "myndighet", "courts": "domstol", "universities": "larosate",
                     "associations": "forening"}


@dataclass(frozen=True)
class Known:
    type: str
    name: str  # canonical
    kind: str = ""
    ambiguous: bool = False


@dataclass
class Gazetteer:
    names: dict[str, Known] = field(default_factory=dict)  # surface form (as written) -> canonical entry
    by_key: dict[str, Known] = field(default_factory=dict)  # folded canonical key -> entry
    # Organisation names that are also common words ("Sida", "Regeringen"): kept out of entity
    # matching, used only where context decides (a document's own organisation).
    ambiguous_names: dict[str, Known] = field(default_factory=dict)

    def add(self, type_: str, name: str, aliases=(), kind: str = "", ambiguous: bool = False) -> None:
        name = str(name).strip()
        if not name:
            return
        entry = self.by_key.get(entity_key(type_, name)) or Known(type_, name, kind, ambiguous)
        self.by_key.setdefault(entity_key(type_, name), entry)
        for surface in (name, *[str(a).strip() for a in aliases or () if a]):
            # The first type to claim a surface keeps it: organisations are loaded before projects,
            # so "Region Västmanland" can never become a project.
            self.names.setdefault(surface, entry)

    def lookup(self, type_: str, name: str) -> Known | None:
        return self.by_key.get(entity_key(type_, name))


def fold_name(name: str) -> str:
    name = unicodedata.normalize("NFC", name).lower()
    name = name.replace("+", " plus ").replace("&", " och ")
    name = re.sub(r"[\"'“”«»’#]", "", name)
    name = re.sub(r"[–—-]", " ", name)
    return re.sub(r"\s+", " ", name).strip(" .,:;")


def entity_key(type_: str, name: str) -> str:
    """Stable id for an entity: type plus a slug of its folded name (å/ä/ö kept)."""
    slug = re.sub(r"[^\wåäöé]+", "-", fold_name(name)).strip("-")
    return f"{type_}:{slug}"


@lru_cache(maxsize=4)
def load_gazetteer(directory: Path = CORPUS_DIR / "gazetteers") -> Gazetteer:
    gaz = Gazetteer()

    def read(name: str) -> dict:
        path = Path(directory) / name
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.exists() else {}

    for org in read("organisations.yaml").get("organisations", []):
        gaz.add("organisation", org["name"], org.get("aliases"), org.get("kind", ""))
    bodies = read("public_bodies.yaml")
    for section, kind in PUBLIC_BODY_KINDS.items():
        for org in bodies.get(section) or []:
            gaz.add("organisation", org["name"], org.get("aliases"), org.get("kind", kind))
            for alias in org.get("ambiguous_aliases") or []:
                gaz.ambiguous_names.setdefault(str(alias), gaz.lookup("organisation", org["name"]))
    places = read("places.yaml")
    for muni in places.get("municipalities", []):
        if muni.get("official_name"):  # "Köpings kommun" is the organisation, "Köping" the place
            gaz.add("organisation", muni["official_name"], [a for a in muni.get("aliases", []) if a != muni["name"]],
                    "kommun")
    # Projects before places and programmes: "Ett kompetenslyft för Sverige" is a project that the
    # programme list also names.
    for project in read("projects.yaml").get("projects", []):
        gaz.add("project", project["name"], project.get("aliases"))
    for muni in places.get("municipalities", []):
        gaz.add("place", muni["name"], [], "kommun", bool(muni.get("ambiguous")))
    for county in places.get("counties", []):
        gaz.add("place", county["name"], [a for a in county.get("aliases", []) if "Länsstyrelsen" not in a], "län")
    for area in places.get("other_areas", []):
        gaz.add("place", area["name"], area.get("aliases"), area.get("kind", ""))
    for programme in read("programmes.yaml").get("programmes", []):
        aliases = list(programme.get("aliases") or [])
        if programme.get("short"):
            aliases.append(programme["short"])
        gaz.add("programme", programme.get("short") or programme["name"], [programme["name"], *aliases])
    return gaz
