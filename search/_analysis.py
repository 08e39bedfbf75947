"""Swedish text analysis for the Whoosh engine: tokens, stop words, compound parts, stems.

One analyser chain is used for indexing and for querying:
    SvTokenizer (NFC, lowercase, special tokens, hyphen coordination, over-long tokens kept opaque)
    | SvStopFilter (Swedish stop words, position-aware renumbering)
    | [DecompoundFilter, only in the secondary "parts" field, only at index time: compound parts and
       derivation keys (search._derivation) at the word's own position]
    | SvStemFilter  (lemma lookup in the hunspell-sv word list, then PyStemmer Swedish)

Word knowledge (stop words, the word list, lemmas, stems) is in search._lexicon, compound splitting in
search._compounds; both are re-exported here. Whoosh pickles analysers into the index, so every class
here is a small module-level class without data.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Composable, Filter, Token, Tokenizer

from search._compounds import MAX_PARTS, MIN_COMPOUND_LEN, MIN_PART_LEN, compound_parts, split_compound  # noqa: F401
from search._derivation import derivation_key
from search._lexicon import (  # noqa: F401  (re-exported: old indexes pickled search._analysis.sv_stem)
    CONJUNCTIONS, STOP_WORDS, MissingDictionary, dictionary_path, lemma, lexicon, sv_stem,
)

# Bump when tokenisation, stop words, lemma/stem rules or decompounding change: the index then
# reports needs_rebuild.
ANALYSIS_VERSION = 7

# A token longer than this is not a word: it is kept as its first MAX_TOKEN_CHARS characters, as one
# opaque term (no alternatives, no stem, no parts), so no input can make analysis slower than linear.
MAX_TOKEN_CHARS = 100

# --------------------------------------------------------------------------- tokenizer

_TOKEN_RE = re.compile(r"#\d+|\w+(?:[:\-/.'’&]\w+)*\+*-?", re.UNICODE)
_ABBREV_SEG = re.compile(r"^[^\W\d_]{1,3}$")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return text.replace("\u00ad", "")  # soft hyphen


def _subtokens(tok: str) -> list[str]:
    """Alternatives indexed at the same position: eu-frågor -> eu, frågor; erasmus+ -> erasmus."""
    if tok.isalnum() or tok.startswith("#"):
        return []
    pieces = [p.rstrip("+") for p in re.split(r"[-/]", tok) if p.rstrip("+")]
    if len(pieces) == 1 and pieces[0] == tok:
        if "." in tok or "'" in tok or "’" in tok:
            return [p for p in re.split(r"[.'’]", tok) if p and p != tok]
        return []
    out = []
    for p in pieces:
        if p != tok and p not in out:
            out.append(p)
    return out


@lru_cache(maxsize=64)
def raw_tokens(text: str) -> tuple[tuple[str, int, int, list[str]], ...]:
    """(main token, start, end, alternatives) before stop words, lowercased, NFC.

    Cached for the last few strings: the same passage text is analysed for several fields."""
    return tuple(_raw_tokens(text))


def _raw_tokens(text: str) -> list[tuple[str, int, int, list[str]]]:
    text = _clean(text)
    low = text.lower()
    if len(low) != len(text):  # rare characters whose lowercase changes length: keep offsets sane
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    out: list = []
    pending = []  # indexes in `out` of "hälso-" style prefixes, resolved once the words after them are known
    size = len(low)
    for m in _TOKEN_RE.finditer(low):
        tok = m.group()
        if tok.isalnum():  # most words: no alternatives, nothing else to look at
            if len(tok) > MAX_TOKEN_CHARS:
                out.append((tok[:MAX_TOKEN_CHARS], m.start(), m.end(), []))  # not a word: opaque
            else:
                out.append((tok, m.start(), m.end(), []))
            continue
        start, end = m.span()
        if len(tok) > MAX_TOKEN_CHARS:
            out.append((tok[:MAX_TOKEN_CHARS], start, end, []))  # not a word: opaque, no alternatives
        elif tok.startswith("#"):
            out.append((tok, start, end, [tok[1:]]))  # "#17" (delmål 17 headings), also "17"
        else:
            # abbreviation with dots: t.ex. bl.a. m.m. -> keep the final dot
            if "." in tok and end < size and low[end] == "." and all(_ABBREV_SEG.match(s) for s in tok.split(".")):
                tok, end = tok + ".", end + 1
            if tok.endswith("-") and len(tok) > 1:
                pending.append(len(out))
                out.append((tok, start, end, None))
            else:
                out.append((tok, start, end, _subtokens(tok)))
    if pending:
        found = list(out)  # _coordinate reads the tokens as written, prefixes with their hyphen
        n = len(found)
        for i in pending:
            tok, start, end, _none = found[i]
            prefix = tok.rstrip("-")
            expanded = _coordinate(prefix, found, i, n)
            out[i] = (expanded, start, end, [prefix]) if expanded else (prefix, start, end, _subtokens(prefix))
    return out


def _coordinate(prefix: str, found, i: int, n: int) -> str | None:
    """hälso- och sjukvård -> hälsovård; för- och grundskola -> förskola."""
    if not prefix.isalpha():
        return None
    j = i + 1
    saw_conj = False
    while j < n and j <= i + 8:
        nxt = found[j][0]
        if nxt in CONJUNCTIONS:
            saw_conj = True
        elif not nxt.endswith("-"):  # further prefixes (för-, grund- och gymnasieskola) are skipped
            break
        j += 1
    if j >= n or not saw_conj:
        return None
    anchor = found[j][0]
    if not anchor.isalpha():
        return None
    parts = split_compound(anchor)
    return prefix + parts[-1] if parts else None


class SvTokenizer(Tokenizer):
    """Regex tokenizer for Swedish text with special tokens and hyphen coordination.

    Yields a main token per word and, at the same position, alternatives (token.sub = True).
    """

    def __eq__(self, other):
        return other is not None and other.__class__ is self.__class__

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        pos = start_pos - 1
        if not tokenize:
            t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
            t.text = _clean(value).lower()
            t.sub = t.keep = False
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)  # reused, as in Whoosh
        for tok, start, end, subs in raw_tokens(value):
            pos += 1
            for k, text in enumerate((tok, *subs) if subs else (tok,)):
                t.text = text
                t.sub = k > 0
                t.keep = False
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = text
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = start_char + start, start_char + end
                yield t


class SvStopFilter(Filter):
    """Drops Swedish stop words; renumbers positions so alternatives keep their main token's position."""

    def __eq__(self, other):
        return other is not None and other.__class__ is self.__class__

    def __call__(self, tokens):
        newpos = None
        main_stopped = False
        for t in tokens:
            sub = getattr(t, "sub", False)
            if not sub:
                main_stopped = t.text in STOP_WORDS
                if main_stopped:
                    continue
                if t.positions:
                    newpos = t.pos if newpos is None else newpos + 1
                    t.pos = newpos
                yield t
            else:
                if main_stopped or t.text in STOP_WORDS:
                    continue
                if t.positions and newpos is not None:
                    t.pos = newpos
                yield t


