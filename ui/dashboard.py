"""Dashboard: every provider as a card (endpoint, masked keys, model counts, GPT-Load's test model, last fetch
and test), with add, edit, delete, fetch, test and test-all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nicegui import ui

from core import catalog, fetching, import_offer, probes, providers
from core.errors import LpmError
from core.import_offer import ExistingSetup
from core.providers import ProviderPublic
from core.services import Services
from ui.events import status_changed
from ui.manual_add import open_manual_add
from ui.messages import describe
from ui.provider_dialog import open_provider_dialog


async def dashboard(services: Services) -> None:
    state: dict[str, list[ProviderPublic]] = {"listed": []}
    tickets = {"started": 0, "shown": 0}

    @ui.refreshable
    def cards() -> None:
        """Synchronous: cleared and rebuilt in one go, so overlapping reloads can never stack cards."""
        if not state["listed"]:
            ui.label("No providers yet. Add one to fetch its models.").classes("text-grey")
        with ui.row().classes("w-full gap-4"):
            for provider in state["listed"]:
                provider_card(provider, actions)

    async def reload() -> None:
        tickets["started"] += 1
        ticket = tickets["started"]
        listed = await providers.list_providers(services)
        if ticket < tickets["shown"]:
            return  # a later reload has already shown a newer list
        tickets["shown"] = ticket
        state["listed"] = listed
        if listed:
            offer.clear()  # the import is offered only to an empty registry
        cards.refresh()

    async def changed() -> None:
        """After any change to providers or models: the cards, and the header's counts."""
        await reload()
        status_changed(services).emit()

    def add() -> None:
        with dialogs:  # outside the cards: a reload must not take an open dialog with it
            open_provider_dialog(services, None, changed)

    async def edit(p: ProviderPublic) -> None:
        active = [m.original_name for m in await catalog.list_models(p.id) if m.is_active]
        with dialogs:
            open_provider_dialog(services, p, changed, active)

    async def fetch(p: ProviderPublic) -> None:
        try:
            result = await fetching.fetch_models(services, p.id)
        except LpmError as exc:
            ui.notify(f"{p.name}: {describe(exc)}", type="negative", multi_line=True)
            return
        counts = f"{p.name}: {len(result.added)} added, {len(result.disappeared)} disappeared upstream" + (
            f" ({', '.join(result.disappeared[:5])})" if result.disappeared else ""
        )
        if result.warning:
            ui.notify(f"{counts}. {result.warning}", type="warning", multi_line=True)
        else:
            ui.notify(counts, type="positive")
        if result.listed == 0:
            open_manual_add(services, p, changed, dialogs, listed_nothing=True)
        await changed()

    async def test(p: ProviderPublic) -> None:
        result = await probes.probe_provider(services, p.id)
        ui.notify(f"{p.name}: " + (f"OK in {result.latency_ms} ms" if result.ok else f"failed: {result.detail}"),
                  type="positive" if result.ok else "negative")  # fmt: skip
        await changed()

    async def test_all() -> None:
        """Every provider in parallel, then one reload: results of parallel reloads used to stack up cards."""
        test_all_button.disable()
        summary.set_text(f"Testing {len(state['listed'])} providers…")
        try:
            results = await probes.probe_providers(services, None)
        finally:
            test_all_button.enable()
        await changed()  # the cards first: the summary says everything is shown
        failed = sum(not r.ok for r in results)
        text = f"Tested {len(results)} providers: {len(results) - failed} passed, {failed} failed"
        summary.set_text(text)
        summary.classes(replace="text-sm " + ("text-negative" if failed else "text-positive"))
        ui.notify(text, type="warning" if failed else "positive")

    def confirm_delete(p: ProviderPublic) -> None:
        with dialogs, ui.dialog() as dialog, ui.card():
            ui.label(f"Delete {p.name} and its {p.model_count} models? The next sync removes its groups.")

            def dismiss() -> None:
                dialog.close()
                dialog.delete()

            with ui.row():
                ui.button("Cancel", on_click=dismiss).props("flat")

                async def delete() -> None:
                    await providers.delete_provider(services, p.id)
                    dismiss()
                    ui.notify(f"Deleted {p.name}", type="positive")
                    await changed()

                ui.button(f"Delete {p.name}", on_click=delete).props("color=negative")
        dialog.open()

    actions = CardActions(edit=edit, fetch=fetch, test=test, delete=confirm_delete)
    dialogs = ui.element()
    with ui.row().classes("items-center"):
        ui.button("Add provider", icon="add", on_click=add)
        test_all_button = ui.button("Test all", icon="bolt", on_click=test_all).props("outline")
        summary = ui.label("").classes("text-sm").mark("test-all-summary")
    offer = ui.element().classes("w-full")

    async def show_offer() -> None:
        """Read after the page is out: GPT-Load may be slow or down (then it offers nothing)."""
        if state["listed"]:
            return
        setup = await import_offer.existing_setup(services)
        if setup.offered and not state["listed"]:
            offer.clear()
            with offer:
                import_card(setup)

    state["listed"] = await providers.list_providers(services)
    cards()
    ui.timer(0.05, show_offer, once=True)


