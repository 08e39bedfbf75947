"""Swedish word knowledge for analysis: stop words, the hunspell-sv word list, lemmas and stems.

The word list (~279k hunspell entries) is loaded lazily into module globals on first use, never into an
object Whoosh pickles. Without it there would be no lemmas and no compound parts, and every index built
would silently differ from one built with it: so a missing dictionary is an error (`MissingDictionary`),
never a quiet fallback.
"""
from __future__ import annotations

import os
import sys
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from search.api import SearchUnavailable

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

# Longer alphabetic strings are not Swedish words: they are neither lemmatised nor stemmed (the caches
# below would otherwise keep attacker-sized keys).
MAX_WORD_CHARS = 64


class MissingDictionary(SearchUnavailable):
    """The Swedish hunspell word list cannot be found: search must not start without it."""

    def __init__(self, looked_in: list[Path]):
        places = ", ".join(str(p) for p in looked_in[:4])
        super().__init__(
            "Den svenska ordlistan (hunspell sv_SE.dic) saknas, och utan den kan sökningen inte känna igen "
            "böjningar och sammansatta ord. Installera om programmet (paketet hunspell-sv) eller ange "
            f"ordlistans sökväg i KUNSKAPSBANK_HUNSPELL_DIC. Sökte i: {places}.")
        self.looked_in = looked_in


def _candidates() -> list[Path]:
    env = os.environ.get("KUNSKAPSBANK_HUNSPELL_DIC")
    if env:
        return [Path(env)]  # named explicitly: no silent fallback to another list
    candidates = [Path(prefix) / "share" / "hunspell" / "sv_SE.dic" for prefix in dict.fromkeys((sys.prefix, sys.base_prefix))]
    return candidates + [Path("/usr/share/hunspell/sv_SE.dic"), Path("/usr/local/share/hunspell/sv_SE.dic")]


def dictionary_path() -> Path:
    """The Swedish word list to use; raises MissingDictionary when there is none."""
    candidates = _candidates()
    for path in candidates:
        if path.is_file():
            return path
    raise MissingDictionary(candidates)


class _Lexicon:
    def __init__(self, path: Path):
        self.path = path
        self.base: set[str] = set()  # real words (not compound-only forms)
        self.heads: set[str] = set()  # may start/appear inside a compound (flags X, U)
        self.tails: set[str] = set()  # may end a compound (flag Y)
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
        if not self.base:
            raise MissingDictionary([path])  # an empty or unreadable list is as good as none
        self.head_or_tail = self.heads | self.tails


_LEX: _Lexicon | None = None
_LEX_LOCK = threading.Lock()


def lexicon() -> _Lexicon:
    global _LEX
    if _LEX is None:
        with _LEX_LOCK:
            if _LEX is None:
                _LEX = _Lexicon(dictionary_path())
    return _LEX


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
    if len(word) < 4 or len(word) > MAX_WORD_CHARS or not word.isalpha():
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
    """Lemma lookup, then the PyStemmer Swedish stemmer; tokens with digits/symbols, and strings too long
    to be words, stay as they are."""
    if len(word) > MAX_WORD_CHARS or not word.isalpha():
        return word
    return _stemmer().stemWord(lemma(word))
