"""The rules that read one sentence for the fields of a project card: owner, partners, period, financing,
target groups and results. `project_cards.py` decides which project a sentence speaks of; these rules only
fire on explicit Swedish wording (cue words from corpus/gazetteers/project_cues.yaml) and leave a field
empty rather than guess. Every fact carries a strength: 3 a label ("Projektägare: X"), 2 a clear pattern,
1 a weaker one, 0 implied by the document (a plan's "Driva projektet X"); the card keeps the strongest.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.enrich.project_cues import Cues
from ingest.enrich.swedish_numbers import find_amounts, find_counts
from ingest.enrich.swedish_periods import find_periods


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


_CLAUSE_END = re.compile(r"[.;:]|\)|\s[–—]\s|\s(?:som|för att|där|genom|vilket|eftersom|men)\s", re.IGNORECASE)
_SPLIT = re.compile(r",\s*|\s+och\s+|\s+samt\s+(?:med\s+)?|\s+respektive\s+", re.IGNORECASE)
_PERIOD_CUE = re.compile(r"projektperiod(?:en)?|projekttid(?:en)?|pågår|pågick|pågått|pågå|löper|löpte|genomfördes"
                         r"|genomförs|genomförts", re.IGNORECASE)
_START_CUE = re.compile(r"\b(?:startade|startar|startas|inleddes|inleds|påbörjades|påbörjas|började|sedan|projektstart(?:en)?:?"
                        r"|startdatum:?|start:"
                        r"|planeras\s+(?:att\s+)?starta|kom\s+igång)\b", re.IGNORECASE)
_END_CUE = re.compile(r"\b(?:avslutades|avslutas|avslutad|slutade|slutar|projektslut(?:et)?:?|slutdatum:?|(?:pågår|pågick|pågå|fortgår|fortgå|löper"
                      r"|fortsätter|fortsatte)\s+(?:\w+\s+)?(?:till\s+och\s+med|t\.\s?o\.\s?m\.?|till|fram\s+till))\b",
                      re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:kommer|ska|skall|planerar|avser|ambitionen|målet|målen)\b", re.IGNORECASE)


def words(text: str) -> list[str]:
    return re.findall(r"[\wåäöÅÄÖé+:-]+", text)


# -- names in a list ("X, Y och Z") ---------------------------------------------------------------
def _mask_parentheses(text: str, keep_from: int) -> str:
    """Parentheses after `keep_from` that hold no list of their own ("(Vlbf)") become spaces."""
    return text[:keep_from] + re.sub(r"\([^()]{0,60}\)", lambda m: " " * len(m.group(0)), text[keep_from:])


def list_items(s: Sentence, start: int) -> list[tuple[str, int, int]]:
    """The items of a list starting at `start`, up to the end of its clause: (text, start, end)."""
    text = _mask_parentheses(s.text, start)
    end_match = _CLAUSE_END.search(text, start)
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


def _capitalised_name(item: str, heads: frozenset = frozenset()) -> str | None:
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
        longer = _capitalised_name(item, heads)
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
        name = _capitalised_name(item, heads)
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


# -- owner --------------------------------------------------------------------------------------------
def _org_at(s: Sentence, pos: int, cues: Cues) -> str | None:
    """The organisation named at `pos` (a known one, else a capitalised name)."""
    for r in s.of_type("organisation"):
        if pos <= r.start <= pos + 2:
            return r.name
    rest = s.text[pos:pos + 80]
    if any(r.type in ("project", "place", "programme") and pos <= r.start <= pos + 2 for r in s.refs):
        return None
    return _capitalised_name(rest, cues.partner_heads)


def _project_before(s: Sentence, pos: int) -> str | None:
    before = [r for r in s.projects if r.end <= pos]
    return before[-1].id if before else s.subject


def _project_near(s: Sentence, pos: int) -> str | None:
    before = [r for r in s.projects if r.end <= pos]
    if before:
        return before[-1].id
    if s.subject:
        return s.subject
    after = [r for r in s.projects if r.start >= pos]
    return after[0].id if after else None


def owner_rules(s: Sentence, cues: Cues) -> None:
    for m in cues.owner_label.finditer(s.text):
        if s.text[m.end():m.end() + 6].lower().startswith(("för ", "i ")):
            continue
        owner = _org_at(s, m.end(), cues)
        if owner:
            s.add(_project_near(s, m.start()), "owner", {"name": owner}, 3)
    for m in re.finditer(r"\bär\s+(?:projektägare|huvudman)\b", s.text, re.IGNORECASE):
        orgs = [r for r in s.of_type("organisation") if 0 <= m.start() - r.end <= 2]
        if orgs:
            after = [r for r in s.projects if r.start >= m.end()]
            s.add(after[0].id if after else s.subject, "owner", {"name": orgs[-1].name}, 3)
    for m in cues.owner_passive.finditer(s.text):
        owner = _org_at(s, m.end(), cues)
        lead = s.text[:m.start()]
        about_project = ([r for r in s.projects if r.end <= m.start()] or cues.anaphora.search(lead)
                         or (s.subject_kind == "main" and len(words(lead)) <= 2)
                         or (s.subject and re.fullmatch(r"\W*(?:det|den|detta|som)\s*", lead, re.IGNORECASE)))
        if owner and about_project:
            s.add(_project_before(s, m.start()), "owner", {"name": owner}, 2)
    for m in cues.owner_active.finditer(s.text):
        orgs = [r for r in s.of_type("organisation") if 0 <= m.start() - r.end <= 2 or 0 <= r.start - m.end() <= 2]
        if not orgs or _FUTURE.search(s.text[:m.start()]):
            continue
        named_after = [r for r in s.projects if r.start >= m.end() and r.start - m.end() < 60]
        if named_after:
            s.add(named_after[0].id, "owner", {"name": orgs[0].name}, 2)
        elif s.subject_kind in ("main", "anaphora", "current") and orgs[0].start == 0 and re.match(
                r"driver|leder|samordnar|äger|ansvarar", m.group(0), re.IGNORECASE):
            s.add(s.subject, "owner", {"name": orgs[0].name}, 1)
    if s.opening and s.subject_kind == "main":
        first = s.of_type("organisation")
        if first and first[0].start <= 1 and re.match(r"\s*(?:,|\(|i\s+samverkan|i\s+samarbete|tillsammans|\.|$)",
                                                      s.text[first[0].end:], re.IGNORECASE):
            s.add(s.subject, "owner", {"name": first[0].name}, 1)
    if cues.plan_action.match(s.text):
        for r in s.projects:
            s.add(r.id, "owner", {"name": "", "document_organisation": True}, 0)


# -- partners -------------------------------------------------------------------------------------------
def partner_rules(s: Sentence, cues: Cues) -> None:
    if s.section in ("background", "lessons"):
        return
    for m in cues.partner.finditer(s.text):
        if _FUTURE.search(s.text[:m.start()]):
            continue
        project = _project_near(s, m.start())
        for name in party_list(s, cues, m.end(), cues.partner_heads):
            s.add(project, "partner", {"name": name}, 1)
    for m in re.finditer(r"\b(?:kommer\s+att\s+)?(?:delta|deltar|deltog|medverkar|medverkade)\s+i\s+projektet\s",
                         s.text, re.IGNORECASE):
        orgs = [r for r in s.of_type("organisation") if r.end <= m.start() and m.start() - r.end <= 12]
        named = [r for r in s.projects if r.start >= m.end() - 1]
        if orgs and named:
            s.add(named[0].id, "partner", {"name": orgs[-1].name}, 1)
    listed = re.search(r"\bkommuner(?:na)?\b[^:.]{0,40}:\s*", s.text, re.IGNORECASE)
    if listed and s.subject:
        for item, start, end in list_items(s, listed.end()):
            official = cues.municipalities.get(item.lower())
            if official:
                s.add(s.subject, "partner", {"name": official}, 1)


# -- financing ------------------------------------------------------------------------------------------
def _financier(s: Sentence, cues: Cues, item: str, start: int, end: int) -> str | None:
    inside = [r for r in s.refs if r.start >= start and r.end <= end]
    programmes = [r.name for r in inside if r.type == "programme"]
    if programmes:
        return programmes[0]
    lowered = [w.lower() for w in words(item)]
    if lowered and any(lowered[-1].endswith(h) for h in cues.financing_heads) and len(lowered) <= 5:
        return item
    orgs = [r.name for r in inside if r.type == "organisation"]
    if orgs:
        return orgs[0]
    projects = [r.name for r in inside if r.type == "project"]
    return projects[0] if projects else None


def financing_rules(s: Sentence, cues: Cues) -> None:
    found: list[tuple[str, int, int, int]] = []  # (name, start, end, strength)

    def take(items, strength):
        previous_programme = False
        for item, start, end in items:
            name = _financier(s, cues, item, start, end)
            single_word = len(words(item)) == 1 and item.islower()
            if name and not (previous_programme and single_word and name == item):
                found.append((name, start, end, strength))
            previous_programme = bool(name) and name != item
    for m in cues.financing_label.finditer(s.text):
        take(list_items(s, m.end()), 2)
    for m in cues.financing.finditer(s.text):
        take(list_items(s, m.end()), 2)
    for m in cues.financing_subject.finditer(s.text):
        if not re.match(r"finansier", m.group(0), re.IGNORECASE) and not any(
                0 <= a.start - m.end() <= 30 for a in find_amounts(s.text)):
            continue  # "Länsstyrelsen bidrog med kunskap" is no financing
        before = [r for r in s.of_type("programme", "organisation") if 0 <= m.start() - r.end <= 5]
        if before:
            found.append((before[-1].name, before[-1].start, before[-1].end, 2))
            continue
        named = re.search(r"([A-ZÅÄÖ][\wåäöé-]+)\s+(?:har\s+)?$", s.text[:m.start()])
        plain = re.search(r"(\w+)\s+$", s.text[:m.start()])
        if named:
            found.append((named.group(1), named.start(1), named.end(1), 1))
        elif plain and plain.group(1).lower() in cues.financing_heads:
            found.append((plain.group(1), plain.start(1), plain.end(1), 1))
    budget = cues.budget.search(s.text)
    for r in s.of_type("programme"):
        before = s.text[max(0, r.start - 40):r.start]
        if (re.search(r"projekt\w*\s+inom\s+(?:ramen\s+för\s+)?$", before, re.IGNORECASE)
                or re.match(r"\S*-projekt", s.text[r.start:r.end + 9], re.IGNORECASE)
                or (re.search(r"\b(?:inom|från)\s+$", before, re.IGNORECASE) and (budget or found))):
            found.append((r.name, r.start, r.end, 1))
    if budget:
        for m in re.finditer(r"\bfrån\s+", s.text):
            for item, start, end in list_items(s, m.end())[:1]:
                name = _financier(s, cues, item, start, end)
                if name:
                    found.append((name, start, end, 1))
    # A project named inside a financier ("Kungliga bibliotekets satsning Digitalt först …") pays; it is not
    # the project paid for.
    payers = [r.id for r in s.projects if any(st <= r.start and r.end <= e for _, st, e, _ in found)]
    others = [r.id for r in s.projects if r.id not in payers]
    project = others[0] if others else (s.main if payers else s.subject)
    if not project:
        return
    amounts = {} if cues.spend.search(s.text) else _pair_amounts(s, cues, found)
    seen = set()
    for name, start, end, strength in found:
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        s.add(project, "financing", {"programme": name, "amount_sek": amounts.pop(name, None)}, strength)
    for total in amounts.pop(None, []):
        s.add(project, "financing", {"programme": None, "amount_sek": total}, 2)


def _pair_amounts(s: Sentence, cues: Cues, found: list) -> dict:
    """Each amount goes to the total budget (after a budget word) or to the nearest financier in the
    sentence, the one before it first; an amount with neither is dropped."""
    out: dict = {}
    for amount in find_amounts(s.text):
        before = s.text[max(0, amount.start - 45):amount.start]
        if cues.budget.search(before) and not re.search(r"\bvarav\b", before, re.IGNORECASE):
            out.setdefault(None, []).append(amount.sek)
            continue
        candidates = [(amount.start - e if e <= amount.start else (st - amount.end) + 1000, n)
                      for n, st, e, _ in found if n not in out]
        candidates = [c for c in candidates if c[0] < 1060]
        if candidates:
            out[min(candidates)[1]] = amount.sek
    return out


# -- target groups ------------------------------------------------------------------------------------
_NOT_MODIFIER = {"och", "till", "från", "för", "med", "av", "både", "de", "alla", "samt", "sig", "mot", "är", "var",
                 "bred", "sträcker", "att", "ge", "minst", "antalet", "hos", "bland", "i", "på", "om", "en", "ett"}


def group_phrases(text: str, cues: Cues) -> list[str]:
    """'små och medelstora företag', 'grundskolans elever', 'unga vuxna 18–29 år' in a stretch of text."""
    tokens = words(text)
    out, i = [], 0
    while i < len(tokens):
        base = cues.group_base(tokens[i])
        if not base:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and cues.group_base(tokens[j + 1]):
            j += 1
        head = [cues.group_base(t) if k == j - i else t.lower() for k, t in enumerate(tokens[i:j + 1])]
        k, lead = i - 1, []
        while k >= 0 and len(lead) < 4 and tokens[k].lower() not in _NOT_MODIFIER and not tokens[k][0].isupper():
            lead.insert(0, tokens[k].lower())
            k -= 1
        if k >= 1 and tokens[k].lower() == "och" and lead and tokens[k - 1].lower() not in _NOT_MODIFIER:
            lead = [tokens[k - 1].lower(), "och"] + lead
        lead = lead[-3:] if "och" not in lead else lead
        rest = text.split(tokens[j], 1)[-1]
        tail = re.match(r"\s*((?:över\s+)?\d{1,2}(?:\s*[–-]\s*\d{1,2})?\s+år\b|med\s+(?:\w+\s+)?\w*(?:nedsättning|ohälsa|"
                        r"behov|diagnos\w*|erfarenhet|bakgrund)\b)", rest)
        phrase = " ".join(lead + head) + (" " + tail.group(1) if tail else "")
        if tail:  # "personer med funktionsnedsättning": the words of the tail are not groups of their own
            consumed = len(words(tail.group(1)))
            j += consumed
        if phrase not in out:
            out.append(phrase)
        i = j + 1
    return out


def target_rules(s: Sentence, cues: Cues) -> None:
    for m in cues.target.finditer(s.text):
        end = _CLAUSE_END.search(s.text, m.end())
        for phrase in group_phrases(s.text[m.end(): end.start() if end else len(s.text)], cues):
            s.add(_project_near(s, m.start()), "target_group", {"text": phrase}, 2)
    purpose = s.section == "purpose" or re.match(r"\W*(?:syftet|målet|målen|projektets\s+mål)\b", s.text, re.I)
    if not purpose or not s.subject:
        return
    patterns = [r"\b(?:bland|hos)\s+((?:\w+\s+){0,2}?[\wåäö]+)",
                r"\b(?:kompetensutveckling|stöd|insatser|utbildning)\s+för\s+([\wåäö]+)",
                r"\b(?:stärka|öka|höja|utveckla)\s+([\wåäö]+s)\s",
                r"\b(?:målet|målen|syftet)\s+(?:var|är)\s+att\s+(?:ge\s+)?(?:minst\s+)?(?:[\d\s]+\s|antalet\s+)?"
                r"((?:\w+\s+){0,3}?\w+)(?:\s+(?:skulle|ska|erfarenheter|får|fick)|\s+i\s)"]
    for pattern in patterns:
        for m in re.finditer(pattern, s.text, re.IGNORECASE):
            for phrase in group_phrases(m.group(1), cues):
                s.add(s.subject, "target_group", {"text": phrase}, 1)


# -- results ------------------------------------------------------------------------------------------
def result_rules(s: Sentence, cues: Cues) -> bool:
    """True when the sentence is a result (so that list items after its colon are results too)."""
    if s.section in ("background", "purpose", "lessons", "economy") or not s.subject:
        return False
    if cues.goal_words.search(s.text) or find_amounts(s.text):
        return False
    spans = [(r.start, r.end) for r in s.refs if r.type in ("project", "programme")]
    spans += [(p.at, p.until) for p in find_periods(s.text)]
    counts = find_counts(s.text, spans)
    if not counts:
        return False
    is_result = s.section == "results" or s.after_result_colon
    if not is_result:
        is_result = any(_counted_by(s.text, c, v) for v in cues.result_verb.finditer(s.text) for c in counts)
    if is_result:
        s.add(s.subject, "result", {"text": s.text.strip()[:500], "number": counts[0].value,
                                    "percent": counts[0].percent}, 2 if s.section == "results" else 1)
    return is_result


_PREPOSITIONS = {"om", "med", "i", "på", "för", "av", "till", "från", "inom", "under", "efter", "vid", "per"}


def _counted_by(text: str, count, verb) -> bool:
    """'712 personer deltog', 'deltog 31 företag', 'minskade med i genomsnitt 14 procent': the count is what
    the verb did, not a detail of it ('genomförde studiecirklar om fem träffar')."""
    if count.end <= verb.start():
        between = [w.lower() for w in words(text[count.end:verb.start()])]
        return len(between) <= 4 and not set(between) & _PREPOSITIONS
    between = [w.lower() for w in words(text[verb.end():count.start])]
    if re.match(r"ökade|minskade", verb.group(0), re.IGNORECASE):
        return len(between) <= 4 and set(between) <= {"med", "i", "genomsnitt", "från", "till", "cirka", "drygt", "knappt"}
    return len(between) <= 1 and not set(between) & _PREPOSITIONS


# -- period -------------------------------------------------------------------------------------------
def period_rules(s: Sentence, cues: Cues, masked: str) -> None:
    if s.section in ("background", "lessons") or not (s.subject or s.projects):
        return
    for period in find_periods(masked):
        around = masked[max(0, period.at - 40):period.at] + " " + masked[period.until:period.until + 30]
        project = _project_near(s, period.at)
        value = {"start": period.start, "end": period.end, "start_text": period.start_text,
                 "end_text": period.end_text}
        if not period.single:
            if _PERIOD_CUE.search(around) or re.search(r"projekt", masked[:period.at], re.IGNORECASE) and s.opening:
                s.add(project, "period", value, 3 if _PERIOD_CUE.search(around) else 2)
            elif re.match(r"\W*mellan\s*$", masked[:period.at], re.IGNORECASE) and s.subject_kind in ("main", "anaphora"):
                s.add(project, "period", value, 2)
            elif re.search(r"\b(?:under|från|från\s+och\s+med|fr\.\s?o\.\s?m\.?)\s+(?:perioden\s+)?$", masked[:period.at],
                           re.IGNORECASE) \
                    and s.subject_kind in ("named", "anaphora", "current"):
                s.add(project, "period", value, 1)
            continue
        before = masked[max(0, period.at - 50):period.at]
        after = masked[period.until:period.until + 40]
        if re.search(r"\b(?:pågick|pågår|genomfördes|genomförs|löpte|pågått)\s+(?:under\s+)?(?:hela\s+)?$", before,
                     re.IGNORECASE) and (s.subject_kind in ("anaphora", "named") or cues.anaphora.search(before)):
            s.add(project, "period", value, 2)  # "Projektet genomfördes under 2022"
        elif re.search(r"\bsedan\s+$", before, re.IGNORECASE):
            s.add(project, "period", {"start": period.start, "end": None, "start_text": period.start_text}, 1)
        elif _END_CUE.search(before[-30:]) or re.search(r"\b(?:avslutades|avslutas|avslutad)\s+(?:i\s+|under\s+)?$",
                                                        before, re.IGNORECASE):
            s.add(project, "period", {"start": None, "end": period.end, "end_text": period.end_text}, 2)
        elif _START_CUE.search(before[-45:]) or re.match(r"\s*(?:\w+\s+){0,2}?(?:startade|startar|startas|inleddes|"
                                                         r"påbörjades)\b", after, re.IGNORECASE):
            s.add(project, "period", {"start": period.start, "end": None, "start_text": period.start_text}, 2)
