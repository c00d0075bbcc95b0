"""NiceGUI pages. They call core use-cases only; the full workbench comes with the UI issue."""

from __future__ import annotations

from nicegui import ui

from core import providers
from core.services import Services


def register_pages(services: Services) -> None:
    @ui.page("/")
    async def index() -> None:
        ui.label("LLM Provider Manager").classes("text-h5")
        rows = [
            p.model_dump(include={"name", "channel_type", "base_url", "active_model_count"})
            for p in await providers.list_providers(services)
        ]
        columns = [
            {"name": k, "label": k.replace("_", " "), "field": k, "align": "left"}
            for k in ("name", "channel_type", "base_url", "active_model_count")
        ]
        ui.table(columns=columns, rows=rows).classes("w-full")
        ui.link("REST API documentation", "/docs")
