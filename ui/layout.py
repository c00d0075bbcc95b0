"""The frame of every page: header with GPT-Load status, last sync, Sync Configuration, dark mode."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from core.services import Services

SYNC_TOOLTIP = "Sends the normalized models to GPT-Load as groups and writes uni-api's api.yaml"
STATUS_INTERVAL = 30.0


@contextmanager
def frame(services: Services, title: str) -> Iterator[None]:
    dark = ui.dark_mode(app.storage.user.get("dark", False))
    with ui.header().classes("items-center gap-4 px-4 py-2"):
        ui.link("LLM Provider Manager", "/").classes("text-lg font-bold text-white no-underline")
        ui.label(title).classes("opacity-80")
        ui.space()
        status_bar(services)
        ui.button("Sync Configuration", icon="sync", on_click=lambda: ui.navigate.to("/sync")).props(
            "color=white text-color=primary"
        ).tooltip(SYNC_TOOLTIP).mark("sync-button")

        def toggle() -> None:
            dark.value = not dark.value
            app.storage.user["dark"] = dark.value

        ui.button(icon="dark_mode", on_click=toggle).props("flat round color=white").tooltip("Dark mode")
    with ui.column().classes("w-full p-4 gap-4"):
        yield


def status_bar(services: Services) -> None:
    """GPT-Load URL with a green/red dot, group count and the last sync; refreshed without blocking the page."""
    with ui.row().classes("items-center gap-2 text-sm"):
        dot = ui.icon("circle").classes("text-grey").mark("gptload-dot")
        url = ui.label(services.settings.gptload_display_url).mark("gptload-url")
        with url:
            error_tip = ui.tooltip("").mark("gptload-error")
        groups = ui.label("").mark("gptload-groups")
        last = ui.label("").mark("last-sync")

    async def refresh() -> None:
        status = await services.sync.gptload_status()
        dot.classes(replace="text-positive" if status.reachable else "text-negative")
        dot.props(f'aria-label="{"connected" if status.reachable else "disconnected"}"')
        error_tip.set_text(status.error or "connected")
        url.set_text(f"{status.url} {'connected' if status.reachable else 'disconnected'}")
        groups.set_text(f"{status.group_count} groups" if status.group_count is not None else "")
        if status.last_sync:
            when = status.last_sync.started_at.strftime("%Y-%m-%d %H:%M")
            last.set_text(f"last sync {when}: {status.last_sync.status}")
        else:
            last.set_text("never synced")

    ui.timer(0.05, refresh, once=True)
    ui.timer(STATUS_INTERVAL, refresh)
