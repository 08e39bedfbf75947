"""Small charts on a goal page, laid out on the server for `goal.html` to draw as SVG: the documents that
contribute to the goal, per year. Every year from the first to the last is shown, with or without documents,
so that a gap reads as a gap."""
from __future__ import annotations

from webapp.templating import count

WIDTH, HEIGHT = 340, 130
BASELINE = 100  # y of the bars' foot; year labels below it, numbers above each bar
MAX_YEARS = 16  # the most recent years shown when documents span longer


def year_chart(years: list[dict]) -> dict | None:
    """Bars for [{"year", "documents"}], or None when no contributing document has a year."""
    per_year = {y["year"]: y["documents"] for y in years if y.get("year")}
    if not per_year:
        return None
    last = max(per_year)
    first = max(min(per_year), last - MAX_YEARS + 1)
    span = list(range(first, last + 1))
    most = max(per_year.get(y, 0) for y in span) or 1
    slot = (WIDTH - 10) / len(span)
    bar_width = min(36.0, slot * 0.7)
    label_every = 1 if slot >= 38 else 2 if slot >= 19 else 4
    bars = []
    for i, year in enumerate(span):
        n = per_year.get(year, 0)
        height = 0 if n == 0 else max(3.0, (BASELINE - 22) * n / most)
        x = 5 + i * slot + (slot - bar_width) / 2
        bars.append({"year": year, "documents": n, "x": round(x, 1), "width": round(bar_width, 1),
                     "y": round(BASELINE - height, 1), "height": round(height, 1), "middle": round(x + bar_width / 2, 1),
                     "label": (i % label_every == 0) or year == last})
    described = ", ".join(f"{b['year']}: {count(b['documents'], 'dokument', 'dokument')}" for b in bars if b["documents"])
    return {"width": WIDTH, "height": HEIGHT, "baseline": BASELINE, "bars": bars,
            "description": f"Dokument per år som bidrar till målet. {described}."}
