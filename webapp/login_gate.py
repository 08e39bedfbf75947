"""Answers login attempts that could only be refused, before their form is read or any page code runs.

A flood of logins must not queue in front of searches. When every password-check slot of this server
process is taken, or the client's address is waiting out a back-off this process has been told about
(`webapp.login_limits`), POST /logga-in gets its 429 at once: Retry-After, the Swedish sentence, and a
page rendered once per wait. A browser with a valid trusted-device cookie is let through to the login
itself, where it is counted on its own.
"""
from __future__ import annotations

from starlette.requests import Request

from webapp.auth import DEVICE_COOKIE, trusted_device
from webapp.login_limits import retry_after, wait_message
from webapp.templating import env

LOGIN_PATH = "/logga-in"


class LoginGate:
    """Pure ASGI middleware (cheaper than a decorator middleware: a flood is answered in microseconds)."""

    def __init__(self, app, *, headers: dict[str, str], title: str):
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.title = title
        self._pages: dict[str, bytes] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == LOGIN_PATH:
            wait = self._wait(scope)
            if wait > 0:
                await self._refuse(send, wait)
                return
        await self.app(scope, receive, send)

    def _wait(self, scope) -> float:
        """Seconds the attempt would be told to wait anyway; 0 to let the login decide."""
        accounts = scope["app"].state.kb.accounts
        if accounts.slots.in_use >= accounts.slots.total:
            return 1.0
        address = scope["client"][0] if scope.get("client") else "?"
        wait = accounts.blocked_addresses.wait(address, accounts.clock())
        if wait > 0 and DEVICE_COOKIE.encode() in dict(scope["headers"]).get(b"cookie", b""):
            if trusted_device(Request(scope)) is not None:
                return 0.0  # the real user's usual browser is never held up by its address
        return wait

    async def _refuse(self, send, wait: float) -> None:
        seconds = retry_after(wait)
        body = self._pages.get(seconds)
        if body is None:
            body = env.get_template("error.html").render(
                title=self.title, message=wait_message(int(seconds)), user=None, csrf="", nav="login").encode()
            if len(self._pages) < 200:  # address waits are at most a minute: a handful of pages
                self._pages[seconds] = body
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                   (b"retry-after", seconds.encode()), (b"connection", b"close"), *self.headers]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
