"""The web application: `create_app(data)` wires the page modules, security headers and error pages."""
from __future__ import annotations

import logging
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.config import REPO_ROOT, DataDir, Limits
from webapp import (account_pages, admin_pages, document_pages, editing_pages, entity_pages, example_pages, followup_pages,
                    goal_pages, project_pages, search_pages)
from webapp.auth import CSRF_COOKIE, current_user
from webapp.login_gate import LoginGate
from webapp.state import AppState
from webapp.templating import templates, wants_json
from webapp.uploads import UploadQueue

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
NODE_MODULES = REPO_ROOT / "node_modules"
HTMX_FILE = NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js"
# Swagger UI for /docs, from npm (package.json); only these two files are served from its package.
SWAGGER_FILES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
STATUS_TITLES = {400: "Felaktig begäran", 401: "Inloggning krävs", 403: "Åtkomst nekad", 404: "Sidan finns inte",
                 405: "Metoden stöds inte", 411: "Längd saknas", 413: "För stor förfrågan", 422: "Ogiltiga parametrar",
                 429: "För många försök", 500: "Något gick fel"}


UPLOAD_PATHS = ("/api/documents", "/ladda-upp")
REPLACE_PATHS = {"PUT": re.compile(r"^/api/documents/[^/]+$"), "POST": re.compile(r"^/d/[^/]+/ersatt$")}
MAX_FORM_BYTES = 1024 * 1024  # every other write (forms, /api/link, reviews) is small


def _is_upload(request: Request) -> bool:
    """The requests whose body is a file: new documents and replacements, by form or API."""
    path, replace = request.url.path, REPLACE_PATHS.get(request.method)
    return (request.method == "POST" and path in UPLOAD_PATHS) or bool(replace and replace.match(path))


def _early_error(request: Request, status: int, message: str, headers: dict | None = None) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return templates.TemplateResponse(request, "error.html", {"request": request, "title": STATUS_TITLES[status],
                                                              "message": message}, status_code=status, headers=headers)


