"""Dashboard: the providers as a table (default) or as cards (the choice is remembered like dark mode), the summary
strip above them, add, edit, fetch, test and delete one provider or the selected ones, and Test all."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from nicegui import app, ui

from core import catalog, fetching, import_offer, probes, providers
from core.errors import LpmError, NotFound
from core.import_offer import ExistingSetup
from core.overview import overview
from core.provider_health import HealthSnapshot, fed_groups
from core.providers import ProviderPublic
from core.services import Services
from ui.events import status_changed
from ui.i18n import t
from ui.manual_add import open_manual_add
from ui.messages import describe, fetch_warning, joined
from ui.provider_dialog import open_provider_dialog
from ui.providers_table import ProvidersTable, SummaryStrip, health_line, provider_rows

VIEW_SETTING = "providers_view"  # app.storage.user: "table" or "cards"
VIEWS = {"table": "dash.view_table", "cards": "dash.view_cards"}  # their labels' keys (ui.i18n)
HEALTH_WATCH_INTERVAL = 1.0
# Seconds after the browser connects before the page may start a health read: a cold load of 200 providers settles in
# about 1.3 s, and the read's several hundred stats calls take 1-1.5 s of the app's one event loop (docs/benchmarks.md).
HEALTH_READ_AFTER = 2.0
SHOWN_NAMES = 20  # a delete question names at most this many providers


async def dashboard(services: Services) -> None:
    state: dict[str, Any] = {"listed": [], "groups": {}, "table": None}
    state["view"] = app.storage.user.get(VIEW_SETTING, "table")
    tickets = {"started": 0, "shown": 0}
    health = services.health

    @ui.refreshable
    def cards() -> None:
        """Synchronous: cleared and rebuilt in one go, so overlapping reloads can never stack cards."""
        if state["view"] != "cards":
            return
        with ui.row().classes("w-full gap-4"):
            for provider in state["listed"]:
                provider_card(provider, actions)

    def known_health() -> HealthSnapshot:
        """What the cache knows; once the page is up (``HEALTH_READ_AFTER``) asking also starts a read when stale."""
        return health.snapshot() if watch["reads"] else health.peek()

    def rows() -> list[dict[str, Any]]:
        return provider_rows(state["listed"], state["groups"], known_health())

    def show() -> None:
        """The chosen view with the current list; the table is built the first time it is shown."""
        empty.set_visibility(not state["listed"])
        table_box.set_visibility(state["view"] == "table")
        if state["view"] == "table":
            if state["table"] is None:
                with table_box:
                    state["table"] = ProvidersTable(rows(), on_bulk=bulk, on_action=row_action,
                                                    on_refresh_health=refresh_health)  # fmt: skip
                    state["table"].health.set_text(health_line(known_health()))
            else:
                state["table"].update(rows())
        cards.refresh()

    async def reload() -> None:
        tickets["started"] += 1
        ticket = tickets["started"]
        listed = await providers.list_providers(services)
        groups = await fed_groups()
        if ticket < tickets["shown"]:
            return  # a later reload has already shown a newer list
        tickets["shown"] = ticket
        state["listed"] = listed
        state["groups"] = {pid: [g.name for g in fed] for pid, fed in groups.items()}
        if listed:
            offer.clear()  # the import is offered only to an empty registry
        show()

    async def show_overview() -> None:
        try:
            strip.show(await overview(services))
        except LpmError as exc:
            strip.failed(exc.detail)

    async def changed() -> None:
        """After any change to providers or models: the list, the strip, and the header's counts."""
        await reload()
        await show_overview()
        status_changed(services).emit()

    def switch(view: str) -> None:
        state["view"] = app.storage.user[VIEW_SETTING] = view
        show()

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
        counts = t("dash.fetched_one", name=p.name, added=len(result.added), gone=len(result.disappeared)) + (
            f" ({', '.join(result.disappeared[:5])})" if result.disappeared else ""
        )
        if warning := fetch_warning(p.base_url, result):
            ui.notify(joined([counts, warning], "then"), type="warning", multi_line=True)
        else:
            ui.notify(counts, type="positive")
        if result.listed == 0:
            open_manual_add(services, p, changed, dialogs, listed_nothing=True)
        await changed()

    async def test(p: ProviderPublic) -> None:
        result = await probes.probe_provider(services, p.id)
        text = (t("dash.test_ok", name=p.name, ms=result.latency_ms) if result.ok
                else t("dash.test_failed", name=p.name, detail=result.detail))  # fmt: skip
        ui.notify(text, type="positive" if result.ok else "negative")
        await changed()

    async def test_many(ids: list[int] | None) -> None:
        """In parallel, then one reload: results of parallel reloads used to stack up cards. None: every provider."""
        test_all_button.disable()
        summary.set_text(t("dash.testing", count=len(state["listed"]) if ids is None else len(ids)))
        try:
            results = await probes.probe_providers(services, ids)
        finally:
            test_all_button.enable()
        await changed()  # the list first: the summary says everything is shown
        failed = sum(not r.ok for r in results)
        text = t("dash.tested", count=len(results), passed=len(results) - failed, failed=failed)
        summary.set_text(text)
        summary.classes(replace="text-sm " + ("text-negative" if failed else "text-positive"))
        ui.notify(text, type="warning" if failed else "positive")

    async def fetch_many(ids: list[int]) -> None:
        outcomes = await fetching.fetch_many(services, ids)
        await changed()
        names = {p.id: p.name for p in state["listed"]}
        done = [o.result for o in outcomes if o.result is not None]
        failed = [f"{names.get(o.provider_id, o.provider_id)}: {o.detail}" for o in outcomes if not o.ok]
        text = t("dash.fetched_many", count=len(outcomes), added=sum(len(r.added) for r in done),
                 gone=sum(len(r.disappeared) for r in done))  # fmt: skip
        text += t("dash.fetch_failures", count=len(failed), names="; ".join(failed[:3])) if failed else ""
        ui.notify(text, type="warning" if failed else "positive", multi_line=True)

    async def bulk(action: str, ids: list[int]) -> None:
        if not ids:
            ui.notify(t("dash.select_first"), type="warning")
        elif action == "test":
            await test_many(ids)
        elif action == "fetch":
            await fetch_many(ids)
        else:
            confirm_delete([p for p in state["listed"] if p.id in set(ids)])

    async def row_action(action: str, provider_id: int) -> None:
        chosen = next((p for p in state["listed"] if p.id == provider_id), None)
        if chosen is not None:
            await {"edit": edit, "fetch": fetch, "test": test}[action](chosen)

    def confirm_delete(chosen: list[ProviderPublic]) -> None:
        question, button = delete_question(chosen)
        with dialogs, ui.dialog() as dialog, ui.card():
            ui.label(question).mark("delete-question")

            def dismiss() -> None:
                dialog.close()
                dialog.delete()

            with ui.row():
                ui.button(t("dash.cancel"), on_click=dismiss).props("flat").mark("delete-cancel")

                async def delete() -> None:
                    for p in chosen:
                        with suppress(NotFound):  # deleted meanwhile (another tab): what was asked for holds
                            await providers.delete_provider(services, p.id)
                    dismiss()
                    ui.notify(t("dash.deleted", names=", ".join(p.name for p in chosen)), type="positive")
                    await changed()

                ui.button(button, on_click=delete).props("color=negative").mark("delete-confirm")
        dialog.open()

    def refresh_health() -> None:
        health.refresh()
        watch["health"] = -1  # the label says "reading" at the next tick

    watch = {"health": -1, "reads": False, "sync": (services.sync.progress.sync_id, services.sync.progress.running)}

    def allow_reads() -> None:
        watch["reads"] = True

    async def tick() -> None:
        """New health from the background read, or a sync that ended (its groups are new): show them."""
        snapshot = known_health()
        if state["table"] is not None:
            state["table"].health.set_text(health_line(snapshot))
            if snapshot.version != watch["health"]:
                watch["health"] = snapshot.version
                state["table"].update(rows())
        now = (services.sync.progress.sync_id, services.sync.progress.running)
        if now != watch["sync"]:
            watch["sync"] = now
            if not now[1]:
                health.refresh()
                await reload()
                await show_overview()

    actions = CardActions(edit=edit, fetch=fetch, test=test, delete=lambda p: confirm_delete([p]))
    dialogs = ui.element()
    with ui.row().classes("items-center w-full"):
        ui.button(t("dash.add"), icon="add", on_click=add)
        test_all_button = ui.button(t("dash.test_all"), icon="bolt", on_click=lambda: test_many(None)).props("outline")
        summary = ui.label("").classes("text-sm").mark("test-all-summary")
        ui.space()
        ui.toggle(
            {view: t(key) for view, key in VIEWS.items()}, value=state["view"], on_change=lambda e: switch(e.value)
        ).props("dense no-caps").mark("view-toggle").tooltip(t("dash.view_tip"))
    strip = SummaryStrip()
    offer = ui.element().classes("w-full")
    empty = ui.label(t("dash.empty")).classes("text-grey")
    table_box = ui.column().classes("w-full gap-2")

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
    state["groups"] = {pid: [g.name for g in fed] for pid, fed in (await fed_groups()).items()}
    cards()
    show()
    ui.timer(0.05, show_offer, once=True)
    ui.timer(0.05, show_overview, once=True)
    ui.timer(HEALTH_WATCH_INTERVAL, tick)
    ui.timer(HEALTH_READ_AFTER, allow_reads, once=True)  # counted from the browser's connection


