"""Swedish text analysis for the Whoosh engine.

One analyser chain is used for indexing and for querying:
    SvTokenizer (NFC, lowercase, special tokens, hyphen coordination)
    | SvStopFilter (Swedish stop words, position-aware renumbering)
    | [DecompoundFilter, only in the secondary "parts" field, only at index time]
    | StemFilter(stemfn=sv_stem)  (lemma lookup in the hunspell-sv word list, then PyStemmer Swedish)

Whoosh pickles analysers into the index, so every class here is a small module-level class; the
word lists (~279k hunspell entries) are loaded lazily into module globals on first use and are never
part of the pickled state.
"""
from __future__ import annotations

import os
import re
import sys
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from whoosh.analysis import Composable, Filter, StemFilter, Token, Tokenizer

# Bump when tokenisation, stop words, lemma/stem rules or decompounding change: the index then
# reports needs_rebuild.
ANALYSIS_VERSION = 5

STOP_WORDS = frozenset(
    """och det att i en jag hon som han på den med var sig för så till är men ett om hade de av icke
    mig du henne då sin nu har inte hans honom skulle hennes där min man ej vid kunde något från ut när
    efter upp vi dem vara vad över än dig kan sina här ha mot alla under någon eller allt mycket sedan
    ju denna själv detta åt utan varit hur ingen mitt ni bli blev oss din dessa några deras blir mina
    samma vilken er sådan vår blivit dess inom mellan sådant varför varje vilka ditt vem vilket sitta
    sådana vart dina vars vårt våra ert era vilkas samt även
    t.ex. t.ex bl.a. bl.a m.m. m.m s.k. s.k dvs dvs. osv osv. etc etc. ca ca. resp resp. o.s.v. d.v.s.
    """.split()
)
CONJUNCTIONS = frozenset({"och", "eller", "samt", "resp", "resp.", "respektive", "&", "som"})

MIN_COMPOUND_LEN = 8  # only words at least this long are split
MIN_PART_LEN = 4  # every part (surface form) at least this long: no "lag" in "förslag"
MAX_PARTS = 3

# --------------------------------------------------------------------------- word lists (lazy)


def _dictionary_path() -> Path | None:
    env = os.environ.get("KUNSKAPSBANK_HUNSPELL_DIC")
    candidates = [Path(env)] if env else []
    for prefix in {sys.prefix, sys.base_prefix}:
        candidates.append(Path(prefix) / "share" / "hunspell" / "sv_SE.dic")
    candidates += [Path("/usr/share/hunspell/sv_SE.dic"), Path("/usr/local/share/hunspell/sv_SE.dic")]
    for path in candidates:
        if path.is_file():
            return path
    return None


class _Lexicon:
    def __init__(self, path: Path | None):
        self.path = path
        self.base: set[str] = set()  # real words (not compound-only forms)
        self.heads: set[str] = set()  # may start/appear inside a compound (flags X, U)
        self.tails: set[str] = set()  # may end a compound (flag Y)
        if path is None:
            return
        with open(path, encoding="utf-8") as fh:
            next(fh, None)  # entry count
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                word, _, flags = line.partition("/")
                word = unicodedata.normalize("NFC", word).lower()
                if not word.isalpha():
                    continue
                if "Z" not in flags:
                    self.base.add(word)
                if "X" in flags or "U" in flags:
                    self.heads.add(word)
                if "Y" in flags:
                    self.tails.add(word)
        self.head_or_tail = self.heads | self.tails


_LEX: _Lexicon | None = None
_LEX_LOCK = threading.Lock()
_TAIL_STEMS: set[str] | None = None


def lexicon() -> _Lexicon:
    global _LEX
    if _LEX is None:
        with _LEX_LOCK:
            if _LEX is None:
                _LEX = _Lexicon(_dictionary_path())
    return _LEX


def _tail_stems() -> set[str]:
    global _TAIL_STEMS
    if _TAIL_STEMS is None:
        lex = lexicon()
        _TAIL_STEMS = {sv_stem(w) for w in lex.tails if len(w) >= MIN_PART_LEN}
    return _TAIL_STEMS


# --------------------------------------------------------------------------- lemma + stem

_STEMMER_LOCAL = threading.local()


def _stemmer():
    st = getattr(_STEMMER_LOCAL, "stemmer", None)
    if st is None:
        import Stemmer  # PyStemmer: current Snowball Swedish (Whoosh's bundled one is old)

        st = _STEMMER_LOCAL.stemmer = Stemmer.Stemmer("swedish")
    return st