def create_app(data: DataDir | None = None, limits: Limits | None = None) -> FastAPI:
    app = FastAPI(
        title="Kunskapsbanken",
        description="Sök i planer, strategier och projektrapporter; mål, projekt och aktörer. "
                    "Varje HTML-sida har en JSON-tvilling.",
        version="1.0",
        docs_url=None,  # FastAPI's Swagger page loads a CDN and runs an inline script: /docs below is ours
        redoc_url=None,
    )
    app.state.kb = AppState(data or DataDir.resolve(), limits)
    app.state.kb.uploads = UploadQueue(app.state.kb)
    for module in (search_pages, document_pages, editing_pages, goal_pages, followup_pages, entity_pages,
                   project_pages, account_pages, example_pages,
                   admin_pages):
        app.include_router(module.router)

    @app.get("/static/vendor/htmx.min.js", include_in_schema=False)
    def htmx_script():
        # Installed from npm (package.json); without it the pages still work as plain HTML forms.
        if not HTMX_FILE.exists():
            return Response(status_code=404)
        return FileResponse(HTMX_FILE, media_type="text/javascript")

    @app.get("/static/vendor/swagger-ui/{name}", include_in_schema=False)
    def swagger_asset(name: str):
        path = NODE_MODULES / "swagger-ui-dist" / name
        if name not in SWAGGER_FILES or not path.exists():
            return Response(status_code=404)
        return FileResponse(path, media_type=SWAGGER_FILES[name])

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def api_docs(request: Request):
        """Swagger UI over /openapi.json: our own page and init script, so the CSP holds."""
        return templates.TemplateResponse(request, "api_docs.html", {"request": request, "nav": "docs"})

    # after the vendor routes: the mount would otherwise answer /static/vendor/... itself
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["drift"], summary="Hälsa: katalog och index")
    def healthz(request: Request):
        from ingest.store.indexing import find_drift

        from webapp.auth import visibility_for

        kb = request.app.state.kb
        drift = find_drift(kb.catalogue, kb.index)
        counts = kb.catalogue.passage_counts()
        visible = {d.id for d in kb.catalogue.documents(visibility_for(request))}  # never count internal ones
        return {"status": "ok", "documents": len(visible), "passages": sum(n for d, n in counts.items() if d in visible),
                "index_in_sync": drift.clean}

    @app.middleware("http")
    async def guard_uploads(request: Request, call_next):
        """Refuse oversized upload bodies, and uploads by anyone who may not upload, before the body is read
        and spooled to disk: the session or token must be valid and its user an editor."""
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            length = request.headers.get("content-length")
            if _is_upload(request):
                max_bytes = request.app.state.kb.limits.max_file_bytes
                if length is None or not length.isdigit() or int(length) > max_bytes + 1024 * 1024:
                    return _early_error(request, 413, f"Filen är större än gränsen på {max_bytes // (1024 * 1024)} MB"
                                        " (eller så saknas Content-Length).")
                user = await run_in_threadpool(current_user, request)  # a database read: off the event loop
                if user is None:
                    return _early_error(request, 401, "Du måste logga in för att ladda upp.",
                                        {"WWW-Authenticate": "Bearer"})
                if not user.can_edit:
                    return _early_error(request, 403, "Ditt konto får inte lägga till, ersätta eller ta bort dokument.")
            elif length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
                return _early_error(request, 413, "Förfrågan är för stor.")
            elif length is None and request.headers.get("transfer-encoding"):
                return _early_error(request, 411, "Förfrågan måste ange sin längd (Content-Length).")
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.endswith("/original"):  # the browser's PDF viewer needs its own rules
            response.headers.setdefault("Content-Security-Policy", CSP)
        new_csrf = getattr(request.state, "new_csrf", None)
        if new_csrf and not request.cookies.get(CSRF_COOKIE):
            response.set_cookie(CSRF_COOKIE, new_csrf, httponly=True, samesite="strict",
                                secure=request.url.scheme == "https", max_age=7 * 24 * 3600)
        if request.url.path.startswith("/api/") or request.url.path == "/healthz":
            response.headers.setdefault("Cache-Control", "no-store")
        elif not request.url.path.startswith("/static/"):
            # Pages differ by who is signed in and by htmx (fragment or page): never from a shared cache,
            # and internal pages not kept after signing out.
            response.headers.setdefault("Cache-Control", "private, no-store")
            response.headers.setdefault("Vary", "Cookie, Accept, HX-Request, HX-Target")
        return response

    # outermost: a login flood is answered before the layers above run (webapp.login_gate)
    app.add_middleware(LoginGate, headers={**SECURITY_HEADERS, "Content-Security-Policy": CSP,
                                           "Cache-Control": "private, no-store"}, title=STATUS_TITLES[429])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else STATUS_TITLES.get(exc.status_code, "Fel")
        if exc.status_code == 404 and detail == "Not Found":
            detail = "Sidan finns inte. Kontrollera adressen eller sök efter det du letar efter."
        if exc.status_code == 405 and detail == "Method Not Allowed":
            detail = "Metoden stöds inte för den här adressen."
        headers = getattr(exc, "headers", None)
        if wants_json(request):
            return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)
        return templates.TemplateResponse(
            request, "error.html",
            {"request": request, "title": STATUS_TITLES.get(exc.status_code, "Fel"), "message": detail},
            status_code=exc.status_code, headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        errors = [{"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        if wants_json(request):
            return JSONResponse({"detail": errors}, status_code=422)
        details = [f"{'.'.join(str(x) for x in e['loc'][1:]) or 'förfrågan'}: ogiltigt värde" for e in errors]
        return templates.TemplateResponse(
            request, "error.html",
            {"request": request, "title": STATUS_TITLES[422], "details": details,
             "message": "Någon av parametrarna i adressen har ett ogiltigt värde."},
            status_code=422,
        )

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception):
        log.exception("unhandled error on %s", request.url.path)
        message = "Ett oväntat fel inträffade. Försök igen om en stund."
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=500)
        return templates.TemplateResponse(request, "error.html",
                                          {"request": request, "title": STATUS_TITLES[500], "message": message},
                                          status_code=500)

    return app
