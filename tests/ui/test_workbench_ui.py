"""Stories on the provider workbench: pending edits stay local until Save."""

from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.testing import User, UserInteraction

from core import catalog, providers
from core.catalog import Changes
from core.models import Model
from core.providers import ProviderCreate
from tests.conftest import fake_key


async def add(w, name: str, models: list[str], host: str | None = None, channel: str = "openai") -> int:
    account = w.fake.add(channel, host or f"{name}.test", [fake_key(name)], models)
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type=channel, api_keys=account.keys)
    return (await providers.create_provider(w.services, data)).id


async def eventually(condition, attempts: int = 40) -> None:
    """Like ``should_see``, for state the page holds rather than shows (AG Grid cells are not "seen")."""
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met")


def grid(user: User) -> ui.aggrid:
    return user.find(ui.aggrid).elements.pop()


def rows(user: User) -> dict[str, dict]:
    return {r["original_name"]: r for r in grid(user).options["rowData"]}


def edit(user: User, row: dict, value: str) -> None:
    data = {**row, "normalized_name": value}
    user.find(ui.aggrid).trigger("cellValueChanged", {"data": data, "colId": "normalized_name", "newValue": value})


def action(user: User, model_id: int) -> None:
    UserInteraction(user, {user.current_layout}, None).trigger("model_action", model_id)


async def db_state(provider_id: int) -> list[tuple]:
    return await Model.filter(provider_id=provider_id).order_by("id").values_list("normalized_name", "is_active")


