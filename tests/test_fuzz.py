"""Property-based fuzzing (hypothesis): any query string through the real search index, and damaged real
PDF/DOCX files through the isolated converter.

`SearchIndex.search` catches every exception and answers with a generic Swedish message; these tests
watch its log too, so an exception swallowed there still fails the test.
"""
from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest.config import DataDir, Limits
from ingest.convert import convert_isolated
from ingest.model import Block, ConversionError, ConvertedDocument
from ingest.pipeline import Ingester

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus" / "documents"
PDF = CORPUS / "vastkom_om-vastkom.pdf"
DOCX = CORPUS / "projekt_vagled_lagesrapport-2022.docx"
SEARCH_FAILED = "Sökningen kunde inte genomföras"
# a converter's refusal names what it refused (file, zip archive, PDF, Word) in Swedish
SWEDISH_REASON = re.compile(r"(?i)fil|zip-arkiv|pdf|word")
FAST = dict(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# -- search --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index(tmp_path_factory):
    data = DataDir(tmp_path_factory.mktemp("fuzz") / "data")
    ingester = Ingester(data, Limits(max_seconds_per_file=60))
    report = ingester.ingest_paths([PDF, DOCX, CORPUS / "region-vastmanland_rus-2030.docx"])
    assert report.ok and report.passages > 10, report.failed
    return ingester.index


class Swallowed(logging.Handler):
    """Records exceptions that SearchIndex.search logged instead of raising."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def swallowed():
    handler = Swallowed()
    logger = logging.getLogger("search")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


VOCAB = ['"', "'", "(", ")", "[", "]", "{", "}", "AND", "OR", "NOT", "and", "or", "-", "--", "+", "*", "?", "~", "^",
         ":", "title:", "body:", "\\", "/", "#", "#17", "1:1-medel", "Digi 60+", "60+", "Erasmus+", "kollektivtrafik",
         "VästKom", "bibliotek", "och", "att", "för", "RUS", "å", "Ä", "ö", "e-tjänster", "EU-frågor", "\x00", "\x1b",
         "\r\n", "\t", "\u200b", "\ufeff", "\u00ad", "ﬁ", "İ", "ß", "ǅ", "🙂", "\U0010ffff", "%", "%s", "{0}", "<mark>",
         "</mark>", "<script>", "&amp;", "NaN", "-0", "1e309", "*:*", "a" * 300, "0" * 50]
tokens = st.one_of(st.sampled_from(VOCAB), st.text(max_size=12))
queries = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),  # control characters, all planes
    st.lists(tokens, max_size=25).map(" ".join),
    st.lists(tokens, max_size=25).map("".join),
)
filters = st.builds(
    lambda org, year, goal, entity, doc, vis: dict(organisation=org, year=year, goal=goal, entity=entity,
                                                   document_id=doc, visibility=vis),
    st.lists(st.text(max_size=20), max_size=3),
    st.lists(st.integers(-10**6, 10**6), max_size=3),
    st.lists(st.sampled_from(["rus-vastmanland:delmal-17", "", "x:y", ","]), max_size=2),
    st.lists(st.text(max_size=10), max_size=2),
    st.one_of(st.none(), st.text(max_size=12)),
    st.sampled_from([("public",), ("public", "internal"), (), ("internal",), ("public", "")]),
)


def check_results(results, query, limit) -> None:
    assert results.hits is not None and results.total >= len(results.hits) >= 0
    assert len(results.hits) <= max(0, min(limit, 100))
    assert not (results.message or "").startswith(SEARCH_FAILED), (query, results.message)
    for hit in results.hits:
        # the snippet is HTML: nothing but <mark> may be markup
        assert "<" not in re.sub(r"</?mark>", "", hit.snippet), hit.snippet
        assert hit.url == f"/p/{hit.passage_id}"


@settings(max_examples=800, **FAST)
@given(query=queries, limit=st.integers(-5, 500), offset=st.integers(-5, 20_000), group=st.booleans())
@example(query="a" * 10_000, limit=10, offset=0, group=True)
@example(query='"' * 10_000, limit=10, offset=0, group=True)
@example(query="(" * 5_000 + ")" * 5_000, limit=10, offset=0, group=False)
@example(query="-" * 10_000, limit=10, offset=0, group=True)
@example(query="kollektivtrafik " * 700, limit=10, offset=0, group=True)
@example(query=" ".join(["bibliotek", "-bibliotek"] * 800), limit=10, offset=0, group=True)
@example(query='"' + "VästKom " * 1300 + '"', limit=10, offset=0, group=True)
@example(query="\x00\x01\x02\x7f" * 2500, limit=10, offset=0, group=True)
@example(query="kollektivtrafk", limit=10, offset=0, group=True)
def test_any_query_is_answered(index, swallowed, query, limit, offset, group):
    before = len(swallowed.records)
    started = time.monotonic()
    results = index.search(query, limit=limit, offset=offset, group=group)
    assert time.monotonic() - started < 10, f"search took too long for {query[:80]!r}"
    check_results(results, query, limit)
    assert len(swallowed.records) == before, swallowed.records[-1].getMessage()
    index.suggest(query)  # "menade du" takes the same strings
    assert len(swallowed.records) == before


@settings(max_examples=200, **FAST)
@given(query=queries, f=filters)
def test_any_filters_are_answered(index, swallowed, query, f):
    from search import Filters

    before = len(swallowed.records)
    results = index.search(query, Filters(**f), limit=10)
    check_results(results, query, 10)
    assert len(swallowed.records) == before, swallowed.records[-1].getMessage()
    if not f["visibility"] or set(f["visibility"]) <= {""}:
        assert results.total == 0  # no visibility: sees nothing


def test_fuzz_index_is_real(index):
    """The properties above run against an index that answers real queries."""
    results = index.search("VästKom kommunalförbund")
    assert results.total > 0 and results.hits


# -- converters ----------------------------------------------------------------------------------
def mutate(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, where, payload in ops:
        pos = int(where * len(out)) if out else 0
        if kind == "flip" and out:
            pos = min(pos, len(out) - 1)
            out[pos] ^= (payload[0] if payload else 0xFF) or 0x01
        elif kind == "insert":
            out[pos:pos] = payload
        elif kind == "delete":
            del out[pos:pos + len(payload) * 37 + 1]
        elif kind == "truncate":
            del out[pos:]
        elif kind == "repeat":
            out[pos:pos] = bytes(out[pos:pos + 64]) * 50
    return bytes(out)


mutations = st.lists(
    st.tuples(st.sampled_from(["flip", "flip", "flip", "insert", "delete", "truncate", "repeat"]),
              st.floats(0, 1, allow_nan=False), st.binary(min_size=1, max_size=16)),
    min_size=1, max_size=8,
)
LIMITS = Limits(max_seconds_per_file=20)


def assert_converts_or_refuses(path: Path) -> None:
    started = time.monotonic()
    try:
        result = convert_isolated(path, LIMITS)
    except ConversionError as exc:
        message = str(exc)
        assert message and SWEDISH_REASON.search(message) and "Traceback" not in message, message
    else:
        assert isinstance(result, ConvertedDocument), type(result)
        assert result.format in {"pdf", "docx", "txt", "md", "html"}
        assert all(isinstance(b, Block) and isinstance(b.text, str) for b in result.blocks)
    assert time.monotonic() - started < LIMITS.max_seconds_per_file + 10


@settings(max_examples=80, **FAST)
@given(ops=mutations)
def test_damaged_pdf(tmp_path_factory, ops):
    path = tmp_path_factory.mktemp("pdf", numbered=True) / "skadad.pdf"
    path.write_bytes(mutate(PDF.read_bytes(), ops))
    assert_converts_or_refuses(path)


@settings(max_examples=50, **FAST)
@given(ops=mutations)
def test_damaged_docx_bytes(tmp_path_factory, ops):
    path = tmp_path_factory.mktemp("docx", numbered=True) / "skadad.docx"
    path.write_bytes(mutate(DOCX.read_bytes(), ops))
    assert_converts_or_refuses(path)


@settings(max_examples=80, **FAST)
@given(ops=mutations, member=st.sampled_from(["word/document.xml", "word/styles.xml", "docProps/core.xml"]))
def test_damaged_docx_xml(tmp_path_factory, ops, member):
    """Bytes flipped inside the XML (re-zipped intact), so the damage reaches the XML parser and the reader."""
    out = io.BytesIO()
    with zipfile.ZipFile(DOCX) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, mutate(data, ops) if info.filename == member else data)
    path = tmp_path_factory.mktemp("docxml", numbered=True) / "skadad.docx"
    path.write_bytes(out.getvalue())
    assert_converts_or_refuses(path)
