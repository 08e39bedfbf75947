"""A document's title from its first page: the designation ("Prop. 2012/13:144", "AD 2013 nr 63"), the
title block (the largest text, its continuation lines and subtitle), never a generic word alone.

Input is the first page as [(text, font size, bold)] (ConvertedDocument.metadata["first_page_lines"],
or the first blocks when a format has no sizes). ingest.convert.metadata decides the order in which
this, the embedded title and the file name are used.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.convert.doc_types import Series, fold, vocabulary
from ingest.convert.wording import MONTHS, is_date_line, sentence_case, tidy_join

NUMBER_STYLES = {
    "riksmote": r"(?:19|20)\d\d/(?:\d\d|\d{4}):\d{1,3}",
    "riksmote_committee": r"(?:19|20)\d\d/\d\d:[A-ZÅÄÖ][a-zåäö]*[A-ZÅÄÖ]+\d{1,2}",
    "year_number": r"(?:19|20)\d\d:\d{1,4}",
    "year_nr": r"(?:19|20)\d\d nr \d{1,4}",
    "year_page": r"(?:19|20)\d\d s\. ?\d{1,4}",
    "year_ref": r"(?:19|20)\d\d ref\. ?\d{1,3}",
}
# Lines that say something about the document rather than name it.
_MARKER = re.compile(
    r"^(antagen|antagna|antogs|beslutad|beslutade|beslut vid|fastställd|fastställt|reviderad|rev\.|publicerad|"
    r"utgiven|uppdaterad|version|datum|dnr|diarienummer|diarienr|ärendenummer|sammanträdesdatum|"
    r"plats och tid|org\.? ?nr|organisationsnummer|räkenskapsåret|giltig|gäller|ersätter|ansvarig|"
    r"status|rapportperiod|tryck|foto|layout|isbn|issn|kontakt|e-post|telefon|www\.|https?:|"
    r"meddelad|stockholm den|sid(a)? \d|\(?\d+\s*\(\d+\)|\d+\s*av\s*\d+)",
    re.I,
)
# An address, a web or e-mail address, a phone number: contact details, never part of a title. (The e-mail part is
# bounded like a real address: an unbounded \S+@ is quadratic on a 300 kB one-word line.)
_CONTACT = re.compile(r"\b\d{3} ?\d{2} [A-ZÅÄÖ]|https?://|www\.|[^\s@]{1,64}@[^\s@]{1,253}\.\w+|\b0\d{1,3}[- ]\d{2,3}[ -]?\d{2}[ -]?\d{2}\b"
                      r"|\b(?:box|postadress|besöksadress|tel\.?|telefon)\b", re.I)
_LABEL_VALUE = re.compile(r"^([A-ZÅÄÖa-zåäö][\wåäö .-]{1,28}):\s*(.*)$")
_PAGE_NUMBER = re.compile(r"^(sid(a)?\s*)?\d{1,4}\s*(\(\s*\d{1,4}\s*\)|av\s*\d{1,4})?$", re.I)
_DOT_LEADER = re.compile(r"(\.\s?){5,}|…{2,}|_{5,}")
_DOMAIN = re.compile(r"^(https?://)?(www\.)?[\w.-]+\.(se|nu|org|com|eu|net)(/\S*)?$", re.I)
_YEAR_ONLY = re.compile(r"^(19[5-9]\d|20[0-4]\d)$")
_YEAR_RANGE = re.compile(r"^(19|20)\d\d\s*[–-]\s*(19|20)?\d\d$")
_SENTENCE = re.compile(r"[.!?]$")
_MONTH_YEAR = re.compile(rf"\b(?:\d{{1,2}}\s+)?(?:{MONTHS})\s+(?:19|20)\d\d\b", re.I)
# "§ 45 Val av justerare", "1. Inledning", "3.2 Mål": an item or numbered section, never a title or subtitle
_NUMBERED_ITEM = re.compile(r"^\s*(?:§\s*\d|\d{1,2}(?:\.\d{1,2})*\.?\s+[A-ZÅÄÖ])")
MAX_TITLE = 200


@dataclass
class Designation:
    series: Series
    number: str

    @property
    def text(self) -> str:
        return f"{self.series.prefix} {self.number}"

    @property
    def year(self) -> int:
        return int(self.number[:4])


@dataclass
class TitleBlock:
    """What the first page says about the document: its title and the lines around it."""

    title: str = ""  # the title block as the page shows it (designation not included)
    generic: bool = False  # the title is only a type word ("Verksamhetsplan") and perhaps a year
    labels: list[str] = field(default_factory=list)  # type label lines: "Kommittédirektiv", "PROTOKOLL"
    rubrik: str = ""  # "Rubrik: …" in court rulings
    year_line: int | None = None  # a line that is only a year ("2024" above "Årsredovisning")
    org_lines: list[str] = field(default_factory=list)  # lines that are only an organisation's name


def find_designation(text: str) -> Designation | None:
    """The first series number in `text`: "Regeringens proposition 2012/13:144" -> Prop. 2012/13:144."""
    best = None
    for series in vocabulary().series:
        number = NUMBER_STYLES.get(series.number)
        if not number:
            continue
        forms = "|".join(re.escape(f) for f in sorted(series.forms, key=len, reverse=True))
        for match in re.finditer(rf"(?<![\wåäö])(?:{forms})\s*({number})(?![\d:])", text):
            if best is None or match.start() < best[0]:
                best = (match.start(), Designation(series, " ".join(match.group(1).split())))
            break
    return best[1] if best else None


def _is_designation_line(text: str) -> bool:
    """'AFS 2011:19', '2012/13:144', 'Prop.', 'Dir. 2022:37', 'Rapport 2023:14': a number, not a title."""
    found = find_designation(text)
    if found and len(found.text) >= len(text) - 3:
        return True
    number = "|".join(NUMBER_STYLES.values())
    return bool(re.fullmatch(rf"(?:(?:prop|dir|skr|bet)\.|sou|ds|rapport|nr)?\s*(?:{number})?", text.strip(), re.I)
                or re.fullmatch(r"(?:rapport|report|pm|nr)\s+[\d:/.-]+", text.strip(), re.I))


def _is_generic(text: str) -> bool:
    """Only type words, table-of-contents words and years: "Verksamhetsplan", "2025 Årsbokslut"."""
    generic = vocabulary().generic_titles
    rest = fold(re.sub(r"\b(19|20)\d\d\b", " ", text))
    if not rest:
        return True
    if rest in generic:
        return True
    words = rest.split()
    return all(w in generic for w in words)


def _noise(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text) or _DOT_LEADER.search(text) or _DOMAIN.match(text)
                or not re.search(r"[^\W\d_]", text) or is_date_line(text)
                or text.lstrip().startswith("|"))  # a row of a plain-text (Markdown) table


def title_block(lines: list[tuple[str, float, bool]], is_org_line=lambda text: False) -> TitleBlock:
    """The largest text on the first page (and the lines that continue it), with its subtitle.

    A type label or a designation alone ("Regeringens proposition", "2012/13:144") is set aside and
    the next run of large lines is the title; a generic title ("Årsredovisning") is completed with the
    next prominent line ("Brf Kastanjen 4"), and a title whose page holds nothing more stays as it is.
    """
    vocab = vocabulary()
    block = TitleBlock()
    lines = _before_contents(lines)
    kinds: list[str] = []  # per line: noise | marker | label | designation | org | year | section | body | text
    expect_rubrik = expect_value = False
    for text, size, _bold in lines:
        kind = "text"
        label = _LABEL_VALUE.match(text)
        if expect_rubrik and not block.rubrik:
            block.rubrik = text
            kind = "marker"
        elif _YEAR_RANGE.match(text.strip()) and kinds and kinds[-1] == "text" \
                and abs(size - lines[len(kinds) - 1][1]) <= 0.6:
            kind = "text"  # "2024–2027" wrapped under "Folkhälsoplan för Västerviks kommun": the title goes on
        elif _YEAR_ONLY.match(text.strip()):
            kind = "year"
            block.year_line = block.year_line or int(text.strip())
        elif _noise(text):
            kind = "noise"
        elif _MARKER.match(text) or _CONTACT.search(text):
            kind = "marker"
        elif fold(text) in vocab.labels:
            kind = "label"
            block.labels.append(text)
        elif _is_designation_line(text):
            kind = "designation"
        elif expect_value:
            kind = "marker"  # the value of a "Label:" line above: "Avgörandedatum:" / "2015-02-04"
        elif label and (fold(label.group(1)) in _LABEL_WORDS or not label.group(2)):
            kind = "marker"
            if fold(label.group(1)) == "rubrik":
                block.rubrik = label.group(2).strip()
                expect_rubrik = not block.rubrik
        elif _is_publisher_line(text, is_org_line):
            kind = "marker"
        elif is_org_line(text):
            kind = "org"
            block.org_lines.append(text)
        elif fold(text) in vocab.section_headings or _NUMBERED_ITEM.match(text):
            kind = "section"
        elif len(text) > 150 or (_SENTENCE.search(text) and len(text) > 90):
            kind = "body"
        expect_value = bool(label and not label.group(2) and kind == "marker")
        kinds.append(kind)
    sized = [(len(t), s) for (t, s, _), k in zip(lines, kinds) if k in ("text", "body") and s > 0]
    body = _body_size(sized)
    page_chars = sum(len(t) for (t, _, _), k in zip(lines, kinds) if k in ("text", "body", "label"))
    cover = page_chars < 350
    candidates = [i for i, k in enumerate(kinds) if k in ("text", "label") and len(lines[i][0]) <= 150
                  and (lines[i][1] >= body * 1.12 or (cover and k == "text"))]
    if not candidates and not body:
        candidates = [i for i, k in enumerate(kinds) if k == "text"][:1]
    runs = _runs(lines, kinds, candidates)
    title_parts: list[str] = []
    used_run = None
    for index, run in enumerate(runs):
        text = tidy_join([lines[i][0] for i in run if kinds[i] == "text"])
        if text:
            title_parts.append(text)
            used_run = index
            break
    if not title_parts:
        return block
    title = title_parts[0]
    last_line = runs[used_run][-1]
    block.generic = _is_generic(title)
    subtitle = _next_prominent(lines, kinds, last_line, body, cover, allow_org=block.generic)
    if subtitle:
        if block.generic or len(title) <= 90:
            title = _attach(title, subtitle, block)
            block.generic = _is_generic(title)
    block.title = sentence_case(title)[:MAX_TITLE]
    return block


def _is_publisher_line(text: str, is_org_line) -> bool:
    """"Boverket mars 2020", "Region Halland, juni 2021": who published it and when, not a subtitle."""
    if not _MONTH_YEAR.search(text):
        return False
    rest = _MONTH_YEAR.sub(" ", text).strip(" ,.–-")
    return bool(rest) and is_org_line(rest)


def _before_contents(lines: list[tuple[str, float, bool]]) -> list[tuple[str, float, bool]]:
    """A title comes before a table of contents: cut the page at 'Innehållsförteckning' or at the first
    dot-leader line ('Tobak ........ 3')."""
    for i, (text, _, _) in enumerate(lines):
        if fold(text) in ("innehållsförteckning", "innehåll") or _DOT_LEADER.search(text):
            return lines[:i]
    return lines


# "Label: value" lines of a title page or a ruling's header table: metadata, not title.
_LABEL_WORDS = set("""datum dnr diarienummer ansvarig ersätter giltighetstid status rapportperiod organisation
    version målnummer domsnummer avgörandedatum lagrum rättsfall rubrik plats tid beslutande justerare närvarande
    sekreterare ordförande handläggare författare kontakt telefon projektägare projektledare foto foton tryck
    layout utgivare upplaga isbn issn beställning referens avdelning mottagare ärende sammanträdesdatum
    parter deltagare frånvarande mötesdatum mötesplats antecknare protokollförare sammankallande""".split()) | {"antagen av", "beslutad av", "fastställd av", "gäller för", "e post"}


def _body_size(sized: list[tuple[int, float]]) -> float:
    """The size most characters are set in, counting only lines that look like running text."""
    weights: dict[float, int] = {}
    for length, size in sized:
        weights[round(size * 2) / 2] = weights.get(round(size * 2) / 2, 0) + length
    if not weights:
        return 0.0
    long_text = {s: n for s, n in weights.items() if n >= 120}
    pool = long_text or weights
    if not long_text:
        return min(pool)  # a cover page: the smallest text is the "body"
    return max(pool, key=lambda s: (pool[s], -s))


def _runs(lines, kinds, candidates: list[int]) -> list[list[int]]:
    """Candidate lines grouped into runs of the same size, the largest size first (page order within)."""
    if not candidates:
        return []
    groups: list[list[int]] = []
    for i in candidates:
        if groups and abs(lines[i][1] - lines[groups[-1][-1]][1]) <= 0.6 and all(
                kinds[j] in ("noise", "designation", "label") for j in range(groups[-1][-1] + 1, i)):
            groups[-1].append(i)
        else:
            groups.append([i])
    return sorted(groups, key=lambda g: (-max(lines[i][1] for i in g), g[0]))


def _next_prominent(lines, kinds, after: int, body: float, cover: bool, allow_org: bool) -> str:
    """The subtitle: the lines right after the title, smaller than it but larger than the body text
    (on a cover page any short line), up to the next section heading or body text."""
    parts: list[str] = []
    size = None
    j = after + 1
    while j < len(lines):
        text, line_size, _ = lines[j]
        kind = kinds[j]
        if kind in ("noise", "marker", "designation", "label", "year"):
            if parts:
                break
            j += 1
            continue
        if kind == "org" and not allow_org:
            break  # a name line (the publisher) ends the title block
        if kind not in ("text", "org") or len(text) > 120 or is_date_line(text) or re.search(
                r"\b\d{1,2} (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december) "
                r"(19|20)\d\d\b", text, re.I):
            break
        if size is not None and abs(line_size - size) > 0.6:
            break
        if not (cover or allow_org or line_size >= body * 1.1 or not body):
            break
        parts.append(text)
        size = line_size
        j += 1
    if not parts or len(parts) > 2:
        return ""  # three lines or more at one size are a paragraph, not a subtitle
    joined = " ".join(parts)
    if joined.endswith(".") and len(joined.split()) >= 5 and not allow_org:
        return ""  # a sentence: the text has begun
    following = next((k for k in kinds[j:] if k not in ("noise", "marker", "year")), None)
    if following == "body" and not cover and not allow_org:
        return ""  # a heading followed by running text is the first section, not a subtitle
    return tidy_join(parts)


def _attach(title: str, subtitle: str, block: TitleBlock) -> str:
    if block.generic and block.year_line and str(block.year_line) not in title:
        title = f"{title} {block.year_line}"
    if subtitle[:1].islower() or re.match(r"^(för|med|i|om|av|inom|och)\b", subtitle, re.I):
        return f"{title} {subtitle}"  # "Miljöprogram 2021–2030" + "för Umeå kommun"
    return f"{title} – {subtitle}"
