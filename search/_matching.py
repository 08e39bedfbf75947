"""Match: each part of a query scored over every passage at once (numpy), before ranking decides the order.

A word is found as written or inflected (title, heading, body), as a part of a compound in the text
(kompetens in kompetensförsörjning), through a derivation (exportör in exporterande), or — when the word
is a compound itself — as its parts written apart (exportföretag in "exporterade företag"). Quoted
phrases are matched on the words' positions (consecutive, as Whoosh's Phrase finds them, in numpy), or as
the compound their words make ("gymnasie examen" in gymnasieexamen). Synonyms from corpus/synonyms.yaml replace a word or a run of words.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from search._analysis import split_compound, sv_stem
from search._derivation import derivation_key
from search._query import W_ALT, W_BODY, W_HEADING, W_PARTS, W_TITLE
from search._ranking import Context, _vec
from search._scoring import VecIndex

W_SYNONYM = 0.5
W_DERIVED = 0.3  # a derivation, through the parts field (as weak as a compound part)
W_SPLIT = 0.45  # a compound typed whole, found as its parts written apart (per part, averaged)
# Passages whose role (search._roles) makes them poor answers keep this share of their score.
ROLE_WEIGHTS = {"title_heading": 0.98, "cover": 0.5, "toc": 0.25, "references": 0.35}
W_TITLE_HEADING = 0.0  # a heading that repeats the title: its words are mostly counted by the title already
SHORT_PASSAGE = 12  # body terms; shorter passages score on a sliding share (BM25 favours them otherwise)


@dataclass
class Match:
    """The query's parts scored over all passages: `scores[i]` > 0 where part i matched."""

    scores: list[np.ndarray] = field(default_factory=list)
    # looser, for partial matches: a compound typed whole counts in part when some of its parts are there
    loose: list[np.ndarray] = field(default_factory=list)
    credit: list[np.ndarray] = field(default_factory=list)  # 1 where matched, the share of parts found, 0
    importance: list[float] = field(default_factory=list)  # idf of each part: coverage weighs parts by it
    excluded: np.ndarray | None = None  # passages with a minus word or phrase
    timed_out: bool = False
    highlight: set[str] = field(default_factory=set)  # index terms the query found, for snippets
    labels: list[str] = field(default_factory=list)  # each part as the user typed it ("avhopp", '"gymnasie examen"')


def _heading_weight(ctx: Context, v: VecIndex) -> np.ndarray:
    """1 for every passage, less where the heading only repeats the title (its words are counted by the title)."""
    key = ("heading_weight",)
    if key not in ctx.aux:
        w = np.ones(v.N, dtype=np.float32)
        ids, _ = v.postings("role", "title_heading")
        w[ids] = W_TITLE_HEADING
        ctx.aux[key] = w
    return ctx.aux[key]


def passage_prior(ctx: Context, v: VecIndex) -> np.ndarray:
    """Per passage, the share of its score it keeps: less for covers, tables of contents, reference lists
    and very short passages."""
    key = ("prior",)
    if key not in ctx.aux:
        prior = np.minimum(1.0, 0.55 + v.lengths("body") / (SHORT_PASSAGE / 0.45)).astype(np.float32)
        for role, weight in ROLE_WEIGHTS.items():
            ids, _ = v.postings("role", role)
            prior[ids] *= weight
        ctx.aux[key] = prior
    return ctx.aux[key]


def _fields(ctx: Context, v: VecIndex, term: str, scale: float, key: str | None = None) -> np.ndarray:
    """title + heading (unless it repeats the title) of one term; in the heading also as a compound part or,
    through its derivation `key`, as a derivation."""
    st = ctx.stats
    out = v.dense(st, "title", term, W_TITLE * scale)
    heading = v.dense(st, "heading", term, W_HEADING * scale)
    if ctx.decompound:
        np.maximum(heading, v.dense(st, "hparts", term, W_HEADING * W_PARTS * scale), out=heading)
        if key:
            np.maximum(heading, v.dense(st, "hparts", key, W_HEADING * W_DERIVED * scale), out=heading)
    out += heading * _heading_weight(ctx, v)
    return out


def _term_scores(ctx: Context, v: VecIndex, term: str, alts=(), with_parts=True, scale=1.0, word: str | None = None,
                 found: set[str] | None = None, loose: list | None = None) -> np.ndarray:
    """title + heading + the best of body, compound part and derivation; or the word's alternatives; or, for
    a compound typed whole (`word`), its parts anywhere in the passage. `loose` receives (score, share of
    parts found) where only some of a compound's parts are there."""
    st = ctx.stats
    key = derivation_key(word) if word and with_parts and ctx.decompound else None
    out = _fields(ctx, v, term, scale, key)
    body = v.dense(st, "body", term, W_BODY * scale)
    if with_parts and ctx.decompound:
        np.maximum(body, v.dense(st, "parts", term, W_PARTS * scale), out=body)
        if key:
            np.maximum(body, v.dense(st, "parts", key, W_DERIVED * scale), out=body)
            if found is not None:
                found.add(key)
    out += body
    if alts:
        a_scale = W_ALT * scale
        alt_sum = np.zeros(v.N, dtype=np.float32)
        alt_all = np.ones(v.N, dtype=bool)
        for a in alts:
            one = v.dense(st, "body", a, a_scale)
            one += _fields(ctx, v, a, a_scale)
            alt_all &= one > 0
            alt_sum += one
        alt_sum[~alt_all] = 0
        np.maximum(out, alt_sum, out=out)
    if with_parts and ctx.decompound and word:
        parts = split_compound(word)
        if len(parts) >= 2:
            strict, some, share = _split_scores(ctx, v, parts, scale, found)
            np.maximum(out, strict, out=out)
            if loose is not None:
                loose.append((some, share))
    return out