_LEMMA_SUFFIXES = (
    "heterna", "heten", "ornas", "arnas", "ernas", "orna", "arna", "erna", "andet", "andes", "ande",
    "ens", "ets", "ors", "ars", "ers", "en", "et", "er", "ar", "or", "na", "ne", "a", "e", "t", "n", "s",
)


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Base form from the hunspell word list by stripping common inflection endings (or the word)."""
    if len(word) < 4 or not word.isalpha():
        return word
    base = lexicon().base
    # Strip an inflection ending when what remains is a dictionary word, even when the inflected form
    # is listed itself (the word list has e.g. "nätverket", "högskolan" as compound heads).
    for suffix in _LEMMA_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            root = word[: -len(suffix)]
            if root in base:
                return root
    return word


@lru_cache(maxsize=200_000)
def sv_stem(word: str) -> str:
    """Lemma lookup, then the PyStemmer Swedish stemmer; tokens with digits/symbols stay as they are."""
    if not word.isalpha():
        return word
    return _stemmer().stemWord(lemma(word))


# --------------------------------------------------------------------------- decompounding


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


def _segment(w: str, depth: int) -> list[str] | None:
    best: list[str] | None = None
    if depth > 0 and _is_tail(w):
        return [w]
    if depth >= MAX_PARTS - 1:
        return None
    for i in range(len(w) - MIN_PART_LEN, MIN_PART_LEN - 1, -1):  # longest head first
        head = _norm_head(w[:i])
        if head is None:
            continue
        rest = _segment(w[i:], depth + 1)
        if rest is None:
            continue
        cand = [head] + rest
        if best is None or len(cand) < len(best):
            best = cand
            if len(best) == 2:
                break
    return best


@lru_cache(maxsize=300_000)
def split_compound(word: str) -> tuple[str, ...]:
    """Dictionary parts of a Swedish compound ('kompetensförsörjning' -> kompetens, försörjning).

    Returns () when the word is short, not alphabetic, or has no split into dictionary words of at
    least MIN_PART_LEN letters. Heads come back in base form (arbets -> arbete, hälso -> hälsa), the
    last part as written (biblioteken) so that the stemmer treats it like any word.
    """
    if len(word) < MIN_COMPOUND_LEN or not word.isalpha() or not lexicon().base:
        return ()
    parts = _segment(word, 0)
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
    found = []
    for m in _TOKEN_RE.finditer(low):
        tok, start, end = m.group(), m.start(), m.end()
        if tok.startswith("#"):
            found.append((tok, start, end, [tok[1:]]))  # "#17" (delmål 17 headings), also "17"
            continue
        # abbreviation with dots: t.ex. bl.a. m.m. -> keep the final dot
        if "." in tok and end < len(low) and low[end] == "." and all(_ABBREV_SEG.match(s) for s in tok.split(".")):
            tok, end = tok + ".", end + 1
        found.append([tok, start, end, None])
    out: list[tuple[str, int, int, list[str]]] = []
    n = len(found)
    for i, item in enumerate(found):
        tok, start, end, subs = item
        if subs is not None:
            out.append((tok, start, end, subs))
            continue
        if tok.endswith("-") and len(tok) > 1:
            prefix = tok.rstrip("-")
            expanded = _coordinate(prefix, found, i, n)
            if expanded:
                out.append((expanded, start, end, [prefix]))
            else:
                out.append((prefix, start, end, _subtokens(prefix)))
            continue
        out.append((tok, start, end, _subtokens(tok)))
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
        elif nxt.endswith("-"):
            pass
        else:
            break
        j += 1
    if j >= n or not saw_conj:
        return None
    anchor = found[j][0]
    if not anchor.isalpha():
        return None
    parts = split_compound(anchor)
    if parts:
        tail = parts[-1]
    else:
        return None
    return prefix + tail


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
            t.sub = False
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
    """At index time, adds the dictionary parts of compounds at the word's own position."""

    def __eq__(self, other):
        return other is not None and other.__class__ is self.__class__

    def __call__(self, tokens):
        for t in tokens:
            text = t.text
            is_sub = getattr(t, "sub", False)
            mode = t.mode
            parts = None
            if mode != "query" and not is_sub and len(text) >= MIN_COMPOUND_LEN and text.isalpha():
                parts = compound_parts(text)
            copies = [t.copy() for _ in parts] if parts else ()
            yield t
            for part, c in zip(parts or (), copies):
                c.text = part
                c.sub = True
                yield c


class KeepFilter(Filter):
    """No-op (kept so analyser chains pickle identically across versions)."""

    def __call__(self, tokens):
        return tokens


def _stem_filter() -> StemFilter:
    return StemFilter(stemfn=sv_stem, cachesize=100_000)


def SwedishAnalyzer() -> Composable:
    """The analyser for title, heading and body (index and query)."""
    return SvTokenizer() | SvStopFilter() | _stem_filter()


def SwedishDecompoundAnalyzer() -> Composable:
    """The analyser for the secondary 'parts' field: as SwedishAnalyzer plus compound parts."""
    return SvTokenizer() | SvStopFilter() | DecompoundFilter() | _stem_filter()


def SpellAnalyzer() -> Composable:
    """Unstemmed words for 'menade du' suggestions."""
    return SvTokenizer() | SvStopFilter()


def analyse(text: str, analyzer=None, mode: str = "query") -> list[tuple[str, int, bool]]:
    """(term, position, is_alternative) for a string, as the index would see it."""
    analyzer = analyzer or _DEFAULT
    return [(t.text, t.pos, getattr(t, "sub", False)) for t in analyzer(text, positions=True, mode=mode)]


_DEFAULT = SwedishAnalyzer()
