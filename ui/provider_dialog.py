"""Add / edit a provider (Home Assistant's config flow): test the connection inline, save with the same checks,
keep the input on failure, offer the working URL and an unchecked save; never drop typed input unasked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui
from pydantic import ValidationError

from core import probes, providers
from core.channels import CHANNEL_TYPES
from core.errors import LpmError, UpstreamError
from core.probes import ConnectionCheckRequest, KeyCheck
from core.providers import ProviderCreate, ProviderPublic, ProviderUpdate
from core.services import Services
from ui.messages import describe, describe_invalid
from ui.provider_fields import KeyEditor, UncheckedSave, ask_to_discard, lines, pick_test_model

BASE_URL_HINT = "The address whose /models lists the models; OpenAI-compatible ones usually end in /v1"


def open_provider_dialog(
    services: Services,
    existing: ProviderPublic | None,
    on_saved: Callable[[], Awaitable[None]],
    active_models: list[str] = (),
) -> ui.dialog:
    """``active_models``: an edited provider's active models (original names), the test model's choices."""
    # Persistent: Escape and clicks outside "shake" it instead of closing, and we ask before dropping input.
    with ui.dialog().props("persistent") as dialog, ui.card().classes("w-[36rem]") as card:
        ui.label("Edit provider" if existing else "Add provider").classes("text-h6")
        name = ui.input("Name", value=existing.name if existing else "").classes("w-full")
        base_url = (
            ui.input("Base URL", value=existing.base_url if existing else "", placeholder="https://api.example.com/v1")
            .props(f'hint="{BASE_URL_HINT}"')
            .classes("w-full")
        )
        channel = ui.select(
            list(CHANNEL_TYPES), label="Channel type", value=existing.channel_type if existing else "openai"
        ).classes("w-full")
        if existing:
            key_editor = KeyEditor(existing)
            test_model = pick_test_model(existing, list(active_models))
        else:
            key_editor, test_model = None, None
            keys = ui.textarea("API keys", placeholder="One key per line").props("autogrow").classes("w-full")
        result = ui.label("").classes("text-sm").mark("dialog-result")
        with ui.row().classes("items-center w-full") as suggestion_row:
            suggestion = ui.label("").classes("text-sm text-warning").mark("suggested-url")
            ui.button("Use this URL", on_click=lambda: use_suggestion()).props("flat dense").mark("use-suggested-url")
        suggestion_row.set_visibility(False)
        unchecked = None if existing else UncheckedSave(lambda: save(check=False))

        def typed_keys() -> list[str]:
            return key_editor.added() if key_editor else lines(keys.value)

        def snapshot() -> tuple:
            extra = (key_editor.snapshot(), test_model.value) if key_editor and test_model else (keys.value or "",)
            models = (unchecked.models.value or "") if unchecked else ""
            return name.value or "", base_url.value or "", channel.value, models, *extra

        initial = snapshot()

        def offer(error: LpmError | None = None, checks: list[KeyCheck] = ()) -> None:
            """After a failed check: the URL the provider answers at, and (adding) saving without the check."""
            suggested = (error.extra.get("suggested_base_url") if error else None) or next(
                (c.suggested_base_url for c in checks if c.suggested_base_url), None
            )
            suggestion_row.set_visibility(bool(suggested))
            suggestion.set_text(f"The provider answers at {suggested}" if suggested else "")
            if unchecked and (isinstance(error, UpstreamError) or any(not c.ok for c in checks)):
                unchecked.show()

        def use_suggestion() -> None:
            base_url.value = suggestion.text.removeprefix("The provider answers at ")
            suggestion_row.set_visibility(False)
            result.set_text(f"Base URL set to {base_url.value}: test or save again.")

        async def test_connection() -> None:
            result.set_text("Testing…")
            if existing and not typed_keys():
                if (base_url.value, channel.value) != (existing.base_url, existing.channel_type):
                    result.set_text("Type a key under Add keys to test the new URL; Save checks the stored keys.")
                    return
                outcome = await probes.probe_provider(services, existing.id)
                checks = outcome.keys
            else:
                try:
                    request = ConnectionCheckRequest(base_url=base_url.value, channel_type=channel.value,
                                                     api_keys=typed_keys())  # fmt: skip
                    checks = await probes.check_unsaved(services, request)
                except LpmError as exc:
                    result.set_text(describe(exc))
                    return
                except ValidationError as exc:  # over a documented limit (e.g. keys per check): say which
                    result.set_text(describe_invalid(exc))
                    return
            result.set_text(
                " · ".join(
                    f"{c.key_masked}: {'OK' if c.ok else 'failed'} in {c.latency_ms} ms"
                    + (f", {c.model_count} models" if c.ok else f" ({c.detail})")
                    for c in checks
                )
            )
            offer(checks=checks)

        saving = []  # non-empty while a save runs: Enter pressed twice saves once

        async def save(check: bool = True) -> None:
            if saving:
                return
            saving.append(True)
            result.set_text("Checking the keys with the provider…" if check else "Saving without checking…")
            kind = "positive"
            try:
                if existing is None:
                    models = lines(unchecked.models.value) if unchecked and not check else []
                    data = ProviderCreate(name=name.value, base_url=base_url.value, channel_type=channel.value,
                                          api_keys=typed_keys(), check=check, models=models)  # fmt: skip
                    created = await providers.create_provider(services, data)
                    message = f"Added {created.name} with {created.model_count} models"
                    if created.warnings:
                        message += f" ({created.warnings[0]})"
                    kind = "positive" if check else "warning"
                else:
                    update = edit_update(existing, name.value, base_url.value, channel.value, key_editor, test_model)
                    saved = await providers.update_provider(services, existing.id, update)
                    message = f"Saved {saved.name}; GPT-Load test model: {saved.gptload_test_model or 'none'}"
            except LpmError as exc:
                result.set_text(describe(exc))  # the dialog stays open with everything the user typed
                offer(error=exc)
                return
            except ValidationError as exc:
                result.set_text(describe_invalid(exc))
                return
            finally:
                saving.clear()
            ui.notify(message, type=kind, multi_line=True)
            close()
            await on_saved()

        def close() -> None:
            dialog.close()
            dialog.delete()  # gone, not hidden: nothing typed stays in the page

        async def leave() -> None:
            if snapshot() == initial or await ask_to_discard(card):
                close()

        for field in (name, base_url):
            field.on("keydown.enter", lambda: save())
        dialog.on("shake", leave)  # Escape, or a click outside
        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=leave).props("flat").mark("dialog-cancel")
            ui.button("Test connection", on_click=test_connection).props("outline")
            ui.button("Save", on_click=lambda: save()).mark("dialog-save")
    dialog.open()
    return dialog


def edit_update(
    existing: ProviderPublic, name: str, base_url: str, channel: str, keys: KeyEditor, test_model: ui.select
) -> ProviderUpdate:
    """Only what changed: keys added and removed one by one, the test model only when the operator changed it."""
    picked = test_model.value or ""
    return ProviderUpdate(
        name=name,
        base_url=base_url,
        channel_type=channel,
        add_api_keys=keys.added() or None,
        remove_api_keys=sorted(keys.removed) or None,
        test_model=picked if picked != (existing.test_model or "") else None,
    )