def delete_question(chosen: list[ProviderPublic]) -> tuple[str, str]:
    """The one confirmation of a delete, naming the providers and their models; and its button's label."""
    if len(chosen) == 1:
        (p,) = chosen
        question = t("dash.delete_one_question", name=p.name, models=p.model_count)
        return question, t("dash.delete_one_button", name=p.name)
    names = ", ".join(p.name for p in chosen[:SHOWN_NAMES])
    names += t("dash.and_more", count=len(chosen) - SHOWN_NAMES) if len(chosen) > SHOWN_NAMES else ""
    models = sum(p.model_count for p in chosen)
    question = t("dash.delete_many_question", count=len(chosen), names=names, models=models)
    return question, t("dash.delete_many_button", count=len(chosen))


def import_card(setup: ExistingSetup) -> None:
    found = [t("dash.found_groups", count=setup.gptload_groups)] if setup.gptload_groups else []
    found += [t("dash.found_entries", count=setup.uniapi_entries)] if setup.uniapi_entries else []
    with ui.card().classes("w-full border-l-4 border-primary").mark("import-offer"):
        ui.label(t("dash.import_title")).classes("text-h6")
        ui.label(t("dash.import_text", found=t("dash.found_and").join(found)))
        ui.button(t("dash.import_title"), icon="download", on_click=lambda: ui.navigate.to("/import")).mark(
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
                ui.badge(t("dash.untested"), color="warning").tooltip(t("dash.untested_tip")).mark("untested")
        ui.label(p.base_url).classes("text-sm break-all")
        ui.label(t("dash.card_keys", keys=", ".join(p.api_keys_masked))).classes("text-sm")
        ui.label(t("dash.card_models", active=p.active_model_count, total=p.model_count,
                   duplicates=p.duplicate_count)).classes("text-sm")  # fmt: skip
        ui.label(describe_test_model(p)).classes("text-sm").mark(f"test-model-{p.name}")
        fetched = p.last_fetched_at.strftime("%Y-%m-%d %H:%M") if p.last_fetched_at else t("dash.never")
        ui.label(t("dash.last_fetched", when=fetched)).classes("text-sm")
        if p.last_test_ok is not None:
            text = (t("dash.card_test_ok", ms=p.last_test_latency_ms) if p.last_test_ok
                    else t("dash.card_test_failed", error=p.last_test_error))  # fmt: skip
            ui.label(text).classes("text-sm " + ("text-positive" if p.last_test_ok else "text-negative"))
        with ui.row():
            ui.button(t("dash.edit"), on_click=lambda: actions.edit(p)).props("flat dense")
            ui.button(t("dash.fetch_models"), on_click=lambda: actions.fetch(p)).props("flat dense")
            ui.button(t("dash.test"), on_click=lambda: actions.test(p)).props("flat dense")
            ui.button(t("dash.delete"), on_click=lambda: actions.delete(p)).props("flat dense color=negative")


def describe_test_model(p: ProviderPublic) -> str:
    """What GPT-Load validates this provider's keys with, and whether the operator picked it."""
    if p.gptload_test_model is None:
        return t("dash.test_model_none")
    how = t("dash.your_pick" if p.test_model and p.test_model == p.gptload_test_model else "dash.automatic")
    return t("dash.test_model", model=p.gptload_test_model, how=how)
