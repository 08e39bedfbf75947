"""The rules that read one sentence for who a project is for (target groups) and what came out of it
(results: the quantitative statements of a report, "712 personer deltog …", "83 procent …")."""
from __future__ import annotations

import re

from ingest.enrich.project_cues import Cues
from ingest.enrich.project_sentences import CLAUSE_END, Sentence, project_near, words
from ingest.enrich.swedish_numbers import find_amounts, find_counts
from ingest.enrich.swedish_periods import find_periods

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
        end = CLAUSE_END.search(s.text, m.end())
        for phrase in group_phrases(s.text[m.end(): end.start() if end else len(s.text)], cues):
            s.add(project_near(s, m.start()), "target_group", {"text": phrase}, 2)
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