def _split_scores(ctx: Context, v: VecIndex, parts, scale: float, found: set[str] | None):
    """(every part of a compound somewhere in the passage — as a word, a part or a derivation — averaged;
    the same over the parts that are there; the share of parts there)."""
    total = np.zeros(v.N, dtype=np.float32)
    present = np.zeros(v.N, dtype=np.float32)
    for part in parts:
        term = sv_stem(part)
        one = _term_scores(ctx, v, term, (), True, scale * W_SPLIT, word=part, found=found)
        if found is not None:
            found.add(term)
        present += one > 0
        total += one
    share = present / len(parts)
    some = total / len(parts)
    strict = np.where(share >= 1.0, some, 0).astype(np.float32)
    return strict, some, share


def _words_scores(ctx: Context, v: VecIndex, terms, with_parts=True, scale=1.0) -> np.ndarray:
    """All words present (AND), scores summed; zero where any is missing."""
    total = np.zeros(v.N, dtype=np.float32)
    every = np.ones(v.N, dtype=bool)
    for t in terms:
        one = _term_scores(ctx, v, t, (), with_parts, scale)
        every &= one > 0
        total += one
    total[~every] = 0
    return total


PHRASE_FIELDS = ("body", "heading", "title")  # where a quoted phrase is looked for (and "parts" with decompounding)


def _phrase_mask(ctx: Context, v: VecIndex, terms, with_parts=True) -> tuple[np.ndarray, bool]:
    """Passages with the phrase in body, heading, title (or, `with_parts`, the compound-part field): positions
    intersected in numpy (VecIndex.phrase_ids) instead of Whoosh's span matcher, which took 100+ ms for a
    phrase of common words. The bool is whether matching was cut short (never, now: kept for the notice)."""
    m = np.zeros(v.N, dtype=bool)
    fields = PHRASE_FIELDS + (("parts",) if with_parts and ctx.decompound else ())
    terms = list(terms)
    for fname in fields:
        ids = v.phrase_ids(fname, terms)
        if len(ids):
            m[ids] = True
    return m, False


def _phrase_scores(ctx: Context, v: VecIndex, slot, found: set[str]) -> tuple[np.ndarray, bool]:
    """A quoted phrase as written, or as the compound its words make ("gymnasie examen" -> gymnasieexamen)."""
    m, timed_out = _phrase_mask(ctx, v, slot.terms)
    sc = _words_scores(ctx, v, slot.terms)
    sc[~m] = 0
    if ctx.decompound and 2 <= len(slot.words) <= 3 and all(w.isalpha() for w in slot.words):
        joined = "".join(slot.words)
        for compound in dict.fromkeys((joined, "s".join(slot.words))):
            term = sv_stem(compound)
            one = _term_scores(ctx, v, term, (), False) * len(slot.terms)  # one word carrying them all
            if one.any():
                found.add(term)
                np.maximum(sc, one, out=sc)
    return sc, timed_out


def evaluate(ctx: Context, v: VecIndex, pos, neg) -> Match:
    """Every positive part of a parsed query scored over all passages, and the passages minus parts exclude."""
    match = Match(excluded=np.zeros(v.N, dtype=bool))
    found = match.highlight
    mains = [sl.terms[0] if not sl.phrase else None for sl in pos]
    i = 0
    while i < len(pos):
        sl = pos[i]
        terms = list(sl.terms)
        if sl.phrase:
            sc, timed_out = _phrase_scores(ctx, v, sl, found)
            match.timed_out |= timed_out
            i += 1
        else:
            synonym = None
            if ctx.synonyms is not None and ctx.synonyms.groups:
                seq = []
                for t in mains[i:i + ctx.synonyms.max_len]:
                    if t is None:
                        break
                    seq.append(t)
                found_syn = ctx.synonyms.alternatives(seq, 0) if seq else []
                synonym = found_syn[0] if found_syn else None
            loose: list = []
            if synonym:
                n, others = synonym
                if n == 1:
                    sc = _term_scores(ctx, v, sl.terms[0], sl.alts[0], word=sl.words[0], found=found, loose=loose)
                else:
                    terms = [p.terms[0] for p in pos[i:i + n]]
                    sc = _words_scores(ctx, v, terms)
                for o in others:  # multi-word alternatives: all words present (not checked as a phrase)
                    np.maximum(sc, _words_scores(ctx, v, list(o), with_parts=False, scale=W_SYNONYM), out=sc)
                i += n
            else:
                sc = _term_scores(ctx, v, sl.terms[0], sl.alts[0], word=sl.words[0], found=found, loose=loose)
                i += 1
        match.scores.append(sc)
        match.labels.append(f'"{sl.surface}"' if sl.phrase else " ".join(p.words[0] for p in pos[i - len(terms):i]))
        credit = (sc > 0).astype(np.float32)
        if sl.phrase or not loose:
            match.loose.append(sc)
        else:
            some, share = loose[0]
            match.loose.append(np.where(sc > 0, sc, some).astype(np.float32))
            np.maximum(credit, share, out=credit)
        match.credit.append(credit)
        match.importance.append(max(_idf(ctx, v, t) for t in terms))
    for sl in neg:
        if sl.phrase:
            m, timed_out = _phrase_mask(ctx, v, sl.terms, with_parts=False)
            match.timed_out |= timed_out
        else:
            m = _words_scores(ctx, v, sl.terms, with_parts=False) > 0
        match.excluded |= m
    return match


def _idf(ctx: Context, v: VecIndex, term: str) -> float:
    ids, _ = v.postings("body", term)
    return ctx.stats.idf(ids) if len(ids) else math.log(ctx.stats.n) + 1.0


__all__ = ["Match", "evaluate", "passage_prior", "_vec"]
