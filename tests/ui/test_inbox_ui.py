"""Operator stories on the churn inbox (issue 14 §4): a fetch fills it, the header's badge counts it, accepted
models take their suggested (or edited) names, ignored ones leave for good, and the badge follows.

AG Grid renders in the browser, so these stories read the grid's row data and send what its JavaScript sends
(the row buttons, the selection, a cell edit), as the workbench stories do.
"""

from __future__ import annotations

from nicegui.testing import User, UserInteraction

from core import providers
from core.fetch_schedule import FetchSchedule
from core.models import Model
from core.providers import ProviderCreate
from tests.conftest import fake_key


async def add(w, name: str, models: list[str]):
    account = w.fake.add("openai", f"{name}.test", [fake_key(name)], models)
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    return account, (await providers.create_provider(w.services, data)).id


def scheduled(w) -> FetchSchedule:
    """The schedule as main.compose wires it: each run tells every open header (FETCH_INTERVAL)."""
    from ui.events import status_changed  # the app's own module: NiceGUI's runner reloads ui per test

    return FetchSchedule(w.services, 60, on_run=status_changed(w.services).emit)


def grid_rows(user: User) -> dict[str, dict]:
    grid = user.find(marker="inbox-grid").elements.pop()
    return {row["original_name"]: row for row in grid.options["rowData"]}


def emit(user: User, event: str, args) -> None:
    UserInteraction(user, {user.current_layout}, None).trigger(event, args)


async def state(provider_id: int, original: str) -> tuple:
    model = await Model.get(provider_id=provider_id, original_name=original)
    return model.normalized_name, model.is_active, model.ignored, model.inbox


async def test_a_fetch_fills_the_inbox_and_accept_and_ignore_empty_it_with_the_badge(user: User, w, recorder):
    account, provider_id = await add(w, "acme", ["gpt-4o"])
    await user.open("/inbox")
    await user.should_see(marker="inbox-empty")
    await user.should_not_see(marker="inbox-badge")  # nothing to review: no badge

    account.models = ["gpt-4o", "deepseek-ai/DeepSeek-V3.1", "Qwen/Qwen3-Max", "spam-model"]
    await scheduled(w).run_once()
    await user.should_see(content="3", marker="inbox-badge")
    await user.open("/inbox")  # the page reads the inbox when it opens
    await user.should_see("Models: 3")
    rows = grid_rows(user)
    assert {name: row["suggested_name"] for name, row in rows.items()} == {
        "deepseek-ai/DeepSeek-V3.1": "deepseek-v3.1",
        "Qwen/Qwen3-Max": "qwen3-max",
        "spam-model": "spam-model",
    }
    await user.should_see(content="3", marker="inbox-badge")

    qwen = rows["Qwen/Qwen3-Max"]  # the operator prefers another spelling before accepting
    user.find(marker="inbox-grid").trigger(
        "cellValueChanged", {"data": {**qwen, "suggested_name": "qwen-3-max"}, "colId": "suggested_name",
                             "newValue": "qwen-3-max"}
    )  # fmt: skip
    emit(user, "inbox_selection", [rows["deepseek-ai/DeepSeek-V3.1"]["model_id"], qwen["model_id"]])
    await user.should_see(content="2 selected", marker="inbox-selection")
    user.find(marker="inbox-accept-selected").click()
    await user.should_see(content="Accept 2 selected models?", marker="inbox-question")
    user.find(marker="inbox-confirm").click()
    await user.should_see("2 accepted; 1 left in the inbox.")
    await user.should_see(content="1", marker="inbox-badge")
    assert await state(provider_id, "deepseek-ai/DeepSeek-V3.1") == ("deepseek-v3.1", True, False, None)
    assert await state(provider_id, "Qwen/Qwen3-Max") == ("qwen-3-max", True, False, None)
    assert set(grid_rows(user)) == {"spam-model"}

    emit(user, "inbox_action", {"id": rows["spam-model"]["model_id"], "action": "ignore"})
    await user.should_see("1 ignored; 0 left in the inbox.")
    await user.should_not_see(marker="inbox-badge")
    await user.should_see(marker="inbox-empty")
    assert await state(provider_id, "spam-model") == (None, False, True, None)

    account.models = ["gpt-4o", "deepseek-ai/DeepSeek-V3.1", "Qwen/Qwen3-Max"]  # spam-model vanishes...
    await scheduled(w).run_once()
    account.models.append("spam-model")  # ...and comes back: ignored, so never offered again
    await scheduled(w).run_once()
    await user.open("/inbox")
    await user.should_see(marker="inbox-empty")
    await user.should_not_see(marker="inbox-badge")


async def test_delete_is_offered_for_vanished_models_only_and_a_duplicate_asks_first(user: User, w, recorder):
    account, provider_id = await add(w, "acme", ["gpt-4o", "old-model"])
    account.models = ["gpt-4o", "openai/GPT-4o"]
    await scheduled(w).run_once()
    await user.open("/inbox")
    await user.should_see("Models: 2")
    rows = grid_rows(user)
    assert (rows["old-model"]["_deletable"], rows["openai/GPT-4o"]["_deletable"]) == (True, False)

    emit(user, "inbox_selection", [rows["old-model"]["model_id"], rows["openai/GPT-4o"]["model_id"]])
    user.find(marker="inbox-delete-selected").click()
    await user.should_see(content="1 selected model did not vanish and is left alone.", marker="inbox-question")
    user.find(marker="inbox-confirm").click()
    await user.should_see("1 deleted; 1 left in the inbox.")
    assert await state(provider_id, "old-model") == (None, False, False, None)

    emit(user, "inbox_action", {"id": rows["openai/GPT-4o"]["model_id"], "action": "accept"})  # gpt-4o is taken
    await user.should_see(content="More than one model of the provider would be exposed as: gpt-4o",
                          marker="inbox-confirmation")  # fmt: skip
    assert await state(provider_id, "openai/GPT-4o") == (None, True, False, "new")
    user.find(marker="inbox-go-on").click()
    await user.should_see("1 accepted; 0 left in the inbox.")
    assert await state(provider_id, "openai/GPT-4o") == ("gpt-4o", True, False, None)
