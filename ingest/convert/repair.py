"""Word-level repairs that need to know Swedish: characters lost to U+FFFD and the case garbling of
small-caps fonts ('KlImaThjälTar' -> 'Klimathjältar'), judged against the hunspell-sv word list.

The word list is the one the search analyser uses (hunspell-sv, installed as a dependency); it is read
lazily, and only when a text needs one of these repairs.
"""
from __future__ import annotations

import os
import re
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

_REPLACEMENT_RUN = re.compile(r"(\w*)\ufffd+(\w*)")
_CANDIDATES = "äåöéÄÅÖ"
_ENDINGS = ("", "er", "ar", "or", "en", "et", "na", "n", "t", "s", "a", "e", "r", "de", "te", "ade", "are", "ens",
            "ets", "erna", "arna", "orna", "ande", "ning", "ningar", "ligt", "lig", "iga", "ig")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(lower-case stems, proper nouns in lower case) from hunspell-sv's sv_SE.dic."""
    candidates = [Path(os.environ["KUNSKAPSBANK_HUNSPELL_DIC"])] if os.environ.get("KUNSKAPSBANK_HUNSPELL_DIC") else []
    candidates += [Path(prefix) / "share" / "hunspell" / "sv_SE.dic" for prefix in {sys.prefix, sys.base_prefix}]
    candidates.append(Path("/usr/share/hunspell/sv_SE.dic"))
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return frozenset(), frozenset()
    stems, capitalised = set(), set()
    with open(path, encoding="utf-8") as handle:
        next(handle, None)
        for line in handle:
            word = unicodedata.normalize("NFC", line.split("/", 1)[0].strip())
            if not word:
                continue
            (capitalised if word[0].isupper() else stems).add(word.lower())
    return frozenset(stems), frozenset(capitalised - stems)


def is_word(word: str) -> bool:
    """A Swedish word form as far as stems plus common endings tell (good enough to choose between
    'sänker' and 'sånker', not a spelling checker)."""
    stems, names = _lexicon()
    lower = word.lower()
    return any(lower.endswith(e) and (lower[: len(lower) - len(e)] in stems or lower[: len(lower) - len(e)] in names)
               for e in _ENDINGS if len(lower) - len(e) >= 2)


def is_proper_noun(word: str) -> bool:
    names = _lexicon()[1]
    lower = word.lower()
    return lower in names or (lower.endswith("s") and lower[:-1] in names)


def repair_replacement_characters(text: str) -> str:
    """'S\ufffd\ufffdnker' -> 'Sänker' when exactly one of å/ä/ö/é makes a word; otherwise the
    replacement characters are dropped rather than shown."""
    if "\ufffd" not in text:
        return text

    def fix(match: re.Match) -> str:
        before, after = match.group(1), match.group(2)
        if before or after:
            found = [before + c + after for c in _CANDIDATES if is_word(before + c + after)]
            if len(found) >= 1:
                return found[0]
        return before + after

    return _REPLACEMENT_RUN.sub(fix, text).replace("\ufffd", "")


# -- small caps ----------------------------------------------------------------------------------------
_CAMEL = re.compile(r"^(?:[A-ZÅÄÖÉ][a-zåäöé]{2,}){2,3}$")  # VästKom, PowerPoint: a name, not garbling
_PLAIN = re.compile(r"^(?:[a-zåäöéü]+|[A-ZÅÄÖÉ][a-zåäöéü]*|[A-ZÅÄÖÉÜ]+)$")  # lower, Capitalised, UPPER
_GLUED_NAMES = re.compile(r"^([a-zåäö]{3,})([A-ZÅÄÖ][a-zåäö]{2,})$")  # 'haparandaTornio': a lost space


def _part_is_impossible(part: str) -> bool:
    return bool(part) and not _PLAIN.match(part) and not _CAMEL.match(part)


def _impossible(word: str) -> bool:
    if any(c.isdigit() for c in word):
        return False
    if (m := _GLUED_NAMES.match(word)) and is_proper_noun(m.group(1)):
        return False
    return any(_part_is_impossible(p) for p in word.split("-"))


def _recase(word: str, capital: bool) -> str:
    lower = word.lower()
    if capital or is_proper_noun(lower):
        return lower[:1].upper() + lower[1:]
    return lower


def repair_small_caps(line: str) -> str:
    """Lower-case words whose case pattern is impossible in Swedish. When most of a line is garbled
    (a heading set in small caps), the whole line is put in sentence case; acronyms (RUS, ESF, EU-frågor)
    and names the word list knows (Haparanda) keep their capitals."""
    words = list(_WORD.finditer(line))
    garbled = [m for m in words if _impossible(m.group())]
    if not garbled:
        return line
    whole_line = len(garbled) / len(words) >= 0.3
    pieces, last = [], 0
    for index, match in enumerate(words):
        word = match.group()
        if whole_line and not word.replace("-", "").isupper():
            fixed = _recase(word, capital=index == 0)  # sentence case; names stay capitalised
        elif match in garbled:
            fixed = _recase(word, capital=index == 0 or word[0].isupper())
        else:
            fixed = word
        pieces.append(line[last:match.start()] + fixed)
        last = match.end()
    pieces.append(line[last:])
    return "".join(pieces)
