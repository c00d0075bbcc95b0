"""Operator stories on the workbench (issue 10): bulk actions change only the rows the filters show and say how
many first, saved deletions are visible and restorable, Find/Replace explains itself, rows can be tested.

AG Grid renders in the browser, so these stories read the grid's row data and options; tests/browser/test_smoke.py
checks the same flows in Chromium (header checkbox, row styles, the 1024 px layout).
"""

from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.testing import User, UserInteraction

from core import catalog, providers
from core.catalog import Changes
from core.models import Model
from core.providers import ProviderCreate
from tests.conftest import fake_key


async def add(w, name: str, models: list[str]) -> int:
    account = w.fake.add("openai", f"{name}.test", [fake_key(name)], models)
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    return (await providers.create_provider(w.services, data)).id


async def open_workbench(user: User, provider_id: int) -> None:
    await user.open(f"/providers/{provider_id}")
    await user.should_see(marker="legend")


def grid(user: User) -> ui.aggrid:
    return user.find(ui.aggrid).elements.pop()


def rows(user: User) -> dict[str, dict]:
    return {r["original_name"]: r for r in grid(user).options["rowData"]}


def emit(user: User, event: str, args) -> None:
    """What the grid's JavaScript sends: a row button (``model_action``, ``model_test``) or the selection."""
    UserInteraction(user, {user.current_layout}, None).trigger(event, args)


def select(user: User, *names: str) -> None:
    emit(user, "models_selection", [rows(user)[n]["id"] for n in names])


def click(user: User, text: str) -> None:
    user.find(kind=ui.button, content=text).click()


async def answer(user: User, question: str, *, confirm: bool = True) -> None:
    """The bulk dialog asks with the count before anything changes; Confirm or Cancel."""
    await user.should_see(content=question, marker="bulk-question")
    user.find(marker="bulk-confirm" if confirm else "bulk-cancel").click()


async def eventually(condition, attempts: int = 60) -> None:
    """Like ``should_see``, for state the page holds rather than shows (AG Grid cells are not "seen"): 3 s at most."""
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met within 3 s")


async def db_active(provider_id: int) -> list[bool]:
    return await Model.filter(provider_id=provider_id).order_by("id").values_list("is_active", flat=True)


async def test_select_all_after_a_quick_search_changes_only_the_rows_it_shows(user: User, w, recorder):
    provider_id = await add(w, "acme", ["kimi-k2", "Kimi-VL", "GPT-4o", "Llama-3"])
    await open_workbench(user, provider_id)
    select(user, "kimi-k2", "Kimi-VL", "GPT-4o", "Llama-3")  # all selected, as before the search
    user.find(marker="quick-search").type("Kimi")  # AG Grid's quick filter: case-insensitive, 2 rows shown

    click(user, "Delete selected")
    await user.should_see(content="2 selected rows hidden by the filters are left alone.", marker="bulk-note")
    await answer(user, "Delete 2 selected models?")
    await user.should_see("Save Changes (2)")
    assert [r["_deleted"] for r in rows(user).values()] == [True, True, False, False]

    click(user, "Lowercase")  # kimi-k2 is lowercase already: one row changes, and the question says so
    await answer(user, "Lowercase the names of 1 selected model?")
    await user.should_see("Save Changes (3)")
    assert [r["exposed_name"] for r in rows(user).values()] == ["kimi-k2", "kimi-vl", "GPT-4o", "Llama-3"]

    user.find(marker="find").type("-")
    user.find(marker="replace-with").type("_")
    await user.should_see(content="2 rows would change", marker="replace-preview")
    click(user, "Replace")
    await answer(user, "Replace “-” with “_” in the names of 2 selected models?", confirm=False)
    await eventually(lambda: not user.find(marker="bulk-dialog").elements.pop().parent_slot.parent.value)
    assert [r["exposed_name"] for r in rows(user).values()] == ["kimi-k2", "kimi-vl", "GPT-4o", "Llama-3"]
    await user.should_see("Save Changes (3)")  # Cancel changed nothing


async def test_bulk_actions_and_replace_without_a_selection_say_select_rows_first(user: User, w, recorder):
    provider_id = await add(w, "acme", ["Model-A", "Model-B"])
    await open_workbench(user, provider_id)
    click(user, "Lowercase")
    await user.should_see("Select rows first: Lowercase changes the selected rows the filters show.")
    user.find(marker="find").type("Model")
    await user.should_see(content="select rows first", marker="replace-preview")
    click(user, "Replace")
    await user.should_see("Select rows first: Replace changes the selected rows the filters show.")
    await user.should_not_see(marker="save-changes")


