"""The organisation behind a document, from the document itself: names from the gazetteer of Swedish
public bodies (corpus/gazetteers: 290 kommuner, 21 regions, agencies, courts, ministries, associations)
and associations that name themselves ("Brf Kastanjen 4", "X är en ideell förening").

Evidence is weighed, strongest first: a series designation that names its author (AFS -> Arbetsmiljöverket),
a line on the first page that is only a name (a letterhead or logo text), the name in the title
("Arbetsmiljöverkets föreskrifter"), the file's author/company fields, the web address on the first page,
then mentions on the first pages and, weakly, in the whole text. Names right after "i samverkan med",
"på uppdrag av" or "finansieras av" are partners, not authors, and count against.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from ingest.convert.wording import fold_diacritics
from ingest.enrich.gazetteers import Gazetteer, Known, load_gazetteer

_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*-?|\d+", re.UNICODE)
# Partners, funders, parties and addressees: named in the document, but not its author. The phrases
# reach over a list ("i samverkan med Skolverket och Kulturrådet"); the prepositions only right before.
_PARTNER_BEFORE = re.compile(
    r"(?:(?:i samverkan med|i samarbete med|tillsammans med|på uppdrag av|på uppdrag från|finansier\w* av|"
    r"finansiering:|medfinansier\w* av|samfinansier\w* av|med stöd (?:av|från)|beviljat av|bidrag från|"
    r"medel från|stöd från|utveckla[st]* av|utvecklad av|tillhandahålls av|förvaltas av|ägs av)[^.;:!?\n]{0,45}"
    r"|(?:\bmot|motpart|klagande|\btill|\bhos|\bvid|enligt|\böver|\bom)\s*(?:och\s+)?)$", re.I)
_AUTHOR_BEFORE = re.compile(
    r"(utgivare|utgiven av|ansvarig utgivare|publicerad av|projektägare|huvudman|författare|avsändare|"
    r"organisation|myndighet|beslutad av|antagen av|fastställd av|producerad av|©|copyright)\s*:?\s*$", re.I)
_ASSOCIATION_HEAD = (r"(?:Bostadsrättsföreningen|Bostadsrättsförening|Brf\.?|BRF|Föräldrakooperativet|Föreningen|"
                     r"Stiftelsen|Byalaget|Samfällighetsföreningen|Hembygdsföreningen|Intresseföreningen|"
                     r"Idrottsföreningen|Idrottsklubben|Kooperativet|Riksförbundet|Förbundet|Sällskapet|"
                     r"Ekonomiska föreningen|Ideella föreningen|Personalkooperativet)")
_NAME_WORDS = r"[A-ZÅÄÖ0-9][\wåäöÅÄÖ&.-]*(?:[ \t]+(?:[A-ZÅÄÖ0-9][\wåäöÅÄÖ&.-]*|i[ \t]+[A-ZÅÄÖ][\wåäö-]+))*"
_ASSOCIATION = re.compile(rf"\b{_ASSOCIATION_HEAD}[ \t]+({_NAME_WORDS})")
_SELF_DESCRIBED = re.compile(
    r"(?:^|[.!?][ \t]+|\n)([A-ZÅÄÖ][\wåäöÅÄÖ-]*(?:[ \t]+[\wåäöÅÄÖ-]+){0,5}?)(?:,[ \t]*|[ \t]+är[ \t]+(?:en[ \t]+)?)"
    r"(?:partipolitiskt och religiöst obunden\s+|politiskt obunden\s+)?(?:ideell|ekonomisk)\s+förening\b")
_DOMAIN = re.compile(r"\b(?:www\.)?([a-z0-9åäö-]{3,40})\.(?:se|nu|org|com|eu)\b", re.I)


@dataclass(frozen=True)
class Mention:
    entry: Known
    start: int
    end: int


class OrganisationIndex:
    """Every organisation name and alias of the gazetteer, looked up word by word (case-insensitive;
    a genitive s is allowed: 'Olofströms kommuns' finds 'Olofströms kommun')."""

    def __init__(self, gazetteer: Gazetteer):
        self.by_words: dict[tuple[str, ...], list[tuple[Known, str, bool]]] = {}
        self.longest: dict[str, int] = {}
        self.ascii_names: dict[str, Known] = {}
        surfaces = [(s, e, False) for s, e in gazetteer.names.items() if e.type == "organisation"]
        surfaces += [(s, e, True) for s, e in gazetteer.ambiguous_names.items() if e is not None]
        for surface, entry, ambiguous in surfaces:
            words = tuple(w.lower() for w in _TOKEN.findall(surface))
            if not words or len(surface) < 3 or not surface[:1].isupper():
                continue  # "regionala utvecklingsförvaltningen" describes, it does not name
            self.by_words.setdefault(words, []).append((entry, surface, ambiguous))  # "DIGG" and "Digg"
            self.longest[words[0]] = max(self.longest.get(words[0], 0), len(words))
            if len(words) == 1:
                self.ascii_names.setdefault(fold_diacritics(words[0]), entry)
        self._firsts = frozenset(self.longest) | frozenset(word + "s" for word in self.longest)
        for entry in {e for forms in self.by_words.values() for e, _, _ in forms}:
            if entry.kind == "kommun":  # "umea.se" -> Umeå kommun
                self.ascii_names.setdefault(fold_diacritics(entry.name.split()[0].rstrip("s")), entry)

    def find(self, text: str) -> list[Mention]:
        tokens = list(_TOKEN.finditer(text))
        lowered = [token.group().lower() for token in tokens]
        # Only a word some name begins with (or its genitive) can begin a mention: the others are skipped
        # in one pass instead of one by one.
        firsts = self._firsts
        found: list[Mention] = []
        free = 0  # the first token not inside a mention found already
        for i in [i for i, word in enumerate(lowered) if word in firsts]:
            if i < free:
                continue
            first = lowered[i]
            longest = max(self.longest.get(first, 0), self.longest.get(first[:-1], 0) if first.endswith("s") else 0)
            for n in range(min(longest, len(tokens) - i), 0, -1):
                hit = self._lookup(lowered[i:i + n], tokens[i:i + n], text)
                if hit:
                    found.append(Mention(hit, tokens[i].start(), tokens[i + n - 1].end()))
                    free = i + n
                    break
        return found

    def _lookup(self, words: list[str], tokens, text: str) -> Known | None:
        forms = self.by_words.get(tuple(words))
        if forms is None and words[-1].endswith("s") and len(words[-1]) > 3:
            forms = self.by_words.get(tuple(words[:-1] + [words[-1][:-1]]))  # genitive
        for entry, surface, ambiguous in forms or ():
            if self._written_as_name(entry, surface, ambiguous, tokens, text):
                return entry
        return None

    @staticmethod
    def _written_as_name(entry: Known, surface: str, ambiguous: bool, tokens, text: str) -> bool:
        written = tokens[0].group(0)
        if surface.isupper() and len(surface) <= 6:
            return written.startswith(surface)  # an acronym: exact case only
        # The line is only read when needed: in a long text without line breaks it is the whole text.
        if not written[:1].isupper() and not _line_around(text, tokens[0].start()).isupper():
            return False
        if ambiguous and not (_mid_sentence(text, tokens[0].start())
                              or _line_around(text, tokens[0].start()).strip() == written):
            return False
        if ambiguous and re.match(r"\s*\d", text[tokens[-1].end():]):
            return False  # "Sida 2": a page, not the agency
        return True

    def line_entry(self, line: str) -> Known | None:
        """The organisation a line names and little else: a letterhead, 'Arbetsförmedlingen Direkt'."""
        words = line.split()
        if not words or len(words) > 7:
            return None
        mentions = self.find(line)
        if len(mentions) != 1:
            return None
        mention = mentions[0]
        covered = mention.end - mention.start
        return mention.entry if covered >= 0.6 * len(line.strip(" .,:;()")) else None


def _line_around(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start:end if end >= 0 else len(text)]


def _mid_sentence(text: str, position: int) -> bool:
    before = text[max(0, position - 3):position]
    return bool(before.strip()) and not re.search(r"[.!?:\n]\s*$", before)


@lru_cache(maxsize=1)
def organisation_index() -> OrganisationIndex:
    return OrganisationIndex(load_gazetteer())


def association_names(text: str) -> list[tuple[str, int]]:
    """Associations that name themselves: 'Brf Kastanjen 4', 'Föräldrakooperativet Kultingen',
    'Kalmar nations vänner är en ideell förening'. Returns (name as written, position)."""
    names = []
    for match in _ASSOCIATION.finditer(text):
        head = match.group(0)[: match.start(1) - match.start()].strip()
        name = re.sub(r"\s+i$", "", f"{head} {match.group(1)}".strip())
        names.append((" ".join(name.split()), match.start()))
    for match in _SELF_DESCRIBED.finditer(text):
        names.append((" ".join(match.group(1).split()), match.start(1)))
    return names


def _add(scores: dict, names: dict, key: str, name: str, weight: float) -> None:
    scores[key] += weight
    names.setdefault(key, name)


def find_organisation(*, first_lines: list[str], front_text: str, body_text: str, title: str,
                      author_fields: list[str], designation_org: str = "", explain: dict | None = None) -> str:
    """The most likely author organisation, or "" when the document gives no evidence.
    `explain`, when given, receives every candidate's score (for tests and bench/eval_metadata.py)."""
    index = organisation_index()
    scores: dict[str, float] = defaultdict(float)
    names: dict[str, str] = {}
    if designation_org:
        _add(scores, names, designation_org.lower(), designation_org, 20)
    first_page = "\n".join(first_lines)
    for position, line in enumerate(first_lines):
        entry = index.line_entry(line)
        if entry is not None:
            _add(scores, names, entry.name.lower(), entry.name, 10 if position < 15 else 3)
        for name, _ in association_names(line):
            if len(line.split()) <= len(name.split()) + 2:
                _add(scores, names, name.lower(), name, 10 if position < 15 else 3)
    for mention in index.find(title):
        if not _PARTNER_BEFORE.search(title[max(0, mention.start - 40): mention.start]):
            _add(scores, names, mention.entry.name.lower(), mention.entry.name, 8)  # not "Yttrande över X:s förslag"
    for field_value in author_fields:
        for mention in index.find(field_value or ""):
            _add(scores, names, mention.entry.name.lower(), mention.entry.name, 5)
    for match in _DOMAIN.finditer(first_page + "\n" + front_text[:3000]):
        entry = index.ascii_names.get(fold_diacritics(match.group(1)))
        if entry is not None:
            _add(scores, names, entry.name.lower(), entry.name, 4)
    _weigh_mentions(index, first_page + "\n" + front_text, scores, names, first=True, first_page_end=len(first_page))
    _weigh_mentions(index, body_text, scores, names, first=False)
    _weigh_self_reference(index, body_text, scores, names)
    for name, position in association_names(first_page + "\n" + front_text[:4000]):
        _add(scores, names, name.lower(), name, 7)
    for key, name in names.items():
        if len(name) > 3 and re.search(rf"(?<!\w){re.escape(name.lower())}s?(?!\w)", title.lower()):
            scores[key] += 4  # the title names it: "Stadgar för Kalmar nations vänner"
    if explain is not None:
        explain.update({names[k]: round(v, 2) for k, v in scores.items()})
    if not scores:
        return ""
    best = max(scores, key=lambda k: (scores[k], -len(names[k])))
    return names[best] if scores[best] >= 1 else ""


