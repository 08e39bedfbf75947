"""Present: what a search backend returns, made ready for people — each hit's URL and the Swedish message.

Backends deal in data (`SearchResults.notices` codes, no URLs); this is the one place that turns them
into what the web pages, /api/search and `kunskapsbank search --json` show, so those keep the keys
`url` and `message` whatever backend answers.
"""
from __future__ import annotations

from search.api import (
    MAX_QUERY_TERMS, NOTICE_EMPTY, NOTICE_FAILED, NOTICE_NO_EXACT, NOTICE_ONLY_EXCLUDED, NOTICE_ONLY_STOP_WORDS,
    NOTICE_SHOWING_SUGGESTION, NOTICE_TIMED_OUT, NOTICE_TRUNCATED, Hit, SearchResults,
)

MESSAGES = {
    NOTICE_EMPTY: "Skriv ett eller flera sökord.",
    NOTICE_ONLY_STOP_WORDS: "Frågan innehöll bara vanliga småord (som \"och\", \"att\", \"för\") – skriv mer specifika ord.",
    NOTICE_ONLY_EXCLUDED: "Frågan innehöll bara uteslutna ord (med minus) – lägg till något att söka efter.",
    NOTICE_TRUNCATED: f"Frågan var lång och har kortats till de första {MAX_QUERY_TERMS} sökorden.",
    NOTICE_NO_EXACT: "Inga träffar innehöll alla orden – visar träffar som innehåller några av dem.",
    NOTICE_TIMED_OUT: "Sökningen tog för lång tid och avbröts – resultaten kan vara ofullständiga. Prova en kortare fras.",
    NOTICE_SHOWING_SUGGESTION: "Inga träffar på det du skrev – visar träffar för \"{suggestion}\".",
    NOTICE_FAILED: "Sökningen kunde inte genomföras för den här frågan. Prova med andra ord.",
}


def passage_url(passage_id: str) -> str:
    return f"/p/{passage_id}"


def message(results: SearchResults) -> str | None:
    """The notices of `results` as one Swedish message (None when there is nothing to say)."""
    texts = []
    for code in results.notices:
        text = MESSAGES.get(code)
        if text and text not in texts:
            texts.append(text.replace("{suggestion}", results.suggestion or ""))
    return " ".join(texts) or None


def present_hits(hits: list[Hit]) -> list[Hit]:
    for hit in hits:
        hit.url = passage_url(hit.passage_id)
    return hits


def present(results: SearchResults) -> SearchResults:
    """`results` with each hit's URL and the Swedish message filled in (changed in place and returned)."""
    present_hits(results.hits)
    results.message = message(results)
    return results
