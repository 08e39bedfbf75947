"""Swedish compounds: the dictionary parts of a compound word (kompetensförsörjning -> kompetens, försörjning).

Splitting is bounded: only words of MIN_COMPOUND_LEN..MAX_COMPOUND_LEN letters are tried, a first or
middle part is at most MAX_HEAD_LEN letters, and each (rest of word, depth) is segmented once per word,
so the work per word has a small fixed ceiling whatever the input (a 100k-letter "word" is not split).
"""
from __future__ import annotations

from functools import lru_cache

from search._lexicon import STOP_WORDS, lemma, lexicon, sv_stem

MIN_COMPOUND_LEN = 8  # only words at least this long are split
MAX_COMPOUND_LEN = 48  # ... and at most this long (the longest real compounds in the corpora are ~35)
MIN_PART_LEN = 4  # every part (surface form) at least this long: no "lag" in "förslag"
MAX_HEAD_LEN = 24  # a first or middle part longer than this is not tried
MAX_PARTS = 3

_TAIL_STEMS: set[str] | None = None


def _tail_stems() -> set[str]:
    global _TAIL_STEMS
    if _TAIL_STEMS is None:
        _TAIL_STEMS = {sv_stem(w) for w in lexicon().tails if len(w) >= MIN_PART_LEN}
    return _TAIL_STEMS


def _norm_head(h: str) -> str | None:
    """The dictionary word behind a first/middle compound part (handles linking -s- and elision)."""
    lex = lexicon()
    if len(h) < MIN_PART_LEN:
        return None
    if h in lex.heads:
        if h in lex.base:
            return h
        for cand in ((h[:-1], h[:-1] + "e", h[:-1] + "a") if h.endswith("s") else ()) + (h[:-1] + "a", h + "a", h + "e"):
            if cand in lex.base:
                return cand
        return h
    if h.endswith("s") and len(h) > MIN_PART_LEN and h[:-1] in lex.head_or_tail:
        return h[:-1]  # linking s: skolchef+s+nätverket
    for cand in (h + "a", h + "e"):
        if cand in lex.head_or_tail:
            return cand  # elided vowel: skol(a)+chef, kyrk(a)+gård
    if len(h) >= 5 and h in lex.tails:
        return h
    return None


def _is_tail(w: str) -> bool:
    if len(w) < MIN_PART_LEN:
        return False
    lex = lexicon()
    if w in lex.tails or lemma(w) in lex.tails:
        return True
    st = sv_stem(w)
    return len(st) >= 3 and st in _tail_stems()


def _segment(w: str, depth: int, memo: dict) -> list[str] | None:
    """The fewest dictionary parts `w` splits into (None: none). `w` is always a suffix of the word being
    split, so its length and the depth identify the sub-problem: each is solved once (`memo`)."""
    key = (len(w), depth)
    if key in memo:
        return memo[key]
    best: list[str] | None = None
    if depth > 0 and _is_tail(w):
        best = [w]
    elif depth < MAX_PARTS - 1:
        longest = min(len(w) - MIN_PART_LEN, MAX_HEAD_LEN)
        for i in range(longest, MIN_PART_LEN - 1, -1):  # longest head first
            head = _norm_head(w[:i])
            if head is None:
                continue
            rest = _segment(w[i:], depth + 1, memo)
            if rest is None:
                continue
            cand = [head] + rest
            if best is None or len(cand) < len(best):
                best = cand
                if len(best) == 2:
                    break
    memo[key] = best
    return best


@lru_cache(maxsize=300_000)
def split_compound(word: str) -> tuple[str, ...]:
    """Dictionary parts of a Swedish compound ('kompetensförsörjning' -> kompetens, försörjning).

    Returns () when the word is short or very long, not alphabetic, or has no split into dictionary words
    of at least MIN_PART_LEN letters. Heads come back in base form (arbets -> arbete, hälso -> hälsa), the
    last part as written (biblioteken) so that the stemmer treats it like any word.
    """
    if not MIN_COMPOUND_LEN <= len(word) <= MAX_COMPOUND_LEN or not word.isalpha():
        return ()
    parts = _segment(word, 0, {})
    if not parts or len(parts) < 2:
        return ()
    return tuple(parts)


def compound_parts(word: str) -> list[str]:
    """Parts to index for a word: its split plus the split of any long part (vuxenutbildnings...)."""
    out: list[str] = []
    for part in split_compound(word):
        if part not in STOP_WORDS and part not in out:
            out.append(part)
        for sub in split_compound(part):
            if sub not in STOP_WORDS and sub not in out:
                out.append(sub)
    return out
