"""Wording of titles: joining a title's lines (hyphen breaks, letter-spaced words), sentence case for
titles set in capitals, and a readable title from a file name with its å/ä/ö put back."""
from __future__ import annotations

import itertools
import re
from functools import lru_cache

import yaml

from ingest.config import CORPUS_DIR

MONTHS = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
_DATE = re.compile(rf"(?:19|20)\d\d\s*-+\s*\d{{1,2}}\s*-+\s*\d{{1,2}}|\d{{1,2}}\s+(?:{MONTHS})\s+(?:19|20)\d\d", re.I)
_DATE_LINE = re.compile(rf"^\W*(?:(?:den|datum:?)\s+)?(?:{_DATE.pattern})\W*$", re.I)
# After these a line-end hyphen is a real one: "bygglovs-" + "och tekniska frågor".
_CONJUNCTIONS = {"och", "o", "eller", "samt", "resp", "resp.", "respektive", "till", "som", "men", "and", "or", "&"}
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+|\S", re.UNICODE)
_FILE_NOISE = {"final", "slutlig", "slutversion", "signerad", "signed", "kopia", "copy", "utkast", "draft", "webb",
               "web", "tillganglig", "tillgänglig", "ta", "pdf", "docx", "doc"}


def is_date_line(text: str) -> bool:
    return bool(_DATE_LINE.match(text.strip()))


def _words_known(word: str, as_listed: bool = False) -> bool:
    from search.text import is_swedish_word

    return is_swedish_word(word, as_listed)


def _compound(left: str, right: str) -> bool:
    from search.text import joins_as_compound

    return joins_as_compound(left.lower(), right.lower())


def tidy_join(lines: list[str]) -> str:
    """Join the lines of a title: 'RIKSDAGS-' + 'PARTIERNAS' -> 'RIKSDAGSPARTIERNAS', 'KLIMAT' + 'STRATEGI'
    -> 'KLIMATSTRATEGI' (a poster title set one word per line), otherwise with a space."""
    text = ""
    for line in (l.strip() for l in lines if l and l.strip()):
        if not text:
            text = line
            continue
        next_word = line.split()[0]
        left_word = text.split()[-1] if text.split() else ""
        if text.endswith("-") and not text.endswith(" -"):
            if next_word.lower().strip(",.") in _CONJUNCTIONS:
                text = f"{text} {line}"  # "bygglovs-" + "och tekniska frågor"
            elif re.match(r"^[A-ZÅÄÖ]{1,4}-$", left_word) and next_word[:1].islower():
                text = f"{text}{line}"  # "EU-" + "kommissionen"
            else:
                text = f"{text[:-1]}{line}"
        elif (" " not in text and " " not in line and text.isupper() and line.isupper() and text.isalpha()
              and line.isalpha() and _compound(text, line)):
            text = f"{text}{line}"
        else:
            text = f"{text} {line}"
    return tidy(text)


def tidy(text: str) -> str:
    """A title as one clean line: 'RIKSDAGS- PARTIERNAS' joined when the join is a Swedish word, year
    ranges with an en dash, spaces and stray punctuation tidied."""
    text = " ".join(text.split())

    def join_artefact(match: re.Match) -> str:
        left, right = match.group(1), match.group(2)
        if right.lower() in _CONJUNCTIONS:
            return match.group(0)
        if _words_known((left + right).lower()) and not _words_known(right.lower()) or \
                (left.isupper() and right.isupper() and _words_known((left + right).lower())):
            return left + right
        return match.group(0)

    text = re.sub(r"([^\W\d_]{2,})- ([^\W\d_]+)", join_artefact, text)
    text = re.sub(r"(?<=\w) [-–—] (?=\w)", " – ", text)  # "Workshop 1 - scenarier": a dash, not a hyphen
    text = re.sub(r"\b((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)\b", r"\1–\2", text)
    text = re.sub(r"\s+([,.:;])", r"\1", text)
    return text.strip(" ,;:-–")


@lru_cache(maxsize=1)
def _proper_nouns() -> dict[str, str]:
    """Lower-case name -> as written, for every one-word place or organisation name: how 'HAPARANDA'
    becomes 'Haparanda' and 'olofstrom' 'Olofström' (parts of longer names, 'Östra' in 'Östra Göinge',
    are left out: alone they are ordinary words)."""
    from ingest.enrich.gazetteers import load_gazetteer

    nouns: dict[str, str] = {}
    for surface, entry in load_gazetteer().names.items():
        if entry.type in ("place", "organisation") and surface.isalpha() and len(surface) > 2 \
                and surface[:1].isupper() and surface[1:].islower():
            nouns.setdefault(surface.lower(), surface)
    return nouns


@lru_cache(maxsize=1)
def _ascii_words() -> dict[str, str]:
    path = CORPUS_DIR / "file_name_words.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k).lower(): str(v) for k, v in (data.get("words") or {}).items()}


def _is_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    long_words = re.findall(r"[^\W\d_]{6,}", text)
    return len(letters) >= 6 and sum(c.isupper() for c in letters) / len(letters) > 0.8 and bool(long_words)


