"""Synonyms and abbreviations as data (corpus/synonyms.yaml), matched on analysed terms."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from search._analysis import analyse


@dataclass
class SynonymTable:
    # each group: list of alternatives, each a tuple of analysed main terms
    groups: list[list[tuple[str, ...]]] = field(default_factory=list)
    index: dict[str, list[int]] = field(default_factory=dict)  # first term -> group numbers
    max_len: int = 1

    def alternatives(self, terms: list[str], start: int) -> list[tuple[int, list[tuple[str, ...]]]]:
        """Synonym matches starting at terms[start]: (length of the match, the other members)."""
        out = []
        for g in self.index.get(terms[start], ()):
            for member in self.groups[g]:
                n = len(member)
                if tuple(terms[start:start + n]) == member:
                    others = [m for m in self.groups[g] if m != member]
                    if others:
                        out.append((n, others))
        out.sort(key=lambda x: -x[0])
        return out


def _main_terms(text: str) -> tuple[str, ...]:
    return tuple(t for t, _pos, sub in analyse(str(text)) if not sub)


def load_synonyms(path: Path | None) -> SynonymTable:
    table = SynonymTable()
    if path is None or not Path(path).is_file():
        return table
    import yaml

    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    groups = data.get("groups", []) if isinstance(data, dict) else data
    for raw in groups or []:
        if isinstance(raw, dict):  # {abbr: X, means: [..]} form
            raw = [raw.get("abbr") or raw.get("term")] + list(raw.get("means") or raw.get("synonyms") or [])
        members = []
        for item in raw or []:
            if item is None:
                continue
            terms = _main_terms(item)
            if terms and terms not in members:
                members.append(terms)
        if len(members) < 2:
            continue
        g = len(table.groups)
        table.groups.append(members)
        for m in members:
            table.index.setdefault(m[0], []).append(g)
            table.max_len = max(table.max_len, len(m))
    return table
