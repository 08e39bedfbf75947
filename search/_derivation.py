"""Swedish derivations: one key for words made from one another, so that they meet in the compound-part field.

export, exportera, exporterande, exportör -> "export"; cykel, cyklar, cykla, cykling, cyklist -> "cykl";
utbildning, utbilda -> "utbild"; hållbarhet, hållbar -> "hållb". A derivational ending (the endings are data:
corpus/derivations.yaml) is taken off only when what remains (or that plus a verb's -a, or -era) is a word
in the Swedish word list, or a compound whose last part is; the key is the stem of that base word, with the
unstressed e of -el/-er/-en dropped (cykel/cyklar). The key is a weak alternative (search._matching weighs it like a compound part), so a
rare wrong merge costs little; keys are never used as the main term of a word.
"""
from __future__ import annotations

import hashlib
import logging
import os
from functools import lru_cache
from pathlib import Path

import yaml

from search._compounds import MAX_COMPOUND_LEN, split_compound
from search._lexicon import lemma, lexicon, sv_stem

MIN_DERIVED_LEN = 5  # shorter words are not derivations worth a key
MIN_ROOT_LEN = 4  # what remains after the ending: no "led" from "ledning"
_VOWELS = set("aeiouyåäö")
DERIVATIONS_FILE = "derivations.yaml"  # in the corpus folder: the endings, as data

log = logging.getLogger(__name__)


def corpus_dir() -> Path:
    """$KUNSKAPSBANK_CORPUS or <repo root>/corpus (as ingest reads it; search/ imports nothing from ingest/)."""
    return Path(os.environ.get("KUNSKAPSBANK_CORPUS") or Path(__file__).resolve().parent.parent / "corpus")


@lru_cache(maxsize=1)
def _rules() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(endings, base forms) per family from corpus/derivations.yaml; none (logged) when the file is missing."""
    path = corpus_dir() / DERIVATIONS_FILE
    if not path.is_file():
        log.warning("%s is missing: search finds no derivations (export/exporterande)", path)
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple((tuple(str(e) for e in fam.get("endings") or ()), tuple(str(b or "") for b in fam.get("bases") or ("",)))
                 for fam in data.get("families") or () if fam.get("endings"))


@lru_cache(maxsize=1)
def rules_digest() -> str:
    """A short digest of the derivation rules: the index records it and is rebuilt when they change."""
    return hashlib.sha256(repr(_rules()).encode()).hexdigest()[:10]


def _known(word: str) -> bool:
    """A word of the list, or a compound whose last part is one (kompetenshöja, energieffektiv)."""
    if word in lexicon().base:
        return True
    parts = split_compound(word)
    return bool(parts) and parts[-1] in lexicon().base


def _candidates(root: str, forms: tuple[str, ...]):
    for form in forms:
        if form == "al>ell":
            if root.endswith("al"):
                yield root[:-2] + "ell"
        elif form == "e>":  # cykl -> cykel: the e dropped before -l/-r/-n comes back
            if len(root) >= 3 and root[-1] in "lrn" and root[-2] not in _VOWELS:
                yield root[:-1] + "e" + root[-1]
        else:
            yield root + form


def base_word(word: str) -> str:
    """The word `word` is derived from (itself when none is found)."""
    word = lemma(word)
    for endings, forms in _rules():
        for ending in endings:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_ROOT_LEN:
                root = word[: -len(ending)]
                for cand in _candidates(root, forms):
                    if _known(cand):
                        return cand
                break  # the longest matching ending of a family decides; try the next family
    return word


def _drop_e(stem: str) -> str:
    """cykel -> cykl, vatten -> vattn: the form the inflected words (cyklar, vattnet) stem to."""
    if len(stem) >= 5 and stem[-2] == "e" and stem[-1] in "lrn" and stem[-3] not in _VOWELS:
        return stem[:-2] + stem[-1]
    return stem


@lru_cache(maxsize=200_000)
def derivation_key(word: str) -> str | None:
    """The key `word` shares with its derivations, or None when it is just the word's own stem."""
    if not MIN_DERIVED_LEN <= len(word) <= MAX_COMPOUND_LEN or not word.isalpha():
        return None
    key = _drop_e(sv_stem(base_word(word)))
    return key if key != sv_stem(word) and len(key) >= MIN_ROOT_LEN else None
