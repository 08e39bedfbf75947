"""The layout of the follow-up timeline: projects as bars over the years, computed here and drawn as SVG by
the template (server-rendered, no JavaScript). A period known only at one end gets an open end; a project
without a period has no bar and is named under the picture."""
from __future__ import annotations

WIDTH = 320  # viewBox units; the picture scales to the page (about 12 px text on a phone)
MARGIN = 8
AXIS = 26
ROW = 40
MAX_LABEL = 44
MAX_YEARS = 40


def _position(value: str | None, as_end: bool) -> float | None:
    """'2020-05' as a start is 2020 + 4/12; as an end 2020 + 5/12; '2023' as an end is 2024.0."""
    if not value:
        return None
    parts = [int(p) for p in value.split("-")[:2]]
    year = parts[0]
    if len(parts) == 1:
        return year + (1.0 if as_end else 0.0)
    return year + (parts[1] if as_end else parts[1] - 1) / 12


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1].rstrip() + "…"


def timeline(projects: list[dict]) -> dict | None:
    spans = []
    for p in projects:
        start = _position(p["period"]["start"], False)
        end = _position(p["period"]["end"], True)
        if start is None and end is None:
            continue
        spans.append((p, start if start is not None else end - 1, end if end is not None else start + 1,
                      start is None, end is None))
    if not spans:
        return None
    first = int(min(s[1] for s in spans))
    last = int(max(s[2] for s in spans) + 0.999)
    last = max(last, first + 1)
    if last - first > MAX_YEARS:
        first = last - MAX_YEARS
    scale = (WIDTH - 2 * MARGIN) / (last - first)

    def x(value: float) -> float:
        return round(MARGIN + (max(first, min(last, value)) - first) * scale, 1)

    step = 1 if last - first <= 10 else (2 if last - first <= 20 else 5)
    years = [{"x": x(year), "label": str(year), "mid": round(x(year) + scale / 2, 1) if year < last else None}
             for year in range(first, last + 1)]
    rows = []
    for i, (p, start, end, open_start, open_end) in enumerate(spans):
        top = AXIS + i * ROW
        left, right = x(start), x(end)
        label = p["name"] + (f" ({p['status']})" if p.get("status") else "")
        rows.append({"name": p["name"], "label": _short(label), "period_text": p.get("period_text", ""),
                     "status": p.get("status") or "okänd", "text_y": top + 14, "bar_y": top + 20,
                     "x": left, "w": max(3.0, round(right - left, 1)), "open_start": open_start, "open_end": open_end,
                     "url": p["url"]})
    return {"width": WIDTH, "height": AXIS + len(rows) * ROW + 4, "first": first, "last": last - 1,
            "years": [y for y in years if (int(y["label"]) - first) % step == 0], "rows": rows,
            "axis_bottom": AXIS + len(rows) * ROW,
            "missing": [p["name"] for p in projects if all(p is not s[0] for s in spans)]}
