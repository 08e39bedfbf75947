"""Project cards on the web: the "card" of /entiteter/{id} and /api/entities/{id}, and editors' corrections
of it (form POST /entiteter/{id}/kort, PUT /api/entities/{id}/card). A correction replaces one field, is kept
apart from what the documents say (so re-ingest keeps it) and goes to the audit log. A correction made
while internal documents gave that field is shown only to signed-in readers."""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse

from ingest.enrich.swedish_numbers import find_amounts, to_number
from ingest.enrich.swedish_periods import MONTHS
from ingest.store.project_cards import STATUSES, project_cards, status_for
from webapp.auth import check_csrf, require_editor, visibility_for
from webapp.serialise import project_card_json
from webapp.urls import urls
from webapp.templating import env

router = APIRouter()

EntityId = Annotated[str, Path(min_length=3, max_length=200, description="t.ex. project:digi-60-plus")]
_ISO = re.compile(r"^(?:19|20)\d\d(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
MAX_LINES, MAX_CHARS = 50, 500


# -- reading --------------------------------------------------------------------------------------
def cards_for(request: Request, entities: list[dict], *, corrected: bool = True,
              visibility: tuple[str, ...] | None = None) -> dict[str, dict]:
    kb = request.app.state.kb
    found = project_cards(kb.catalogue, entities, visibility_for(request) if visibility is None else visibility,
                          kb.frameworks, corrected=corrected)
    return {eid: project_card_json(card) for eid, card in found.items()}


def project_card(request: Request, entity: dict) -> dict:
    return cards_for(request, [entity])[entity["id"]]


# -- display helpers (Jinja filters) ---------------------------------------------------------------
def swedish_date(value: str | None) -> str:
    """'2020-05' -> 'maj 2020', '2021-10-31' -> '31 oktober 2021', '2022' -> '2022'."""
    if not value:
        return ""
    parts = value.split("-")
    if len(parts) == 1:
        return parts[0]
    month = MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def period_text(period: dict | None) -> str:
    if not period or not (period.get("start") or period.get("end")):
        return ""
    start = period.get("start_text") or swedish_date(period.get("start"))
    end = period.get("end_text") or swedish_date(period.get("end"))
    if start and end:
        return start if start == end else f"{start} – {end}"
    return f"från {start}" if start else f"till {end}"


def kronor(amount: int | None) -> str:
    return f"{amount:,}".replace(",", "\u00a0") + "\u00a0kr" if amount else ""


env.filters["swedish_date"] = swedish_date
env.filters["period_text"] = period_text
env.filters["kronor"] = kronor
env.globals["PROJECT_STATUSES"] = STATUSES



# -- corrections -----------------------------------------------------------------------------------
def editable(card: dict) -> dict:
    """The card's fields as an editor edits them (what a correction stores)."""
    return {
        "owner": card["owner"]["name"] if card["owner"] else None,
        "partners": [p["name"] for p in card["partners"]],
        "period": {"start": card["period"]["start"], "end": card["period"]["end"]},
        "status": card["status"],
        "financing": [{"programme": f["programme"], "amount_sek": f["amount_sek"]} for f in card["financing"]],
        "target_groups": [t["text"] for t in card["target_groups"]],
        "results": [r["text"] for r in card["results"]],
    }


def _lines(value: str | list | None, field: str) -> list[str]:
    items = value if isinstance(value, list) else (value or "").splitlines()
    items = [str(i).strip() for i in items if str(i).strip()]
    if len(items) > MAX_LINES or any(len(i) > MAX_CHARS for i in items):
        raise HTTPException(422, f"{field}: högst {MAX_LINES} rader om högst {MAX_CHARS} tecken.")
    return items


def _amount(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    found = find_amounts(text if re.search(r"[a-zA-Z]", text) else text + " kr")
    if found:
        return found[0].sek
    try:
        return int(round(to_number(text)))
    except ValueError:
        raise HTTPException(422, f"Beloppet «{text[:40]}» är inte ett belopp i kronor.") from None


def normalise(field: str, value) -> object:
    """An editor's value for one field, checked; Swedish 422 errors for what cannot be stored."""
    if field == "owner":
        value = (value or "").strip() if isinstance(value, str) or value is None else None
        if value is None or len(value) > 200:
            raise HTTPException(422, "Projektägare: högst 200 tecken.")
        return value or None
    if field in ("partners", "target_groups", "results"):
        return _lines(value, field)
    if field == "period":
        value = value or {}
        if not isinstance(value, dict):
            raise HTTPException(422, "Perioden anges som start och slut.")
        out = {}
        for end in ("start", "end"):
            text = (value.get(end) or "").strip() if isinstance(value.get(end), (str, type(None))) else "?"
            if text and not _ISO.match(text):
                raise HTTPException(422, "Ange start och slut som ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD.")
            out[end] = text or None
        if out["start"] and out["end"] and out["end"] < out["start"][:len(out["end"])]:
            raise HTTPException(422, "Perioden slutar innan den börjar.")
        return out
    if field == "status":
        if value in (None, ""):
            return None
        if value not in STATUSES:
            raise HTTPException(422, f"Status är en av: {', '.join(STATUSES)}.")
        return value
    if field == "financing":
        items = []
        for item in value if isinstance(value, list) else _lines(value, "Finansiering"):
            if isinstance(item, dict):
                programme, amount = str(item.get("programme") or "").strip(), item.get("amount_sek")
                amount = int(amount) if isinstance(amount, (int, float)) and amount > 0 else None
            else:
                programme, _, amount_text = item.partition(";")
                programme, amount = programme.strip(), _amount(amount_text)
            if len(programme) > 200 or not (programme or amount):
                raise HTTPException(422, "Finansiering: en rad per finansiär, «program; belopp».")
            items.append({"programme": programme or None, "amount_sek": amount})
        return items[:MAX_LINES]
    raise HTTPException(422, "Okänt fält.")


env.globals["card_editable"] = editable


def save_corrections(request: Request, entity: dict, submitted: dict, reset: list[str] = ()) -> dict:
    """Store what differs from the documents, drop corrections that now agree with them; audit each change."""
    user = require_editor(request)
    kb = request.app.state.kb
    everything = ("public", "internal")
    documents = editable(cards_for(request, [entity], corrected=False, visibility=everything)[entity["id"]])
    public = editable(cards_for(request, [entity], corrected=False, visibility=("public",))[entity["id"]])
    before = editable(cards_for(request, [entity], visibility=everything)[entity["id"]])
    existing = kb.catalogue.project_card_corrections([entity["id"]])[entity["id"]]
    values = {field: normalise(field, value) for field, value in submitted.items() if field != "status"}
    period = values.get("period", before["period"])
    for field, value in values.items():
        _store(kb, entity["id"], field, value, documents[field], public[field], existing, user.username)
    if "status" in submitted:  # empty means: derived from the period
        derived = status_for(period["start"], period["end"], date.today())
        public_derived = status_for(public["period"]["start"], public["period"]["end"], date.today())
        value = normalise("status", submitted["status"])
        _store(kb, entity["id"], "status", derived if value is None else value, derived,
               derived if documents["period"] == public["period"] else public_derived, existing, user.username)
    for field in reset:
        if field in existing:
            kb.catalogue.set_project_card_correction(entity["id"], field, None, user.username, remove=True)
    after = editable(cards_for(request, [entity], visibility=everything)[entity["id"]])
    for field in after:
        if after[field] != before[field]:
            kb.accounts.audit(user.username, "project_card.correct", entity["id"],
                              {"field": field, "before": before[field], "after": after[field]})
    return after


def _store(kb, entity_id: str, field: str, value, from_documents, from_public, existing: dict, editor: str) -> None:
    if value == from_documents:
        if field in existing:
            kb.catalogue.set_project_card_correction(entity_id, field, None, editor, remove=True)
        return
    if field in existing and existing[field]["value"] == value:
        return
    visibility = "public" if from_documents == from_public else "internal"
    kb.catalogue.set_project_card_correction(entity_id, field, value, editor, visibility=visibility)


def visible_project(request: Request, entity_id: str) -> dict:
    kb = request.app.state.kb
    entity = kb.catalogue.entity(entity_id)
    if entity is None or entity["type"] != "project" or not kb.catalogue.entity_mentions(
            entity_id, visibility_for(request), limit=1):
        raise HTTPException(404, "Projektet finns inte.")
    return entity


@router.post("/entiteter/{entity_id}/kort", tags=["entiteter"], summary="Rätta ett projektkort (formulär)")
def correct_form(request: Request, entity_id: EntityId,
                 owner: Annotated[str, Form(max_length=200)] = "",
                 partners: Annotated[str, Form(max_length=30_000)] = "",
                 period_start: Annotated[str, Form(max_length=10)] = "",
                 period_end: Annotated[str, Form(max_length=10)] = "",
                 status: Annotated[str, Form(max_length=20)] = "",
                 financing: Annotated[str, Form(max_length=30_000)] = "",
                 target_groups: Annotated[str, Form(max_length=30_000)] = "",
                 results: Annotated[str, Form(max_length=60_000)] = "",
                 csrf: Annotated[str, Form(max_length=200)] = ""):
    require_editor(request)
    check_csrf(request, csrf)
    entity = visible_project(request, entity_id)
    save_corrections(request, entity, {
        "owner": owner, "partners": partners, "period": {"start": period_start, "end": period_end},
        "status": status, "financing": financing, "target_groups": target_groups, "results": results})
    return RedirectResponse(urls.entity(entity_id) + "?sparat=1#projektkort", status_code=303)


@router.put("/api/entities/{entity_id}/card", tags=["entiteter"],
            summary="Rätta fält i ett projektkort (överlever ny inläsning; granskningsloggas)")
async def api_correct(request: Request, entity_id: EntityId):
    require_editor(request)
    check_csrf(request, None)
    entity = visible_project(request, entity_id)
    try:
        body = await request.json()
    except ValueError:
        raise HTTPException(422, "Skicka ett JSON-objekt med fälten som ska rättas.") from None
    if not isinstance(body, dict):
        raise HTTPException(422, "Skicka ett JSON-objekt med fälten som ska rättas.")
    reset = body.pop("reset", []) or []
    fields = set(editable({"owner": None, "partners": [], "period": {"start": None, "end": None}, "status": None,
                           "financing": [], "target_groups": [], "results": []}))
    unknown = (set(body) | set(reset if isinstance(reset, list) else ["?"])) - fields
    if unknown:
        raise HTTPException(422, f"Okända fält: {', '.join(sorted(map(str, unknown)))}.")
    save_corrections(request, entity, body, reset)
    return JSONResponse({"id": entity_id, "card": project_card(request, entity)})
