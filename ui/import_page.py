"""Import an existing GPT-Load + uni-api setup, or restore a backup (issue 13), as a stepper: sources → review →
groups to adopt → apply → "Next: preview the sync".

Each step calls ``core.importing``: the preview reads the sources and proposes (nothing is stored), every
choice on the review previews again so its outcome shows, and apply stores exactly what was reviewed (the
preview's checksum), all or nothing. An error is shown above the stepper, which stays where it was.
An uploaded api.yaml or backup stays in this process; the page never shows a key.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from nicegui import events, ui
from pydantic import ValidationError

from core import importing
from core.errors import InvalidInput, LpmError, StalePlan
from core.import_proposal import InvalidChoice
from core.import_shapes import (
    ImportApplyRequest,
    ImportedProvider,
    ImportPreview,
    ImportPreviewRequest,
    ImportResult,
    UniapiSource,
)
from core.phrases import phrase_of
from core.services import Services
from ui.events import status_changed
from ui.i18n import t, translator
from ui.import_review import adoptable_names, adoption, counted, review
from ui.messages import SENTENCES, describe_invalid, said

Attempt = tuple[dict[str, str], list[str]]  # resolutions, providers not to import


def explain(error: LpmError, tr: Callable[..., str] = t) -> str:
    """The import's own errors (a wrong passphrase, a stale preview, a choice refused) say it all in their detail:
    core's phrase (``core.phrases.phrase_of``), said in the page's language, after the code's sentence (as
    ``describe`` puts them: ``ui.messages``). An error without a phrase keeps its detail: the page's own, or a
    server's words."""
    phrase = phrase_of(error)
    detail = said(phrase, tr) if phrase is not None else error.detail
    return f"{tr(f'error.{error.code}')} {detail}" if error.code in SENTENCES else detail


async def import_page(services: Services) -> None:
    ImportPage(services)


