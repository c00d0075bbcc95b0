"""Bulk edits of the selected rows: each says how many rows it changes, and changes them only once confirmed.

Only the selected rows the filters show take part (``ModelGrid.targets``); rows an action would leave as they
are do not count. The changes stay pending until Save, like single edits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nicegui import ui

from ui.pending import PendingChanges

if TYPE_CHECKING:
    from ui.workbench.page import Workbench

SELECT_FIRST = "Select rows first: {what} changes the selected rows the filters show."


@dataclass(frozen=True)
class BulkAction:
    button: str
    verb: str  # the question starts with it: "Delete" -> "Delete 2 selected models?"
    change: Callable[[PendingChanges, int], None]
    tooltip: str = ""


# Also what the Delete key does in the grid (``Workbench.delete_key``).
DELETE_SELECTED = BulkAction("Delete selected", "Delete", PendingChanges.mark_deleted,
                             "Mark the selected models for deletion (or press Delete in the grid)")  # fmt: skip
BULK_ACTIONS = [
    DELETE_SELECTED,
    BulkAction("Restore selected", "Restore", PendingChanges.mark_restored, "Bring back selected deleted models"),
    BulkAction("Revert selected", "Revert the pending changes of", PendingChanges.revert, "Undo unsaved changes"),
    BulkAction("Reset names", "Reset the names of", lambda p, i: p.rename(i, None),
               "Expose the selected models under their original names"),
    BulkAction("Lowercase", "Lowercase the names of", lambda p, i: p.rename(i, p.exposed(i).lower()),
               "Lowercase the exposed names of the selected models"),
]  # fmt: skip


def selected_models(count: int) -> str:
    return f"{count} selected model{'' if count == 1 else 's'}"


async def run_bulk(page: Workbench, action: BulkAction) -> None:
    ids, hidden = page.grid.targets()
    if not ids:
        ui.notify(SELECT_FIRST.format(what=action.button), type="warning")
        return
    changing = page.pending.would_change(ids, action.change)
    if not changing:
        ui.notify(f"{action.button}: nothing to change in the {selected_models(len(ids))}.", type="info")
        return
    notes = [f"{len(ids) - len(changing)} of the selected rows stay as they are."] if len(changing) < len(ids) else []
    notes += [f"{hidden} selected rows hidden by the filters are left alone."] if hidden else []
    if not await confirm(page, f"{action.verb} {selected_models(len(changing))}?", notes):
        return
    for model_id in changing:
        action.change(page.pending, model_id)
    page.refresh()


async def confirm(page: Workbench, question: str, notes: list[str]) -> bool:
    """Ask; True once the operator clicks Confirm (Cancel, Escape or a click outside: False)."""
    page.dialogs.clear()  # one dialog at a time: a closed one would still be found by text (stack notes P4)
    with page.dialogs, ui.dialog() as dialog, ui.card().mark("bulk-dialog"):
        ui.label(question).classes("text-h6").mark("bulk-question")
        for note in notes:
            ui.label(note).mark("bulk-note")
        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=lambda: dialog.submit(False)).props("flat").mark("bulk-cancel")
            ui.button("Confirm", on_click=lambda: dialog.submit(True)).mark("bulk-confirm")
    return bool(await dialog)
