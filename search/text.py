"""Swedish term analysis for other components (goal linking, document metadata): the same tokens, stop
words, stems and compound parts the search index uses, and the word list, without anything engine-specific."""
from __future__ import annotations

from search._analysis import (ANALYSIS_VERSION, STOP_WORDS, compound_parts, lemma, lexicon, raw_tokens,
                              split_compound, sv_stem)

__all__ = ["ANALYSIS_VERSION", "analyse_terms", "is_swedish_word", "joins_as_compound"]


def analyse_terms(text: str, decompound: bool = True) -> list[str]:
    """Stems of the words in `text`; compound parts are added as "~stem" so callers can weigh them apart."""
    terms: list[str] = []
    for token, _start, _end, alternatives in raw_tokens(text):
        if token in STOP_WORDS or len(token) < 2:
            continue
        terms.append(sv_stem(token))
        for alt in alternatives:
            if alt not in STOP_WORDS and len(alt) > 1 and not alt.isdigit():
                terms.append(sv_stem(alt))
        if decompound and token.isalpha():
            terms.extend("~" + sv_stem(part) for part in compound_parts(token))
    return terms


def is_swedish_word(word: str, as_listed: bool = False) -> bool:
    """True when the hunspell-sv word list knows `word`: as listed, or (unless `as_listed`) inflected
    or as a compound."""
    word = word.lower()
    if not word.isalpha():
        return False
    if word in lexicon().base:
        return True
    return not as_listed and (lemma(word) != word or len(split_compound(word)) > 1)


def joins_as_compound(left: str, right: str) -> bool:
    """True when `left` + `right` written together is a Swedish word whose first part is `left`
    ("klimat" + "strategi"): a title set one word per line can then be joined back."""
    joined = (left + right).lower()
    if not joined.isalpha():
        return False
    if joined in lexicon().base:
        return True
    return left.lower() in lexicon().heads and len(split_compound(joined)) > 1