def sentence_case(text: str) -> str:
    """'STADGAR FÖR KALMAR NATIONS VÄNNER' -> 'Stadgar för Kalmar nations vänner'; mixed case is left alone.
    Known names keep their capital, short words no dictionary knows stay as acronyms (SSYK, EU)."""
    if not _is_capitals(text):
        return text
    nouns = _proper_nouns()
    out = []
    for token in _TOKEN.findall(text):
        if not token[0].isalpha():
            out.append(token)
            continue
        lower = token.lower()
        if len(token) <= 5 and token.isupper() and not _words_known(lower):
            out.append(token)  # an acronym
        elif lower in nouns:
            out.append(nouns[lower])
        else:
            out.append(lower)
    joined = _rejoin(text, out)
    return joined[:1].upper() + joined[1:]


def _rejoin(original: str, tokens: list[str]) -> str:
    """Put re-cased tokens back with the original spacing."""
    result, position = [], 0
    for token in tokens:
        found = original.lower().find(token.lower(), position)
        if found < 0:
            result.append(token)
            continue
        result.append(original[position:found])
        result.append(token)
        position = found + len(token)
    result.append(original[position:])
    return "".join(result)


def restore_word(word: str) -> str:
    """'olofstrom' -> 'Olofström', 'forslag' -> 'förslag': the spelling with å/ä/ö that a place name or
    the word list knows; the word as it was when nothing fits."""
    lower = word.lower()
    if not lower.isalpha():
        return word
    if lower in _ascii_words():
        return _ascii_words()[lower]
    nouns = _proper_nouns()
    slots = [("a", "å", "ä") if c == "a" else ("o", "ö") if c == "o" else (c,) for c in lower]
    variants = 1
    for options in slots:
        variants *= len(options)
    if variants > 4096:
        return word
    candidates = ["".join(v) for v in itertools.product(*slots)]
    for candidate in candidates:  # places and organisations first: they carry their capital
        if candidate in nouns:
            return nouns[candidate]
    for as_listed in (True, False):  # a word the list has as it stands beats one it only derives
        if _words_known(lower, as_listed):
            return word
        for candidate in candidates[1:]:
            if _words_known(candidate, as_listed):
                return candidate
    return word


_FOLD_DIACRITICS = str.maketrans("åäöé", "aaoe")


def fold_diacritics(text: str) -> str:
    """Lower case without å/ä/ö/é, as file names and hurried typing write Swedish: 'Nära' -> 'nara'."""
    return text.lower().translate(_FOLD_DIACRITICS)


def text_spellings(text: str) -> dict[str, str]:
    """Folded word -> how the document writes it, for the words it writes with å/ä/ö/é more often than
    without: in a plan on "våld i nära relationer", 'nara' -> 'nära' (a word of its own, so the word list
    alone would keep it). A word the text capitalises inside sentences and never writes in lower case
    keeps its capital (a name: "i Östra Gördby")."""
    counts: dict[str, int] = {}
    lower: set[str] = set()  # written in lower case somewhere
    named: set[str] = set()  # capitalised after a word or comma, not at a sentence start
    for m in re.finditer(r"[^\W\d_]{2,40}", text):
        word = m.group().lower()
        counts[word] = counts.get(word, 0) + 1
        if m.group()[0].islower():
            lower.add(word)
        elif re.search(r"[^\W\d_,]\s+$|,\s*$", text[max(0, m.start() - 3):m.start()]):
            named.add(word)
    best: dict[str, tuple[str, int]] = {}
    for word, n in counts.items():
        folded = fold_diacritics(word)
        if folded != word and n > counts.get(folded, 0) and n > best.get(folded, ("", 0))[1]:
            best[folded] = (word, n)
    return {folded: word.capitalize() if word in named and word not in lower else word
            for folded, (word, _n) in best.items()}


def title_from_file_name(stem: str, drop_leading: set[str] | None = None,
                         spellings: dict[str, str] | None = None) -> str:
    """'olofstrom_handlingsplan_klimat-och-energi_2023' -> 'Olofström handlingsplan klimat och energi 2023'.
    A leading part that only names the organisation (`drop_leading`, folded) is left out. `spellings`
    (`text_spellings` of the document) decides a word's å/ä/ö before the word lists do."""
    stem = re.sub(r"\.(pdf|docx?|odt|rtf|txt|md)$", "", stem.strip(), flags=re.I)
    segments = [s for s in re.split(r"[_]+|\s{2,}", stem) if s.strip()]
    if len(segments) > 1 and drop_leading:
        first = " ".join(re.split(r"[-\s]+", segments[0])).lower()
        if any(first == name or name.startswith(first + " ") for name in drop_leading):
            segments = segments[1:]
    words = []
    for segment in segments:
        segment = re.sub(r"\b((?:19|20)\d\d)-((?:19|20)\d\d)\b", r"\1–\2", segment)
        segment = re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])|(?<=\d)-(?=[^\W\d_])|(?<=[^\W\d_])-(?=\d)", " ", segment)
        for word in segment.split():
            if word.lower() in _FILE_NOISE or re.fullmatch(r"v\d+|\(\d+\)|\d{8,}", word.lower()):
                continue
            core, hyphen = (word[:-1], "-") if word.endswith("-") else (word, "")  # "Miljo- och"
            if core.isupper() and len(core) > 1:  # "AR", "HFD"
                restored = core
            else:
                restored = (spellings or {}).get(core.lower()) or restore_word(core)
            restored = restored[:1].upper() + restored[1:] if core[:1].isupper() else restored
            words.append(restored + hyphen)
    title = " ".join(words)
    return title[:1].upper() + title[1:]
