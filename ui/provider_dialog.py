"""Add / edit a provider: test the connection inline, save with the same checks, keep input on failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core import catalog, probes, providers
from core.channels import CHANNEL_TYPES
from core.errors import LpmError
from core.probes import ConnectionCheckRequest
from core.providers import ProviderCreate, ProviderPublic, ProviderUpdate
from core.services import Services
from ui.messages import describe


def open_provider_dialog(
    services: Services, existing: ProviderPublic | None, on_saved: Callable[[], Awaitable[None]]
) -> ui.dialog:
    with ui.dialog() as dialog, ui.card().classes("w-[36rem]"):
        ui.label("Edit provider" if existing else "Add provider").classes("text-h6")
        name = ui.input("Name", value=existing.name if existing else "").classes("w-full")
        base_url = ui.input("Base URL", value=existing.base_url if existing else "").classes("w-full")
        channel = ui.select(
            list(CHANNEL_TYPES), label="Channel type", value=existing.channel_type if existing else "openai"
        )
        hint = f"Leave empty to keep {', '.join(existing.api_keys_masked)}" if existing else "One key per line"
        keys = ui.textarea("API keys", placeholder=hint).props("autogrow").classes("w-full")
        result = ui.label("").classes("text-sm").mark("dialog-result")

        def typed_keys() -> list[str]:
            return [line.strip() for line in (keys.value or "").splitlines() if line.strip()]

        async def test_connection() -> None:
            result.set_text("Testing…")
            try:
                request = ConnectionCheckRequest(
                    base_url=base_url.value, channel_type=channel.value, api_keys=typed_keys()
                )
                checks = await probes.check_unsaved(services, request)
            except LpmError as exc:
                result.set_text(describe(exc))
                return
            result.set_text(
                " · ".join(
                    f"{c.key_masked}: {'OK' if c.ok else 'failed'} in {c.latency_ms} ms"
                    + (f", {c.model_count} models" if c.ok else f" ({c.detail})")
                    for c in checks
                )
            )

        async def save() -> None:
            result.set_text("Checking the keys with the provider…")
            try:
                if existing is None:
                    data = ProviderCreate(name=name.value, base_url=base_url.value, channel_type=channel.value,
                                          api_keys=typed_keys())  # fmt: skip
                    created = await providers.create_provider(services, data)
                    message = f"Added {created.name} with {created.model_count} models"
                    if created.warnings:
                        message += f" ({created.warnings[0]})"
                else:
                    update = ProviderUpdate(name=name.value, base_url=base_url.value, channel_type=channel.value)
                    if typed_keys():
                        update.api_keys = typed_keys()
                    await providers.update_provider(services, existing.id, update)
                    message = f"Saved {name.value}"
            except LpmError as exc:
                result.set_text(describe(exc))  # the dialog stays open with everything the user typed
                return
            dialog.close()
            ui.notify(message, type="positive")
            await on_saved()

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            ui.button("Test connection", on_click=test_connection).props("outline")
            ui.button("Save", on_click=save).mark("dialog-save")
    dialog.open()
    return dialog


def open_manual_add(
    services: Services, provider: ProviderPublic, on_added: Callable[[], Awaitable[None]], container: ui.element
) -> None:
    """Add a model by hand, for a provider whose listing is empty; the dialog lives in ``container``, outside
    whatever ``on_added`` refreshes."""
    with container, ui.dialog() as dialog, ui.card():
        ui.label(f"{provider.name} listed no models. Add one by hand:")
        name = ui.input("Model name")

        async def add() -> None:
            try:
                await catalog.add_model(services, provider.id, name.value)
            except LpmError as exc:
                ui.notify(describe(exc), type="negative")
                return
            dialog.close()
            await on_added()

        ui.button("Add model", on_click=add)
    dialog.open()
