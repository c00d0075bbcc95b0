"""Operator stories on the Models page (issue 14 §2): find the spelling variants of a name across providers, merge
them into one, see the duplicate / split confirmation, save, and find the names changed in the registry.

AG Grid renders in the browser, so these stories read the grid's row data and send what its JavaScript sends
(``names_picked``: the names picked on the shown page).
"""

from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from core import providers
from core.catalog import Changes, apply_changes
from core.models import Model
from core.providers import ProviderCreate
from tests.conftest import fake_key

GRID = "exposed-grid"


async def add(w, name: str, models: list[str]) -> int:
    account = w.fake.add("openai", f"{name}.test", [fake_key(name)], models)
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    return (await providers.create_provider(w.services, data)).id


def rows(user: User) -> dict[str, dict]:
    return {r["exposed"]: r for r in user.find(marker=GRID).elements.pop().options["rowData"]}


def pick(user: User, *names: str) -> None:
    """Tick these names on the shown page (the grid reports the page and what is ticked on it)."""
    user.find(marker=GRID).trigger("names_picked", {"page": list(rows(user)), "picked": list(names)})


async def exposed_names() -> list[tuple[str, str]]:
    rows = await Model.all().order_by("original_name").values_list("original_name", "normalized_name")
    return [(original, normalized or original) for original, normalized in rows]


async def open_models(user: User) -> None:
    await user.open("/models")
    await user.should_see(marker="filter-variants")


async def test_variants_are_found_merged_into_one_confirmed_and_saved(user: User, w, recorder):
    await add(w, "alpha", ["DeepSeek-V3.1", "deepseek-v3.1", "gpt-4o"])
    await add(w, "beta", ["deepseek-ai/DeepSeek-V3.1", "gpt-4o"])
    await open_models(user)
    assert rows(user)["gpt-4o"]["count"] == 2 and rows(user)["gpt-4o"]["aggregate"] == "yes"
    assert rows(user)["DeepSeek-V3.1"]["served_by"] == "alpha: DeepSeek-V3.1"

    user.find(marker="filter-variants").click()
    await user.should_see("Names: 3 (of 4)")
    assert list(rows(user)) == ["deepseek-ai/DeepSeek-V3.1", "DeepSeek-V3.1", "deepseek-v3.1"]
    pick(user, *rows(user))
    await user.should_see(marker="selected-names", content="Selected 3")
    user.find(marker="merge-names").click()
    user.find(kind=ui.radio).elements.pop().value = "deepseek-v3.1"  # the canonical spelling, one of the three
    user.find(marker="merge-ok").click()

    await user.should_see(marker="pending-line", content="deepseek-ai/DeepSeek-V3.1, DeepSeek-V3.1 → deepseek-v3.1")
    assert rows(user)["DeepSeek-V3.1"]["pending"] == "→ deepseek-v3.1"
    assert ("DeepSeek-V3.1", "DeepSeek-V3.1") in await exposed_names()  # nothing written before Save

    user.find(marker="models-save").click()
    await user.should_see(marker="models-save-title", content="Rename 2 names on 2 models?")
    await user.should_see(marker="models-save-duplicates", content="deepseek-v3.1 ← alpha: DeepSeek-V3.1")
    await user.should_see(marker="models-save-split", content="deepseek-v3-1-aggregate")
    user.find(marker="models-save-confirm").click()

    await user.should_see("Renamed 2 models")
    assert await exposed_names() == [
        ("DeepSeek-V3.1", "deepseek-v3.1"),
        ("deepseek-ai/DeepSeek-V3.1", "deepseek-v3.1"),
        ("deepseek-v3.1", "deepseek-v3.1"),
        ("gpt-4o", "gpt-4o"),
        ("gpt-4o", "gpt-4o"),
    ]
    await user.should_see("No names match")  # no variants are left
    user.find(marker="filter-variants").click()
    merged = rows(user)["deepseek-v3.1"]
    assert (merged["count"], merged["aggregate"], merged["pending"]) == (2, "yes", "")
    await user.should_not_see(marker="pending-bar")


