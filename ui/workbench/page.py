"""The workbench page: one ``Workbench`` holds the page's state and actions; its parts render and call back."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from core import catalog, fetching, probes, providers
from core.catalog import BatchResult
from core.errors import LpmError
from core.impact import load_registry
from core.providers import ProviderPublic
from core.services import Services
from ui.i18n import t
from ui.manual_add import open_manual_add
from ui.messages import describe, fetch_warning, joined
from ui.pending import PendingChanges
from ui.row_rules import status_counts
from ui.workbench.bulk import DELETE_SELECTED, BulkAction, run_bulk
from ui.workbench.grid import ModelGrid
from ui.workbench.impact_view import impact_view
from ui.workbench.save_dialog import SaveDialog
from ui.workbench.toolbar import edit_bar, title_bar

LEAVE_WARNING_ON = 'window.onbeforeunload = e => { e.preventDefault(); e.returnValue = ""; return ""; };'
LEAVE_WARNING_OFF = "window.onbeforeunload = null;"


async def workbench(services: Services, provider_id: int) -> None:
    try:
        provider = await providers.get_provider(services, provider_id)
    except LpmError as exc:
        ui.label(describe(exc))
        return
    # The registry is read once per page (and after a refused save): every edit is then checked in Python.
    pending = PendingChanges.load(provider_id, await catalog.list_models(provider_id), await load_registry())
    Workbench(services, provider, pending)


class Workbench:
    """One provider's models with their pending edits, the split preview below, and Save."""

    def __init__(self, services: Services, provider: ProviderPublic, pending: PendingChanges) -> None:
        self.services = services
        self.provider = provider
        self.pending = pending
        self.outlook = pending.outlook()
        self.save_button = title_bar(self)
        self.find_replace = edit_bar(self)
        with ui.row().classes("items-center w-full gap-x-4 gap-y-0"):
            self.counts = ui.label().classes("text-sm").mark("workbench-counts")
            ui.space()
            ui.label(t("wb.keys_help")).classes("text-caption opacity-80")
        rows = pending.rows(self.outlook.duplicates)
        self.grid = ModelGrid(
            rows,
            on_rename=self.rename,
            on_action=self.row_action,
            on_test=self.test_model,
            on_selection=self.find_replace.preview,
            on_delete_key=self.delete_key,
        )
        with ui.column().classes("w-full"):
            self.preview()
        self.dialogs = ui.element()  # outside everything a refresh rebuilds
        self.show_count(rows)

    @ui.refreshable_method
    def preview(self) -> None:
        """What the next sync makes of this provider's names once the edits are saved."""
        if self.outlook.duplicates:
            ui.label(t("wb.split_preview")).classes("text-h6")
        impact_view(self.outlook, self.provider.id, prefix="preview")

    def refresh(self, *, reload: bool = False) -> None:
        """Show the pending state: changed grid rows (or a rebuilt grid), Save's count, the leave warning, preview."""
        self.outlook = self.pending.outlook()
        rows = self.pending.rows(self.outlook.duplicates)
        if reload:
            self.grid.reload(rows)
        else:
            self.grid.update(rows)
        self.show_count(rows)
        self.preview.refresh()
        self.find_replace.preview()

    def show_count(self, rows: list[dict[str, Any]]) -> None:
        """Save shows how many edits are pending (and hides without any); leaving the page then asks first. The
        status line counts the rows as the status filter shows them."""
        count = self.pending.count
        self.save_button.set_text(t("wb.save_changes", count=count))
        self.save_button.set_visibility(count > 0)
        ui.run_javascript(LEAVE_WARNING_ON if count else LEAVE_WARNING_OFF)
        n = status_counts(rows)
        models = t("wb.count_models_one" if n["all"] == 1 else "wb.count_models", count=f"{n['all']:,}")
        shown = {status: f"{n[status]:,}" for status in ("active", "deleted", "pending")}
        self.counts.set_text(t("wb.count_line", models=models, **shown))

    async def rename(self, model_id: int, name: str | None) -> None:
        self.pending.rename(model_id, name)
        self.refresh()

    async def row_action(self, model_id: int) -> None:
        """The row's button: Delete, Restore (a model an earlier save deleted) or Revert (either mark)."""
        self.pending.row_action(model_id)
        self.refresh()

    async def bulk(self, action: BulkAction) -> None:
        await run_bulk(self, action)

    async def delete_key(self, focused_id: int) -> None:
        """The Delete key in the grid: the selected rows the filters show, as *Delete selected* does (asking
        first); with none selected, the focused row, as its own Delete button does."""
        if self.grid.targets()[0]:
            await run_bulk(self, DELETE_SELECTED)
        elif focused_id in self.pending.models:
            self.pending.mark_deleted(focused_id)
            self.refresh()

    async def test_model(self, model_id: int) -> None:
        """One chat request with one output token, now (not a pending change): ok with its latency, or why not."""
        name = self.pending.models[model_id].original_name
        ui.notify(t("wb.testing", name=name))
        try:
            result = await probes.probe_model(self.services, model_id)
        except LpmError as exc:
            ui.notify(f"{name}: {describe(exc)}", type="negative", multi_line=True)
            return
        if result.ok:
            ui.notify(t("wb.test_ok", name=name, ms=result.latency_ms), type="positive")
        else:
            ui.notify(t("wb.test_failed", name=name, ms=result.latency_ms, code=result.code, detail=result.detail),
                      type="negative", multi_line=True)  # fmt: skip

    def open_save_dialog(self) -> None:
        self.dialogs.clear()  # one dialog at a time: a closed one would still be found by text (stack notes P4)
        with self.dialogs:
            SaveDialog(self)

    async def saved(self, result: BatchResult) -> None:
        self.pending.saved([m for m in result.models if m.provider_id == self.provider.id])
        self.refresh(reload=True)  # one reload, from what the save returned
        ui.notify(t("wb.saved", changes=changes_text(result.renamed, result.deleted, result.restored)), type="positive")

    async def reload_registry(self) -> None:
        """The registry changed behind this page's back (a save was refused): read it again, keep the edits."""
        self.pending.registry = await load_registry()
        self.refresh()

    async def fetch(self) -> None:
        if self.pending.count:
            ui.notify(t("wb.save_or_revert"), type="warning")
            return
        try:
            result = await fetching.fetch_models(self.services, self.provider.id)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            return
        await self.reload()
        warning = fetch_warning(self.provider.base_url, result)
        if result.listed == 0:  # nothing listed: the warning says so, and a model can be added by hand
            ui.notify(warning, type="warning", multi_line=True)
            self.manual_add(listed_nothing=True)
            return
        text = t("wb.fetched", added=len(result.added), gone=len(result.disappeared), listed=result.listed)
        if warning:
            ui.notify(joined([text, warning], "then"), type="warning", multi_line=True)
        else:
            ui.notify(text, type="positive")

    async def reload(self) -> None:
        """New models (fetched, or added by hand): read the provider's models and the registry again."""
        self.pending.reset(await catalog.list_models(self.provider.id), await load_registry())
        self.refresh(reload=True)

    def manual_add(self, *, listed_nothing: bool) -> None:
        open_manual_add(self.services, self.provider, self.reload, self.dialogs, listed_nothing=listed_nothing)


def changes_text(renamed: int, deleted: int, restored: int = 0) -> str:
    """``2 renames, 1 deletion and 1 restore`` in the page's language (the counts that are not 0)."""
    parts = [t("wb.renames_one" if renamed == 1 else "wb.renames", count=renamed)] if renamed else []
    parts += [t("wb.deletions_one" if deleted == 1 else "wb.deletions", count=deleted)] if deleted else []
    parts += [t("wb.restores_one" if restored == 1 else "wb.restores", count=restored)] if restored else []
    if len(parts) == 3:
        return t("wb.list_three", first=parts[0], second=parts[1], third=parts[2])
    if len(parts) == 2:
        return t("wb.list_two", first=parts[0], second=parts[1])
    return parts[0] if parts else t("wb.no_changes")
