"""NiceGUI pages. They call core use-cases only (a test enforces it); ``mount`` wires everything onto the app."""

from __future__ import annotations

from contextlib import asynccontextmanager

from nicegui import app
from tortoise.contrib.fastapi import RegisterTortoise

from core.db import prepare_database, tortoise_config
from core.rest import install_api
from core.services import Services
from ui.pages import register_pages


def mount(services: Services) -> None:
    """REST API, pages and the database lifecycle on NiceGUI's app (once per app object)."""
    install_api(app, services)
    register_pages(services)
    # NiceGUI's test runner executes the main file again for every test, on the same app: wrap
    # NiceGUI's own lifespan every time, never our previous wrapper (which would stack them).
    if not hasattr(app.state, "nicegui_lifespan"):
        app.state.nicegui_lifespan = app.router.lifespan_context
    nicegui_lifespan = app.state.nicegui_lifespan
    config = tortoise_config(services.settings.database_url)

    @asynccontextmanager
    async def lifespan(application):
        await prepare_database(services.settings.database_url, services.box)
        async with RegisterTortoise(application, config=config), nicegui_lifespan(application) as state:
            yield state
        await services.aclose()

    app.router.lifespan_context = lifespan
