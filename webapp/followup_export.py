"""The follow-up view's rows as a table for the annual report: CSV (semicolons, UTF-8 with BOM, as Swedish
Excel opens it) and an Excel workbook (openpyxl). Text from documents is data, never a formula: a cell that
starts like one is written as text."""
from __future__ import annotations

import csv
import io
from datetime import date

HEADERS = ("Projekt", "Projektägare", "Partner", "Start", "Slut", "Status", "Finansiering", "Budget (kr)",
           "Målgrupper", "Resultat", "Kopplade stycken", "Länk")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _financing_text(financing: list[dict]) -> str:
    parts = []
    for f in financing:
        if f["programme"]:
            amount = f" ({f['amount_sek']:,} kr)".replace(",", " ") if f["amount_sek"] else ""
            parts.append(f["programme"] + amount)
    return "; ".join(parts)


def table_rows(projects: list[dict], base_url: str) -> list[dict]:
    """One flat row per project, in the order the page shows them."""
    rows = []
    for p in projects:
        total = next((f["amount_sek"] for f in p["financing"] if f.get("total")), None)
        rows.append({
            "Projekt": p["name"],
            "Projektägare": p["owner"] or "",
            "Partner": "; ".join(p["partners"]),
            "Start": p["period"]["start"] or "",
            "Slut": p["period"]["end"] or "",
            "Status": p["status"] or "",
            "Finansiering": _financing_text(p["financing"]),
            "Budget (kr)": total,
            "Målgrupper": "; ".join(p["target_groups"]),
            "Resultat": " | ".join(r["text"] for r in p["results"]),
            "Kopplade stycken": p["passages"],
            "Länk": base_url + p["url"],
        })
    return rows


def _safe(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(["" if row[h] is None else _safe(row[h]) for h in HEADERS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[dict], data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "Insatser"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[h] for h in HEADERS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
        link = cells[HEADERS.index("Länk")]
        link.hyperlink = link.value
    for index, width in enumerate((40, 30, 40, 11, 11, 11, 40, 14, 30, 60, 10, 50), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    about = book.create_sheet("Om uttaget")
    filters = data.get("filters") or {}
    for label, value in (("Mål", data["display_label"]), ("Mål-id", data["id"]), ("Uttaget", date.today().isoformat()),
                         ("Antal insatser", len(rows)), ("Finansiering", filters.get("finansiering", "alla")),
                         ("Organisation", filters.get("organisation", "alla")), ("År", filters.get("ar", "alla"))):
        about.append([label, value])
        if isinstance(about.cell(about.max_row, 2).value, str):
            about.cell(about.max_row, 2).data_type = "s"
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
