"""Import an existing GPT-Load + uni-api setup, or restore a backup (issue 13), as a stepper: sources → review →
groups to adopt → apply → "Next: preview the sync".

Each step calls ``core.importing``: the preview reads the sources and proposes (nothing is stored), every
choice on the review previews again so its outcome shows, and apply stores exactly what was reviewed (the
preview's checksum), all or nothing. An error is shown above the stepper, which stays where it was.
An uploaded api.yaml or backup stays in this process; the page never shows a key.
"""

from __future__ import annotations

import base64

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
from core.services import Services
from ui.events import status_changed
from ui.import_review import adoptable_names, adoption, review
from ui.messages import SENTENCES, describe, describe_invalid

Attempt = tuple[dict[str, str], list[str]]  # resolutions, providers not to import


def explain(error: LpmError) -> str:
    """The import's own errors (a wrong passphrase, a stale preview, a choice refused) say it all in their detail."""
    return describe(error) if error.code in SENTENCES else error.detail


async def import_page(services: Services) -> None:
    ImportPage(services)


class ImportPage:
    def __init__(self, services: Services) -> None:
        self.services = services
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
            ui.label("Reading the sources…")
        self.working.set_visibility(False)
        with ui.stepper().props("flat animated=false").classes("w-full").mark("import-stepper") as self.stepper:
            with ui.step("sources", title="Sources"):
                self.sources()
            with ui.step("review", title="Review"):
                self.reviewed()
            with ui.step("adopt", title="Groups to adopt"):
                self.adoption()
            with ui.step("apply", title="Apply"):
                self.outcome()

    # ----- work

    async def start(self) -> None:
        """Preview import: the chosen sources, with no choices yet. The current preview stays until it succeeds."""
        try:
            base = self.source_request()
        except LpmError as exc:
            self.show_error(explain(exc))
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
                    ui.notify("Some earlier choices no longer apply and were reset.", type="warning")
                self.shown(base, preview, resolutions, skipped)
                return True
            text = explain(refused) if refused else "The preview refused these choices."
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
            self.show_error(explain(exc), stale=True)
            return
        except LpmError as exc:
            self.show_error(explain(exc))
            return
        finally:
            self.busy = False
        self.base, self.error = None, None  # stored: a choice made now would preview against the new registry
        self.message.refresh()
        self.outcome.refresh()
        status_changed(self.services).emit()
        ui.notify("Imported. Preview the sync next.", type="positive")

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
                raise InvalidInput("Upload the backup file (.lpmbak) first.")
            bundle = base64.b64encode(self.uploads["bundle"][1]).decode()
            return ImportPreviewRequest(bundle=bundle, passphrase=self.passphrase.value or "")
        uniapi = None
        if self.uniapi.value == "configured":
            uniapi = UniapiSource(path=str(self.services.settings.uniapi_config_path))
        elif self.uniapi.value == "upload":
            if "uniapi" not in self.uploads:
                raise InvalidInput("Upload an api.yaml first, or choose another api.yaml source.")
            try:
                uniapi = UniapiSource(text=self.uploads["uniapi"][1].decode("utf-8"))
            except UnicodeDecodeError:
                raise InvalidInput("The uploaded api.yaml is not UTF-8 text.") from None
        fetch = bool(self.fetch.value)
        return ImportPreviewRequest(gptload=bool(self.gptload.value), uniapi=uniapi, fetch_models=fetch)

    async def uploaded(self, kind: str, event: events.UploadEventArguments, shown: ui.label) -> None:
        self.uploads[kind] = (event.file.name, await event.file.read())
        shown.set_text(f"Uploaded: {event.file.name}")

    # ----- areas

    @ui.refreshable_method
    def message(self) -> None:
        if self.error is None:
            return
        with ui.card().classes("w-full bg-red-1 text-negative").mark("import-error-card"):
            ui.label(self.error).classes("font-bold").mark("import-error")
            if self.stale:
                ui.button("Preview again", icon="refresh", on_click=self.preview_again).mark("import-preview-again")

    def sources(self) -> None:
        settings = self.services.settings
        limit = settings.max_body_bytes
        self.mode = ui.toggle({"setup": "Existing setup", "backup": "Restore a backup"}, value="setup")
        self.mode.mark("source-mode")
        with ui.column().classes("gap-1").bind_visibility_from(self.mode, "value", value="setup"):
            self.gptload = ui.checkbox(f"GPT-Load at {settings.gptload_display_url}: its groups, keys and aggregates",
                                       value=True).mark("source-gptload")  # fmt: skip
            ui.label("uni-api's api.yaml").classes("text-subtitle2 q-mt-sm")
            options = {"configured": f"The configured file ({settings.uniapi_config_path})",
                       "upload": "A file I upload", "none": "None"}  # fmt: skip
            self.uniapi = ui.radio(options, value="configured").mark("source-uniapi")
            with ui.column().bind_visibility_from(self.uniapi, "value", value="upload"):
                yaml_name = ui.label("").classes("text-sm").mark("uniapi-uploaded")
                ui.upload(label="api.yaml", auto_upload=True, max_file_size=limit,
                          on_upload=lambda e: self.uploaded("uniapi", e, yaml_name)).props(
                    "accept=.yaml,.yml").mark("uniapi-upload")  # fmt: skip
            self.fetch = ui.checkbox("Fetch models from the providers (calls each of them with the imported keys)")
            self.fetch.mark("source-fetch")
        with ui.column().classes("gap-1").bind_visibility_from(self.mode, "value", value="backup"):
            ui.label("A backup made by this manager (POST /api/backup), and its passphrase").classes("text-sm")
            bundle_name = ui.label("").classes("text-sm").mark("bundle-uploaded")
            ui.upload(label="Backup (.lpmbak)", auto_upload=True, max_file_size=limit,
                      on_upload=lambda e: self.uploaded("bundle", e, bundle_name)).props(
                "accept=.lpmbak").mark("bundle-upload")  # fmt: skip
            self.passphrase = ui.input("Passphrase", password=True, password_toggle_button=True)
            self.passphrase.classes("w-96").mark("bundle-passphrase")
        with ui.stepper_navigation():
            ui.button("Preview import", icon="preview", on_click=self.start).mark("import-preview")
            ui.label("Reads only: nothing is stored before Apply.").classes("text-sm text-grey-8 self-center")

    @ui.refreshable_method
    def reviewed(self) -> None:
        if self.preview is None:
            return
        shown = {p.name for p in self.preview.providers}
        providers = self.preview.providers + [self.seen[n] for n in self.skipped if n in self.seen and n not in shown]
        review(self.preview, providers, self.skipped, self.set_imported, self.choose)
        with ui.stepper_navigation():
            ui.button("Next: groups to adopt", on_click=lambda: self.go("adopt")).mark("import-to-adopt")
            ui.button("Back", on_click=lambda: self.go("sources")).props("flat").mark("import-back-to-sources")

    @ui.refreshable_method
    def adoption(self) -> None:
        if self.preview is None:
            return
        adoption(self.preview, self.adopt, self.adoption.refresh)
        with ui.stepper_navigation():
            ui.button("Next: apply", on_click=lambda: self.go("apply")).mark("import-to-apply")
            ui.button("Back", on_click=lambda: self.go("review")).props("flat").mark("import-back-to-review")

    @ui.refreshable_method
    def outcome(self) -> None:
        preview = self.preview
        if preview is None:
            return
        if self.result is not None:
            r = self.result
            ui.label(f"Imported: {r.providers_created} providers created, {r.providers_merged} merged, "
                     f"{r.keys_added} keys and {r.models_added} models added, {r.groups_adopted} groups and "
                     f"{r.entries_adopted} api.yaml entries adopted, {r.skipped} skipped.").classes(
                "text-positive font-bold").mark("import-result")  # fmt: skip
            ui.label("The next sync makes GPT-Load and api.yaml match: review its plan before applying it.")
            ui.button("Next: preview the sync", icon="sync", on_click=lambda: ui.navigate.to("/sync")).mark(
                "import-next-sync"
            )
            return
        new = sum(p.merge_into is None for p in preview.providers)
        groups = sum(g.name in self.adopt for g in preview.groups)
        entries = sum(e.provider in self.adopt for e in preview.entries)
        ui.label(f"Creates {new} providers, merges {len(preview.providers) - new} into registered ones, adopts "
                 f"{groups} groups and {entries} api.yaml entries. All or nothing.").mark("import-summary")  # fmt: skip
        with ui.stepper_navigation():
            ui.button("Apply import", icon="done_all", on_click=self.apply).mark("import-apply")
            ui.button("Back", on_click=lambda: self.go("adopt")).props("flat").mark("import-back-to-adopt")
