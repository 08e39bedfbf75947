"""The rules that read one sentence for the facts of a project card: owner, partners, financing and period
(target groups and results are in `project_outcomes.py`). `project_cards.py` decides which project a
sentence speaks of; these rules only fire on explicit Swedish wording (cue words from
corpus/gazetteers/project_cues.yaml) and leave a field empty rather than guess. Every fact carries a
strength: 3 a label ("Projektägare: X"), 2 a clear pattern, 1 a weaker one, 0 implied by the document (a
plan's "Driva projektet X"); the card keeps the strongest.
"""
from __future__ import annotations

import re

from ingest.enrich.gazetteers import load_gazetteer
from ingest.enrich.project_cues import Cues
from ingest.enrich.project_sentences import (
    Sentence, capitalised_name, list_items, party_list, project_before, project_near, words,
)
from ingest.enrich.swedish_numbers import find_amounts
from ingest.enrich.swedish_periods import find_periods

_PERIOD_CUE = re.compile(r"projektperiod(?:en)?|projekttid(?:en)?|löptid(?:en)?|genomförandeperiod(?:en)?|tidsperiod"
                         r"|genomförandetid(?:en)?|pågår|pågick|pågått|pågå|löper|löpte|genomfördes"
                         r"|genomförs|genomförts", re.IGNORECASE)
_START_CUE = re.compile(r"\b(?:startade|startar|startas|inleddes|inleds|påbörjades|påbörjas|började|sedan|projektstart(?:en)?:?"
                        r"|startdatum:?|start:"
                        r"|planeras\s+(?:att\s+)?starta|kom\s+igång)\b", re.IGNORECASE)
_END_CUE = re.compile(r"\b(?:avslutades|avslutas|avslutad|slutade|slutar|projektslut(?:et)?:?|slutdatum:?|(?:pågår|pågick|pågå|fortgår|fortgå|löper"
                      r"|fortsätter|fortsatte)\s+(?:\w+\s+)?(?:till\s+och\s+med|t\.\s?o\.\s?m\.?|till|fram\s+till))\b",
                      re.IGNORECASE)
_FUND_COMPOUND = re.compile(r"(?<![\wåäö])([A-ZÅÄÖ][\wåäö+:]*)-(?:stöd|stödet|medel|medlen|bidrag|bidraget|finansiering)\b")
_FUTURE = re.compile(r"\b(?:kommer|ska|skall|planerar|avser|ambitionen|målet|målen)\b", re.IGNORECASE)



# -- owner --------------------------------------------------------------------------------------------
def _org_at(s: Sentence, pos: int, cues: Cues) -> str | None:
    """The organisation named at `pos` (a known one, else a capitalised name)."""
    for r in s.of_type("organisation"):
        if pos <= r.start <= pos + 2:
            return r.name
    rest = s.text[pos:pos + 80]
    if any(r.type in ("project", "place", "programme") and pos <= r.start <= pos + 2 for r in s.refs):
        return None
    return capitalised_name(rest, cues.partner_heads)


def owner_rules(s: Sentence, cues: Cues) -> None:
    for m in cues.owner_label.finditer(s.text):
        if s.text[m.end():m.end() + 6].lower().startswith(("för ", "i ")):
            continue
        owner = _org_at(s, m.end(), cues)
        if owner:
            s.add(project_near(s, m.start()), "owner", {"name": owner}, 3)
    for m in re.finditer(r"\b(?:är|var|står\s+som|stod\s+som|har\s+varit|blir)\s+(?:projektägare|huvudman)\b",
                         s.text, re.IGNORECASE):
        orgs = [r for r in s.of_type("organisation") if 0 <= m.start() - r.end <= 2]
        if orgs:
            after = [r for r in s.projects if r.start >= m.end()]
            s.add(after[0].id if after else s.subject, "owner", {"name": orgs[-1].name}, 3)
    for m in cues.owner_passive.finditer(s.text):
        owner = _org_at(s, m.end(), cues)
        lead = s.text[:m.start()]
        about_project = ([r for r in s.projects if r.end <= m.start()] or cues.anaphora.search(lead)
                         or (s.subject_kind == "main" and len(words(lead)) <= 2)
                         or re.search(r"(?:projekt|satsning|förstudie|insats)\w*\s+som\s+$", lead, re.IGNORECASE)
                         or (s.subject and re.fullmatch(r"\W*(?:det|den|detta|som)\s*", lead, re.IGNORECASE)))
        if owner and about_project:
            project = project_before(s, m.start())
            s.add(project, "owner", {"name": owner}, 2)
            after = m.end() + len(owner)  # "drivs gemensamt av X och Y": Y works with X
            for r in s.of_type("organisation"):
                if re.fullmatch(r"\s+och\s+", s.text[after:r.start]):
                    s.add(project, "partner", {"name": r.name}, 1)
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
        project = project_near(s, m.start())
        for name in party_list(s, cues, m.end(), cues.partner_heads):
            s.add(project, "partner", {"name": name}, 1)
    for m in re.finditer(r"\b(?:kommer\s+att\s+)?(?:delta|deltar|deltog|medverkar|medverkade|har\s+deltagit|har\s+medverkat)"
                         r"\s+i\s+projektet\b", s.text, re.IGNORECASE):
        orgs = [r for r in s.of_type("organisation") if r.end <= m.start() and m.start() - r.end <= 80
                and not re.search(r"[.;:]|\b(?:som|där|när)\b", s.text[r.end:m.start()])]
        named = [r for r in s.projects if r.start >= m.end() - 1]
        project = named[0].id if named else (s.subject if s.subject_kind in ("main", "anaphora") else None)
        for org in orgs:  # "Sala kommun och Heby kommun medverkar i projektet"
            s.add(project, "partner", {"name": org.name}, 1)
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
    item = re.split(r"\s+(?:med|inom|om|på|genom|under|till)\s+", item)[0]  # "Stiftelsen X med 5 miljoner kronor"
    inside = [r for r in inside if r.end <= start + len(item)]
    lowered = [w.lower() for w in words(item)]
    if lowered and any(lowered[-1].endswith(h) for h in cues.financing_heads) and len(lowered) <= 5:
        return item
    orgs = [r.name for r in inside if r.type == "organisation"]
    if orgs:
        return orgs[0]
    projects = [r.name for r in inside if r.type == "project"]
    if projects:
        return projects[0]
    if item[:1].isupper() and not inside and len(lowered) <= 5:
        return capitalised_name(item, cues.partner_heads | cues.financing_heads)
    return None


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
    if find_amounts(s.text):  # "Beviljat ESF-stöd uppgick till 3,2 miljoner kronor"
        for m in _FUND_COMPOUND.finditer(s.text):
            known = load_gazetteer().names.get(m.group(1))
            if known is not None and known.type == "programme":
                found.append((known.name, m.start(), m.end(), 1))
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


# -- period -------------------------------------------------------------------------------------------
def period_rules(s: Sentence, cues: Cues, masked: str) -> None:
    if s.section in ("background", "lessons") or not (s.subject or s.projects):
        return
    for period in find_periods(masked):
        around = masked[max(0, period.at - 40):period.at] + " " + masked[period.until:period.until + 30]
        project = project_near(s, period.at)
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
