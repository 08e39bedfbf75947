"""Indexing analysis memoised per word form: the Swedish chain of search._analysis, each form analysed once.

Whoosh pickles analysers into the index, so the class is module-level and its memo is never pickled.
"""
from __future__ import annotations

from whoosh.analysis import Analyzer, Composable, Token
from whoosh.fields import TEXT
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from search._analysis import SvTokenizer, raw_tokens


class MemoAnalyzer(Analyzer):
    """An SvTokenizer chain whose filters' output is memoised per token form at index time.

    Stop words, lemma, stem and compound parts are a pure function of the token (and its alternatives),
    so indexing analyses each form once per process instead of once per occurrence; positions are
    numbered as SvStopFilter numbers them. Queries, highlighting (chars) and anything unusual go through
    the chain itself. tests/test_index_speed.py checks both paths give the same tokens."""

    MAX_FORMS = 300_000  # bounded: forgotten all at once when full (cheap, and rare)
    SHORT = 200  # titles and headings repeat passage after passage: kept whole, up to this many characters
    MAX_SHORT = 4096

    def __init__(self, chain: Composable):
        self.chain = chain
        self._forms: dict = {}
        self._short: dict = {}

    def __getstate__(self):
        return {"chain": self.chain}  # the memo is never pickled into the index

    def __setstate__(self, state):
        self.chain = state["chain"]
        self._forms = {}
        self._short = {}

    def __eq__(self, other):
        return other is not None and other.__class__ is self.__class__ and self.chain == other.chain

    def __repr__(self):
        return f"MemoAnalyzer({self.chain!r})"

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        if mode != "index" or chars or keeporiginal or not tokenize or not isinstance(value, str):
            return self.chain(value, positions=positions, chars=chars, keeporiginal=keeporiginal,
                              removestops=removestops, start_pos=start_pos, start_char=start_char,
                              tokenize=tokenize, mode=mode, **kwargs)
        if len(value) > self.SHORT:
            return self._index_tokens(value, positions, removestops, start_pos, mode, kwargs)
        return self._replay(self._short_tokens(value, positions, removestops, start_pos, mode, kwargs),
                            positions, removestops, mode, kwargs)

    def _short_tokens(self, value, positions, removestops, start_pos, mode, kwargs) -> list:
        key = (value, start_pos, bool(positions), mode)
        found = self._short.get(key)
        if found is None:
            if len(self._short) >= self.MAX_SHORT:
                self._short.clear()
            found = self._short[key] = [(t.text, t.sub, t.boost, t.pos if positions else 0) for t in
                                        self._index_tokens(value, positions, removestops, start_pos, mode, kwargs)]
        return found

    def term_positions(self, value: str) -> tuple[dict[str, list[int]], dict[str, float]]:
        """{term: positions} and {term: summed boosts} of `value` at index time: what Whoosh's formats
        gather from `self(value, positions=True, mode="index")`, without a Token per occurrence."""
        poses: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        if len(value) <= self.SHORT:
            found = ((pos, ((text, sub, boost),)) for text, sub, boost, pos in
                     self._short_tokens(value, True, True, 0, "index", {}))
        else:
            found = self._positioned_forms(value, 0, "index", {})
        for pos, out in found:
            for text, _sub, boost in out:
                if text in poses:
                    poses[text].append(pos)
                    weights[text] += boost
                else:
                    poses[text] = [pos]
                    weights[text] = 0.0 + boost
        return poses, weights

    @staticmethod
    def _replay(found, positions, removestops, mode, kwargs):
        t = Token(positions, False, removestops=removestops, mode=mode, **kwargs)
        for t.text, t.sub, t.boost, pos in found:
            t.stopped = False
            if positions:
                t.pos = pos
            yield t

    def _index_tokens(self, value, positions, removestops, start_pos, mode, kwargs):
        t = Token(positions, False, removestops=removestops, mode=mode, **kwargs)
        for pos, out in self._positioned_forms(value, start_pos, mode, kwargs):
            for text, sub, boost in out:
                t.text, t.sub, t.boost, t.stopped = text, sub, boost, False
                if positions:
                    t.pos = pos
                yield t

    def _positioned_forms(self, value, start_pos, mode, kwargs):
        """(position, analysed forms) of each token that is not a stop word, each form analysed once per
        process; positions are numbered as SvStopFilter numbers them (a stop word has none of its own)."""
        forms = self._forms
        pos = start_pos - 1
        newpos = None
        for tok, _start, _end, subs in raw_tokens(value):
            pos += 1
            key = (tok, *subs) if subs else tok
            out = forms.get(key)
            if out is None:
                if len(forms) >= self.MAX_FORMS:
                    forms.clear()
                out = forms[key] = self._analyse_form(tok, subs, mode, kwargs)
            if out:
                newpos = pos if newpos is None else newpos + 1
                yield newpos, out

    def _analyse_form(self, tok: str, subs, mode: str, kwargs) -> tuple[tuple[str, bool, float], ...]:
        """The chain's filters on one token and its alternatives."""
        stream = []
        for k, text in enumerate((tok, *subs) if subs else (tok,)):
            t = Token(True, False, mode=mode, **kwargs)
            t.text, t.sub, t.boost, t.stopped, t.pos = text, k > 0, 1.0, False, 0
            stream.append(t)
        tokens = iter(stream)
        for item in self.chain.items[1:]:
            tokens = item(tokens)
        return tuple((t.text, bool(getattr(t, "sub", False)), t.boost) for t in tokens if not t.stopped)


def memoised(analyzer: Composable) -> Composable:
    """The analyser for indexing (see MemoAnalyzer); a chain not built on SvTokenizer stays as it is."""
    items = getattr(analyzer, "items", None)
    return MemoAnalyzer(analyzer) if items and isinstance(items[0], SvTokenizer) else analyzer


def _fast(value, analyzer, kwargs) -> bool:
    """Whoosh indexing a field value (fields.index passes only mode="index") with a MemoAnalyzer."""
    return isinstance(analyzer, MemoAnalyzer) and isinstance(value, str) and kwargs == {"mode": "index"}


class MemoPositions(Positions):
    """Positions whose postings come straight from MemoAnalyzer.term_positions when indexing (the same
    terms, positions, weights and bytes as Positions.word_values); anything else goes through Positions."""

    def word_values(self, value, analyzer, **kwargs):
        if not _fast(value, analyzer, kwargs):
            return super().word_values(value, analyzer, **kwargs)
        poses, weights = analyzer.term_positions(value)
        fb, encode = self.field_boost, self.encode
        return [(w, len(p), weights[w] * fb, encode(p)) for w, p in poses.items()]


class MemoFrequency(Frequency):
    """Frequency as MemoPositions is Positions: the same postings, straight from the memo."""

    def word_values(self, value, analyzer, **kwargs):
        if not _fast(value, analyzer, kwargs):
            return super().word_values(value, analyzer, **kwargs)
        poses, weights = analyzer.term_positions(value)
        fb = self.field_boost
        return [(w, len(p), weights[w] * fb, pack_uint(len(p))) for w, p in poses.items()]


_MEMO_FORMATS = {Positions: MemoPositions, Frequency: MemoFrequency}


def memo_text(analyzer: Composable, **options) -> TEXT:
    """A TEXT field whose postings come from the memo when `analyzer` is memoised (see MemoPositions)."""
    field = TEXT(analyzer=analyzer, **options)
    fast = _MEMO_FORMATS.get(type(field.format))
    if fast is not None and isinstance(analyzer, MemoAnalyzer):
        fmt = fast.__new__(fast)
        fmt.__dict__.update(field.format.__dict__)
        field.format = fmt
    return field
