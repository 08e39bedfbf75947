"""Named entities in Swedish text: projects, organisations, places, funding programmes, time spans.

spaCy's blank Swedish pipeline (no model can be installed here) tokenises; an EntityRuler holds every
name from corpus/gazetteers, matched case-sensitively; rules find what no list can know yet: names
introduced by "projektet …"/"projektsatsningen …", quoted names, "#Vägled"-style tags, "X kommun",
"Region X", "Länsstyrelsen i X", time spans such as "maj 2020 och oktober 2021". Overlaps go to the
longest span, and a name the gazetteer knows as an organisation or place is never a project.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import spacy
from spacy.util import filter_spans

from ingest.enrich.gazetteers import Gazetteer, entity_key, fold_name, load_gazetteer

MONTHS = "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
SEASONS = "våren|sommaren|hösten|vintern|början av|slutet av|mitten av"
_WHEN = rf"(?:(?:{MONTHS}|{SEASONS})\s+)?(?:19|20)\d\d"
_TIMESPAN = re.compile(
    rf"\b(?:(?:från|mellan|under perioden)\s+)?{_WHEN}\s*(?:[-–—]|och|till|t\.o\.m\.?|–)\s*{_WHEN}\b"
    rf"|\b(?:{MONTHS}|{SEASONS})\s+(?:19|20)\d\d\b",
    re.IGNORECASE,
)
_PROJECT_INTRO = re.compile(
    r"\b(?:[Pp]rojekt(?:et|satsningen|en)?|[Ff]örstudien|[Ss]atsningen|[Dd]elprojektet|[Pp]ilotprojektet)"
    r"(?:\s+(?:som\s+heter|kallat|kallad|med\s+namnet))?\s+"
)
_QUOTED = re.compile(r"[\"“”«]([^\"“”«»\n]{2,60})[\"“”»]")
_HASHTAG = re.compile(r"(?<![\w#])#([A-ZÅÄÖ][\wåäöÅÄÖ-]{2,40})")
# Words that end a sentence-case project name: verbs and function words that follow a name.
_NAME_STOP = set(
    """har hade är var blev blir ska skulle kommer kan kunde som och eller men i på med om att
    syftar syftade startade pågår pågick genomfördes genomförs drivs drevs leds leddes finansieras
    finansierades avslutades inleddes visar visade där samt eftersom då när under efter inom mellan
    vid hos till från the of där vilket tillsammans gemensamt också även därför bland främst vidare längs
    tar ger får gör går vill tog gav fick gjorde""".split()
)
_CONNECTORS = {"för", "av", "i", "till", "och", "med", "på"}
# Endings of Swedish finite verbs and supines ("jobbar", "tillgängliggör", "genomförts", "startade")
_VERB_ENDING = re.compile(r"(?:ar|er|ör|ts|tt|ade|as)$")
_ORG_RULES = [
    re.compile(r"\bRegion(?:en)?\s+[A-ZÅÄÖ][a-zåäöé]+(?:\s+län)?"),
    re.compile(r"\b[A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)?s?\s+(?:kommun|stad|kommunalförbund)\b"),
    re.compile(r"\bLänsstyrelsen\s+i\s+[A-ZÅÄÖ][a-zåäöé]+(?:\s+län)?"),
    re.compile(r"\bSamordningsförbundet\s+[A-ZÅÄÖ][a-zåäöé]+(?:\s+[A-ZÅÄÖ][a-zåäöé]+)?"),
    re.compile(r"\b[A-ZÅÄÖ][a-zåäöé]+s\s+(?:universitet|högskola|folkhögskola|länsbildningsförbund)\b"),
    re.compile(r"\b(?:Mälardalens|Örebro|Uppsala|Karlstads|Linköpings)\s+universitet\b"),
]
_PLACE_CONTEXT = re.compile(r"\b(?:i|från|till|inom|utanför|runt)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    type: str  # project | organisation | place | programme | timespan
    name: str  # canonical name
    surface: str  # as written
    start: int
    end: int
    entity_key: str


class EntityExtractor:
    def __init__(self, gazetteer: Gazetteer | None = None):
        self.gazetteer = gazetteer or load_gazetteer()
        self.nlp = spacy.blank("sv")
        ruler = self.nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH", "overwrite_ents": True})
        patterns = [{"label": entry.type, "pattern": surface, "id": entry.name}
                    for surface, entry in self.gazetteer.names.items()]
        ruler.add_patterns(patterns)
        if patterns:  # spaCy counts every pattern of every document to warn about an empty ruler: ours is not
            ruler._require_patterns = lambda: None
        self._lock = threading.Lock()  # spaCy pipelines are not documented as thread-safe

    def extract(self, text: str) -> list[Mention]:
        with self._lock:
            doc = self.nlp(text)
        return self._mentions(doc, text)

    def extract_many(self, texts: list[str]) -> list[list[Mention]]:
        """extract() for many texts, through spaCy's nlp.pipe in batches."""
        with self._lock:
            docs = list(self.nlp.pipe(texts, batch_size=64))
        return [self._mentions(doc, text) for doc, text in zip(docs, texts)]

    def _mentions(self, doc, text: str) -> list[Mention]:
        spans = []
        for ent in doc.ents:
            entry = self.gazetteer.names.get(ent.text) or self.gazetteer.names.get(ent.ent_id_)
            if entry is None:
                continue
            if entry.ambiguous and not _PLACE_CONTEXT.search(text[max(0, ent.start_char - 12): ent.start_char]):
                continue
            spans.append(self._span(doc, ent.start_char, ent.end_char, entry.type, entry.name))
        for start, end, type_, name in self._rule_matches(text):
            spans.append(self._span(doc, start, end, type_, name))
        kept = filter_spans([s for s in spans if s is not None])  # longest wins, then earliest
        mentions = []
        for span in sorted(kept, key=lambda s: s.start_char):
            type_, name = span.label_, span.kb_id_ or span.text
            mentions.append(Mention(type_, name, span.text, span.start_char, span.end_char, entity_key(type_, name)))
        return mentions

    def _span(self, doc, start: int, end: int, type_: str, name: str):
        span = doc.char_span(start, end, label=type_, kb_id=name, alignment_mode="expand")
        return span

    # -- rules -------------------------------------------------------------------------------
    def _rule_matches(self, text: str):
        for m in _TIMESPAN.finditer(text):
            yield m.start(), m.end(), "timespan", re.sub(r"\s+", " ", m.group(0))
        for m in _ORG_RULES_ITER(text):
            name = self._canonical("organisation", m.group(0))
            yield m.start(), m.end(), "organisation", name
        for m in _HASHTAG.finditer(text):
            yield from self._project(m.start(), m.end(), "#" + m.group(1))
        for m in _PROJECT_INTRO.finditer(text):
            found = self._name_after(text, m.end())
            if found:
                yield from self._project(*found)
        for m in _QUOTED.finditer(text):
            before = text[max(0, m.start() - 40): m.start()].lower()
            if re.search(r"projekt|satsning|förstudie|program", before):
                yield from self._project(m.start(1), m.end(1), m.group(1).strip())

    def _canonical(self, type_: str, surface: str) -> str:
        entry = self.gazetteer.names.get(surface) or self.gazetteer.lookup(type_, surface)
        if entry is not None and entry.type == type_:
            return entry.name
        return re.sub(r"^Regionen\b", "Region", surface.strip())

    def _project(self, start: int, end: int, surface: str):
        surface = surface.strip(" .,:;–—-")
        known = self.gazetteer.names.get(surface) or self.gazetteer.lookup("project", surface)
        if known is not None and known.type != "project":
            return  # "projektet Region Västmanland driver" names an organisation, not a project
        for type_ in ("organisation", "place", "programme"):
            if self.gazetteer.lookup(type_, surface):
                return
        if len(fold_name(surface)) < 3:
            return
        yield start, start + len(surface), "project", known.name if known else surface

    def _name_after(self, text: str, pos: int) -> tuple[int, int, str] | None:
        """A sentence-case or quoted name starting at `pos`: 'Vägar framåt', 'Hälsoinsatser för nyanlända'."""
        rest = text[pos: pos + 120]
        quoted = re.match(r"[\"“”«]([^\"“”«»\n]{2,60})[\"“”»]", rest)
        if quoted:
            return pos + quoted.start(1), pos + quoted.end(1), quoted.group(1)
        first = re.match(r"#?[A-ZÅÄÖ0-9][\w+:-]*", rest)
        if not first:
            return None  # "projektet syftar till …": no name
        words = [first.group(0)]
        offset = first.end()
        while len(words) < 6:  # word by word from where the name has got to ("Vård nära hemmet i Sala")
            m = re.match(r"\s+([\w+-]+(?::\w+)?)", rest[offset:])
            if m is None:
                break
            word = m.group(1)
            if word.lower() in _NAME_STOP - _CONNECTORS or (word.islower() and len(word) > 14):
                break
            if (len(words) >= 2 and word.islower() and words[-1].lower() not in _CONNECTORS
                    and _VERB_ENDING.search(word)):
                break  # "Kreativa rum jobbar …", "Se och vårda tillgängliggör …": the clause's verb ends the name
            words.append(word)
            offset += m.end()
            rest_after = rest[offset:]
            if not rest_after.startswith(" ") or re.match(r"\s*[.,;:()]", rest_after):
                break
        while words and words[-1].lower() in _CONNECTORS | _NAME_STOP:
            words.pop()
        if not words:
            return None
        # a lowercase tail is only kept when it is short ("Vägar framåt"), not a clause
        name = " ".join(words)
        return pos, pos + len(name), name


def _ORG_RULES_ITER(text: str):
    for pattern in _ORG_RULES:
        yield from pattern.finditer(text)


_EXTRACTOR: EntityExtractor | None = None
_EXTRACTOR_LOCK = threading.Lock()


def extract_entities(text: str) -> list[Mention]:
    global _EXTRACTOR
    with _EXTRACTOR_LOCK:
        if _EXTRACTOR is None:
            _EXTRACTOR = EntityExtractor()
    return _EXTRACTOR.extract(text)


def extract_entities_many(texts: list[str]) -> list[list[Mention]]:
    extract_entities("")  # built once, as above
    return _EXTRACTOR.extract_many(texts)
