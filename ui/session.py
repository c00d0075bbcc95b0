"""The UI login when ADMIN_PASSWORD is set: login page, session cookie, page guard, Log out.

A correct password on the login page (a websocket event, which cannot set a cookie) earns a one-time
ticket; the browser takes it to ``/login/finish``, which opens a fresh session (ending the browser's
previous one) and sets its random token as an HttpOnly cookie. Every page load checks that token:
idle longer than SESSION_IDLE_HOURS, logged out, or opened under another ADMIN_PASSWORD means the login
page again. Sessions live in this process's memory, so a restart logs everyone out too.
The rules themselves (redirect targets, throttle, session validity) are in ``core/login_guard.py``.
The login page speaks the browser's language (``ui.i18n``: Accept-Language, or the choice made in a header
before), since no session exists yet.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui
from starlette.middleware.base import BaseHTTPMiddleware

from core.login_guard import (
    LoginThrottle,
    SessionStore,
    password_fingerprint,
    retry_after,
    safe_redirect_target,
)
from core.services import Services
from ui.i18n import t

# The API has its own bearer token; NiceGUI's assets and the login page must stay reachable.
OPEN_PREFIXES = ("/_nicegui", "/login", "/api/", "/docs", "/openapi.json", "/favicon.ico")
COOKIE_PREFIX = "lpm_session"


@dataclass
class LoginGuard:
    services: Services
    throttle: LoginThrottle = field(init=False)
    sessions: SessionStore = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = self.services.password_throttle  # shared with the backup's re-authentication
        self.sessions = SessionStore(idle_seconds=self.services.settings.session_idle_hours * 3600)

    @property
    def password(self) -> str:
        return self.services.settings.admin_password  # read live: a changed password ends every session

    @property
    def cookie_name(self) -> str:
        # Cookies ignore ports: two managers on one machine keep apart by name.
        return f"{COOKIE_PREFIX}_{self.services.settings.port}"

    def fingerprint(self) -> str:
        return password_fingerprint(self.password, self.services.settings.encryption_key)

    def is_logged_in(self, request: Request) -> bool:
        return bool(self.password) and self.sessions.check(request.cookies.get(self.cookie_name), self.fingerprint())

    def password_matches(self, typed: str | None) -> bool:
        if not self.password:
            return False
        # Digests of equal length: the time taken says nothing about the password's length or prefix.
        typed_digest = hashlib.sha256((typed or "").encode()).digest()
        return hmac.compare_digest(typed_digest, hashlib.sha256(self.password.encode()).digest())


_current: LoginGuard | None = None


def current_guard() -> LoginGuard | None:
    """The login guard of the running app (None without ADMIN_PASSWORD); tests reach its clocks here."""
    return _current


def install_login(services: Services) -> LoginGuard | None:
    """The login page, ``/login/finish`` and the guard in front of every page (call once per app).

    Without ADMIN_PASSWORD (loopback only, settings enforce it) there is nothing to install.
    """
    global _current
    _current = None
    if not services.settings.admin_password:
        return None
    guard = _current = LoginGuard(services)

    @ui.page("/login")
    def login(redirect_to: str = "/") -> None:
        client = ui.context.client
        address = client.ip or "unknown"
        target = safe_redirect_target(redirect_to)

        def attempt() -> None:
            wait = guard.throttle.wait(address)
            if wait > 0:
                hint.set_text(retry_text(wait))
                ui.notify(retry_text(wait), type="warning")
            elif guard.password_matches(secret.value):
                guard.throttle.succeeded(address)
                ticket = guard.sessions.issue_ticket(target, browser_id(client.request))
                ui.navigate.to("/login/finish?" + urlencode({"ticket": ticket}))
            else:
                wait = guard.throttle.failed(address)
                hint.set_text(retry_text(wait) if wait else "")
                ui.notify(t("login.wrong_wait", retry=retry_text(wait)) if wait else t("login.wrong"), type="negative")
            secret.value = ""

        with ui.card().classes("absolute-center"):
            ui.label("LLM Provider Manager").classes("text-h6")
            secret = ui.input(t("login.password"), password=True, password_toggle_button=True)
            secret.on("keydown.enter", attempt)
            hint = ui.label("").classes("text-negative text-sm").mark("login-hint")
            ui.button(t("login.log_in"), on_click=attempt)

    @app.get("/login/finish", include_in_schema=False)
    async def finish_login(request: Request, ticket: str = "") -> RedirectResponse:
        target = guard.sessions.redeem(ticket, browser_id(request))
        if target is None:
            return RedirectResponse("/login", status_code=303)
        # A fresh token for every login; the browser's previous session (if any) ends first.
        token = guard.sessions.open(guard.fingerprint(), replacing=request.cookies.get(guard.cookie_name))
        response = RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})
        secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
        response.set_cookie(guard.cookie_name, token, httponly=True, samesite="lax", secure=secure, path="/")
        return response

    class LoginRequired(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next):
            path = request.url.path
            if path.startswith(OPEN_PREFIXES) or not guard.password or guard.is_logged_in(request):
                return await call_next(request)
            wanted = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"redirect_to": wanted}))

    app.add_middleware(LoginRequired)
    return guard


def logout_button() -> None:
    """A "Log out" button for the page header; renders nothing when no ADMIN_PASSWORD is set."""
    guard = _current
    if guard is None or not guard.password:
        return
    token = ui.context.client.request.cookies.get(guard.cookie_name)

    def logout() -> None:
        guard.sessions.close(token)
        ui.navigate.to("/login")

    ui.button(t("nav.logout"), icon="logout", on_click=logout).props("flat color=white").mark("logout")


def retry_text(wait: float) -> str:
    """How long a client must wait, in the page's language, counted as core counts it for REST."""
    amount, unit = retry_after(wait)
    if unit == "s":
        return t("login.retry_seconds", seconds=amount)
    return t("login.retry_minutes", minutes=amount)


def browser_id(request: Request) -> str | None:
    """NiceGUI's browser id (its signed session cookie), which a login ticket is bound to."""
    return request.session.get("id") if "session" in request.scope else None
