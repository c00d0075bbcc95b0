"""The Models page (issue 14 §2): every exposed name in one paged grid, with who serves it and whether the next
sync makes it an aggregate; rename a name everywhere or merge several into one.

Renames and merges stay pending in the page (``{saved name: new name}``, ``core.exposed_models.with_rename``)
until Save, which shows what they do (the impact rule, rendered as the workbench renders it) and saves them in
one batch through ``core.exposed_models.rename_exposed``, whose duplicate confirmation is every batch's.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nicegui import events, ui

from core.catalog import clean_model_name
from core.errors import LpmError
from core.exposed_models import (
    ExposedName,
    ExposedQuery,
    RenameResult,
    filter_exposed,
    group_exposed,
    rename_exposed,
    rename_impact,
    renames_for,
    with_rename,
)
from core.impact import Registry, load_registry
from core.services import Services
from ui.i18n import t, translator
from ui.messages import describe
from ui.paged_grid import PagedGrid
from ui.providers_table import shown_as
from ui.topology_view import PRESELECT, REPORT
from ui.workbench.impact_view import impact_view
from ui.workbench.page import LEAVE_WARNING_OFF, LEAVE_WARNING_ON
from ui.workbench.save_dialog import ConfirmedSave

NO_PROVIDER = 0  # the impact view's "this provider": none here, so every model is shown with its provider
# The words the grid shows for its data values ("yes", "deleted"): the rows keep the values, tests read them.
AGGREGATE_VALUES = {"yes": "models.value_yes", "no": "models.value_no"}
STATUS_VALUES = {"active": "models.value_active", "deleted": "models.value_deleted"}


def columns() -> list[dict[str, Any]]:
    """The grid's columns, headers and the yes / no and status words in the page's language."""
    return [
        {"field": "exposed", "headerName": t("models.col_exposed"), "flex": 2},
        {"field": "count", "headerName": t("models.col_count"), "width": 100},
        {"field": "served_by", "headerName": t("models.col_served_by"), "flex": 3, "wrapText": True,
         "autoHeight": True},
        {"field": "classes", "headerName": t("models.col_class"), "headerTooltip": t("models.col_class_tip"),
         "flex": 1},
        {"field": "aggregate", "headerName": t("models.col_aggregate"), "width": 110,
         ":valueFormatter": shown_as(AGGREGATE_VALUES)},
        {"field": "status", "headerName": t("models.col_status"), "width": 100,
         ":valueFormatter": shown_as(STATUS_VALUES)},
        {"field": "pending", "headerName": t("models.col_pending"), "flex": 1},
    ]  # fmt: skip


GRID_OPTIONS = {"rowSelection": {"mode": "multiRow"}, ":getRowId": "p => p.data.exposed",
                ":onFirstDataRendered": PRESELECT}  # fmt: skip


async def models_page(services: Services) -> None:
    ModelsPage(services, await read_names(t("models.served_deleted")))


@dataclass(frozen=True)
class Names:
    """The registry's exposed names: grouped (what the filters and the impact read) and as grid rows by name."""

    registry: Registry
    items: list[ExposedName]
    rows: dict[str, dict[str, Any]]


async def read_names(deleted_mark: str) -> Names:
    """The names, grouped in a thread (``deleted_mark``: translated by the caller, a thread has no page). The header's
    timer has the page's HTML answered before this read, so while 30,000 models are grouped (~150 ms) the event loop
    goes on serving the page's JavaScript files: /models settled 60-200 ms sooner cold (medians of two interleaved runs
    of bench/ui.py part 6); the GIL is shared, but the loop's turns are short."""
    # The registry is read once per page (and after a save): grouping, filters and the impact run in Python.
    return await asyncio.to_thread(names_of, await load_registry(), deleted_mark)


def names_of(registry: Registry, deleted_mark: str) -> Names:
    items = group_exposed(registry)
    return Names(registry, items, {item.name: row_of(item, deleted_mark) for item in items})


def row_of(item: ExposedName, deleted_mark: str) -> dict[str, Any]:
    """One grid row; ``deleted_mark`` follows a deleted model's original name (`` (deleted)``, translated)."""
    served = [f"{s.provider_name}: {s.original_name}" + ("" if s.active else deleted_mark) for s in item.providers]
    return {
        "exposed": item.name,
        "count": item.provider_count,
        "served_by": ", ".join(served),
        "classes": ", ".join(item.classes),
        "aggregate": "yes" if item.aggregate else "no",
        "status": "active" if item.active else "deleted",
    }


