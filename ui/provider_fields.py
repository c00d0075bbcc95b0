"""Parts of the provider dialog: the key list of an edit, GPT-Load's test model, the unchecked save, discarding."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from core.providers import ProviderPublic
from ui.i18n import t


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class KeyEditor:
    """The stored keys, masked, each with a remove toggle, and a box for keys to add: one key changes at a time."""

    def __init__(self, existing: ProviderPublic) -> None:
        self.keys = list(zip(existing.api_keys_masked, existing.api_key_fingerprints, strict=True))
        self.removed: set[str] = set()  # fingerprints
        ui.label(t("prov.api_keys")).classes("text-sm text-grey-8")
        self.listing()
        self.new = (
            ui.textarea(t("prov.add_keys"), placeholder=t("prov.add_keys_placeholder"))
            .props("autogrow")
            .classes("w-full")
        )

    @ui.refreshable_method
    def listing(self) -> None:
        for index, (masked, fingerprint) in enumerate(self.keys):
            gone = fingerprint in self.removed
            with ui.row().classes("items-center gap-2 w-full").mark(f"key-{index}"):
                ui.label(masked).classes("font-mono text-sm" + (" line-through text-grey" if gone else ""))
                if gone:
                    ui.label(t("prov.removed_on_save")).classes("text-sm text-negative")
                ui.button(icon="undo" if gone else "delete", on_click=lambda f=fingerprint: self.toggle(f)).props(
                    "flat dense round size=sm"
                ).tooltip(t("prov.keep_key") if gone else t("prov.remove_key")).mark(f"remove-key-{index}")

    def toggle(self, fingerprint: str) -> None:
        self.removed.symmetric_difference_update({fingerprint})
        self.listing.refresh()

    def added(self) -> list[str]:
        return lines(self.new.value)

    def snapshot(self) -> tuple:
        return tuple(sorted(self.removed)), self.new.value or ""


def pick_test_model(existing: ProviderPublic, active: list[str]) -> ui.select:
    """GPT-Load validates keys with a chat request to this model: one of the active models, typed or picked."""
    options = {"": t("prov.automatic"), **{name: name for name in active}}
    current = existing.test_model if existing.test_model in options else ""
    select = ui.select(
        options, label=t("prov.test_model"), value=current, with_input=True, new_value_mode="add-unique"
    ).classes("w-full")
    select.props["hint"] = t("prov.test_model_hint", model=existing.gptload_test_model or t("prov.none"))
    return select.mark("test-model")


class UncheckedSave:
    """Saving a provider that is down or lists nothing: no network call, models typed by hand, marked untested."""

    def __init__(self, save: Callable[[], Awaitable[None]]) -> None:
        with ui.column().classes("w-full gap-1 p-2 rounded border border-warning") as self.box:
            ui.label(t("prov.unchecked_explained")).classes("text-sm text-warning")
            self.models = ui.textarea(t("prov.models_per_line")).props("autogrow").classes("w-full")
            ui.button(t("prov.save_unchecked"), icon="warning", on_click=save).props("color=warning").mark(
                "save-unchecked"
            )
        self.box.set_visibility(False)

    def show(self) -> None:
        self.box.set_visibility(True)


async def ask_to_discard(container: ui.element) -> bool:
    """Whether to drop what the user typed (Escape, a click outside, Cancel)."""
    with container, ui.dialog() as confirm, ui.card():
        ui.label(t("prov.discard_question")).mark("discard-question")
        with ui.row().classes("w-full justify-end"):
            ui.button(t("prov.keep_editing"), on_click=lambda: confirm.submit(False)).props("flat").mark("keep-editing")
            ui.button(t("prov.discard"), on_click=lambda: confirm.submit(True)).props("color=negative").mark("discard")
    answer = await confirm
    confirm.delete()
    return bool(answer)