async def test_rename_everywhere_stays_pending_until_save_and_discard_drops_it(user: User, w, recorder):
    await add(w, "alpha", ["gpt-4o", "o3"])
    await add(w, "beta", ["gpt-4o"])
    await open_models(user)
    user.find(marker="rename-everywhere").click()
    await user.should_see("Select one name to rename it everywhere.")

    user.find("Search names").type("gpt")
    assert list(rows(user)) == ["gpt-4o"]
    pick(user, "gpt-4o")
    user.find(marker="rename-everywhere").click()
    user.find(marker="rename-to").clear().type("openai/gpt-4o")
    user.find(marker="rename-ok").click()
    await user.should_see(marker="pending-line", content="gpt-4o → openai/gpt-4o")
    user.find(marker="models-discard").click()
    await user.should_not_see(marker="pending-bar")
    assert rows(user)["gpt-4o"]["pending"] == ""

    pick(user, "gpt-4o")
    user.find(marker="rename-everywhere").click()
    user.find(marker="rename-to").clear().type("GPT-4o")
    user.find(marker="rename-ok").click()
    await user.should_see(marker="pending-line", content="gpt-4o → GPT-4o")
    user.find(marker="models-save").click()
    await user.should_see(marker="models-save-shared", content="GPT-4o ← alpha: gpt-4o, beta: gpt-4o")
    user.find(marker="models-save-confirm").click()  # two providers: an aggregate, no confirmation needed
    await user.should_see("Renamed 2 models")
    assert [name for _, name in await exposed_names()] == ["GPT-4o", "GPT-4o", "o3"]


async def test_served_by_one_provider_only_and_an_invalid_name_changes_nothing(user: User, w, recorder):
    await add(w, "alpha", ["gpt-4o", "o3"])
    await add(w, "beta", ["gpt-4o"])
    await open_models(user)
    user.find(marker="filter-single").click()
    await user.should_see("Names: 1 (of 2)")
    assert list(rows(user)) == ["o3"]
    pick(user, "o3")
    user.find(marker="rename-everywhere").click()
    user.find(marker="rename-to").clear().type("   ")
    user.find(marker="rename-ok").click()
    await user.should_see("Type the new name.")
    await user.should_not_see(marker="pending-bar")


async def test_merge_needs_two_names_and_takes_a_typed_spelling(user: User, w, recorder):
    await add(w, "alpha", ["qwen2.5", "Qwen-2.5", "o3"])
    await open_models(user)
    pick(user, "qwen2.5")
    user.find(marker="merge-names").click()
    await user.should_see("Select two or more names to merge them into one.")
    pick(user, "qwen2.5", "Qwen-2.5")
    user.find(marker="merge-names").click()
    user.find(marker="merge-typed").type(" qwen-2.5 ")
    user.find(marker="merge-ok").click()
    await user.should_see(marker="pending-line", content="Qwen-2.5, qwen2.5 → qwen-2.5")
    user.find(marker="models-save").click()
    await user.should_see(marker="models-save-title", content="Rename 2 names on 2 models?")
    await user.should_see(marker="models-save-duplicates", content="qwen-2.5 ← alpha: Qwen-2.5, alpha: qwen2.5")
    user.find(marker="models-save-confirm").click()  # confirms the duplicate it showed
    await user.should_see("Renamed 2 models")
    assert [name for _, name in await exposed_names()] == ["qwen-2.5", "o3", "qwen-2.5"]


async def test_a_save_refused_because_the_registry_changed_shows_the_new_impact_then_saves(user: User, w, recorder):
    provider_id = await add(w, "alpha", ["a-model", "b-model", "c-model"])
    await open_models(user)
    pick(user, "a-model")
    user.find(marker="rename-everywhere").click()
    user.find(marker="rename-to").clear().type("shared")
    user.find(marker="rename-ok").click()
    await user.should_see(marker="pending-line", content="a-model → shared")
    # Meanwhile someone else gives b-model the same name: the page's impact did not see a duplicate.
    ids = dict(await Model.filter(provider_id=provider_id).values_list("original_name", "id"))
    await apply_changes(w.services, Changes(renames={ids["b-model"]: "shared"}))

    user.find(marker="models-save").click()
    await user.should_see(marker="models-save-title", content="Rename 1 name on 1 model?")
    await user.should_not_see(marker="models-save-duplicates")
    user.find(marker="models-save-confirm").click()
    await user.should_see(marker="models-save-changed")
    await user.should_see(marker="models-save-duplicates", content="shared ← alpha: a-model, alpha: b-model")
    assert [name for _, name in await exposed_names()] == ["a-model", "shared", "c-model"]

    user.find(marker="models-save-confirm").click()
    await user.should_see("Renamed 1 model.")
    assert [name for _, name in await exposed_names()] == ["shared", "shared", "c-model"]
