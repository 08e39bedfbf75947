"""Rank: which of the query's words are abbreviations, and whether a passage spells one out — "Europeiska
socialfonden (ESF)", "SSYK (Standard för svensk yrkesklassificering)" — so that the re-rank
(search._ranking) can lift the passage that explains an abbreviation above those that only use it."""
from __future__ import annotations

import re
from itertools import islice

from search._analysis import analyse
from search._synonyms import SynonymTable

MAX_ABBREVIATION = 6  # letters: RUS, ESF, SSYK, GDPR, EDIH; longer words are words
MAX_EXPANSION_WORDS = 8  # words before "(ESF)" that may spell it out
# bounds on the work per passage, whatever a file holds: where a definition stands, and how many to try
MAX_TEXT_READ = 5_000  # characters from the start of a passage
MAX_TRIES = 10  # parentheses per passage and pattern
_ABBREVIATION = re.compile(rf"[^\W\d_]{{2,{MAX_ABBREVIATION}}}\+?")
_WORD = re.compile(r"[^\W\d_][\w\-–+]*")


def query_abbreviations(slots, synonyms: SynonymTable | None) -> list[tuple[str, str]]:
    """(as typed in lowercase, analysed term) of the query's words that are abbreviations: written in
    capitals (ESF, YH), or short words the synonym list spells out in several words (sfi: svenska för
    invandrare)."""
    found = []
    for slot in slots:
        if slot.phrase or len(slot.words) != 1:
            continue
        typed = slot.surface.strip()
        if not _ABBREVIATION.fullmatch(typed):
            continue
        if typed.rstrip("+").isupper() or _synonyms_spell_out(slot.terms[0], synonyms):
            found.append((typed.lower(), slot.terms[0]))
    return found


def _synonyms_spell_out(term: str, synonyms: SynonymTable | None) -> bool:
    if synonyms is None:
        return False
    return any(len(member) >= 2 for n, others in synonyms.alternatives([term], 0) if n == 1 for member in others)


def asks_for_definition(text: str, abbreviations: list[tuple[str, str]], words: list[str]) -> bool:
    """True when `text` spells out an abbreviation of the query and the query's other words are all in that
    long form: "ESF" alone, or "SSYK yrkesklassificering", asks what it is; "RUS uppföljning" asks about
    something else, which a passage that only spells out RUS does not answer."""
    for typed, term in abbreviations:
        long_form = spelt_out(text, typed)
        if long_form is not None:
            rest = set(words) - {t for _typed, t in abbreviations}
            if rest <= {t for t, _pos, _sub in analyse(long_form)}:
                return True
    return False


def spelt_out(text: str, abbreviation: str) -> str | None:
    """The long form of `abbreviation` in `text` — "long form (ABBR)" or "ABBR (long form)" — whose words hold
    the abbreviation's letters in order, the first letter starting its first word (case ignored); None if
    there is none."""
    letters = abbreviation.rstrip("+").lower()
    if len(letters) < 2:
        return None
    name = re.escape(letters) + r"\+?"
    text = text[:MAX_TEXT_READ]
    for m in islice(re.finditer(rf"\(\s*{name}\s*\)", text, re.IGNORECASE), MAX_TRIES):
        before = _WORD.findall(text[max(0, m.start() - 200):m.start()])[-MAX_EXPANSION_WORDS:]
        # the shortest run of words just before the parenthesis: "en satsning från Europeiska socialfonden
        # (ESF)" is spelt out by its last two words, the last letter in the last word
        for first in range(len(before) - 1, -1, -1):
            if _spells(before[first:], letters, last_in_last_word=True):
                return " ".join(before[first:])
    for m in islice(re.finditer(rf"(?<!\w){name}\s*\(([^()]{{3,160}})\)", text, re.IGNORECASE), MAX_TRIES):
        inside = _WORD.findall(m.group(1))
        if _spells(inside, letters, last_in_last_word=False):
            return " ".join(inside)
    return None


def _spells(words: list[str], letters: str, *, last_in_last_word: bool) -> bool:
    """The words, the abbreviation not among them, hold its letters in order, the first letter starting
    the first word (and, if asked, the last letter in the last word)."""
    lowered = [w.lower() for w in words]
    if not lowered or not lowered[0].startswith(letters[0]) or letters in lowered:
        return False
    text = " ".join(lowered)
    at = 1
    for ch in letters[1:-1]:
        at = text.find(ch, at) + 1
        if at == 0:
            return False
    last_word = len(text) - len(lowered[-1]) if last_in_last_word else 0
    return text.rfind(letters[-1]) >= max(at, last_word)
