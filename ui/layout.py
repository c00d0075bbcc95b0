"""The frame of every page: header with GPT-Load status, last sync, Sync Configuration, dark mode."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from core.gptload_offline import CONNECT
from core.services import Services
from core.sync import GptLoadStatus
from ui.events import status_changed
from ui.i18n import language_switch, t, translator
from ui.inbox_badge import inbox_link
from ui.messages import said
from ui.session import logout_button
from ui.sync_runs import status_text

# The pages' titles (ui/pages.py passes the English) and their keys in the translation table (ui.i18n).
TITLES = {"Providers": "title.providers", "Provider workbench": "title.workbench", "Sync": "title.sync",
          "Import and restore": "title.import", "Models": "title.models", "Inbox": "title.inbox",
          "Normalization assistant": "title.assistant"}  # fmt: skip
STATUS_INTERVAL = 30.0
SYNC_WATCH_INTERVAL = 1.0


@contextmanager
def frame(services: Services, title: str) -> Iterator[None]:
    dark = ui.dark_mode(app.storage.user.get("dark", False))
    # One row from 1024 px up: below xl (1280 px) the page title goes and Sync Configuration shows its icon only.
    with ui.header().classes("items-center gap-3 px-4 py-2 no-wrap whitespace-nowrap"):
        ui.link("LLM Provider Manager", "/").classes("text-lg font-bold text-white no-underline")
        ui.label(t(TITLES[title]) if title in TITLES else title).classes("opacity-80 max-xl:hidden")
        ui.link(t("nav.import"), "/import").classes("text-white no-underline hover:underline").mark(
            "nav-import"
        ).tooltip(t("nav.import_tip"))
        ui.link(t("nav.models"), "/models").classes("text-white no-underline hover:underline").mark(
            "nav-models"
        ).tooltip(t("nav.models_tip"))
        ui.link(t("nav.assistant"), "/assistant").classes("text-white no-underline hover:underline").mark(
            "nav-assistant"
        ).tooltip(t("nav.assistant_tip"))
        inbox_link(services)
        ui.space()
        status_bar(services)
        with (
            ui.button(icon="sync", on_click=lambda: ui.navigate.to("/sync"))
            .props("color=white text-color=primary no-wrap")  # icon and label on one line, never stacked
            .tooltip(t("header.sync_tip", what=t("header.sync_what")))
            .mark("sync-button")
        ):
            ui.label(t("header.sync")).classes("max-xl:hidden q-ml-sm")

        def toggle() -> None:
            dark.value = not dark.value
            app.storage.user["dark"] = dark.value

        ui.button(icon="dark_mode", on_click=toggle).props("flat round color=white").tooltip(t("header.dark"))
        language_switch()
        logout_button()
    with ui.column().classes("w-full p-4 gap-4"):
        yield


def status_bar(services: Services) -> None:
    """GPT-Load URL with a green/red dot, group count and the last sync (failed or interrupted in red).

    Re-read without blocking the page: at once, every 30 s, when ``ui.events.status_changed`` fires (a page
    changed providers or models, or saw a sync end) and when the engine's run changes, whoever started it.
    """
    tr = translator()  # show() runs from timers and other pages' events: the words stay this page's
    with ui.row().classes("items-center gap-2 text-sm no-wrap min-w-0"):
        dot = ui.icon("circle").classes("text-grey").mark("gptload-dot")
        url = ui.label(services.settings.gptload_display_url).mark("gptload-url")
        # The URL text from lg (1024 px) up, shortened below xl; the dot's colour says connected or not.
        url.classes("max-lg:hidden truncate max-w-[13rem] xl:max-w-none")
        with url:
            error_tip = ui.tooltip("").mark("gptload-error")
        # While GPT-Load is not connected (GptLoadStatus.hint): how to connect it, core's sentence in our words.
        # Its words from 2xl (1536 px) up; below, the icon (the header stays one row down to 1024 px).
        hint = ui.button(icon="help_outline").props("flat dense no-caps no-wrap color=white").mark("gptload-hint")
        with hint:
            ui.label(t("status.how_to_connect")).classes("max-2xl:hidden q-ml-xs")
            ui.tooltip(t("status.how_to_connect_tip"))
            with ui.menu(), ui.card().classes("max-w-md"):
                hint_text = ui.label("").classes("text-sm whitespace-normal").mark("gptload-hint-text")
        hint.set_visibility(False)
        groups = ui.label("").mark("gptload-groups")
        last = ui.label("").classes("rounded px-1").mark("last-sync")
    busy = again = False

    async def refresh() -> None:
        nonlocal busy, again
        if busy:  # one read at a time; a request during it reads once more afterwards, so the last word wins
            again = True
            return
        busy = True
        try:
            again = True
            while again:
                again = False
                show(await services.sync.gptload_status())
        finally:
            busy = False

    def show(status: GptLoadStatus) -> None:
        dot.classes(replace="text-positive" if status.reachable else "text-negative")
        state = tr("status.connected" if status.reachable else "status.disconnected")
        dot.props(f'aria-label="{state}"')
        error_tip.set_text(status.error or tr("status.connected"))
        url.set_text(f"{status.url} {state}")
        hint.set_visibility(status.hint is not None)
        hint_text.set_text(said(CONNECT, tr) if status.hint is not None else "")
        groups.set_text(tr("status.groups", count=status.group_count) if status.group_count is not None else "")
        record = status.last_sync
        if record is None:
            last.set_text(tr("status.never_synced"))
            last.classes(replace="rounded px-1")
            return
        when = record.started_at.strftime("%Y-%m-%d %H:%M")
        last.set_text(tr("status.last_sync", when=when, status=status_text(record.status, tr)))
        failed = record.status in {"failed", "interrupted"}
        last.classes(replace="rounded px-1 " + ("bg-negative text-white" if failed else ""))

    seen = (services.sync.progress.sync_id, services.sync.progress.running)

    async def notice_sync() -> None:
        """A sync ended (started over REST, in another tab): a local check, no request unless one did.

        Nothing is read while a run goes on: its result is what the header shows.
        """
        nonlocal seen
        now = (services.sync.progress.sync_id, services.sync.progress.running)
        if now != seen:
            seen = now
            if not now[1]:
                await refresh()

    status_changed(services).subscribe(refresh)
    ui.timer(0.05, refresh, once=True)
    ui.timer(STATUS_INTERVAL, refresh)
    ui.timer(SYNC_WATCH_INTERVAL, notice_sync)