class DecompoundFilter(Filter):
    """At index time, adds at a word's own position its compound parts and the derivation keys of the word
    and of its parts (keys are stems already: marked `keep` for SvStemFilter)."""

    def __eq__(self, other):
        return other is not None and other.__class__ is self.__class__

    def __call__(self, tokens):
        for t in tokens:
            text = t.text
            extra: list[tuple[str, bool]] = []
            if t.mode != "query" and not getattr(t, "sub", False) and text.isalpha():
                parts = compound_parts(text) if len(text) >= MIN_COMPOUND_LEN else []
                extra = [(part, False) for part in parts]
                keys = dict.fromkeys(derivation_key(w) for w in (text, *parts))
                extra += [(key, True) for key in keys if key]
            copies = [t.copy() for _ in extra]  # before yielding: the tokenizer reuses `t`
            yield t
            for (term, keep), c in zip(extra, copies):
                c.text, c.sub, c.keep = term, True, keep
                yield c


class PartsOnlyFilter(DecompoundFilter):
    """As DecompoundFilter, without the words themselves: only their compound parts and derivation keys."""

    def __call__(self, tokens):
        for t in super().__call__(tokens):
            if t.sub:
                yield t


class SvStemFilter(Filter):
    """Stems every term with sv_stem (cached), except derivation keys, which are stems already."""

    def __eq__(self, other):
        return other is not None and other.__class__ is self.__class__

    def __call__(self, tokens):
        for t in tokens:
            if not getattr(t, "keep", False):
                t.text = sv_stem(t.text)
            yield t


def SwedishAnalyzer() -> Composable:
    """The analyser for title, heading and body (index and query)."""
    return SvTokenizer() | SvStopFilter() | SvStemFilter()


def SwedishDecompoundAnalyzer() -> Composable:
    """The analyser for the secondary 'parts' field: as SwedishAnalyzer plus compound parts and derivations."""
    return SvTokenizer() | SvStopFilter() | DecompoundFilter() | SvStemFilter()


def HeadingPartsAnalyzer() -> Composable:
    """The analyser for the 'hparts' field: a heading's compound parts and derivation keys only."""
    return SvTokenizer() | SvStopFilter() | PartsOnlyFilter() | SvStemFilter()


def analyse(text: str, analyzer=None, mode: str = "query") -> list[tuple[str, int, bool]]:
    """(term, position, is_alternative) for a string, as the index would see it."""
    analyzer = analyzer or _DEFAULT
    return [(t.text, t.pos, getattr(t, "sub", False)) for t in analyzer(text, positions=True, mode=mode)]


def analyse_words(text: str) -> list[tuple[str, str, bool]]:
    """(term, the word as written (lowercase), is_alternative) for a query string."""
    return [(t.text, t.original, getattr(t, "sub", False)) for t in _DEFAULT(text, keeporiginal=True, mode="query")]


_DEFAULT = SwedishAnalyzer()
