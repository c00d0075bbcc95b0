"""Dashboard: every provider as a card, with add, edit, delete, fetch, test and test-all."""

from __future__ import annotations

import asyncio

from nicegui import ui

from core import fetching, probes, providers
from core.errors import LpmError
from core.providers import ProviderPublic
from core.services import Services
from ui.messages import describe
from ui.provider_dialog import open_manual_add, open_provider_dialog


async def dashboard(services: Services) -> None:
    @ui.refreshable
    async def cards() -> None:
        listed = await providers.list_providers(services)
        if not listed:
            ui.label("No providers yet. Add one to fetch its models.").classes("text-grey")
        with ui.row().classes("w-full gap-4"):
            for provider in listed:
                provider_card(provider)

    def provider_card(p: ProviderPublic) -> None:
        with ui.card().classes("w-96").mark(f"provider-{p.name}"):
            with ui.row().classes("items-center w-full"):
                ui.link(p.name, f"/providers/{p.id}").classes("text-lg font-bold")
                ui.badge(p.channel_type)
            ui.label(p.base_url).classes("text-sm break-all")
            ui.label(f"Keys: {', '.join(p.api_keys_masked)}").classes("text-sm")
            ui.label(
                f"Models: {p.active_model_count} active / {p.model_count} total / {p.duplicate_count} duplicates"
            ).classes("text-sm")
            fetched = p.last_fetched_at.strftime("%Y-%m-%d %H:%M") if p.last_fetched_at else "never"
            ui.label(f"Last fetched: {fetched}").classes("text-sm")
            if p.last_test_ok is not None:
                text = (
                    f"Test OK, {p.last_test_latency_ms} ms" if p.last_test_ok else f"Test failed: {p.last_test_error}"
                )
                ui.label(text).classes("text-sm " + ("text-positive" if p.last_test_ok else "text-negative"))
            with ui.row():
                ui.button("Edit", on_click=lambda p=p: open_provider_dialog(services, p, cards.refresh)).props(
                    "flat dense"
                )
                ui.button("Fetch models", on_click=lambda p=p: fetch(p)).props("flat dense")
                ui.button("Test", on_click=lambda p=p: test(p)).props("flat dense")
                ui.button("Delete", on_click=lambda p=p: confirm_delete(p)).props("flat dense color=negative")

    async def fetch(p: ProviderPublic) -> None:
        try:
            result = await fetching.fetch_models(services, p.id)
        except LpmError as exc:
            ui.notify(f"{p.name}: {describe(exc)}", type="negative", multi_line=True)
            return
        if result.warning:
            ui.notify(result.warning, type="warning")
            # Outside the cards: their refresh must not take the dialog with it.
            open_manual_add(services, p, cards.refresh, dialogs)
        else:
            ui.notify(
                f"{p.name}: {len(result.added)} added, {len(result.disappeared)} disappeared upstream"
                + (f" ({', '.join(result.disappeared[:5])})" if result.disappeared else ""),
                type="positive",
            )
        await cards.refresh()

    async def test(p: ProviderPublic) -> None:
        result = await probes.probe_provider(services, p.id)
        ui.notify(f"{p.name}: " + (f"OK in {result.latency_ms} ms" if result.ok else f"failed: {result.detail}"),
                  type="positive" if result.ok else "negative")  # fmt: skip
        await cards.refresh()

    async def test_all() -> None:
        listed = await providers.list_providers(services)

        async def one(p: ProviderPublic) -> None:
            await probes.probe_provider(services, p.id)
            await cards.refresh()  # each result appears as it arrives

        await asyncio.gather(*(one(p) for p in listed))
        ui.notify(f"Tested {len(listed)} providers", type="info")

    def confirm_delete(p: ProviderPublic) -> None:
        with dialogs, ui.dialog() as dialog, ui.card():
            ui.label(f"Delete {p.name} and its {p.model_count} models? The next sync removes its groups.")
            with ui.row():
                ui.button("Cancel", on_click=dialog.close).props("flat")

                async def delete() -> None:
                    await providers.delete_provider(services, p.id)
                    dialog.close()
                    ui.notify(f"Deleted {p.name}", type="positive")
                    await cards.refresh()

                ui.button(f"Delete {p.name}", on_click=delete).props("color=negative")
        dialog.open()

    dialogs = ui.element()
    with ui.row().classes("items-center"):
        ui.button("Add provider", icon="add", on_click=lambda: open_provider_dialog(services, None, cards.refresh))
        ui.button("Test all", icon="bolt", on_click=test_all).props("outline")
    await cards()
