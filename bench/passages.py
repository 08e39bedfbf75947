"""Passage sources for tests and benchmarks (not used by the service itself).

`load_passages(source)` is the one switch: a catalogue (``catalogue.sqlite3`` written by the ingest
pipeline) or files (the seed .txt files and the real PDF/DOCX corpus). Files go through
`ingest.convert.convert_file` + `ingest.convert.splitter.split` when those exist; the seed .txt files use
a small heading-aware reader here (the seeds are hard-wrapped markdown-ish text), and pypdf /
python-docx paragraphs are the last fallback.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterable

from ingest.config import REAL_CORPUS_DIR as REAL_DIR, SEEDS_DIR
from search.api import IndexDoc

SEED_META = {  # seed file stem prefix -> (organisation, doc_type, year, title)
    "000": ("Nätverk Westum", "verksamhetsplan", 2026, "Verksamhetsplan 2026: Nätverk Westum"),
    "001": ("Region Västmanland", "verksamhetsplan", 2021, "Verksamhetsplan regionala utvecklingsförvaltningen 2021"),
    "002": ("Region Västmanland", "webbsida", 2024, "Uppföljnings- och lärandesystem"),
    "003": ("Region Västmanland", "strategi", 2020, "Västmanlands regionala utvecklingsstrategi 2030"),
    "004": ("VästKom", "webbsida", 2023, "Vad är VästKom?"),
}

_NUM_HEADING = re.compile(r"^\s*(#\d+|\d+(\.\d+)*\.?)\s+[A-ZÅÄÖ]")


def _pid(document_id: str, ord_: int, text: str) -> str:
    return "p" + hashlib.sha1(f"{document_id}\x1f{ord_}\x1f{text[:200]}".encode()).hexdigest()[:12]


def _txt_blocks(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, level) blocks from a seed .txt: markdown '#' headings, numbered headings, short
    title-like lines; hard-wrapped lines (next line starts lowercase) are joined."""
    raw = [ln.rstrip() for ln in text.splitlines()]
    paras: list[str] = []
    cur: list[str] = []
    for ln in raw:
        if not ln.strip():
            if cur:
                paras.append(" ".join(cur))
                cur = []
            continue
        cur.append(ln.strip())
    if cur:
        paras.append(" ".join(cur))
    # join hard-wrapped paragraphs: a paragraph not ending a sentence followed by one starting lowercase
    joined: list[str] = []
    for p in paras:
        if joined and p[:1].islower() and not re.search(r"[.:!?]\s*$", joined[-1]):
            joined[-1] = joined[-1] + " " + p
        else:
            joined.append(p)
    blocks = []
    for p in joined:
        s = p.strip()
        if s.startswith("#") and not re.match(r"^#\d", s):
            level = len(s) - len(s.lstrip("#"))
            blocks.append(("heading", s.lstrip("#").strip(" *"), min(level, 6)))
        elif _NUM_HEADING.match(s) and len(s) <= 120 and not s.rstrip().endswith("."):
            num = s.split()[0]
            level = 3 if num.startswith("#") else min(1 + num.rstrip(".").count("."), 6)
            blocks.append(("heading", s, level))
        elif len(s) <= 70 and s[:1].isupper() and not re.search(r"[.,;:!?]$", s) and len(s.split()) <= 9 \
                and not s.startswith(("•", "-")):
            blocks.append(("heading", s.strip("* "), 4))
        else:
            blocks.append(("paragraph", s, 0))
    return blocks


def _split_blocks(document_id: str, blocks: list[tuple[str, str, int, int | None]], target: int = 160,
                  maximum: int = 320) -> list[tuple[list[str], str, int | None]]:
    out = []
    path: list[tuple[int, str]] = []
    buf: list[str] = []
    page = None

    def flush():
        if buf:
            out.append(([h for _, h in path], "\n\n".join(buf), page))
            buf.clear()

    for kind, text, level, pg in blocks:
        if kind == "heading":
            flush()
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, text))
            continue
        words = text.split()
        for start in range(0, max(len(words), 1), maximum):
            piece = " ".join(words[start:start + maximum])
            if not buf:
                page = pg
            if buf and len(" ".join(buf).split()) + len(piece.split()) > maximum:
                flush()
                page = pg
            buf.append(piece)
            if len(" ".join(buf).split()) >= target:
                flush()
    flush()
    return out


