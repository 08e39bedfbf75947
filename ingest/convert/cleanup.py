"""Text normalisation shared by the converters: what extraction breaks, put back as the document reads."""
from __future__ import annotations

import re
import unicodedata

LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}
_GLYPH_NAME_LEAK = re.compile(r"/(f_f_i|f_f_l|f_f|f_i|f_l|f_t)\b\.?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff\uf000-\uf0ff]")
# A symbol-font bullet (Wingdings, Symbol: private-use code points, or the "ñ" Wingdings decodes to)
# opening a line: the line is a list item.
_LEADING_GLYPH_BULLET = re.compile(r"^\s*(?:ñ?[\ue000-\uf8ff]+|ñ(?=[\s\u00a0]))[\s\u00a0]*")
BULLET = "•"
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_DOT_LEADER = re.compile(r"\s*(?:\.\s?){4,}\s*\d*\s*$|\s*(?:…\s?){2,}\s*\d*\s*$|\s*_{4,}\s*\d*\s*$")
# Short words that really end in å/ä/ö. After one of them a space is a real word boundary when
# the next word starts the way Swedish words start ("på vägen"), but not in "rå dgivande".
_WORDS_ENDING_IN_DIACRITIC = {
    "på", "så", "två", "få", "då", "gå", "stå", "små", "rå", "blå", "slå", "snö", "sjö",
    "dö", "hö", "strå", "klå", "spå", "också", "ända", "gärna",
}
_ONSET = re.compile(
    r"^([aeiouyåäöé]|(skr|spr|str|skv|spl|sch|bl|br|dr|fl|fr|gl|gr|kl|kn|kr|pl|pr|sk|sl|sm|sn|sp|st|sv|tr|tv|vr|sj|tj"
    r"|kj|gn|hj|lj|dj|ch|ph|th|[bcdfghjklmnpqrstvwxz])[aeiouyåäöé])",
    re.I,
)
_DECOMPOSED_THEN_SPACE = re.compile(r"(\w*?)(\w[\u0300-\u036f]) (?=([\w\u0300-\u036f]+))")


def _join_bogus_space(match: re.Match) -> str:
    left = unicodedata.normalize("NFC", match.group(1) + match.group(2))
    right = match.group(3)
    if left.lower() in _WORDS_ENDING_IN_DIACRITIC and _ONSET.match(right):
        return match.group(0)
    return match.group(1) + match.group(2)


def fix_decomposed_diacritics(text: str) -> str:
    """'ra\u030a dgivande' -> 'rådgivande': some PDFs emit a combining mark and then a stray space."""
    if not re.search(r"[\u0300-\u036f]", text):
        return text
    for _ in range(8):  # one word may hold several marks, each with its own stray space
        fixed = _DECOMPOSED_THEN_SPACE.sub(_join_bogus_space, text)
        if fixed == text:
            break
        text = fixed
    return text


def normalise(text: str) -> str:
    """Character-level clean-up of one line or paragraph; keeps å/ä/ö, never adds content."""
    text = fix_decomposed_diacritics(text)
    text = unicodedata.normalize("NFC", text)
    for lig, plain in LIGATURES.items():
        text = text.replace(lig, plain)
    text = _GLYPH_NAME_LEAK.sub(lambda m: m.group(1).replace("_", ""), text)
    text = text.replace("\u00ad", "")  # soft hyphen
    text = text.replace("\u2010", "-").replace("\u2011", "-")
    text = text.replace("\r", " ")  # a carriage return inside a line is a break, never a character
    text = _CONTROL.sub("", text)
    if "\ufffd" in text:
        from ingest.convert.repair import repair_replacement_characters

        text = repair_replacement_characters(text)
    text = _LEADING_GLYPH_BULLET.sub(BULLET + " ", text)
    text = _PRIVATE_USE.sub(" ", text)
    text = _SPACES.sub(" ", text)
    return text.strip()


def strip_dot_leader(line: str) -> str:
    """'3.1 Strategier ........ 12' -> '3.1 Strategier' (tables of contents)."""
    return _DOT_LEADER.sub("", line)


_HYPHEN_BREAK = re.compile(r"([a-zåäöéü])[-\u00ad]\s*\n\s*([a-zåäöéü])")


def join_hyphenated(text: str) -> str:
    """'utveck-\\nling' -> 'utveckling'; 'hälso- och' and 'EU-\\nfrågor' keep their hyphen."""
    return _HYPHEN_BREAK.sub(r"\1\2", text)


_VOWELS = set("aeiouyåäöéAEIOUYÅÄÖÉ")


def looks_like_garbage(line: str) -> bool:
    """True for text from a broken font encoding ('*|UDQ\x033HUVVRQ'), judged before clean-up.

    Such fonts map the space to a control character and shift every letter, which leaves words
    with almost no vowels. A NUL alone is not enough: some PDFs put one where a ligature was.
    """
    stripped = line.strip()
    if len(stripped) < 4:
        return False
    if _CONTROL.search(stripped.replace("\x00", "")):
        return True
    if sum(1 for c in stripped if c in "^\\{}~`") >= 2:
        return True
    if re.search(r"https?://|www\.", stripped):
        return False  # addresses are consonant-heavy but real
    letters = [c for c in "".join(re.findall(r"[^\W\d_]{4,}", stripped))]
    if len(letters) >= 10:
        vowel_share = sum(1 for c in letters if c in _VOWELS) / len(letters)
        if vowel_share < 0.12:
            return True
    return False