class ModelsPage:
    def __init__(self, services: Services, names: Names) -> None:
        self.services = services
        self._t = translator()  # reloads after a save run in the dialog's handler
        self.pending: dict[str, str] = {}
        self.selected: set[str] = set()
        self.text = ""
        self.load(names)
        ui.label(t("models.intro")).classes("text-sm text-grey-8")
        with ui.row().classes("w-full items-center gap-4"):
            self.single = ui.switch(t("models.filter_single"), on_change=self.filtered).mark("filter-single")
            self.variants = ui.switch(t("models.filter_variants"), on_change=self.filtered).mark("filter-variants")
            ui.space()
            ui.button(t("models.rename_everywhere"), icon="edit", on_click=self.open_rename).mark("rename-everywhere")
            ui.button(t("models.merge"), icon="merge", on_click=self.open_merge).mark("merge-names")
        self.selection()
        self.bar()
        self.table = PagedGrid(
            [self.rows[i.name] for i in self.items],
            columns(),
            noun=t("models.noun"),
            name="exposed-grid",
            search=self.search,
            search_label=t("models.search"),
            options=GRID_OPTIONS,
            decorate=self.decorate,
        )
        self.table.grid.options[":onSelectionChanged"] = REPORT % self.table.grid.id
        self.table.grid.on("names_picked", self.picked)
        self.dialogs = ui.element()  # outside everything a refresh rebuilds

    def load(self, names: Names) -> None:
        self.registry, self.items, self.rows = names.registry, names.items, names.rows

    def matched(self) -> list[dict[str, Any]]:
        query = ExposedQuery(self.text, bool(self.single.value), None, bool(self.variants.value))
        return [self.rows[item.name] for item in filter_exposed(self.items, query)]

    def search(self, _rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
        self.text = text
        return self.matched()

    def filtered(self) -> None:
        self.table.search(self.text)

    def decorate(self, row: dict[str, Any]) -> dict[str, Any]:
        target = self.pending.get(row["exposed"])
        return {**row, "_selected": row["exposed"] in self.selected, "pending": f"→ {target}" if target else ""}

    def picked(self, event: events.GenericEventArguments) -> None:
        self.selected -= set(event.args["page"])
        self.selected |= set(event.args["picked"])
        self.selection.refresh()

    @ui.refreshable_method
    def selection(self) -> None:
        if not self.selected:
            return
        with ui.row().classes("items-center gap-2"):
            names = sorted(self.selected, key=lambda n: (n.casefold(), n))
            shown = ", ".join(names[:10])
            if len(names) > 10:
                shown = t("models.names_more", names=shown, count=len(names) - 10)
            ui.label(t("models.selected", count=len(names), names=shown)).classes("text-sm").mark("selected-names")
            ui.button(t("models.clear_selection"), on_click=self.clear_selection).props("flat dense")

    def clear_selection(self) -> None:
        self.selected.clear()
        self.selection.refresh()
        self.table.redraw()

    @ui.refreshable_method
    def bar(self) -> None:
        """The pending renames, one line per new name, with Save and Discard."""
        if not self.pending:
            return
        with ui.card().classes("w-full bg-amber-1 dark:bg-grey-9").mark("pending-bar"):
            for line in pending_lines(self.pending):
                ui.label(line).mark("pending-line")
            with ui.row().classes("items-center gap-2"):
                count = len(self.pending)
                ui.button(self._t("models.save", count=count), on_click=self.open_save).mark("models-save")
                ui.button(self._t("models.discard"), on_click=self.discard).props("flat").mark("models-discard")

    def changed(self) -> None:
        """Pending renames changed: the bar, the grid's Pending column, the selection, the leave warning."""
        self.selected.clear()
        self.selection.refresh()
        self.bar.refresh()
        self.table.redraw()
        ui.run_javascript(LEAVE_WARNING_ON if self.pending else LEAVE_WARNING_OFF)

    def rename(self, names: list[str], to: str) -> bool:
        """Add a pending rename of ``names`` to ``to``; False (and why) when ``to`` is not a valid name."""
        try:
            name = clean_model_name(to)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            return False
        if name is None:
            ui.notify(t("models.type_name"), type="warning")
            return False
        self.pending = with_rename(self.pending, names, name)
        self.changed()
        return True

    def discard(self) -> None:
        self.pending = {}
        self.changed()

    def open_rename(self) -> None:
        if len(self.selected) != 1:
            ui.notify(t("models.select_one"), type="warning")
            return
        (name,) = self.selected
        self.open_dialog(lambda: RenameDialog(self, name))

    def open_merge(self) -> None:
        if len(self.selected) < 2:
            ui.notify(t("models.select_two"), type="warning")
            return
        self.open_dialog(lambda: MergeDialog(self, sorted(self.selected, key=lambda n: (n.casefold(), n))))

    def open_save(self) -> None:
        self.open_dialog(lambda: SaveDialog(self))

    def open_dialog(self, build: Callable[[], object]) -> None:
        self.dialogs.clear()  # one dialog at a time: a closed one would still be found by text
        with self.dialogs:
            build()

    async def saved(self, result: RenameResult) -> None:
        self.pending = {}
        await self.reload()
        done = "models.renamed_one" if result.renamed == 1 else "models.renamed"
        ui.notify(self._t(done, count=result.renamed), type="positive")

    async def reload(self) -> None:
        self.load(await read_names(self._t("models.served_deleted")))
        self.table.rows = [self.rows[i.name] for i in self.items]
        self.changed()
        self.table.search(self.text)


def pending_lines(pending: dict[str, str]) -> list[str]:
    """``a, b → c``: one line per new name, its old names by name ignoring case."""
    by_target: dict[str, list[str]] = defaultdict(list)
    for old, new in pending.items():
        by_target[new].append(old)
    return [
        f"{', '.join(sorted(olds, key=lambda n: (n.casefold(), n)))} → {new}"
        for new, olds in sorted(by_target.items(), key=lambda kv: (kv[0].casefold(), kv[0]))
    ]


class RenameDialog:
    def __init__(self, page: ModelsPage, name: str) -> None:
        with ui.dialog() as self.dialog, ui.card().classes("w-[32rem] max-w-full"):
            ui.label(t("models.rename_title", name=name)).classes("text-h6")
            ui.label(t("models.rename_text")).classes("text-sm")
            self.to = ui.input(t("models.new_name"), value=name).classes("w-full").mark("rename-to")
            with ui.row().classes("w-full justify-end"):
                ui.button(t("models.cancel"), on_click=self.dialog.close).props("flat")
                ui.button(t("models.rename"), on_click=self.ok).mark("rename-ok")
        self.page, self.name = page, name
        self.dialog.open()

    def ok(self) -> None:
        if self.page.rename([self.name], self.to.value or ""):
            self.dialog.close()


class MergeDialog:
    def __init__(self, page: ModelsPage, names: list[str]) -> None:
        with ui.dialog() as self.dialog, ui.card().classes("w-[32rem] max-w-full"):
            ui.label(t("models.merge_title", count=len(names))).classes("text-h6")
            ui.label(t("models.merge_text")).classes("text-sm")
            self.choice = ui.radio(names, value=names[0]).mark("merge-choice")
            self.typed = ui.input(t("models.merge_typed")).classes("w-full").mark("merge-typed")
            with ui.row().classes("w-full justify-end"):
                ui.button(t("models.cancel"), on_click=self.dialog.close).props("flat")
                ui.button(t("models.merge_ok"), on_click=self.ok).mark("merge-ok")
        self.page, self.names = page, names
        self.dialog.open()

    def ok(self) -> None:
        """The typed spelling, or else the chosen one."""
        if self.page.rename(self.names, (self.typed.value or "").strip() or self.choice.value):
            self.dialog.close()


class SaveDialog(ConfirmedSave):
    """What saving the pending renames does, as the impact rule answers it (the workbench's confirmation)."""

    prefix = "models-save"

    def __init__(self, page: ModelsPage) -> None:
        self.page = page
        super().__init__(rename_impact(page.registry, page.pending))

    def heading(self) -> None:
        count, models = len(self.page.pending), len(renames_for(self.page.registry, self.page.pending))
        names = t("models.count_names_one") if count == 1 else t("models.count_names", count=count)
        touched = t("models.count_models_one") if models == 1 else t("models.count_models", count=models)
        ui.label(t("models.save_title", names=names, models=touched)).classes("text-h6").mark("models-save-title")

    def details(self) -> None:
        for line in pending_lines(self.page.pending):
            ui.label(line)
        impact_view(self.impact, NO_PROVIDER, prefix="models-save")

    async def save(self) -> Any:
        confirm = bool(self.impact.within_provider)  # only what the dialog showed
        return await rename_exposed(self.page.services, self.page.pending, confirm_duplicates=confirm)

    async def saved(self, result: Any) -> None:
        await self.page.saved(result)

    async def reload(self) -> None:
        await self.page.reload()  # the grid and the next impact from the registry as it is now
