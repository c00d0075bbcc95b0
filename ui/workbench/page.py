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
from ui.manual_add import open_manual_add
from ui.messages import describe
from ui.pending import PendingChanges
from ui.row_rules import status_counts
from ui.workbench.bulk import DELETE_SELECTED, BulkAction, run_bulk
from ui.workbench.grid import ModelGrid
from ui.workbench.impact_view import impact_view
from ui.workbench.save_dialog import SaveDialog
from ui.workbench.toolbar import edit_bar, title_bar

LEAVE_WARNING_ON = 'window.onbeforeunload = e => { e.preventDefault(); e.returnValue = ""; return ""; };'
LEAVE_WARNING_OFF = "window.onbeforeunload = null;"
KEYS_HELP = "In the grid: Enter edits the name, Space selects, Delete marks the selected (or focused) rows for deletion"


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
            ui.label(KEYS_HELP).classes("text-caption opacity-80")
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
            ui.label("Split preview").classes("text-h6")
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
        self.save_button.set_text(f"Save Changes ({count})")
        self.save_button.set_visibility(count > 0)
        ui.run_javascript(LEAVE_WARNING_ON if count else LEAVE_WARNING_OFF)
        n = status_counts(rows)
        self.counts.set_text(f"{n['all']:,} models · {n['active']:,} active · {n['deleted']:,} deleted · "
                             f"{n['pending']:,} pending")  # fmt: skip

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
        ui.notify(f"Testing {name}…")
        try:
            result = await probes.probe_model(self.services, model_id)
        except LpmError as exc:
            ui.notify(f"{name}: {describe(exc)}", type="negative", multi_line=True)
            return
        if result.ok:
            ui.notify(f"{name}: ok in {result.latency_ms} ms", type="positive")
        else:
            ui.notify(f"{name}: failed after {result.latency_ms} ms: {result.code}: {result.detail}",
                      type="negative", multi_line=True)  # fmt: skip

    def open_save_dialog(self) -> None:
        self.dialogs.clear()  # one dialog at a time: a closed one would still be found by text (stack notes P4)
        with self.dialogs:
            SaveDialog(self)

    async def saved(self, result: BatchResult) -> None:
        self.pending.saved([m for m in result.models if m.provider_id == self.provider.id])
        self.refresh(reload=True)  # one reload, from what the save returned
        text = changes_text(result.renamed, result.deleted, result.restored)
        ui.notify(f"Saved {text}. Next: click Sync Configuration.", type="positive")

    async def reload_registry(self) -> None:
        """The registry changed behind this page's back (a save was refused): read it again, keep the edits."""
        self.pending.registry = await load_registry()
        self.refresh()

    async def fetch(self) -> None:
        if self.pending.count:
            ui.notify("Save or revert your pending changes first.", type="warning")
            return
        try:
            result = await fetching.fetch_models(self.services, self.provider.id)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            return
        await self.reload()
        if result.listed == 0:  # an empty listing is a warning, and the one case "listed no models" is true
            ui.notify(result.warning or f"{self.provider.name} listed no models.", type="warning", multi_line=True)
            self.manual_add(listed_nothing=True)
            return
        text = f"{len(result.added)} added, {len(result.disappeared)} disappeared upstream ({result.listed} listed)"
        if result.warning:
            ui.notify(f"{text}. {result.warning}", type="warning", multi_line=True)
        else:
            ui.notify(text, type="positive")

    async def reload(self) -> None:
        """New models (fetched, or added by hand): read the provider's models and the registry again."""
        self.pending.reset(await catalog.list_models(self.provider.id), await load_registry())
        self.refresh(reload=True)

    def manual_add(self, *, listed_nothing: bool) -> None:
        open_manual_add(self.services, self.provider, self.reload, self.dialogs, listed_nothing=listed_nothing)


def changes_text(renamed: int, deleted: int, restored: int = 0) -> str:
    parts = [f"{renamed} renames"] if renamed else []
    parts += [f"{deleted} deletions"] if deleted else []
    parts += [f"{restored} restores"] if restored else []
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 2 else parts) or "no changes"