async def test_regex_replace_previews_its_count_and_an_invalid_pattern_changes_nothing(user: User, w, recorder):
    provider_id = await add(w, "acme", ["openai/gpt-4o", "openai/gpt-4o-mini", "meta/llama"])
    await open_workbench(user, provider_id)
    select(user, "openai/gpt-4o", "openai/gpt-4o-mini", "meta/llama")
    user.find(marker="find").type("(")
    await user.should_see(content="0 rows would change", marker="replace-preview")  # literal: no "(" in any name
    user.find(marker="regex").click()
    await user.should_see(content="Invalid regular expression: missing ), unterminated subpattern",
                          marker="replace-preview")  # fmt: skip
    click(user, "Replace")
    await user.should_see("Nothing was changed.")
    await user.should_not_see(marker="save-changes")

    user.find(marker="find").clear().type(r"^openai/(.*)$")
    user.find(marker="replace-with").type(r"oa-\1")
    await user.should_see(content="2 rows would change", marker="replace-preview")
    click(user, "Replace")
    await answer(user, "in the names of 2 selected models?")
    await user.should_see("Save Changes (2)")
    names = [r["exposed_name"] for r in rows(user).values()]
    assert names == ["oa-gpt-4o", "oa-gpt-4o-mini", "meta/llama"]


async def test_a_saved_deletion_shows_as_deleted_and_is_restored_through_save(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1", "m-2", "m-3"])
    await open_workbench(user, provider_id)
    first = rows(user)["m-1"]["id"]
    emit(user, "model_action", first)  # Delete
    await user.should_see("Save Changes (1)")
    user.find(marker="save-changes").click()
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 1 deletion.")
    saved = rows(user)["m-1"]
    assert (saved["status"], saved["_inactive"], saved["_pending"]) == ("deleted", True, False)
    assert "row-inactive" in grid(user).options["rowClassRules"]  # styled as deleted; its button says Restore

    emit(user, "model_action", first)  # Restore: pending, like every other edit
    await user.should_see("Save Changes (1)")
    assert (rows(user)["m-1"]["status"], rows(user)["m-1"]["_restore"]) == ("to restore", True)
    assert await db_active(provider_id) == [False, True, True]
    user.find(marker="save-changes").click()
    await user.should_see(content="Restores: 1", marker="save-restores")
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 1 restore.")
    assert await db_active(provider_id) == [True, True, True]
    assert rows(user)["m-1"]["status"] == "active"


async def test_the_status_filter_limits_bulk_actions_and_restore_selected_brings_models_back(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1", "m-2", "m-3"])
    ids = [m.id for m in await catalog.list_models(provider_id)]
    await catalog.apply_changes(w.services, Changes(deletions=set(ids[:2]), provider_id=provider_id))  # saved earlier
    await open_workbench(user, provider_id)
    assert [r["status"] for r in rows(user).values()] == ["deleted", "deleted", "active"]
    user.find(marker="status-filter").elements.pop().value = "deleted"
    select(user, "m-1", "m-2", "m-3")
    click(user, "Delete selected")  # m-3 is active but hidden by the filter; the others are deleted already
    await user.should_see("Delete selected: nothing to change in the 2 selected models.")

    click(user, "Restore selected")
    await user.should_see(content="1 selected row hidden by the filters is left alone.", marker="bulk-note")
    await answer(user, "Restore 2 selected models?")
    await user.should_see("Save Changes (2)")
    user.find(marker="save-changes").click()
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 2 restores")
    assert await db_active(provider_id) == [True, True, True]


async def test_pending_rows_are_marked_the_legend_explains_and_save_is_steady(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1", "m-2"])
    await open_workbench(user, provider_id)
    for text in ("duplicate name inside this provider", "another provider serves it too", "pending, not saved yet"):
        await user.should_see(content=text, marker="legend")
    row = rows(user)["m-1"]
    user.find(ui.aggrid).trigger(
        "cellValueChanged", {"data": {**row, "normalized_name": "one"}, "colId": "normalized_name", "newValue": "one"}
    )
    await user.should_see("Save Changes (1)")
    assert (rows(user)["m-1"]["status"], rows(user)["m-1"]["_pending"]) == ("active, to rename", True)
    assert grid(user).options["rowClassRules"]["row-pending"] == "data._pending"
    save = user.find(marker="save-changes").elements.pop()
    assert "animate-pulse" not in save.classes and save.props["color"] == "primary"


async def test_add_by_hand_says_listed_no_models_only_after_a_fetch_listed_none(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1"])
    await open_workbench(user, provider_id)
    click(user, "Add a model by hand")
    await user.should_see(content="Add a model acme serves but does not list:", marker="manual-add")
    await user.should_not_see(content="listed no models", marker="manual-add")
    click(user, "Cancel")

    w.fake.accounts[-1].models.clear()
    click(user, "Fetch models")
    await user.should_see(content="acme listed no models. Add one by hand:", marker="manual-add")
    assert not user.notify.contains("0 added")  # reported as the warning it is, not as a success count


async def test_a_row_test_shows_ok_with_latency_or_the_error(user: User, w, recorder):
    provider_id = await add(w, "acme", ["good", "broken"])
    w.fake.accounts[-1].broken_models.add("broken")
    await open_workbench(user, provider_id)
    emit(user, "model_test", rows(user)["good"]["id"])
    await eventually(lambda: user.notify.contains("good: ok in"))
    emit(user, "model_test", rows(user)["broken"]["id"])
    await eventually(lambda: user.notify.contains("broken: failed after"))
    await user.should_not_see(marker="save-changes")  # a test is not a pending change