# How a document refers to its own author: a kommun's plan says "kommunen", an agency "myndigheten".
_SELF_REFERENCE = {
    "kommun": r"kommunen|kommunens|kommunkoncernen|staden|stadens|kommunfullmäktige|kommunstyrelsen",
    "region": r"regionen|regionens|regionfullmäktige|regionstyrelsen",
    "myndighet": r"myndigheten|myndighetens|verket|verkets",
    "forening": r"föreningen|föreningens|förbundet|förbundets",
}
_NOT_THE_KOMMUN = {"universitet", "högskola", "läns", "stift", "tingsrätt", "hovrätt", "nation", "nations", "hamn",
                   "slott", "domkyrka", "kommun", "stad", "kommuns", "stads", "tingsrätts"}


def _weigh_self_reference(index: OrganisationIndex, text: str, scores: dict, names: dict) -> None:
    """Candidates of the kind the document calls itself ("kommunen", "regionen") gain a little."""
    kinds = {e.name.lower(): e.kind for forms in index.by_words.values() for e, _, _ in forms}
    for kind, words in _SELF_REFERENCE.items():
        count = len(re.findall(rf"\b(?:{words})\b", text[:300_000], re.I))
        if not count:
            continue
        of_kind = [k for k in scores if scores[k] > 0 and kinds.get(k) == kind]
        if of_kind:  # only the best of them: the others are neighbours the document mentions
            scores[max(of_kind, key=lambda k: scores[k])] += 1.5 * math.log2(1 + count)


