"""Swedish term analysis for other components (goal linking): the same tokens, stop words,
stems and compound parts the search index uses, without anything engine-specific."""
from __future__ import annotations

from search._analysis import ANALYSIS_VERSION, STOP_WORDS, compound_parts, raw_tokens, sv_stem

__all__ = ["ANALYSIS_VERSION", "analyse_terms"]


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
