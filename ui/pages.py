"""Page routes, and the login that guards them when ADMIN_PASSWORD is set."""

from __future__ import annotations

import hmac

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui
from starlette.middleware.base import BaseHTTPMiddleware

from core.services import Services
from ui.dashboard import dashboard
from ui.layout import frame
from ui.sync_page import sync_page
from ui.workbench import workbench

# The API has its own bearer token; NiceGUI's assets and the login page must stay reachable.
OPEN_PREFIXES = ("/_nicegui", "/login", "/api/", "/docs", "/openapi.json", "/favicon.ico")


def register_pages(services: Services) -> None:
    password = services.settings.admin_password

    @ui.page("/")
    async def index() -> None:
        with frame(services, "Providers"):
            await dashboard(services)

    @ui.page("/providers/{provider_id}")
    async def provider_page(provider_id: int) -> None:
        with frame(services, "Provider workbench"):
            await workbench(services, provider_id)

    @ui.page("/sync")
    async def sync() -> None:
        with frame(services, "Sync"):
            await sync_page(services)

    if not password:
        return

    @ui.page("/login")
    def login(redirect_to: str = "/") -> None:
        def attempt() -> None:
            if hmac.compare_digest((secret.value or "").encode(), password.encode()):
                app.storage.user["authenticated"] = True
                # Only paths of this site: "//host" would leave it.
                local = redirect_to.startswith("/") and not redirect_to.startswith("//")
                ui.navigate.to(redirect_to if local else "/")
            else:
                ui.notify("Wrong password", type="negative")

        with ui.card().classes("absolute-center"):
            ui.label("LLM Provider Manager").classes("text-h6")
            secret = ui.input("Password", password=True, password_toggle_button=True).on("keydown.enter", attempt)
            ui.button("Log in", on_click=attempt)

    class LoginRequired(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next):
            path = request.url.path
            if not path.startswith(OPEN_PREFIXES) and not app.storage.user.get("authenticated", False):
                return RedirectResponse(f"/login?redirect_to={path}")
            return await call_next(request)

    app.add_middleware(LoginRequired)
