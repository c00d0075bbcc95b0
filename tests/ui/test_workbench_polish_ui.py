"""Workbench polish (issue 14 §7): a status line counting total / active / deleted / pending rows as the status
filter shows them, kept live as edits are made, and the Delete key marking rows for deletion (pending).

The keys are read by the grid's JavaScript, which sends ``models_delete_key`` with the focused row; these stories
send that event as the browser would. tests/browser/test_smoke.py presses the real keys in Chromium (Enter opens
the name's editor, Delete marks the selected rows).
"""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from core import catalog
from core.catalog import Changes
from tests.ui.test_workbench_operator_ui import add, answer, click, emit, grid, open_workbench, rows, select
from ui.row_rules import status_counts


def counts_line(user: User) -> str:
    return user.find(marker="workbench-counts").elements.pop().text


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([], {"all": 0, "active": 0, "deleted": 0, "pending": 0}),
        ([(False, False), (False, False)], {"all": 2, "active": 2, "deleted": 0, "pending": 0}),
        (
            [(False, True), (True, False)],
            {"all": 2, "active": 1, "deleted": 1, "pending": 1},
        ),  # a rename; a saved delete
        ([(True, True), (False, True), (False, False)], {"all": 3, "active": 2, "deleted": 1, "pending": 2}),  # restore
    ],
)
def test_status_counts_are_what_each_status_filter_shows(states, expected):
    """``(_inactive, _pending)`` per row; a pending delete is still active (as saved) and pending."""
    assert status_counts([{"_inactive": inactive, "_pending": pending} for inactive, pending in states]) == expected


async def test_the_status_line_counts_rows_and_follows_every_pending_change(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1", "m-2", "m-3", "m-4"])
    first = (await catalog.list_models(provider_id))[0].id
    await catalog.apply_changes(w.services, Changes(deletions={first}, provider_id=provider_id))  # saved earlier
    await open_workbench(user, provider_id)
    await user.should_see(content="4 models · 3 active · 1 deleted · 0 pending", marker="workbench-counts")

    emit(user, "model_action", rows(user)["m-2"]["id"])  # the row's Delete: pending
    await user.should_see(content="4 models · 3 active · 1 deleted · 1 pending", marker="workbench-counts")
    row = {**rows(user)["m-3"], "normalized_name": "three"}
    user.find(ui.aggrid).trigger("cellValueChanged", {"data": row, "colId": "normalized_name", "newValue": "three"})
    await user.should_see(content="· 2 pending", marker="workbench-counts")
    emit(user, "model_action", rows(user)["m-1"]["id"])  # Restore the saved deletion: pending too
    await user.should_see(content="4 models · 3 active · 1 deleted · 3 pending", marker="workbench-counts")
    await user.should_see("Save Changes (3)")

    user.find(marker="save-changes").click()
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 1 rename, 1 deletion and 1 restore")
    await user.should_see(content="4 models · 3 active · 1 deleted · 0 pending", marker="workbench-counts")
    assert rows(user)["m-2"]["status"] == "deleted" and rows(user)["m-1"]["status"] == "active"


async def test_the_delete_key_marks_the_selected_rows_for_deletion_after_asking(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1", "m-2", "m-3"])
    await open_workbench(user, provider_id)
    select(user, "m-1", "m-3")
    emit(user, "models_delete_key", rows(user)["m-2"]["id"])  # the focused row is not selected: the selection counts
    await answer(user, "Delete 2 selected models?")
    await user.should_see("Save Changes (2)")
    assert [r["status"] for r in rows(user).values()] == ["to delete", "active", "to delete"]
    assert counts_line(user) == "3 models · 3 active · 0 deleted · 2 pending"
    assert all(m.is_active for m in await catalog.list_models(provider_id))  # nothing is saved before Save

    click(user, "Revert selected")
    await answer(user, "Revert the pending changes of 2 selected models?")
    await user.should_not_see(marker="save-changes")


async def test_the_delete_key_without_a_selection_marks_the_focused_row(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1", "m-2"])
    await open_workbench(user, provider_id)
    emit(user, "models_delete_key", rows(user)["m-2"]["id"])
    await user.should_see("Save Changes (1)")
    assert [r["status"] for r in rows(user).values()] == ["active", "to delete"]
    emit(user, "models_delete_key", rows(user)["m-2"]["id"])  # again: it stays marked (the row's Revert undoes it)
    await user.should_see(content="1 pending", marker="workbench-counts")
    assert rows(user)["m-2"]["_deleted"]


async def test_the_grid_takes_the_keys_and_fills_the_window(user: User, w, recorder):
    """What the browser runs: Enter and Delete handled by the grid's key handler, AG Grid's own "Delete clears the
    cell" switched off (it would reset a name), and the height fitted when the grid is ready."""
    provider_id = await add(w, "acme", ["m-1"])
    await open_workbench(user, provider_id)
    options = grid(user).options
    assert "models_delete_key" in options[":onCellKeyDown"] and "startEditingCell" in options[":onCellKeyDown"]
    assert "Delete" in options["defaultColDef"][":suppressKeyboardEvent"]
    assert "window.innerHeight" in options[":onGridReady"]
    assert "h-[60vh]" not in grid(user).classes
