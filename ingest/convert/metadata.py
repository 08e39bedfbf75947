"""Document metadata (title, organisation, year, type, visibility): a sidecar first, then the document.

Each field is taken from the first of these that has it:

1. a sidecar `<name>.meta.yaml` (or `<stem>.meta.yaml`, `.meta.json`) next to the file, and values an
   upload passes along: these win, always;
2. title: the file's own title field (DOCX core properties, PDF /Title) when it is meaningful: not a
   file name, not "Microsoft Word - …", not a template's placeholder, not a type word alone, and said
   by the document itself; a series designation on the first page is put in front ("AFS 2011:19 …");
3. title: the first page's title block (ingest.convert.title): the designation and its rubrik
   ("Prop. 2012/13:144 Sjöfartsstödets inriktning", "AD 2013 nr 63"), the largest text with its
   subtitle, never a generic word alone ("Innehållsförteckning", "Regeringens proposition");
4. title: the file name, with å/ä/ö put back where a place name or the word list knows the word.
Organisation: ingest.convert.organisation (gazetteer of Swedish public bodies, associations). Year:
ingest.convert.years (never the ingest date). Type: ingest.convert.doc_types (corpus/doc_types.yaml).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from ingest.convert.cleanup import normalise
from ingest.convert.doc_types import fold, guess_doc_type, vocabulary
from ingest.convert.organisation import association_names, find_organisation, organisation_index
from ingest.convert.title import MAX_TITLE, TitleBlock, _is_generic, find_designation, title_block
from ingest.convert.wording import fold_diacritics, sentence_case, text_spellings, tidy, title_from_file_name
from ingest.convert.years import find_year
from ingest.model import Block, ConvertedDocument

_JUNK_TITLE = re.compile(
    r"^(microsoft (word|powerpoint|excel)\s*-|powerpoint[- ]presentation|föreskriftens namn|untitled|namnlös|"
    r"dokument\s*\d*$|document\s*\d*$|presentation\s*\d*$|title$|titel$|rubrik$|mall\b|\w*mall$|slide \d|bild \d|"
    r"klicka här|skriv (rubrik|titel)|dokumentnamn|ange (rubrik|titel))",
    re.I,
)
_OFFICE_NAME = re.compile(r"^microsoft (?:word|powerpoint|excel)\s*-\s*(.+?)(?:\.(?:docx?|pptx?|xlsx?|rtf))?$", re.I)
_FILE_LIKE = re.compile(r"\.(docx?|pdf|pptx?|xlsx?|odt|rtf|indd|txt|md)$|_|~", re.I)
_TRAILING_DATE = re.compile(r"[\s_-]+(?:\d{6,8}|(?:19|20)\d\d-\d\d-\d\d)$")
_CAMEL = re.compile(r"[A-ZÅÄÖ][a-zåäö]+(?:[A-ZÅÄÖ][a-zåäö]+)+")


def sidecar_for(path: Path) -> Path | None:
    for candidate in (
        path.with_name(path.name + ".meta.yaml"),
        path.with_name(path.stem + ".meta.yaml"),
        path.with_name(path.name + ".meta.json"),
        path.with_name(path.stem + ".meta.json"),
    ):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> dict:
    sidecar = sidecar_for(path)
    if sidecar is None:
        return {}
    try:
        text = sidecar.read_text(encoding="utf-8")
        data = json.loads(text) if sidecar.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError):
        return {}  # a broken sidecar must not cost us the document; fall back to the document
    return data if isinstance(data, dict) else {}


def _clean_title(value) -> str | None:
    if not value:
        return None
    value = " ".join(str(value).split())
    return value[:MAX_TITLE] if value else None


def meaningful_embedded_title(value: str | None, front_text: str, file_stem: str) -> str | None:
    """The file's title field, or None when it is a file name, an Office default, a template's placeholder,
    a type word alone or something the document itself does not say."""
    if not value:
        return None
    value = normalise(str(value))
    if not value or len(value) > MAX_TITLE or _JUNK_TITLE.match(value) or _CAMEL.fullmatch(value):
        return None
    if _FILE_LIKE.search(value) or (" " not in value and re.search(r"[\d-]", value)):
        return None
    if re.sub(r"\W+", "", value.lower()) == re.sub(r"\W+", "", file_stem.lower()):
        return None
    value = _TRAILING_DATE.sub("", value)
    if _is_generic(value):
        return None
    words = [w for w in re.findall(r"[^\W\d_]{4,}", value.lower())]
    front = front_text.lower()
    if words and sum(1 for w in words if w in front) < 0.5 * len(words):
        return None  # a title the document never states: usually a template's or an old document's
    return tidy(sentence_case(value))


def _lines_from_blocks(blocks: list[Block]) -> list[tuple[str, float, bool]]:
    """A first page for formats without font sizes: headings by level, the first dozen blocks."""
    first_page = blocks[0].page if blocks else None
    lines = []
    for block in blocks[:14]:
        if block.page != first_page:
            break
        size = {1: 20.0, 2: 16.0, 3: 14.0}.get(block.level, 12.0) if block.kind == "heading" else 10.0
        lines.append((block.text, size, block.kind == "heading"))
    return lines


def _front_text(lines: list[str], blocks: list[Block]) -> str:
    first = blocks[0].page if blocks else None
    front = [b.text for b in blocks[:40] if b.page is None or first is None or b.page <= first + 1]
    return ("\n".join(lines) + "\n" + "\n".join(front))[:10_000]


def _is_org_line(text: str) -> bool:
    if organisation_index().line_entry(text) is not None:
        return True
    return any(len(text.split()) <= len(name.split()) + 1 for name, _ in association_names(text))


def _file_title(path: Path, embedded: str | None, organisation: str, text: str) -> str:
    office = _OFFICE_NAME.match(normalise(embedded or ""))
    stem = office.group(1) if office and len(office.group(1)) > 3 else path.stem
    stem = stem.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    names = set()
    if organisation:
        short = re.sub(r"^Region\s+|\s+(kommun|stad)$", "", organisation).rstrip("s")
        names = {fold_diacritics(organisation), fold_diacritics(short), fold_diacritics(organisation).replace(" ", "-")}
    return title_from_file_name(stem, {n.replace("-", " ") for n in names}, text_spellings(text))


def _compose_title(path: Path, converted: ConvertedDocument, block: TitleBlock, designation, embedded: str | None,
                   organisation: str, text: str) -> str:
    if embedded:
        if designation and designation.text.lower() not in embedded.lower():
            return f"{designation.text} {embedded}"[:MAX_TITLE]
        return embedded
    if designation:
        subject = block.title if block.title and not block.generic else ""
        if not subject and block.rubrik and len(block.rubrik) <= 100:
            subject = block.rubrik.rstrip(". ")
        return tidy(f"{designation.text} {subject}")[:MAX_TITLE]
    if block.title and not block.generic:
        return _with_label(block.title, block.labels)
    if block.title:  # a type word, perhaps with a year, and nothing else on the page
        if re.search(r"\b(19|20)\d\d\b", block.title):
            return block.title
        return f"{block.title} – {organisation}" if organisation else block.title
    converter_title = tidy(sentence_case(converted.title or "")) if converted.title else ""
    if converter_title and not _is_generic(converter_title) and converted.format in ("md", "txt", "html"):
        return converter_title[:MAX_TITLE]
    return _file_title(path, (converted.metadata or {}).get("title"), organisation, text)[:MAX_TITLE] or path.name


def _with_label(title: str, labels: list[str]) -> str:
    """A meeting's record is named by its label and the body that met: "PROTOKOLL" above "Kommunstyrelsen"
    gives "Protokoll – Kommunstyrelsen" (types with `label_in_title` in corpus/doc_types.yaml)."""
    for label in labels:
        if fold(label) in vocabulary().labels_in_title and fold(label) not in fold(title):
            return f"{sentence_case(label)} – {title}"[:MAX_TITLE]
    return title


def _title_like(lines: list[str]) -> list[str]:
    """Lines that may name the document's own number: short ones, not table rows or running text that
    merely cites another bill ("enligt prop. 2016/17:180 ska …"), and without what stands in parentheses
    ("Yttrande över betänkandet En ny skollag (SOU 2025:18)" answers the SOU, it is not the SOU)."""
    return [re.sub(r"\([^()]{0,80}\)", " ", line) for line in lines if len(line) <= 90 and "|" not in line]


def describe(path: Path, converted: ConvertedDocument, explain: dict | None = None) -> dict:
    """Title, organisation, year and type as the document itself gives them (`explain` receives the
    organisation candidates' scores)."""
    meta = converted.metadata or {}
    blocks = converted.blocks
    lines = meta.get("first_page_lines") or _lines_from_blocks(blocks)
    line_texts = [text for text, _, _ in lines]
    front_text = _front_text(line_texts, blocks)
    body_text = "\n".join(b.text for b in blocks)[:300_000]
    block = title_block(lines, is_org_line=_is_org_line)
    embedded = meaningful_embedded_title(meta.get("title"), front_text + "\n" + body_text[:20_000], path.stem)
    designation = find_designation("\n".join(_title_like(line_texts[:20])) + "\n" + (embedded or ""))
    organisation = find_organisation(
        first_lines=line_texts, front_text=front_text, body_text=body_text, title=embedded or block.title,
        author_fields=[str(meta.get("author") or ""), str(meta.get("company") or "")],
        designation_org=designation.series.organisation if designation else "", explain=explain,
    )
    title = _compose_title(path, converted, block, designation, embedded, organisation, front_text + "\n" + body_text)
    year = find_year(designation=designation, title=title, front_text=front_text, first_page="\n".join(line_texts),
                     created=str(meta.get("created") or ""), file_name=path.stem)
    doc_type = guess_doc_type(
        designation_type=designation.series.type if designation else None, title=title, labels=block.labels,
        file_words=title_from_file_name(path.stem), front_text=front_text,
    )
    return {"title": title, "organisation": organisation, "year": year, "doc_type": doc_type}


def resolve(path: Path, converted: ConvertedDocument, extra: dict | None = None) -> dict:
    side = {**read_sidecar(path), **(extra or {})}
    year = side.get("year")
    complete = all(str(side.get(k) or "").strip() for k in ("title", "organisation", "doc_type")) and isinstance(year, int)
    found = dict.fromkeys(("title", "organisation", "year", "doc_type")) if complete else describe(path, converted)
    visibility = side.get("visibility", "public")
    if visibility not in ("public", "internal"):
        visibility = "internal"  # unknown value: err on the side of not publishing
    return {
        "title": _clean_title(side.get("title")) or found["title"],
        "organisation": str(side.get("organisation") or "").strip() or found["organisation"],
        "year": year if isinstance(year, int) else found["year"],
        "doc_type": str(side.get("doc_type") or found["doc_type"]),
        "visibility": visibility,
    }
