"""Page routes, and the login that guards them when ADMIN_PASSWORD is set (``ui/session.py``)."""

from __future__ import annotations

from nicegui import ui

from core.services import Services
from ui.assistant_page import assistant_page
from ui.dashboard import dashboard
from ui.import_page import import_page
from ui.inbox_page import inbox_page
from ui.layout import frame
from ui.models_page import models_page
from ui.session import install_login
from ui.sync_page import sync_page
from ui.workbench import workbench


def register_pages(services: Services) -> None:
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

    @ui.page("/import")
    async def import_setup() -> None:
        with frame(services, "Import and restore"):
            await import_page(services)

    @ui.page("/models")
    async def models() -> None:
        with frame(services, "Models"):
            await models_page(services)

    @ui.page("/inbox")
    async def churn_inbox() -> None:
        with frame(services, "Inbox"):
            await inbox_page(services)

    @ui.page("/assistant")
    async def normalization_assistant() -> None:
        with frame(services, "Normalization assistant"):
            await assistant_page(services)

    install_login(services)  # the login page and the page guard, when ADMIN_PASSWORD is set
