"""Build the sample corpus in corpus/documents/ from the seed texts and the project sources.

    python corpus/build_documents.py            # writes corpus/documents/*
    python corpus/build_documents.py --check    # builds twice in temp dirs and compares bytes

Inputs
  SEEDS_DIR (default ../shared/seeds beside the checkout, or $KUNSKAPSBANK_SEEDS): the five seed texts 000-004.
  corpus/sources/projects/*.md: project reports written by the team (YAML front matter + Markdown).

Outputs (byte-identical on every run: fixed creation dates, fixed document ids, fixed zip times)
  region-vastmanland_verksamhetsplan-2021-2023.pdf   seed 001, paragraphs rejoined, real headings
  natverk-westum_verksamhetsplan-2026.docx           seed 000, Word heading styles and bullet lists
  region-vastmanland_rus-2030.docx                   seed 003, web noise removed
  region-vastmanland_uppfoljnings-och-larandesystem.pdf   seed 002
  vastkom_om-vastkom.pdf                             seed 004
  projekt_*.docx / projekt_*.pdf                      corpus/sources/projects/*.md
  <file>.meta.yaml                                   metadata sidecar next to every file
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE / "documents"
PROJECTS_DIR = HERE / "sources" / "projects"
SEEDS_DIR = Path(os.environ.get("KUNSKAPSBANK_SEEDS", HERE.parent.parent / "shared" / "seeds"))  # ../shared beside the checkout

FIXED_DATE = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
ZIP_DATE = (2026, 1, 1, 12, 0, 0)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# the type vocabulary is data shared with ingest and the web app (corpus/doc_types.yaml)
DOC_TYPES = {t["key"] for t in yaml.safe_load((HERE / "doc_types.yaml").read_text(encoding="utf-8"))["types"]}


# --------------------------------------------------------------------------------------------
# Intermediate representation: a document is a title plus a list of blocks.
#   Block("h", text, level)   heading, level 1..4
#   Block("p", text)          paragraph; **bold**, *italic* and ***bold italic*** are allowed
#   Block("li", text)         bullet list item
#   Block("ol", text)         numbered list item
#   Block("quote", text)      emphasised quotation
# --------------------------------------------------------------------------------------------
@dataclass
class Block:
    kind: str
    text: str
    level: int = 0


@dataclass
class Doc:
    title: str
    blocks: list[Block] = field(default_factory=list)
    footer: str = ""


def seed(prefix: str) -> str:
    matches = sorted(SEEDS_DIR.glob(f"{prefix}_*.txt"))
    if not matches:
        sys.exit(f"seed {prefix} saknas i {SEEDS_DIR}")
    return matches[0].read_text(encoding="utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------------------------
# Seed 001: text extracted from a PDF; one physical line per paragraph of the seed file.
# --------------------------------------------------------------------------------------------
CHAPTER_RE = re.compile(r"^(\d)\s+([A-ZÅÄÖ].{2,70})$")
SECTION_RE = re.compile(r"^(\d\.\d{1,2})\s+([A-ZÅÄÖ].{2,90})$")
DELMAL_RE = re.compile(r"^#(\d{1,2})\.?\s+(.+)$")
VISIONSMAL_RE = re.compile(r"^#([A-ZÅÄÖ][^#]{2,40})$")
PAGE_NO_RE = re.compile(r"^\d{1,3}$")
NOISE_001 = [re.compile(p) for p in (r"^https?://\S+$", r"^Bild \d+\.")]
KEEP_HYPHEN_NEXT = {"och", "eller", "samt", "till", "som", "respektive"}
# Lines that look like sub-headings but are a signature block.
NOT_HEADINGS_001 = {"Maria Linder", "Förvaltningsdirektör"}


def _ends_sentence(line: str) -> bool:
    return bool(re.search(r"[.!?:]\)?[”\"]?$", line))


def _join(a: str, b: str) -> str:
    """Join two physical lines, undoing line-end hyphenation."""
    if a.endswith("-") and not a.endswith(" -"):
        head = a[:-1]
        first = b.split(" ", 1)[0]
        if first in KEEP_HYPHEN_NEXT:
            return a + " " + b                       # "hälso-" + "och sjukvård"
        if (head and head[-1].isupper()) or (first[:1].isupper()):
            return a + b                             # "EU-" + "frågor", "Gaaltije-" + "sydsamiskt"
        if first[:1].islower():
            return head + b                          # "näringslivs-" + "utveckling"
    return a + " " + b


FUNCTION_WORDS = {"och", "samt", "för", "i", "av", "med", "till", "som", "att", "de", "den", "det", "en", "ett",
                  "är", "på", "om", "från", "genom", "länets", "föreningen", "Region", "inom", "under"}


def _is_subheading(lines: list[str], i: int, prev_ended: bool, max_len: int = 70) -> bool:
    line = lines[i]
    if line in NOT_HEADINGS_001 or len(line) > max_len or len(line) < 4:
        return False
    if ". " in line or line.split(" ")[-1] in FUNCTION_WORDS:
        return False
    if not line[0].isupper() or line.startswith("•"):
        return False
    if re.search(r"[.,;:!?]$", line) or "  " in line:
        return False
    if not prev_ended:
        return False
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    return bool(nxt) and (nxt[0].isupper() or nxt.startswith(("•", "#")))


def parse_001(raw: str) -> Doc:
    lines = []
    for ln in raw.splitlines():
        s = squash(ln)
        if not s or PAGE_NO_RE.match(s) or any(p.search(s) for p in NOISE_001):
            continue
        lines.append(s)

    doc = Doc(title="Verksamhetsplan 2021–2023. Regionala utvecklingsförvaltningen, Region Västmanland",
              footer="Region Västmanland – Verksamhetsplan 2021–2023")
    blocks = doc.blocks
    blocks.append(Block("h", "Verksamhetsplan 2021–2023", 1))
    blocks.append(Block("p", "Regionala utvecklingsförvaltningen, Region Västmanland. Extern verksamhetsplan för "
                             "arbetet med den regionala utvecklingsstrategin, Vår strategi för ett livskraftigt "
                             "Västmanland genom hållbar utveckling."))
    para: str | None = None
    para_kind = "p"
    prev_ended = True

    def flush():
        nonlocal para
        if para:
            blocks.append(Block(para_kind, squash(para)))
        para = None

    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        m_ch, m_sec = CHAPTER_RE.match(line), SECTION_RE.match(line)
        m_dm, m_vm = DELMAL_RE.match(line), VISIONSMAL_RE.match(line)
        heading = None
        if m_sec and not _ends_sentence(line):
            heading = (2, line)
        elif m_ch and not _ends_sentence(line):
            text = line
            if text.endswith("–") and nxt and nxt[0].isdigit():
                text, i = text + nxt, i + 1           # "2 Insatser ... 2021–" + "2023"
            heading = (1, text)
        elif m_dm:
            text = line
            if nxt and nxt[0].islower() and len(nxt) < 40:
                text, i = text + " " + nxt, i + 1     # "#18 ... hitta rätt" + "kompetens vid rekrytering"
            heading = (3, text)
        elif m_vm:
            heading = (3, m_vm.group(1).strip())
        elif para is None or prev_ended:
            cand = line
            if nxt and nxt[0].islower() and len(nxt) < 25 and len(line) > 50 and not _ends_sentence(nxt):
                # two-line heading: "Sammanställning ... genom hållbar" + "tillväxt"
                if _is_subheading([line, lines[i + 2] if i + 2 < len(lines) else ""], 0, prev_ended, 95):
                    heading, i = (4, cand + " " + nxt), i + 1
            elif _is_subheading(lines, i, prev_ended):
                heading = (4, cand)
        if heading:
            flush()
            blocks.append(Block("h", heading[1], heading[0]))
            prev_ended = True
            i += 1
            continue

        if line.startswith("•"):
            flush()
            para, para_kind = line.lstrip("• ").strip(), "li"
        elif para is None:
            para, para_kind = line, "p"
        elif para_kind == "li" and prev_ended and line[0].isupper():
            flush()
            para, para_kind = line, "p"
        else:
            para = _join(para, line)
        prev_ended = _ends_sentence(line)
        # A paragraph ends at a sentence end followed by something that starts a new unit.
        if prev_ended and (not nxt or nxt[0].isupper() or nxt[0].isdigit() or nxt.startswith(("•", "#"))):
            if para_kind == "p" or nxt.startswith("•") or not nxt or nxt[0].isupper():
                flush()
        i += 1
    flush()
    return doc


# --------------------------------------------------------------------------------------------
# Seed 000: Markdown-ish business plan.
# --------------------------------------------------------------------------------------------
COVER_ROLES = {"Projektadministratör", "Projektkoordinator"}


def parse_000(raw: str) -> Doc:
    doc = Doc(title="Verksamhetsplan 2026: Nätverk Westum", footer="Nätverk Westum – Verksamhetsplan 2026")
    text = raw.replace("\r\n", "\n")
    main_at = text.index("# Verksamhetsplan 2026")
    cover = [squash(x) for x in re.split(r"\n", text[:main_at])]
    cover = [x for x in cover if x and x not in {"2026", "# Verksamhetsplan"}]
    body = text[main_at:]

    # Cover page information goes after the title as a short staff list and the EU co-funding line.
    staff: list[str] = []
    other: list[str] = []
    for item in cover:
        if item in COVER_ROLES:
            staff.append(item + ":")
        elif staff and not other and not item.startswith("Medfinansieras"):
            staff[-1] += " " + item                     # "Projektkoordinator:" + "Margareta" + "Näsmark"
        else:
            other.append(item)

    paragraphs = re.split(r"\n\s*\n", body)
    first = True
    for para in paragraphs:
        lines = [ln.rstrip() for ln in para.split("\n") if ln.strip()]
        if not lines:
            continue
        for ln in _md_lines(lines):
            s = ln.strip()
            if s == "---":
                continue
            m = re.match(r"^(#{1,4})\s+(.*)$", s)
            if m:
                doc.blocks.append(Block("h", squash(m.group(2)), len(m.group(1))))
                if first:
                    first = False
                    for item in staff:
                        role, name = item.split(": ", 1)
                        doc.blocks.append(Block("p", f"**{role}:** {name}"))
                    if other:
                        doc.blocks.append(Block("p", squash(" ".join(other))))
                continue
            if s.startswith("- "):
                doc.blocks.append(Block("li", squash(s[2:])))
            elif s.startswith("***") and s.endswith("***"):
                doc.blocks.append(Block("quote", squash(s.strip("*"))))
            elif re.match(r"^(Syfte|Mål|Aktiviteter):", s):
                lead, rest = s.split(":", 1)
                doc.blocks.append(Block("p", f"**{lead}:** {squash(rest)}".rstrip()))
            else:
                doc.blocks.append(Block("p", squash(s)))
    return doc


def _md_lines(lines: list[str]) -> list[str]:
    """Merge soft-wrapped Markdown lines: a list item or heading starts a new logical line."""
    out: list[str] = []
    for ln in lines:
        s = ln.strip()
        if not out or re.match(r"^(#{1,4}\s|- |\*\*\*|---)", s) or re.match(r"^(Syfte|Mål|Aktiviteter):", s):
            out.append(s)
        else:
            out[-1] = out[-1] + " " + s
    return out


# --------------------------------------------------------------------------------------------
# Web pages (002, 003, 004): drop navigation and cookie noise, mark the content headings.
# --------------------------------------------------------------------------------------------
@dataclass
class WebSpec:
    title: str
    footer: str
    noise: set[str]
    stop_at: tuple[str, ...]        # everything from the first line starting with one of these is dropped
    headings: dict[str, int]        # exact line -> heading level
    drop_prefixes: tuple[str, ...] = ()


def parse_web(raw: str, spec: WebSpec) -> Doc:
    doc = Doc(title=spec.title, footer=spec.footer)
    seen_headings: set[str] = set()
    lines = [squash(x) for x in raw.splitlines()]
    for s in lines:
        if any(s.startswith(p) for p in spec.stop_at):
            break
        if not s or s in spec.noise or any(s.startswith(p) for p in spec.drop_prefixes):
            continue
        if s in spec.headings:
            if s in seen_headings:              # repeated link text / duplicated heading
                continue
            seen_headings.add(s)
            doc.blocks.append(Block("h", s, spec.headings[s]))
            continue
        m = re.match(r"^•\s*(.*)$", s)
        if m:
            doc.blocks.append(Block("li", m.group(1)))
            continue
        m = re.match(r"^\d+\.\s+(.*)$", s)
        if m:
            doc.blocks.append(Block("ol", m.group(1)))
            continue
        doc.blocks.append(Block("p", s))
    return doc


WEB_002 = WebSpec(
    title="Uppföljnings- och lärandesystem",
    footer="Region Västmanland – Uppföljnings- och lärandesystem",
    noise={"Till innehåll", "Region Västmanland logotyp Region Västmanland logotyp", "Utveckla Västmanland",
           "Region Västmanland", "Translate", "021 - 17 36 97"},
    drop_prefixes=("Use Google to translate",),
    stop_at=("Vi använder kakor",),
    headings={"Uppföljnings- och lärandesystem": 1, "Syfte": 2, "Bakgrund": 2, "Mål": 2,
              "Insatser som ska följas upp": 2, "Finansiering": 3, "Aktiviteter": 3, "Programmål": 3,
              "Programmål och indikatorer": 2, "Hållbar regional utveckling": 2, "Utredningsområde": 2,
              "Uppföljning": 2, "Det regionala lärandet": 2, "Återföring och användning av lärandet": 2},
)
WEB_003 = WebSpec(
    title="Västmanlands regionala utvecklingsstrategi 2030",
    footer="Region Västmanland – Västmanlands regionala utvecklingsstrategi 2030",
    noise={"Region Västmanland logotyp", "Utveckla Västmanland", "Läs hela strategin för ett livskraftigt Västmanland",
           "Regional utvecklingsstrategi 2030"},
    stop_at=("Godkänn vårt användande av kakor",),
    headings={"Västmanlands regionala utvecklingsstrategi 2030": 1,
              "Vår strategi för ett livskraftigt Västmanland": 2, "Samverkan regional utveckling": 2,
              "Uppdraget": 2, "Uppföljnings- och lärandesystem": 2, "Västmanland och omvärlden": 2,
              "Hållbarhet och Agenda 2030": 3, "Västmanland och EU": 3,
              "Samverkansarenor och Östra Mellansverige": 3},
)
WEB_004 = WebSpec(
    title="Om VästKom",
    footer="VästKom – Om VästKom",
    noise={"MENY", "Senast publicerad"},
    stop_at=(),
    headings={"Vad är VästKom?": 2, "VästKom är en politiskt styrd organisation": 2,
              "VästKoms tre samverkansområden": 2},
)


def parse_004(raw: str) -> Doc:
    doc = parse_web(raw, WEB_004)
    # The page opens with two teaser paragraphs that the body repeats; keep them as an ingress.
    doc.blocks.insert(0, Block("h", "Om VästKom", 1))
    return doc


# --------------------------------------------------------------------------------------------
# Project reports: corpus/sources/projects/*.md (front matter + Markdown).
# --------------------------------------------------------------------------------------------
def parse_project(path: Path) -> tuple[dict, Doc]:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    if not m:
        sys.exit(f"{path}: front matter saknas")
    meta = yaml.safe_load(m.group(1))
    doc = Doc(title=meta["title"], footer=f"{meta['organisation']} – {meta['title'].split('.')[0]}")
    for para in re.split(r"\n\s*\n", m.group(2).strip()):
        for s in _md_lines([ln for ln in para.split("\n") if ln.strip()]):
            h = re.match(r"^(#{1,4})\s+(.*)$", s)
            if h:
                doc.blocks.append(Block("h", squash(h.group(2)), len(h.group(1))))
            elif s.startswith("- "):
                doc.blocks.append(Block("li", squash(s[2:])))
            else:
                doc.blocks.append(Block("p", squash(s)))
    return meta, doc


# --------------------------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------------------------
INLINE_RE = re.compile(r"(\*\*\*.+?\*\*\*|\*\*.+?\*\*|\*[^*\s][^*]*?\*)")


def inline_runs(text: str) -> list[tuple[str, bool, bool]]:
    """Split '**Syfte:** text' into (text, bold, italic) runs."""
    runs = []
    for part in INLINE_RE.split(text):
        if not part:
            continue
        if part.startswith("***") and part.endswith("***") and len(part) > 6:
            runs.append((part[3:-3], True, True))
        elif part.startswith("**") and part.endswith("**") and len(part) > 4:
            runs.append((part[2:-2], True, False))
        elif part.startswith("*") and part.endswith("*") and len(part) > 2:
            runs.append((part[1:-1], False, True))
        else:
            runs.append((part, False, False))
    return runs


def render_pdf(doc: Doc, meta: dict, path: Path) -> None:
    from fpdf import FPDF

    unicode_font = (FONT_DIR / "DejaVuSans.ttf").exists()

    class PDF(FPDF):
        def footer(self):
            self.set_y(-14)
            self.set_font(FONT, "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, doc.footer, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 6, f"Sida {self.page_no()}", align="R")
            self.set_text_color(0, 0, 0)

    pdf = PDF(format="A4", unit="mm")
    if unicode_font:
        FONT = "DejaVu"
        pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdf.add_font("DejaVu", "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        pdf.add_font("DejaVu", "BI", str(FONT_DIR / "DejaVuSans-BoldOblique.ttf"))
    else:  # fallback: core font, cp1252 covers å ä ö é – ” ’
        FONT = "Helvetica"
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(meta["title"])
    pdf.set_author(meta["organisation"])
    pdf.set_subject(meta.get("doc_type", ""))
    pdf.set_creator("Kunskapsbanken corpus/build_documents.py")
    pdf.set_producer("fpdf2")
    pdf.set_lang("sv-SE")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()

    def clean(t: str) -> str:
        if unicode_font:
            return t
        return t.encode("cp1252", "replace").decode("cp1252")

    sizes = {1: 17, 2: 14, 3: 12, 4: 10.5}
    body = 10
    outline_stack: list[tuple[int, int]] = []    # (heading level, outline level); outline may not skip levels
    for b in doc.blocks:
        if b.kind == "h":
            if pdf.get_y() > pdf.h - 55:
                pdf.add_page()
            pdf.ln(4 if b.level > 2 else 6)
            while outline_stack and outline_stack[-1][0] >= b.level:
                outline_stack.pop()
            outline_level = outline_stack[-1][1] + 1 if outline_stack else 0
            outline_stack.append((b.level, outline_level))
            pdf.start_section(b.text[:120], level=outline_level)
            pdf.set_font(FONT, "B", sizes.get(b.level, body))
            pdf.multi_cell(0, sizes.get(b.level, body) * 0.5, clean(b.text), new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(1.5)
            continue
        style = "I" if b.kind == "quote" else ""
        pdf.set_font(FONT, style, body)
        text = clean(b.text)
        md = "**" in text
        if md:
            text = text.replace("***", "**")
            text = re.sub(r"(?<!\*)\*(?!\*)", "", text)
        else:
            text = text.replace("*", "") if re.search(r"\*\S", text) else text
        if b.kind in ("li", "ol"):
            pdf.set_x(pdf.l_margin + 4)
            bullet = "•" if unicode_font or b.kind == "li" else "-"
            if b.kind == "ol":
                bullet = "–"
            pdf.multi_cell(pdf.epw - 4, 5, f"{bullet} {text}", markdown=md, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(0.8)
        else:
            pdf.multi_cell(0, 5, text, markdown=md, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(2.2)
    pdf.output(str(path))


def render_docx(doc: Doc, meta: dict, path: Path) -> None:
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "sv-SE")
    rpr.append(lang)

    cp = d.core_properties
    cp.title = meta["title"]
    cp.author = meta["organisation"]
    cp.last_modified_by = "Kunskapsbanken"
    cp.subject = meta.get("doc_type", "")
    cp.language = "sv-SE"
    cp.created = FIXED_DATE.replace(tzinfo=None)
    cp.modified = FIXED_DATE.replace(tzinfo=None)
    cp.last_printed = FIXED_DATE.replace(tzinfo=None)
    cp.revision = 1
    cp.keywords = ""
    cp.comments = ""

    for b in doc.blocks:
        if b.kind == "h":
            d.add_heading(b.text, level=min(b.level, 4))
            continue
        style = {"li": "List Bullet", "ol": "List Number", "quote": "Quote"}.get(b.kind)
        p = d.add_paragraph(style=style)
        for text, bold, italic in inline_runs(b.text):
            run = p.add_run(text)
            run.bold = bold or None
            run.italic = italic or None
    buf = io.BytesIO()
    d.save(buf)
    path.write_bytes(normalize_zip(buf.getvalue()))


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so the bytes do not depend on when it was built."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def write_meta(path: Path, meta: dict) -> None:
    assert meta["doc_type"] in DOC_TYPES, meta
    keys = ["title", "organisation", "year", "doc_type", "visibility", "source", "language", "note"]
    data = {k: meta[k] for k in keys if meta.get(k) not in (None, "")}
    data["year"] = int(data["year"])
    text = "# Metadata för Kunskapsbanken (genererad av corpus/build_documents.py)\n"
    text += yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    path.with_name(path.name + ".meta.yaml").write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------
SEED_DOCS = [
    # (seed, filename, parser, metadata)
    ("001", "region-vastmanland_verksamhetsplan-2021-2023.pdf", parse_001, dict(
        title="Verksamhetsplan 2021–2023, regionala utvecklingsförvaltningen", organisation="Region Västmanland",
        year=2021, doc_type="verksamhetsplan",
        source="seed 001 (Region Västmanland, regionala utvecklingsförvaltningen: Verksamhetsplan 2021–2023, text extraherad ur PDF)")),
    ("000", "natverk-westum_verksamhetsplan-2026.docx", parse_000, dict(
        title="Verksamhetsplan 2026: Nätverk Westum", organisation="Nätverk Westum", year=2026,
        doc_type="verksamhetsplan", source="seed 000 (Nätverk Westum: Verksamhetsplan 2026)")),
    ("003", "region-vastmanland_rus-2030.docx", lambda raw: parse_web(raw, WEB_003), dict(
        title="Västmanlands regionala utvecklingsstrategi 2030", organisation="Region Västmanland", year=2020,
        doc_type="strategi",
        source="seed 003 (webbsidan Västmanlands regionala utvecklingsstrategi 2030, regionvastmanland.se)",
        note="Webbsidan om RUS; strategin beslutades 2020. Navigering och kakinformation är borttagen.")),
    ("002", "region-vastmanland_uppfoljnings-och-larandesystem.pdf", lambda raw: parse_web(raw, WEB_002), dict(
        title="Uppföljnings- och lärandesystem för RUS", organisation="Region Västmanland", year=2021,
        doc_type="uppföljning",
        source="seed 002 (webbsidan Uppföljnings- och lärandesystem, regionvastmanland.se)",
        note="Webbsida utan datum; året är uppskattat (systemet togs fram i samband med RUS 2020). Navigering, kakinformation och telefonnummer är borttagna.")),
    ("004", "vastkom_om-vastkom.pdf", parse_004, dict(
        title="Om VästKom", organisation="VästKom", year=2023, doc_type="webbsida",
        source="seed 004 (VästKoms webbsida Vad är VästKom?)",
        note="Webbsida utan publiceringsdatum; året från uppgiften om föreningsstämman 30 mars 2023.")),
]


def build(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for prefix, filename, parser, meta in SEED_DOCS:
        doc = parser(seed(prefix))
        meta = {**meta, "visibility": "public", "language": "sv"}
        path = out_dir / filename
        (render_pdf if filename.endswith(".pdf") else render_docx)(doc, meta, path)
        write_meta(path, meta)
        written.append(path)

    for src in sorted(PROJECTS_DIR.glob("*.md")):
        fm, doc = parse_project(src)
        fmt = fm.get("format", "docx")
        meta = {"title": fm["title"], "organisation": fm["organisation"], "year": fm["year"],
                "doc_type": fm.get("doc_type", "projektrapport"), "visibility": "public",
                "source": f"corpus/sources/projects/{src.name} (skriven av teamet som realistiskt exempel)",
                "language": "sv",
                "note": "Exempeldokument skrivet av Kunskapsbankens team; projektet, siffrorna och resultaten är påhittade men realistiska."}
        path = out_dir / f"{fm['filename']}.{fmt}"
        (render_pdf if fmt == "pdf" else render_docx)(doc, meta, path)
        write_meta(path, meta)
        written.append(path)

    # Remove project files from earlier runs whose source no longer exists.
    keep = {p.name for p in written} | {p.name + ".meta.yaml" for p in written}
    for old in out_dir.glob("projekt_*"):
        if old.name not in keep:
            old.unlink()
    return written


def digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="bygg två gånger i temporära mappar och jämför byte för byte")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args()
    if args.check:
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            build(Path(a))
            build(Path(b))
            da, db = digest(Path(a)), digest(Path(b))
            diff = [k for k in da if da[k] != db.get(k)]
            print("identiska" if not diff else f"skiljer sig: {diff}")
            return 1 if diff else 0
    for p in build(args.out):
        print(p.relative_to(args.out.parent) if args.out == OUT_DIR else p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