def import_card(setup: ExistingSetup) -> None:
    found = [f"{setup.gptload_groups} GPT-Load groups"] if setup.gptload_groups else []
    found += [f"{setup.uniapi_entries} api.yaml providers"] if setup.uniapi_entries else []
    with ui.card().classes("w-full border-l-4 border-primary").mark("import-offer"):
        ui.label("Import existing setup").classes("text-h6")
        ui.label(f"Found {' and '.join(found)} made without this manager. Import their keys, models and routes "
                 "instead of typing them in again; nothing is stored before you apply.")  # fmt: skip
        ui.button("Import existing setup", icon="download", on_click=lambda: ui.navigate.to("/import")).mark(
            "import-offer-button"
        )


@dataclass
class CardActions:
    edit: Callable[[ProviderPublic], Any]
    fetch: Callable[[ProviderPublic], Any]
    test: Callable[[ProviderPublic], Any]
    delete: Callable[[ProviderPublic], Any]


def provider_card(p: ProviderPublic, actions: CardActions) -> None:
    with ui.card().classes("w-96 provider-card").mark(f"provider-card provider-{p.name}"):
        with ui.row().classes("items-center w-full"):
            ui.link(p.name, f"/providers/{p.id}").classes("text-lg font-bold")
            ui.badge(p.channel_type)
            if p.last_fetched_at is None and p.last_test_ok is None:
                ui.badge("untested", color="warning").tooltip(
                    "Saved without checking: test it or fetch its models to check the keys"
                ).mark("untested")
        ui.label(p.base_url).classes("text-sm break-all")
        ui.label(f"Keys: {', '.join(p.api_keys_masked)}").classes("text-sm")
        ui.label(
            f"Models: {p.active_model_count} active / {p.model_count} total / {p.duplicate_count} duplicates"
        ).classes("text-sm")
        ui.label(describe_test_model(p)).classes("text-sm").mark(f"test-model-{p.name}")
        fetched = p.last_fetched_at.strftime("%Y-%m-%d %H:%M") if p.last_fetched_at else "never"
        ui.label(f"Last fetched: {fetched}").classes("text-sm")
        if p.last_test_ok is not None:
            text = f"Test OK, {p.last_test_latency_ms} ms" if p.last_test_ok else f"Test failed: {p.last_test_error}"
            ui.label(text).classes("text-sm " + ("text-positive" if p.last_test_ok else "text-negative"))
        with ui.row():
            ui.button("Edit", on_click=lambda: actions.edit(p)).props("flat dense")
            ui.button("Fetch models", on_click=lambda: actions.fetch(p)).props("flat dense")
            ui.button("Test", on_click=lambda: actions.test(p)).props("flat dense")
            ui.button("Delete", on_click=lambda: actions.delete(p)).props("flat dense color=negative")


def describe_test_model(p: ProviderPublic) -> str:
    """What GPT-Load validates this provider's keys with, and whether the operator picked it."""
    if p.gptload_test_model is None:
        return "GPT-Load test model: none (no active models)"
    how = "your pick" if p.test_model and p.test_model == p.gptload_test_model else "automatic"
    return f"GPT-Load test model: {p.gptload_test_model} ({how})"
