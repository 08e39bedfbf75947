"""The goal map: where a framework's work goes, as a picture drawn on the server (SVG, no JavaScript).

Each framework becomes a few cards: its root (a vision) first, then one card per målområde or prioriterat
område with its delmål or mål as rows, or, when the root's goals have none below them (the 17 global
goals), those goals in cards of six. Every part is a link to its goal page whose accessible name says
what it is and how much contributes ("Målområde 2: Ett tillgängligt Västmanland – 3 dokument, 4 projekt");
its shade says how many documents contribute, relative to the framework's busiest goal. This module only
lays the cards out (lines of text, positions, shades); `_goal_map.html` draws them, and site.css colours
them (shade classes keep text contrast at WCAG AA). The numbers are those of `webapp.goal_data`.
"""
from __future__ import annotations

import math

from webapp.templating import count

CARD_WIDTH = 340  # user units; a card is drawn 100 % wide up to about this many pixels, so text keeps its size
ROW_X = 22  # rows start right of the tree's connecting line
HEAD_CHARS, ROW_CHARS = 32, 38  # characters per line (generous widths for the bold head and normal rows)
LINE = 18  # px between lines of text
SHADES = 4  # shade-1 … shade-4 for goals with documents; shade-0 for none
SKIP_LEVELS = ("aktivitet",)  # the map stops at goals; activities are listed on their area's page
CHUNK = 6  # goals per card when a root's goals have nothing below them


def wrap(text: str, width: int, max_lines: int) -> list[str]:
    """`text` in lines of at most `width` characters, at most `max_lines` of them (the last one ending in …)."""
    words, lines, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = " ".join(lines[max_lines - 1:])
        cut = last[: width - 1].rsplit(" ", 1)[0] if " " in last[: width - 1] else last[: width - 1]
        lines = lines[: max_lines - 1] + [cut.rstrip(",;:–- ") + "…"]
    return [line if len(line) <= width + 6 else line[: width - 1] + "…" for line in lines]


def amount(node: dict) -> str:
    """ "9 dokument, 4 projekt": what contributes, in words that agree with the numbers."""
    return f"{count(node['documents'], 'dokument', 'dokument')}, {count(node['projects'], 'projekt', 'projekt')}"


def accessible_name(node: dict) -> str:
    name = node["full_name"]
    if not node["wording_known"]:
        name += ", formuleringen saknas i underlaget"
    if node["parent_uncertain"]:
        name += ", placeringen är osäker"
    return f"{name} – {amount(node)}"


def shade(documents: int, most: int) -> int:
    return 0 if documents <= 0 else max(1, min(SHADES, math.ceil(SHADES * documents / max(most, 1))))


def legend(most: int) -> list[dict]:
    """Which numbers of documents each shade stands for (the darkest also the root, which may have more)."""
    items = [{"shade": 0, "text": "0 dokument"}]
    for step in range(1, SHADES + 1):
        low, high = math.floor((step - 1) * most / SHADES) + 1, math.floor(step * most / SHADES)
        if step == SHADES:
            items.append({"shade": step, "text": f"{low} dokument eller fler"})
        elif low <= high:
            items.append({"shade": step, "text": f"{low} dokument" if low == high else f"{low}–{high} dokument"})
    return items


def _short_label(node: dict) -> str:
    """What a part shows in its box: its label with the number it is known by ("#17 …", "Mål 4: …"); a
    perspektiv beside målområden says what it is."""
    if node["level"] == "perspektiv":
        return node["full_name"]
    if node["level"] in ("malomrade", "omrade") and node.get("number") is not None:
        return node["label"]
    return node["display_label"]


