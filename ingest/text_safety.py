"""Removes characters that change how a name or title looks without being seen: one rule for all of them.

Bidirectional controls make "rapport\u202Efdp.exe" display as "rapportexe.pdf"; zero-width and other
invisible characters make two names that look the same differ (and hide words from search). The rule,
used for uploaded file names (`webapp.uploads.safe_file_name`) and meant for titles too:

- removed: every format character (Unicode category Cf: the bidi controls U+061C, U+200E/F,
  U+202A–U+202E, U+2066–U+2069, zero-width space, word joiner, BOM, invisible operators, tag
  characters, interlinear annotation marks …), the other default-ignorable code points that are not Cf
  (Hangul fillers, combining grapheme joiner, variation selectors, Mongolian and Khmer invisibles),
  lone surrogates, and control characters except tab, line feed and carriage return (which callers
  treat as white space);
- the soft hyphen U+00AD is removed too, not turned into "-": it only says where a word may be broken
  and is invisible otherwise, so removing it leaves the word as written ("regional\u00ADplan" becomes
  "regionalplan", which is what the reader sees and what a search must find);
- zero-width non-joiner and joiner (U+200C, U+200D) are kept only between two letters of the scripts
  that need them for correct spelling (Persian, Arabic, the Indic scripts …: U+0590–U+1CFF). Latin,
  Greek and Cyrillic never need them, and there they would only hide a difference ("ad\u200Dmin").
"""
from __future__ import annotations

import unicodedata

_JOINERS = {"\u200c", "\u200d"}
_JOINING_SCRIPTS = range(0x0590, 0x1D00)  # Hebrew to Vedic: Arabic, Syriac, Indic, South-East Asian …
_KEPT_CONTROLS = {"\t", "\n", "\r"}
# Default-ignorable code points (Unicode DerivedCoreProperties) that are not in category Cf.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),    # combining grapheme joiner
    (0x115F, 0x1160),    # Hangul choseong and jungseong fillers
    (0x17B4, 0x17B5),    # Khmer inherent vowels
    (0x180B, 0x180F),    # Mongolian free variation selectors and vowel separator
    (0x3164, 0x3164),    # Hangul filler
    (0xFE00, 0xFE0F),    # variation selectors
    (0xFFA0, 0xFFA0),    # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),    # reserved, default ignorable
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
)


def is_invisible(char: str) -> bool:
    """True for a character the rule removes wherever it stands (the joiners depend on context)."""
    if char in _KEPT_CONTROLS:
        return False
    category = unicodedata.category(char)
    if category in ("Cf", "Cs", "Cc"):
        return True
    point = ord(char)
    return any(low <= point <= high for low, high in _IGNORABLE_RANGES)


def _joins_letters(before: str, after: str) -> bool:
    return all(c and ord(c) in _JOINING_SCRIPTS and unicodedata.category(c)[0] in "LM" for c in (before, after))


def strip_invisible(text: str) -> str:
    """`text` without bidi controls, zero-width and other invisible characters (the rule above)."""
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to look at
    out: list[str] = []
    for i, char in enumerate(text):
        if char in _JOINERS:
            after = text[i + 1] if i + 1 < len(text) else ""
            if out and _joins_letters(out[-1], after):
                out.append(char)
            continue
        if not is_invisible(char):
            out.append(char)
    return "".join(out)