async def test_edits_and_delete_marks_stay_pending_until_save(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1", "m-2", "m-3", "m-4"])
    before = await db_state(provider_id)
    calls = len(w.fake.calls)
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    edit(user, rows(user)["m-1"], "model-one")
    edit(user, rows(user)["m-2"], "model-two")
    action(user, rows(user)["m-3"]["id"])
    await user.should_see("Save Changes (3)")
    state = rows(user)
    assert (state["m-1"]["exposed_name"], state["m-3"]["_deleted"], state["m-3"]["status"]) == (
        "model-one",
        True,
        "to delete",
    )
    assert await db_state(provider_id) == before  # nothing stored
    # nothing sent to a provider, nothing written to GPT-Load (the header only reads its status)
    assert len(w.fake.calls) == calls and w.gptload.writes == 0
    # The leave-page warning needs a browser: tests/browser/test_smoke.py checks it is on now, off after.

    action(user, state["m-3"]["id"])  # Revert restores the row exactly
    await user.should_see("Save Changes (2)")
    assert rows(user)["m-3"] == {**state["m-3"], "_deleted": False, "_pending": False, "status": "active"}

    user.find(marker="save-changes").click()
    await user.should_see(content="Renames: 2", marker="save-renames")
    await user.should_not_see(marker="save-deletions")  # a section only when it is non-empty
    shown = grid(user)
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 2 renames. Next: click Sync Configuration.")
    assert [n for n, _ in await db_state(provider_id)] == ["model-one", "model-two", None, None]
    saved = rows(user)  # the same grid, reloaded with what the save returned: nothing pending any more
    assert grid(user) is shown and len(user.find(ui.aggrid).elements) == 1
    assert [saved[n]["exposed_name"] for n in ("m-1", "m-2", "m-3", "m-4")] == ["model-one", "model-two", "m-3", "m-4"]
    assert not any(row["_pending"] or row["_deleted"] for row in saved.values())
    await user.should_not_see(marker="save-changes")  # Save appears only with pending changes


async def test_save_dialog_counts_duplicates_and_the_delete_all_warning(user: User, w, recorder):
    provider_id = await add(w, "acme", ["a", "b"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    edit(user, rows(user)["b"], "a")
    await user.should_see(content="a-aggregate → acme-1-a, acme-2-a", marker="preview-split")
    assert rows(user)["a"]["_duplicate"] and rows(user)["b"]["_duplicate"]
    user.find(marker="save-changes").click()
    await user.should_see(content="a ← a, b", marker="save-duplicates")
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 1 rename.")
    models = await catalog.list_models(provider_id)
    assert [m.exposed_name for m in models] == ["a", "a"]

    for row in rows(user).values():
        action(user, row["id"])
    await user.should_see("Save Changes (2)")
    user.find(marker="save-changes").click()
    await user.should_see(content="Warning: this deletes every model of the provider.", marker="save-delete-all")
    await user.should_see(content="Deletions: 2", marker="save-deletions")


async def test_name_shared_with_another_provider_is_highlighted_with_its_split(user: User, w, recorder):
    await add(w, "other", ["shared"])
    provider_id = await add(w, "acme", ["mine"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    edit(user, rows(user)["mine"], "shared")
    await user.should_see(content="shared-aggregate → acme-1-shared, other-1-shared", marker="preview-split")
    assert rows(user)["mine"]["_shared"] is True


async def test_bulk_lowercase_and_reset_on_selected_rows(user: User, w, recorder):
    provider_id = await add(w, "acme", ["Model-A", "Model-B", "keep"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    ids = [rows(user)[n]["id"] for n in ("Model-A", "Model-B")]
    UserInteraction(user, {user.current_layout}, None).trigger("models_selection", ids)
    user.find(kind=ui.button, content="Lowercase").click()
    await user.should_see(content="Lowercase the names of 2 selected models?", marker="bulk-question")  # asks first
    user.find(marker="bulk-confirm").click()
    await user.should_see("Save Changes (2)")
    assert [rows(user)[n]["exposed_name"] for n in ("Model-A", "Model-B", "keep")] == ["model-a", "model-b", "keep"]
    user.find(kind=ui.button, content="Reset names").click()
    await user.should_see(content="Reset the names of 2 selected models?", marker="bulk-question")
    user.find(marker="bulk-confirm").click()
    await user.should_not_see(marker="save-changes")
    assert rows(user)["Model-A"]["exposed_name"] == "Model-A"


async def test_saving_clears_the_selection_with_the_reloaded_grid(user: User, w, recorder):
    provider_id = await add(w, "acme", ["Model-A", "Model-B"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    ids = [row["id"] for row in rows(user).values()]
    UserInteraction(user, {user.current_layout}, None).trigger("models_selection", ids)
    user.find(kind=ui.button, content="Lowercase").click()
    await user.should_see(content="Lowercase the names of 2 selected models?", marker="bulk-question")
    user.find(marker="bulk-confirm").click()
    await user.should_see("Save Changes (2)")
    user.find(marker="save-changes").click()
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 2 renames")
    user.find(kind=ui.button, content="Delete selected").click()  # nothing is selected any more
    await user.should_not_see(marker="save-changes")
    assert not any(row["_deleted"] for row in rows(user).values())


async def test_fetch_shows_changes_and_an_empty_listing_offers_manual_entry(user: User, w, recorder):
    provider_id = await add(w, "acme", ["old", "kept"])
    account = w.fake.accounts[-1]
    account.models[:] = ["kept", "new"]
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    user.find(kind=ui.button, content="Fetch models").click()
    await user.should_see("1 added, 1 disappeared upstream")
    assert rows(user)["old"]["status"] == "missing upstream" and "new" in rows(user)
    account.models.clear()
    user.find(kind=ui.button, content="Fetch models").click()
    await user.should_see("listed no models. Add one by hand:")
    user.find("Model name").type("by-hand")
    user.find(kind=ui.button, content="Add model").click()
    await eventually(lambda: "by-hand" in rows(user))
    assert rows(user)["by-hand"]["status"] == "active"


async def test_a_rename_onto_a_sibling_shows_the_duplicate_and_confirm_keeps_it(user: User, w, recorder):
    provider_id = await add(w, "acme", ["gpt-4o", "gpt-4o-mini"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    edit(user, rows(user)["gpt-4o-mini"], "gpt-4o")
    await user.should_see(content="gpt-4o ← gpt-4o, gpt-4o-mini", marker="preview-duplicates")
    assert [(r["_duplicate"], r["_shared"]) for r in rows(user).values()] == [(True, False), (True, False)]
    user.find(marker="save-changes").click()
    await user.should_see(content="gpt-4o ← gpt-4o, gpt-4o-mini", marker="save-duplicates")
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 1 rename.")  # refused without confirm_duplicates: the duplicate was shown
    models = await catalog.list_models(provider_id)
    assert [(m.original_name, m.exposed_name) for m in models] == [("gpt-4o", "gpt-4o"), ("gpt-4o-mini", "gpt-4o")]


async def test_a_name_is_shared_only_with_providers_of_the_same_class(user: User, w, recorder):
    await add(w, "gemma", ["gemini-pro"], channel="gemini")
    await add(w, "other", ["shared-name"])
    provider_id = await add(w, "acme", ["mine", "theirs"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    edit(user, rows(user)["mine"], "gemini-pro")  # a gemini provider serves it: another class, no aggregate
    edit(user, rows(user)["theirs"], "shared-name")  # an openai /v1 provider serves it: one aggregate
    await user.should_see(content="shared-name ← acme: theirs, other: shared-name", marker="preview-shared")
    await user.should_see(content="shared-name-aggregate → acme-1-shared-name, other-1-shared-name",
                          marker="preview-split")  # fmt: skip
    assert [(r["exposed_name"], r["_shared"]) for r in rows(user).values()] == [
        ("gemini-pro", False),
        ("shared-name", True),
    ]
    await user.should_not_see(content="gemini-pro", marker="preview-shared")


async def test_confirm_does_not_confirm_a_delete_everything_it_did_not_show(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1", "m-2"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    first, second = (rows(user)[n]["id"] for n in ("m-1", "m-2"))
    action(user, first)
    await user.should_see("Save Changes (1)")
    # Meanwhile someone else deletes the other model: this page's Save would now empty the provider.
    await catalog.apply_changes(w.services, Changes(deletions={second}, provider_id=provider_id))
    user.find(marker="save-changes").click()
    await user.should_see(content="Deletions: 1", marker="save-deletions")
    await user.should_not_see(marker="save-delete-all")  # the page did not know, so neither may Confirm
    user.find(marker="save-confirm").click()
    await user.should_see(content="deletes every model", marker="save-delete-all")  # refused: shown now
    await user.should_see(marker="save-changed")
    assert await db_state(provider_id) == [(None, True), (None, False)]
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 1 deletion.")
    assert await db_state(provider_id) == [(None, False), (None, False)]


async def test_confirm_does_not_confirm_a_duplicate_it_did_not_show(user: User, w, recorder):
    provider_id = await add(w, "acme", ["m-1", "m-2"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    edit(user, rows(user)["m-1"], "chat")
    await user.should_see("Save Changes (1)")
    second = rows(user)["m-2"]["id"]
    await catalog.apply_changes(w.services, Changes(renames={second: "chat"}, provider_id=provider_id))
    user.find(marker="save-changes").click()
    await user.should_see(content="Renames: 1", marker="save-renames")
    await user.should_not_see(marker="save-duplicates")
    user.find(marker="save-confirm").click()
    await user.should_see(content="chat ← m-1, m-2", marker="save-duplicates")  # refused: shown now
    assert [n for n, _ in await db_state(provider_id)] == [None, "chat"]
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 1 rename.")
    assert [n for n, _ in await db_state(provider_id)] == ["chat", "chat"]