def _weigh_mentions(index: OrganisationIndex, text: str, scores: dict, names: dict, first: bool,
                    first_page_end: int = 0) -> None:
    counts: dict[str, float] = defaultdict(float)
    named_first = None
    for mention in index.find(text):
        before = text[max(0, mention.start - 40): mention.start]
        after = text[mention.end: mention.end + 2]
        if _PARTNER_BEFORE.search(before):
            weight = -1.0 if first else 0.0
        elif first and _AUTHOR_BEFORE.search(before):
            weight = 6.0
        elif after.startswith(":"):
            weight = 0.5  # a list of participants: "Bolagsverket: Erik Mossing"
        else:
            weight = 1.0
        if first and named_first is None and weight >= 1 and mention.start < first_page_end:
            named_first = mention.entry.name  # the author is usually named before its partners
        counts[mention.entry.name] += weight
        names.setdefault(mention.entry.name.lower(), mention.entry.name)
    if named_first:
        scores[named_first.lower()] += 3
    for name, count in counts.items():
        if first:
            scores[name.lower()] += min(count, 6) * 1.5
        elif count > 0:
            scores[name.lower()] += 1.5 * math.log2(1 + count)
    if not first:  # "Kungsbackas bygglovsexperter": the kommun named only by its place, weakly
        for match in re.finditer(r"\b([A-ZÅÄÖ][a-zåäö]+)s ([a-zåäö]{4,})", text[:200_000]):
            if match.group(2) in _NOT_THE_KOMMUN:
                continue
            place = match.group(1).lower()
            forms = index.by_words.get((place, "kommun")) or index.by_words.get((place + "s", "kommun")) \
                or index.by_words.get((place + "s", "stad"))
            if forms and forms[0][0].kind == "kommun":
                key = forms[0][0].name.lower()
                scores[key] += 1.0 if scores[key] < 2 else 0.0
                names.setdefault(key, forms[0][0].name)
