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
from core.providers import ProviderCreate, ProviderCreated, ProviderPublic, ProviderUpdate
from core.services import Services
from ui.i18n import t
from ui.messages import describe_invalid, sentence
from ui.provider_fields import KeyEditor, UncheckedSave, ask_to_discard, lines, pick_test_model


def open_provider_dialog(
    services: Services,
    existing: ProviderPublic | None,
    on_saved: Callable[[], Awaitable[None]],
    active_models: list[str] = (),
) -> ui.dialog:
    """``active_models``: an edited provider's active models (original names), the test model's choices.

    What the dialog says is in the page's language; what others said (core's detail of an error, a provider's
    answer to a key check) stands apart below it (``dialog-detail``), in their words."""
    # Persistent: Escape and clicks outside "shake" it instead of closing, and we ask before dropping input.
    with ui.dialog().props("persistent") as dialog, ui.card().classes("w-[36rem]") as card:
        ui.label(t("prov.edit_title") if existing else t("prov.add_title")).classes("text-h6")
        name = ui.input(t("prov.name"), value=existing.name if existing else "").classes("w-full")
        base_url = ui.input(
            t("prov.base_url"), value=existing.base_url if existing else "", placeholder="https://api.example.com/v1"
        ).classes("w-full")
        base_url.props["hint"] = t("prov.base_url_hint")
        # The channel types are data (the channel table's names); a handful: no typing needed to pick one.
        channel = ui.select(
            list(CHANNEL_TYPES), label=t("prov.channel"), value=existing.channel_type if existing else "openai"
        ).classes("w-full")
        if existing:
            key_editor = KeyEditor(existing)
            test_model = pick_test_model(existing, list(active_models))
        else:
            key_editor, test_model = None, None
            keys = ui.textarea(t("prov.api_keys"), placeholder=t("prov.one_key_per_line")).props("autogrow")
            keys.classes("w-full")
        result = ui.label("").classes("text-sm").mark("dialog-result")
        detail = ui.label("").classes("text-xs text-grey-8 break-words").mark("dialog-detail")
        with ui.row().classes("items-center w-full") as suggestion_row:
            suggestion = ui.label("").classes("text-sm text-warning").mark("suggested-url")
            ui.button(t("prov.use_url"), on_click=lambda: use_suggestion()).props("flat dense").mark(
                "use-suggested-url"
            )
        suggestion_row.set_visibility(False)
        suggested_url = [""]  # the URL the last check offered
        unchecked = None if existing else UncheckedSave(lambda: save(check=False))

        def say(text: str, others: str = "") -> None:
            """The dialog's own words, and below them what core or the provider said (``others``)."""
            result.set_text(text)
            detail.set_text(others)
            detail.set_visibility(bool(others))

        say("")

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
            suggested_url[0] = suggested or ""
            suggestion_row.set_visibility(bool(suggested))
            suggestion.set_text(t("prov.answers_at", url=suggested) if suggested else "")
            if unchecked and (isinstance(error, UpstreamError) or any(not c.ok for c in checks)):
                unchecked.show()

        def use_suggestion() -> None:
            base_url.value = suggested_url[0]
            suggestion_row.set_visibility(False)
            say(t("prov.url_set", url=base_url.value))

        async def test_connection() -> None:
            say(t("prov.testing"))
            if existing and not typed_keys():
                if (base_url.value, channel.value) != (existing.base_url, existing.channel_type):
                    say(t("prov.type_key_to_test"))
                    return
                outcome = await probes.probe_provider(services, existing.id)
                checks = outcome.keys
            else:
                try:
                    request = ConnectionCheckRequest(base_url=base_url.value, channel_type=channel.value,
                                                     api_keys=typed_keys())  # fmt: skip
                    checks = await probes.check_unsaved(services, request)
                except LpmError as exc:
                    say(sentence(exc.code), exc.detail)
                    return
                except ValidationError as exc:  # over a documented limit (e.g. keys per check): say which
                    say(describe_invalid(exc))
                    return
            say(" · ".join(map(key_outcome, checks)), " · ".join(f"{c.key_masked}: {c.detail}" for c in checks
                                                                if not c.ok and c.detail))  # fmt: skip
            offer(checks=checks)

        saving = []  # non-empty while a save runs: Enter pressed twice saves once

        async def save(check: bool = True) -> None:
            if saving:
                return
            saving.append(True)
            say(t("prov.checking_keys") if check else t("prov.saving_unchecked"))
            kind = "positive"
            try:
                if existing is None:
                    models = lines(unchecked.models.value) if unchecked and not check else []
                    data = ProviderCreate(name=name.value, base_url=base_url.value, channel_type=channel.value,
                                          api_keys=typed_keys(), check=check, models=models)  # fmt: skip
                    created = await providers.create_provider(services, data)
                    message = added_message(created, check)
                    kind = "positive" if check else "warning"
                else:
                    update = edit_update(existing, name.value, base_url.value, channel.value, key_editor, test_model)
                    saved = await providers.update_provider(services, existing.id, update)
                    message = t("prov.saved", name=saved.name, model=saved.gptload_test_model or t("prov.none"))
            except LpmError as exc:
                say(sentence(exc.code), exc.detail)  # the dialog stays open with everything the user typed
                offer(error=exc)
                return
            except ValidationError as exc:
                say(describe_invalid(exc))
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
            ui.button(t("prov.cancel"), on_click=leave).props("flat").mark("dialog-cancel")
            ui.button(t("prov.test_connection"), on_click=test_connection).props("outline")
            ui.button(t("prov.save"), on_click=lambda: save()).mark("dialog-save")
    dialog.open()
    return dialog


def key_outcome(check: KeyCheck) -> str:
    """One key's check, in the page's words (the provider's own answer to a failed one goes to the detail)."""
    if not check.ok:
        return t("prov.key_failed", masked=check.key_masked, ms=check.latency_ms)
    if check.model_count == 1:
        return t("prov.key_ok_one", masked=check.key_masked, ms=check.latency_ms, count=check.model_count)
    return t("prov.key_ok", masked=check.key_masked, ms=check.latency_ms, count=check.model_count)


def added_message(created: ProviderCreated, checked: bool) -> str:
    """The notification of an added provider: its models, and what core warned of (saved unchecked: that it is
    untested, said in the page's words; otherwise core's first warning, e.g. names it skipped)."""
    note = t("prov.unchecked_note") if not checked else (created.warnings[0] if created.warnings else "")
    values = {"name": created.name, "count": created.model_count, "note": note}
    if note:
        return t("prov.added_noted_one", **values) if created.model_count == 1 else t("prov.added_noted", **values)
    return t("prov.added_one", **values) if created.model_count == 1 else t("prov.added", **values)


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
