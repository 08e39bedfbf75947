"""Which goal frameworks a document is within: the document names the framework, its owner or its
region (the `scope:` names in the framework's YAML) or quotes one of its goals' wording, an editor
placed it there, or the framework is global (Agenda 2030).

A framework's explicit references ("#7", "delmål 4", "Prioriterat område 2") count only inside its
scope, and its inferred links outside it are weaker suggestions at most: "#3" in Region Halland's
therapy book is a chapter reference, not RUS Västmanland's delmål 3.
"""
from __future__ import annotations

import re
from typing import Iterable

from ingest.enrich.explicit_goals import ExplicitMatcher
from ingest.enrich.goals import Frameworks

# A name in the title or the organisation puts a document in scope at once; in the running text it
# must occur this often, so that one passing mention (a surname "Norberg", a reference list) does not.
DOCUMENT_MIN_MENTIONS = 2


class ScopeMatcher:
    def __init__(self, frameworks: Frameworks):
        self.frameworks = frameworks
        self.matcher = ExplicitMatcher(frameworks)
        self.global_ids = frozenset(fw.id for fw in frameworks.frameworks.values() if fw.scope_global)
        self._patterns: dict[str, re.Pattern] = {}
        for fw in frameworks.frameworks.values():
            names = sorted({*fw.scope, fw.owner} - {""}, key=len, reverse=True) if fw.scope else []
            if names:
                # Whole words, a genitive -s allowed ("Västmanlands", "Köpings"); all-caps acronyms only as written.
                alternatives = "|".join(re.escape(n) if n.isupper() else "(?i:" + re.escape(n) + ")" for n in names)
                self._patterns[fw.id] = re.compile(r"(?<!\w)(?:" + alternatives + r")s?(?!\w)")

    def mentions(self, framework_id: str, text: str) -> int:
        pattern = self._patterns.get(framework_id)
        return len(pattern.findall(text)) if pattern and text else 0

    def in_text(self, text: str, headings: Iterable[str] = ()) -> set[str]:
        """Frameworks in scope for a single text (what `kunskapsbank link` and /api/link are given)."""
        context = " \n".join([*headings, text])
        named = set().union(*(self.matcher.named_frameworks(t) for t in [*headings, text]))
        return set(self.global_ids) | named | {fw for fw in self._patterns if self.mentions(fw, context) >= 1}

    def in_document(self, title: str = "", organisation: str = "", texts: Iterable[str] = (),
                    override: set[str] | None = None) -> set[str]:
        """Frameworks in scope for a whole document. `override` is an editor's placement: when given, it
        replaces what the text says (global frameworks stay in scope)."""
        if override is not None:
            return set(self.global_ids) | {f for f in override if f in self.frameworks.frameworks}
        found = set(self.global_ids)
        front = f"{title or ''} \n{organisation or ''}"
        counts = {fw: self.mentions(fw, front) for fw in self._patterns}
        found |= {fw for fw, n in counts.items() if n}
        texts = list(texts)
        remaining = [fw for fw in self._patterns if fw not in found]
        if remaining:
            body = "\n".join(texts)
            found |= {fw for fw in remaining if self.mentions(fw, body) >= DOCUMENT_MIN_MENTIONS}
        for text in texts:
            found |= self.matcher.named_frameworks(text)
        return found
