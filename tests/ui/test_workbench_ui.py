"""Stories on the provider workbench: pending edits stay local until Save."""

from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.testing import User, UserInteraction

from core import catalog, providers
from core.models import Model
from core.providers import ProviderCreate
from tests.conftest import fake_key


async def add(w, name: str, models: list[str], host: str | None = None) -> int:
    account = w.fake.add("openai", host or f"{name}.test", [fake_key(name)], models)
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
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
    recorder.javascript.clear()
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
    assert any("window.onbeforeunload = e =>" in js for js in recorder.javascript)  # leave-page warning on

    action(user, state["m-3"]["id"])  # Revert restores the row exactly
    await user.should_see("Save Changes (2)")
    assert rows(user)["m-3"] == {**state["m-3"], "_deleted": False, "_pending": False, "status": "active"}

    user.find(marker="save-changes").click()
    await user.should_see(content="Renames: 2", marker="save-renames")
    await user.should_not_see(marker="save-deletions")  # a section only when it is non-empty
    sent_before = len(recorder.messages)
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 2 renames. Next: click Sync Configuration.")
    reloads = [m for m in recorder.messages[sent_before:] if "'rowData'" in m]
    assert len(reloads) == 1  # one batch request, then the grid is reloaded exactly once
    assert [n for n, _ in await db_state(provider_id)] == ["model-one", "model-two", None, None]
    assert recorder.javascript[-1].strip().endswith("window.onbeforeunload = null;") or any(
        "window.onbeforeunload = null" in js for js in recorder.javascript[-3:]
    )
    await user.should_not_see(marker="save-changes")  # Save appears only with pending changes


async def test_save_dialog_counts_duplicates_and_the_delete_all_warning(user: User, w, recorder):
    provider_id = await add(w, "acme", ["a", "b"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    edit(user, rows(user)["b"], "a")
    await user.should_see(content="a-aggregate → acme-1-a, acme-2-a", marker="split-preview")
    assert rows(user)["a"]["_duplicate"] and rows(user)["b"]["_duplicate"]
    user.find(marker="save-changes").click()
    await user.should_see(content="a ← a, b", marker="save-duplicates")
    user.find(marker="save-confirm").click()
    await user.should_see("Saved 1 renames")
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
    await user.should_see(content="shared-aggregate → acme-1-shared, other-1-shared", marker="split-preview")
    assert rows(user)["mine"]["_shared"] is True


async def test_bulk_lowercase_and_reset_on_selected_rows(user: User, w, recorder):
    provider_id = await add(w, "acme", ["Model-A", "Model-B", "keep"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    ids = [rows(user)[n]["id"] for n in ("Model-A", "Model-B")]
    UserInteraction(user, {user.current_layout}, None).trigger("models_selection", ids)
    user.find(kind=ui.button, content="Lowercase").click()
    await user.should_see("Save Changes (2)")
    assert [rows(user)[n]["exposed_name"] for n in ("Model-A", "Model-B", "keep")] == ["model-a", "model-b", "keep"]
    user.find(kind=ui.button, content="Reset names").click()
    await user.should_not_see(marker="save-changes")
    assert rows(user)["Model-A"]["exposed_name"] == "Model-A"


async def test_saving_clears_the_selection_with_the_reloaded_grid(user: User, w, recorder):
    provider_id = await add(w, "acme", ["Model-A", "Model-B"])
    await user.open(f"/providers/{provider_id}")
    await user.should_see("acme · openai")
    ids = [row["id"] for row in rows(user).values()]
    UserInteraction(user, {user.current_layout}, None).trigger("models_selection", ids)
    user.find(kind=ui.button, content="Lowercase").click()
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