class ImportPage:
    def __init__(self, services: Services) -> None:
        self.services = services
        # The texts of the actions: a handler may end after the page redrew the button it came from (its context).
        self.t = translator()
        self.base: ImportPreviewRequest | None = None  # the sources of the current preview
        self.preview: ImportPreview | None = None
        self.resolutions: dict[str, str] = {}
        self.skipped: list[str] = []
        self.seen: dict[str, ImportedProvider] = {}  # every provider proposed: a skipped one stays listed
        self.adopt: set[str] = set()
        self.result: ImportResult | None = None
        self.error: str | None = None
        self.stale = False
        self.busy = False
        self.uploads: dict[str, tuple[str, bytes]] = {}  # "uniapi" / "bundle" -> (file name, content)
        self.message()
        with ui.row().classes("items-center gap-2").mark("import-busy") as self.working:
            ui.spinner()
            ui.label(t("imp.reading"))
        self.working.set_visibility(False)
        with ui.stepper().props("flat animated=false").classes("w-full").mark("import-stepper") as self.stepper:
            with ui.step("sources", title=t("imp.step_sources")):
                self.sources()
            with ui.step("review", title=t("imp.step_review")):
                self.reviewed()
            with ui.step("adopt", title=t("imp.step_adopt")):
                self.adoption()
            with ui.step("apply", title=t("imp.step_apply")):
                self.outcome()

    # ----- work

    async def start(self) -> None:
        """Preview import: the chosen sources, with no choices yet. The current preview stays until it succeeds."""
        try:
            base = self.source_request()
        except LpmError as exc:
            self.show_error(explain(exc, self.t))
            return
        except ValidationError as exc:
            self.show_error(describe_invalid(exc))
            return
        if await self.preview_with([({}, [])], base=base):
            self.passphrase.value = ""  # kept in this process for the previews that follow, not in the page
            self.go("review")

    async def choose(self, choices: dict[str, str]) -> None:
        """Conflict choices: preview again with them; choices the new outcome no longer asks are dropped."""
        wanted = {**self.resolutions, **choices}
        await self.preview_with([(wanted, self.skipped), (wanted, []), (choices, []), ({}, [])])

    async def set_imported(self, name: str, imported: bool) -> None:
        skipped = [n for n in self.skipped if n != name] + ([] if imported else [name])
        await self.preview_with([(self.resolutions, skipped), (self.resolutions, []), ({}, [])])

    async def preview_with(self, attempts: list[Attempt], *, base: ImportPreviewRequest | None = None) -> bool:
        """The first attempt whose choices the preview accepts (a later one: some choices were reset). ``base``:
        new sources (choices start afresh); by default those of the current preview."""
        base = base or self.base
        if self.busy or base is None:
            return False
        self.busy = True
        self.working.set_visibility(True)
        try:
            refused = None
            unique = [a for i, a in enumerate(attempts) if a not in attempts[:i]]
            for n, (resolutions, skipped) in enumerate(unique):
                request = self.request_for(base, resolutions, skipped)
                try:
                    preview = await importing.preview(self.services, request)
                except InvalidChoice as exc:
                    refused = exc
                    continue
                except LpmError as exc:
                    refused = exc
                    break
                if n:
                    ui.notify(self.t("imp.choices_reset"), type="warning")
                self.shown(base, preview, resolutions, skipped)
                return True
            text = explain(refused, self.t) if refused else self.t("imp.choices_refused")
            self.show_error(text, stale=isinstance(refused, StalePlan))
            self.reviewed.refresh()  # the selects and boxes show the choices still in force
            self.adoption.refresh()
            return False
        finally:
            self.busy = False
            self.working.set_visibility(False)

    def request_for(self, base: ImportPreviewRequest, resolutions: dict[str, str], skipped: list[str]
                    ) -> ImportPreviewRequest:  # fmt: skip
        """Other choices on the sources already read go by the preview's checksum: the sources are not read again."""
        choices = {"resolutions": resolutions, "skip_providers": skipped}
        if base is self.base and self.preview is not None and not self.stale:
            return ImportPreviewRequest(checksum=self.preview.checksum, **choices)
        return base.model_copy(update=choices)

    def shown(self, base: ImportPreviewRequest, preview: ImportPreview, resolutions: dict[str, str],
              skipped: list[str]) -> None:  # fmt: skip
        if base is not self.base:  # new sources: nothing chosen yet
            self.base, self.seen, self.adopt, self.result = base, {}, set(), None
        self.preview, self.resolutions, self.skipped = preview, dict(resolutions), list(skipped)
        self.seen.update((p.name, p) for p in preview.providers)
        self.adopt &= adoptable_names(preview)
        self.error, self.stale = None, False
        self.message.refresh()
        self.reviewed.refresh()
        self.adoption.refresh()
        self.outcome.refresh()

    async def apply(self) -> None:
        if self.preview is None or self.busy:
            return
        request = ImportApplyRequest(checksum=self.preview.checksum, resolutions=self.resolutions,
                                     adopt=sorted(self.adopt), skip_providers=self.skipped)  # fmt: skip
        self.busy = True
        try:
            self.result = await importing.apply(self.services, request)
        except StalePlan as exc:
            self.show_error(explain(exc, self.t), stale=True)
            return
        except LpmError as exc:
            self.show_error(explain(exc, self.t))
            return
        finally:
            self.busy = False
        self.base, self.error = None, None  # stored: a choice made now would preview against the new registry
        self.message.refresh()
        self.outcome.refresh()
        status_changed(self.services).emit()
        ui.notify(self.t("imp.imported"), type="positive")

    async def preview_again(self) -> None:
        if await self.preview_with([(self.resolutions, self.skipped), ({}, [])]):
            self.go("review")

    def show_error(self, text: str, *, stale: bool = False) -> None:
        self.error, self.stale = text, stale
        self.message.refresh()
        ui.notify(text, type="negative", multi_line=True)

    def go(self, step: str) -> None:
        if step == "apply":
            self.outcome.refresh()  # the adoption chosen since
        self.stepper.set_value(step)

    def source_request(self) -> ImportPreviewRequest:
        if self.mode.value == "backup":
            if "bundle" not in self.uploads:
                raise InvalidInput(self.t("imp.upload_bundle_first"))
            bundle = base64.b64encode(self.uploads["bundle"][1]).decode()
            return ImportPreviewRequest(bundle=bundle, passphrase=self.passphrase.value or "")
        uniapi = None
        if self.uniapi.value == "configured":
            uniapi = UniapiSource(path=str(self.services.settings.uniapi_config_path))
        elif self.uniapi.value == "upload":
            if "uniapi" not in self.uploads:
                raise InvalidInput(self.t("imp.upload_yaml_first"))
            try:
                uniapi = UniapiSource(text=self.uploads["uniapi"][1].decode("utf-8"))
            except UnicodeDecodeError:
                raise InvalidInput(self.t("imp.yaml_not_text")) from None
        fetch = bool(self.fetch.value)
        return ImportPreviewRequest(gptload=bool(self.gptload.value), uniapi=uniapi, fetch_models=fetch)

    async def uploaded(self, kind: str, event: events.UploadEventArguments, shown: ui.label) -> None:
        self.uploads[kind] = (event.file.name, await event.file.read())
        shown.set_text(self.t("imp.uploaded", name=event.file.name))

    # ----- areas

    @ui.refreshable_method
    def message(self) -> None:
        if self.error is None:
            return
        with ui.card().classes("w-full bg-red-1 text-negative").mark("import-error-card"):
            ui.label(self.error).classes("font-bold").mark("import-error")
            if self.stale:
                ui.button(t("imp.preview_again"), icon="refresh", on_click=self.preview_again).mark(
                    "import-preview-again"
                )

    def sources(self) -> None:
        settings = self.services.settings
        limit = settings.max_body_bytes
        self.mode = ui.toggle({"setup": t("imp.mode_setup"), "backup": t("imp.mode_backup")}, value="setup")
        self.mode.mark("source-mode")
        with ui.column().classes("gap-1").bind_visibility_from(self.mode, "value", value="setup"):
            self.gptload = ui.checkbox(t("imp.source_gptload", url=settings.gptload_display_url),
                                       value=True).mark("source-gptload")  # fmt: skip
            ui.label(t("imp.uniapi_title")).classes("text-subtitle2 q-mt-sm")
            options = {"configured": t("imp.uniapi_configured", path=settings.uniapi_config_path),
                       "upload": t("imp.uniapi_upload"), "none": t("imp.uniapi_none")}  # fmt: skip
            self.uniapi = ui.radio(options, value="configured").mark("source-uniapi")
            with ui.column().bind_visibility_from(self.uniapi, "value", value="upload"):
                yaml_name = ui.label("").classes("text-sm").mark("uniapi-uploaded")
                ui.upload(label="api.yaml", auto_upload=True, max_file_size=limit,
                          on_upload=lambda e: self.uploaded("uniapi", e, yaml_name)).props(
                    "accept=.yaml,.yml").mark("uniapi-upload")  # fmt: skip
            self.fetch = ui.checkbox(t("imp.fetch"))
            self.fetch.mark("source-fetch")
        with ui.column().classes("gap-1").bind_visibility_from(self.mode, "value", value="backup"):
            ui.label(t("imp.backup_about")).classes("text-sm")
            bundle_name = ui.label("").classes("text-sm").mark("bundle-uploaded")
            ui.upload(label=t("imp.backup_upload"), auto_upload=True, max_file_size=limit,
                      on_upload=lambda e: self.uploaded("bundle", e, bundle_name)).props(
                "accept=.lpmbak").mark("bundle-upload")  # fmt: skip
            self.passphrase = ui.input(t("imp.passphrase"), password=True, password_toggle_button=True)
            self.passphrase.classes("w-96").mark("bundle-passphrase")
        with ui.stepper_navigation():
            ui.button(t("imp.preview"), icon="preview", on_click=self.start).mark("import-preview")
            ui.label(t("imp.reads_only")).classes("text-sm text-grey-8 self-center")

    @ui.refreshable_method
    def reviewed(self) -> None:
        if self.preview is None:
            return
        shown = {p.name for p in self.preview.providers}
        providers = self.preview.providers + [self.seen[n] for n in self.skipped if n in self.seen and n not in shown]
        review(self.preview, providers, self.skipped, self.set_imported, self.choose)
        with ui.stepper_navigation():
            ui.button(t("imp.next_adopt"), on_click=lambda: self.go("adopt")).mark("import-to-adopt")
            ui.button(t("imp.back"), on_click=lambda: self.go("sources")).props("flat").mark("import-back-to-sources")

    @ui.refreshable_method
    def adoption(self) -> None:
        if self.preview is None:
            return
        adoption(self.preview, self.adopt, self.adoption.refresh)
        with ui.stepper_navigation():
            ui.button(t("imp.next_apply"), on_click=lambda: self.go("apply")).mark("import-to-apply")
            ui.button(t("imp.back"), on_click=lambda: self.go("review")).props("flat").mark("import-back-to-review")

    @ui.refreshable_method
    def outcome(self) -> None:
        preview = self.preview
        if preview is None:
            return
        if self.result is not None:
            ui.label(result_text(self.result)).classes("text-positive font-bold").mark("import-result")
            ui.label(t("imp.next_sync_hint"))
            ui.button(t("imp.next_sync"), icon="sync", on_click=lambda: ui.navigate.to("/sync")).mark(
                "import-next-sync"
            )
            return
        new = sum(p.merge_into is None for p in preview.providers)
        groups = sum(g.name in self.adopt for g in preview.groups)
        entries = sum(e.provider in self.adopt for e in preview.entries)
        summary = t("imp.summary", providers=counted("imp.n_providers", new), merged=len(preview.providers) - new,
                    groups=counted("imp.n_groups", groups), entries=counted("imp.n_entries", entries))  # fmt: skip
        ui.label(summary).mark("import-summary")
        with ui.stepper_navigation():
            ui.button(t("imp.apply"), icon="done_all", on_click=self.apply).mark("import-apply")
            ui.button(t("imp.back"), on_click=lambda: self.go("adopt")).props("flat").mark("import-back-to-adopt")


def result_text(r: ImportResult) -> str:
    return t("imp.result", providers=counted("imp.n_providers", r.providers_created), merged=r.providers_merged,
             keys=counted("imp.n_keys", r.keys_added), models=counted("imp.n_models", r.models_added),
             groups=counted("imp.n_groups", r.groups_adopted), entries=counted("imp.n_entries", r.entries_adopted),
             skipped=r.skipped)  # fmt: skip