def _part(node: dict, most: int, y: int, head: bool, x: int = 0) -> dict:
    """One goal's box: its lines of text (kind, label, a note when the wording is missing, the amount)."""
    texts = []
    if head:
        kicker = node["level_name"]
        if node.get("number") is not None and node["level"] in ("malomrade", "omrade"):
            kicker += f" {node['number']}"
        texts.append(("kicker", kicker))
    texts += [("label", line) for line in wrap(_short_label(node), HEAD_CHARS if head else ROW_CHARS, 3 if head else 2)]
    if not node["wording_known"]:
        texts.append(("note", "formuleringen saknas i underlaget"))
    texts.append(("amount", amount(node)))
    lines = [{"x": x + 10, "y": y + 24 + LINE * i, "cls": cls, "text": text} for i, (cls, text) in enumerate(texts)]
    height = 12 + LINE * len(texts)
    vision = head and node["level"] == "vision" and node["documents"]
    return {"id": node["id"], "url": node["url"], "name": accessible_name(node), "title": node["full_name"],
            "lines": lines, "uncertain": node["parent_uncertain"], "unknown": not node["wording_known"],
            "shade": SHADES if vision else shade(node["documents"], most), "head": head,
            "x": x, "y": y, "width": CARD_WIDTH - x, "height": height,
            "marker": {"x": CARD_WIDTH - 16, "y": y + 16} if node["parent_uncertain"] else None}


def _card(head: dict | None, rows: list[dict], most: int, label: str) -> dict:
    parts, y = [], 0
    if head is not None:
        parts.append(_part(head, most, 0, head=True))
        y = parts[0]["height"] + 10
    for row in rows:
        part = _part(row, most, y, head=False, x=ROW_X if head is not None else 0)
        parts.append(part)
        y += part["height"] + 8
    connector = None
    if head is not None and rows:  # the tree line from the head down to the middle of the last row
        last = parts[-1]
        connector = {"x": ROW_X / 2, "top": parts[0]["height"], "bottom": last["y"] + last["height"] / 2,
                     "branches": [p["y"] + p["height"] / 2 for p in parts[1:]]}
    return {"label": label, "parts": parts, "height": max(y - (8 if rows else 0), parts[0]["height"] if parts else 0),
            "width": CARD_WIDTH, "connector": connector}


def layout(frameworks: list[dict]) -> list[dict]:
    """The cards of each framework (as `goal_data.frameworks_json` gives them, without activities)."""
    out = []
    for fw in frameworks:
        cards = []
        nodes = [n for root in fw["goals"] for n in _walk(root) if n is not root]
        most = max([n["documents"] for n in nodes] + [1])
        for root in fw["goals"]:
            branches = [c for c in root["children"] if c["children"]]
            leaves = [c for c in root["children"] if not c["children"]]
            if branches:  # leaves beside branches (RUS's perspektiv) belong to the root's own card
                cards.append(_card(root, leaves, most, root["full_name"]))
                cards += [_card(b, b["children"], most, b["full_name"]) for b in branches]
            else:
                cards.append(_card(root, [], most, root["full_name"]))
                for start in range(0, len(leaves), CHUNK):
                    chunk = leaves[start:start + CHUNK]
                    label = f"{fw['short_name']}, del {start // CHUNK + 1}"
                    if chunk[0].get("number") is not None and chunk[-1].get("number") is not None:
                        label = f"{chunk[0]['level_name']} {chunk[0]['number']}–{chunk[-1]['number']}"
                    cards.append(_card(None, chunk, most, label))
        out.append({"id": fw["id"], "name": fw["name"], "short_name": fw["short_name"], "cards": cards,
                    "legend": legend(most),
                    "has_uncertain": any(p["uncertain"] for c in cards for p in c["parts"]),
                    "has_unknown": any(p["unknown"] for c in cards for p in c["parts"]),
                    "rows": [dict(n, depth=d, name=accessible_name(n)) for root in fw["goals"] for n, d in _walk_depth(root)]})
    return out


def _walk(node: dict):
    yield node
    for child in node["children"]:
        yield from _walk(child)


def _walk_depth(node: dict, depth: int = 0):
    yield node, depth
    for child in node["children"]:
        yield from _walk_depth(child, depth + 1)
