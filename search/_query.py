"""Parse: a user's query string into word and phrase slots (within limits). Words and phrases are scored by
the numpy evaluator (search._matching, search._ranking) with the weights below."""
from __future__ import annotations

import re

from search._analysis import analyse_words
from search.api import MAX_QUERY_CHARS, MAX_QUERY_TERMS, NOTICE_TRUNCATED

# Field weights. Compound parts rank below exact and stemmed matches.
W_TITLE = 1.5
W_HEADING = 2.0
W_BODY = 1.0
W_PARTS = 0.3
W_ALT = 0.6  # sub-tokens of a typed token (eu of eu-frågor)

_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_UNIT = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class _Slot:
    """One required part of the query: a word (with alternatives) or a quoted phrase."""

    def __init__(self, terms: list[str], alts: list[list[str]], phrase: bool, surface: str, words: list[str]):
        self.terms = terms  # main analysed terms
        self.alts = alts  # per main term: alternative terms (same position)
        self.phrase = phrase
        self.surface = surface
        self.words = words  # per main term: the word as typed (lowercase), for compound parts and derivations


def _parse(query: str) -> tuple[list[_Slot], list[_Slot], list[str]]:
    """Split a user query into positive slots, negative slots and notices (NOTICE_TRUNCATED)."""
    notes: list[str] = []
    q = _CTRL.sub(" ", query or "")
    if len(q) > MAX_QUERY_CHARS:
        q = q[:MAX_QUERY_CHARS]
        notes.append(NOTICE_TRUNCATED)
    pos: list[_Slot] = []
    neg: list[_Slot] = []
    count = 0
    for m in _UNIT.finditer(q):
        negative, phrase_text, word = m.group(1), m.group(2), m.group(3)
        if word is not None:
            negative = ""
            if word.startswith("-") and len(word) > 1:
                negative, word = "-", word[1:]
            text, is_phrase = word, False
        else:
            text, is_phrase = phrase_text, True
        mains: list[str] = []
        alts: list[list[str]] = []
        words: list[str] = []
        for term, original, sub in analyse_words(text):
            if sub:
                if alts:
                    alts[-1].append(term)
            else:
                mains.append(term)
                alts.append([])
                words.append(original)
        if not mains:
            continue
        if is_phrase and len(mains) > 1:
            slots = [_Slot(mains, alts, True, text, words)]
        else:
            slots = [_Slot([t], [a], False, text, [w]) for t, a, w in zip(mains, alts, words)]
        for s in slots:
            if not negative and count >= MAX_QUERY_TERMS:
                if NOTICE_TRUNCATED not in notes:
                    notes.append(NOTICE_TRUNCATED)
                continue
            (neg if negative else pos).append(s)
            if not negative:
                count += 1
    return pos, neg, notes
