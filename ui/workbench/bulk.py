"""Bulk edits of the selected rows: each says how many rows it changes, and changes them only once confirmed.

Only the selected rows the filters show take part (``ModelGrid.targets``); rows an action would leave as they
are do not count. The changes stay pending until Save, like single edits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nicegui import ui

from ui.i18n import t
from ui.pending import PendingChanges

if TYPE_CHECKING:
    from ui.workbench.page import Workbench


@dataclass(frozen=True)
class BulkAction:
    """An edit of the selected rows; its texts are keys of the translation table (``ui/locales/workbench.py``)."""

    button: str
    question: str  # asked with the selected models as {selected} (and ``values``): "Delete 2 selected models?"
    change: Callable[[PendingChanges, int], None]
    tooltip: str = ""
    values: dict[str, str] = field(default_factory=dict)


# Also what the Delete key does in the grid (``Workbench.delete_key``).
DELETE_SELECTED = BulkAction("wb.bulk_delete", "wb.bulk_delete_question", PendingChanges.mark_deleted,
                             "wb.bulk_delete_tip")  # fmt: skip
BULK_ACTIONS = [
    DELETE_SELECTED,
    BulkAction("wb.bulk_restore", "wb.bulk_restore_question", PendingChanges.mark_restored, "wb.bulk_restore_tip"),
    BulkAction("wb.bulk_revert", "wb.bulk_revert_question", PendingChanges.revert, "wb.bulk_revert_tip"),
    BulkAction("wb.bulk_reset", "wb.bulk_reset_question", lambda p, i: p.rename(i, None), "wb.bulk_reset_tip"),
    BulkAction("wb.bulk_lowercase", "wb.bulk_lowercase_question", lambda p, i: p.rename(i, p.exposed(i).lower()),
               "wb.bulk_lowercase_tip"),
]  # fmt: skip


def selected_models(count: int) -> str:
    return t("wb.selected_models_one" if count == 1 else "wb.selected_models", count=count)


def select_first(button: str) -> str:
    """What a bulk action (its button's key) says when no shown row is selected."""
    return t("wb.select_first", what=t(button))


async def run_bulk(page: Workbench, action: BulkAction) -> None:
    ids, hidden = page.grid.targets()
    if not ids:
        ui.notify(select_first(action.button), type="warning")
        return
    changing = page.pending.would_change(ids, action.change)
    if not changing:
        ui.notify(t("wb.nothing_to_change", action=t(action.button), selected=selected_models(len(ids))), type="info")
        return
    question = t(action.question, selected=selected_models(len(changing)), **action.values)
    if not await confirm(page, question, notes_for(len(ids) - len(changing), hidden)):
        return
    for model_id in changing:
        action.change(page.pending, model_id)
    page.refresh()


def notes_for(unchanged: int, hidden: int) -> list[str]:
    """The question's notes: selected rows the action leaves as they are, selected rows the filters hide."""
    notes = []
    if unchanged:
        notes.append(t("wb.note_unchanged_one" if unchanged == 1 else "wb.note_unchanged", count=unchanged))
    if hidden:
        notes.append(t("wb.note_hidden_one" if hidden == 1 else "wb.note_hidden", count=hidden))
    return notes


async def confirm(page: Workbench, question: str, notes: list[str]) -> bool:
    """Ask; True once the operator clicks Confirm (Cancel, Escape or a click outside: False)."""
    page.dialogs.clear()  # one dialog at a time: a closed one would still be found by text (stack notes P4)
    with page.dialogs, ui.dialog() as dialog, ui.card().mark("bulk-dialog"):
        ui.label(question).classes("text-h6").mark("bulk-question")
        for note in notes:
            ui.label(note).mark("bulk-note")
        with ui.row().classes("w-full justify-end"):
            ui.button(t("wb.cancel"), on_click=lambda: dialog.submit(False)).props("flat").mark("bulk-cancel")
            ui.button(t("wb.confirm"), on_click=lambda: dialog.submit(True)).mark("bulk-confirm")
    return bool(await dialog)
