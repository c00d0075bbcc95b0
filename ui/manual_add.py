"""Add a model by hand: for a model the provider serves but does not list, or for a provider that lists none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core import catalog
from core.errors import LpmError
from core.providers import ProviderPublic
from core.services import Services
from ui.i18n import t
from ui.messages import describe


def open_manual_add(
    services: Services,
    provider: ProviderPublic,
    on_added: Callable[[], Awaitable[None]],
    container: ui.element,
    *,
    listed_nothing: bool,
) -> None:
    """The dialog lives in ``container``, outside whatever ``on_added`` refreshes. "listed no models" is said
    only after a fetch that listed none."""
    container.clear()
    with container, ui.dialog() as dialog, ui.card():
        if listed_nothing:
            ui.label(t("wb.manual_listed_none", name=provider.name)).mark("manual-add")
        else:
            ui.label(t("wb.manual_unlisted", name=provider.name)).mark("manual-add")
        name = ui.input(t("wb.model_name"))

        async def add() -> None:
            try:
                await catalog.add_model(services, provider.id, name.value)
            except LpmError as exc:
                ui.notify(describe(exc), type="negative")
                return
            dialog.close()
            await on_added()

        with ui.row().classes("w-full justify-end"):
            ui.button(t("wb.cancel"), on_click=dialog.close).props("flat")
            ui.button(t("wb.add_model"), on_click=add)
    dialog.open()
