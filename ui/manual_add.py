"""Add a model by hand: for a model the provider serves but does not list, or for a provider that lists none."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core import catalog
from core.errors import LpmError
from core.providers import ProviderPublic
from core.services import Services
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
            ui.label(f"{provider.name} listed no models. Add one by hand:").mark("manual-add")
        else:
            ui.label(f"Add a model {provider.name} serves but does not list:").mark("manual-add")
        name = ui.input("Model name")

        async def add() -> None:
            try:
                await catalog.add_model(services, provider.id, name.value)
            except LpmError as exc:
                ui.notify(describe(exc), type="negative")
                return
            dialog.close()
            await on_added()

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            ui.button("Add model", on_click=add)
    dialog.open()