def _docs(document_id: str, title: str, passages, meta: tuple) -> list[IndexDoc]:
    org, doc_type, year = meta
    docs = []
    for i, (hpath, text, page) in enumerate(passages):
        docs.append(IndexDoc(
            passage_id=_pid(document_id, i, text), document_id=document_id, title=title,
            heading=hpath[-1] if hpath else "", heading_path=hpath, text=text, page=page, ord=i,
            organisation=org, doc_type=doc_type, year=year, visibility="public",
        ))
    return docs


def _guess_meta(path: Path) -> tuple[str, str, int | None]:
    stem = path.stem
    org = stem.split("_")[0].replace("-", " ").title()
    years = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", stem)
    kinds = ["klimatstrategi", "handlingsplan", "arsredovisning", "verksamhetsplan", "motesanteckningar",
             "forstudie", "prop", "dir", "afs", "stadgar", "metodbeskrivning", "guide", "arsbokslut",
             "strategier", "rekommendationer"]
    doc_type = next((k for k in kinds if k in stem), "dokument")
    return org, doc_type, int(years[0]) if years else None


def passages_from_file(path: Path) -> list[IndexDoc]:
    path = Path(path)
    document_id = path.stem
    if path.suffix.lower() == ".txt":
        prefix = path.stem.split("_")[0]
        org, doc_type, year, title = SEED_META.get(prefix, ("", "dokument", None, path.stem))
        blocks = [(k, t, lv, None) for k, t, lv in _txt_blocks(path.read_text(encoding="utf-8", errors="replace"))]
        return _docs(document_id, title, _split_blocks(document_id, blocks), (org, doc_type, year))
    meta = _guess_meta(path)
    title = path.stem
    try:
        from ingest.convert import convert_file
        from ingest.convert.splitter import split

        converted = convert_file(path)
        title = converted.title or path.stem
        _sections, passages = split(document_id, converted.blocks, title)
        return _docs(document_id, title, [(p.heading_path, p.text, p.page_start) for p in passages], meta)
    except ImportError:
        pass
    except Exception:
        return []
    blocks = []
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        for n, page in enumerate(PdfReader(str(path)).pages, 1):
            for para in re.split(r"\n\s*\n", page.extract_text() or ""):
                if para.strip():
                    blocks.append(("paragraph", " ".join(para.split()), 0, n))
    elif path.suffix.lower() == ".docx":
        import docx

        for para in docx.Document(str(path)).paragraphs:
            if para.text.strip():
                kind = "heading" if (para.style.name or "").lower().startswith("heading") else "paragraph"
                blocks.append((kind, para.text.strip(), 2 if kind == "heading" else 0, None))
    elif path.suffix.lower() == ".md":
        blocks = [(k, t, lv, None) for k, t, lv in _txt_blocks(path.read_text(encoding="utf-8", errors="replace"))]
    return _docs(document_id, title, _split_blocks(document_id, blocks), meta)


def passages_from_files(paths: Iterable[Path]) -> list[IndexDoc]:
    out: list[IndexDoc] = []
    for p in paths:
        out.extend(passages_from_file(p))
    return out


def passages_from_catalogue(path: Path) -> list[IndexDoc]:
    from ingest.store.catalogue import Catalogue
    from ingest.store.indexing import all_index_docs

    cat = Catalogue(Path(path))
    try:
        return list(all_index_docs(cat))
    finally:
        cat.close()


def default_files(include_real: bool = True) -> list[Path]:
    files = sorted(SEEDS_DIR.glob("*.txt"))
    if include_real and REAL_DIR.is_dir():
        files += sorted(p for p in REAL_DIR.iterdir() if p.suffix.lower() in (".pdf", ".docx", ".md") and p.stem != "SOURCES")
    return files


def load_passages(catalogue: Path | None = None, include_real: bool = True) -> list[IndexDoc]:
    """The single passage source for eval/bench: the catalogue when given, else seed + real files."""
    if catalogue:
        return passages_from_catalogue(catalogue)
    return passages_from_files(default_files(include_real))
