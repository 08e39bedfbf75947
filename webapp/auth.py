"""Who is asking, and what they may see and do.

Every page and endpoint asks `visibility_for(request)` and passes the answer into the search query and
the catalogue queries, so internal documents are filtered inside the query, never afterwards.

Browsers sign in with a password and get a signed, HttpOnly session cookie; scripts send
`Authorization: Bearer <token>`. Every form POST carries a CSRF token (double submit: a cookie and a
form field that must agree); JSON writes from a browser session send it as `X-CSRF-Token`.
"""
from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "kb_session"
CSRF_COOKIE = "kb_csrf"
DEVICE_COOKIE = "kb_device"  # "this browser signed in as NAME before": see webapp.login_limits
SESSION_SECONDS = 8 * 3600
DEVICE_SECONDS = 180 * 24 * 3600


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.kb.secret_key, salt="kunskapsbank-session")


def current_user(request: Request):
    """The signed-in user (webapp.accounts.User) or None. Cached per request."""
    if hasattr(request.state, "user"):
        return request.state.user
    user = None
    accounts = request.app.state.kb.accounts
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = accounts.user_for_token(header[7:].strip())
        request.state.via_token = user is not None
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            try:
                data = _serializer(request).loads(cookie, max_age=SESSION_SECONDS)
                user = accounts.user_for_session(str(data.get("s", "")), SESSION_SECONDS)
            except (BadSignature, AttributeError):
                user = None
    request.state.user = user
    return user


def visibility_for(request: Request) -> tuple[str, ...]:
    return ("public", "internal") if current_user(request) else ("public",)


def require_editor(request: Request):
    """401 for anonymous requests, 403 for signed-in users who may not edit."""
    user = current_user(request)
    if user is None:
        raise HTTPException(401, "Du måste logga in för att göra det här.", headers={"WWW-Authenticate": "Bearer"})
    if not user.can_edit:
        raise HTTPException(403, "Ditt konto får inte lägga till, ersätta eller ta bort dokument.")
    return user


def require_admin(request: Request):
    user = require_editor(request)
    if user.role != "admin":
        raise HTTPException(403, "Bara administratörer får göra det här.")
    return user


def session_cookie_value(request: Request, username: str) -> str:
    """A new server-side session, signed into the cookie: signing out deletes it on the server too."""
    return _serializer(request).dumps({"s": request.app.state.kb.accounts.create_session(username)})


def trusted_device(request: Request):
    """The browser's signed device cookie (webapp.login_limits.TrustedDevice), or None."""
    from webapp.login_limits import TrustedDevice

    cookie = request.cookies.get(DEVICE_COOKIE)
    if not cookie or len(cookie) > 500:
        return None
    try:
        data = URLSafeTimedSerializer(request.app.state.kb.secret_key, salt="kunskapsbank-device").loads(
            cookie, max_age=DEVICE_SECONDS)
        return TrustedDevice(str(data["u"]), str(data["d"]), str(data["f"]))
    except (BadSignature, KeyError, TypeError):
        return None


def device_cookie_value(request: Request, username: str, fingerprint: str) -> str:
    """A new device id for this browser (its own back-off counter), signed with the user and password."""
    return URLSafeTimedSerializer(request.app.state.kb.secret_key, salt="kunskapsbank-device").dumps(
        {"u": username, "d": secrets.token_urlsafe(12), "f": fingerprint})


def end_session(request: Request) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            data = _serializer(request).loads(cookie, max_age=SESSION_SECONDS)
            request.app.state.kb.accounts.end_session(str(data.get("s", "")))
        except (BadSignature, AttributeError):
            pass


def csrf_token(request: Request) -> str:
    """The token for this browser (set as a cookie by the middleware when missing)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a state-changing request whose token does not match the browser's cookie. Requests
    authenticated with a bearer token carry no ambient credentials and need no CSRF token."""
    if getattr(request.state, "via_token", False):
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    submitted = submitted or request.headers.get("x-csrf-token", "")
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise HTTPException(403, "Formuläret har gått ut eller kom inte från Kunskapsbanken. Ladda om sidan och försök igen.")


def template_context(request: Request) -> dict:
    return {"user": current_user(request), "csrf": csrf_token(request)}
