"""A sentence as the project-card rules see it (its entity mentions, the project it speaks of) and the
lists of names those rules read ("i samverkan med X, Y och Z", "Finansiering: A och B")."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.enrich.project_cues import Cues


@dataclass
class Ref:
    """An entity mention inside a sentence (offsets relative to the sentence)."""

    type: str
    id: str
    name: str
    start: int
    end: int


@dataclass
class Sentence:
    text: str
    passage_id: str
    section: str  # results | background | purpose | lessons | economy | other
    opening: bool  # among the first lines of the document (a report's header)
    refs: list[Ref]
    subject: str | None = None  # the project an unnamed sentence speaks of
    subject_kind: str = ""  # named | anaphora | current | main
    main: str | None = None  # the project the whole document is about, if any
    after_result_colon: bool = False  # a list item after "… genomfördes 74 mobiliteter:"
    facts: list[dict] = field(default_factory=list)

    @property
    def projects(self) -> list[Ref]:
        return [r for r in self.refs if r.type == "project"]

    def of_type(self, *types: str) -> list[Ref]:
        return [r for r in self.refs if r.type in types]

    def add(self, project: str | None, field_name: str, value: dict, strength: int) -> None:
        if project:
            self.facts.append({"entity_id": project, "field": field_name, "value": value,
                               "passage_id": self.passage_id, "strength": strength})


CLAUSE_END = re.compile(r"[.;:]|\)|\s[–—]\s|\s(?:som|för att|där|genom|vilket|eftersom|men)\s", re.IGNORECASE)
_SPLIT = re.compile(r",\s*|\s+och\s+|\s+samt\s+(?:med\s+)?|\s+respektive\s+", re.IGNORECASE)


def words(text: str) -> list[str]:
    return re.findall(r"[\wåäöÅÄÖé+:-]+", text)

# -- names in a list ("X, Y och Z") ---------------------------------------------------------------
def _mask_parentheses(text: str, keep_from: int) -> str:
    """Parentheses after `keep_from` that hold no list of their own ("(Vlbf)") become spaces."""
    return text[:keep_from] + re.sub(r"\([^()]{0,60}\)", lambda m: " " * len(m.group(0)), text[keep_from:])


def list_items(s: Sentence, start: int) -> list[tuple[str, int, int]]:
    """The items of a list starting at `start`, up to the end of its clause: (text, start, end)."""
    text = _mask_parentheses(s.text, start)
    end_match = CLAUSE_END.search(text, start)
    end = end_match.start() if end_match else len(text)
    items, pos = [], start
    for sep in list(_SPLIT.finditer(text, start, end)) + [None]:
        stop = sep.start() if sep else end
        raw = text[pos:stop]
        lead = len(raw) - len(raw.lstrip())
        if raw.strip():
            items.append((raw.strip(), pos + lead, pos + lead + len(raw.strip())))
        if sep:
            pos = sep.end()
    return items


def capitalised_name(item: str, heads: frozenset = frozenset()) -> str | None:
    """'Dalarnas museum', 'Hembygdsförbundet i Surahammar': a capitalised name and its lowercase head words."""
    tokens = item.split()
    if not tokens or not re.match(r"[A-ZÅÄÖ]", tokens[0]):
        return None
    kept = [tokens[0]]
    for token in tokens[1:6]:
        bare = token.strip(",.;:()")
        if re.match(r"[A-ZÅÄÖ]", bare) or bare.lower() in ("i", "för", "och", "på") or any(
                bare.lower().endswith(h) for h in heads):
            kept.append(bare)
            if bare != token:
                break
        else:
            break
    while kept and kept[-1].lower() in ("i", "för", "och", "på"):
        kept.pop()
    name = " ".join(kept).strip(",.;:()")
    return name if len(name) >= 3 else None


def resolve_party(s: Sentence, cues: Cues, item: str, start: int, end: int, heads: frozenset,
                  ellipsis: bool = True) -> list[str]:
    """Organisation names an item stands for: known organisations in it; a municipality for a place (or
    'vuxenutbildningen i Lidköping'); else the item itself when it is a capitalised name or holds a head
    word. `ellipsis`: a bare place stands for its municipality ("… i Lidköping, Götene och Skara")."""
    cut = re.split(r"\s+(?:med|inom|för|om|som|genom|kring|från)\s+", item)[0]
    item, end = cut, start + len(cut)
    inside = [r for r in s.refs if r.start >= start and r.end <= end]
    orgs = [r for r in inside if r.type == "organisation"]
    if orgs:
        longer = capitalised_name(item, heads)
        if len(orgs) == 1 and item.startswith(orgs[0].name + " ") is False and longer and longer.startswith(
                s.text[orgs[0].start:orgs[0].end] + " "):
            return [longer]  # "Länsmuseet Gävleborg" is not the länsmuseum the gazetteer knows
        return [r.name for r in orgs]
    official = cues.municipalities.get(item.lower())
    if official:
        return [official] if ellipsis else []
    unit = re.match(r"(\w+)\s+i\s+(\w+)$", item)
    if unit and unit.group(1).lower() in cues.municipal_units and unit.group(2).lower() in cues.municipalities:
        return [cues.municipalities[unit.group(2).lower()]]
    if inside and all(r.type in ("project", "programme", "place") for r in inside):
        return []
    lowered = [w.lower() for w in words(item)]
    if not lowered or len(lowered) > 6:
        return []
    if item[0].isupper():
        name = capitalised_name(item, heads)
        if name and " " not in name and not any(name.lower().endswith(h) for h in heads):
            return []  # one unknown word ("Georgien", "Komvux") is not surely an organisation
        return [name] if name else []
    if any(w == h or w.endswith(h) for w in lowered for h in heads):
        return [item]
    return []


def party_list(s: Sentence, cues: Cues, start: int, heads: frozenset) -> list[str]:
    """The organisations of the list at `start`. A place alone stands for its municipality only when the
    list began that way ("vuxenutbildningen i Lidköping, Götene …", not "företag i Västerås, Köping …")."""
    names: list[str] = []
    ellipsis = True
    for n, (item, i_start, i_end) in enumerate(list_items(s, start)):
        if n == 0 and re.search(r"\si\s+\w+$", item) and not re.match(r"(\w+)\s", item) is None:
            ellipsis = item.split()[0].lower() in cues.municipal_units
        names += resolve_party(s, cues, item, i_start, i_end, heads, ellipsis)
    return names


def project_before(s: Sentence, pos: int) -> str | None:
    """The project named last before `pos`, else the one the sentence speaks of."""
    before = [r for r in s.projects if r.end <= pos]
    return before[-1].id if before else s.subject


def project_near(s: Sentence, pos: int) -> str | None:
    """The project named last before `pos`, else the sentence's, else the first named after `pos`."""
    before = [r for r in s.projects if r.end <= pos]
    if before:
        return before[-1].id
    if s.subject:
        return s.subject
    after = [r for r in s.projects if r.start >= pos]
    return after[0].id if after else None
