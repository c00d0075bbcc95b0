"""Operator stories of the import (issue 13): the dashboard's offer, the stepper from the sources to "Next: preview
the sync", conflict choices and adoption reaching apply, refusals shown with nothing stored, restoring a backup."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from nicegui import ui
from nicegui.testing import User

from core import catalog, import_offer, providers
from core.backup import make_backup
from core.catalog import Changes
from core.models import ManagedGroup
from core.providers import ProviderCreate
from tests.conftest import fake_key
from tests.import_layout import build_layout
from tests.ui.test_sync_operator_ui import synced

PASSPHRASE = "correct horse battery staple"


def rows(user: User, marker: str) -> list[dict]:
    return user.find(marker=marker).elements.pop().options["rowData"]


async def preview_setup(user: User) -> None:
    """Sources as offered (GPT-Load and the configured api.yaml), then Preview import."""
    await user.open("/import")
    await user.should_see(marker="import-preview", retries=30)
    user.find(marker="import-preview").click()
    await user.should_see(marker="import-providers", retries=50)


async def registered(w) -> dict[str, object]:
    return {p.name: p for p in await providers.list_providers(w.services)}


async def until(check: Callable[[], bool], retries: int = 50) -> None:
    """Wait for what the page shows, as ``user.should_see`` does, for what it cannot look for."""
    for _ in range(retries):
        if check():
            return
        await asyncio.sleep(0.1)
    assert check()


def models_shown(user: User) -> set[tuple[str, str, str]]:
    return {(r["provider"], r["original"], r["client"]) for r in rows(user, "import-models")}


def choice_of(user: User, prefix: str) -> ui.select:
    """The select of the one conflict whose options start with ``prefix``."""
    [select] = [s for s in user.find(kind=ui.select).elements if next(iter(s.options)) == prefix]
    return select


async def test_dashboard_offers_the_import_while_the_registry_is_empty(user: User, w, recorder):
    await user.open("/")
    await user.should_see("No providers yet", retries=30)
    assert not (await import_offer.existing_setup(w.services)).offered  # nothing made by hand: no card
    await user.should_not_see(marker="import-offer")

    await build_layout(w.fake, w.gptload, w.services.settings)
    await user.open("/")
    await user.should_see(marker="import-offer", retries=30)
    await user.should_see("Found 5 GPT-Load groups and 6 api.yaml providers made without this manager")
    user.find(marker="import-offer-button").click()
    await user.should_see(marker="import-preview", retries=30)

    account = w.fake.add("openai", "acme.test", [fake_key("acme")], ["m"])
    data = ProviderCreate(name="acme", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    await providers.create_provider(w.services, data)
    await user.open("/")
    await user.should_see(content="1 providers", marker="providers-count", retries=30)  # the table (issue 14)
    assert [r["name"] for r in user.find(marker="providers-grid").elements.pop().options["rowData"]] == ["acme"]
    assert not (await import_offer.existing_setup(w.services)).offered
    await user.should_not_see(marker="import-offer")


async def test_import_then_adopt_all_then_apply_then_preview_the_sync(user: User, w, recorder):
    await build_layout(w.fake, w.gptload, w.services.settings)
    await preview_setup(user)
    names = {r["name"]: r for r in rows(user, "import-providers")}
    assert set(names) == {"openai-main", "mirror-main", "gemini-main", "ops-tools", "deepseek", "claude-direct"}
    assert names["deepseek"]["keys"] == 2 and names["deepseek"]["import"] and not names["deepseek"]["merge"]
    await user.should_see(marker="no-conflicts")
    models = models_shown(user)
    assert ("openai-main", "o3", "reasoner") in models and ("deepseek", "deepseek-reasoner", "r1") in models

    user.find(marker="import-to-adopt").click()
    await user.should_see(marker="adopt-help")
    user.find(marker="adopt-all").click()
    await user.should_see(content="11 of 11 adoptable chosen", marker="adopt-count")
    assert user.find(marker="adopt-group-gpt4o-pool").elements.pop().value
    user.find(marker="import-to-apply").click()
    await user.should_see(content="Creates 6 providers, merges 0", marker="import-summary")
    await user.should_see("adopts 5 groups and 6 api.yaml entries")
    user.find(marker="import-apply").click()
    await user.should_see(content="6 providers created", marker="import-result", retries=50)
    assert set(await registered(w)) == set(names)
    assert await ManagedGroup.all().count() == 5
    assert "managed by llm-provider-manager" in w.services.settings.uniapi_config_path.read_text()

    user.find(marker="import-next-sync").click()
    await user.should_see("Plan preview", retries=50)
    await user.should_not_see(marker="reimport-offer")


async def test_a_conflict_choice_made_in_the_page_reaches_apply(user: User, w, recorder):
    layout = await build_layout(w.fake, w.gptload, w.services.settings)
    account = layout.accounts["openai"]  # the upstream of the hand-made group openai-main
    data = ProviderCreate(name="mine", base_url=account.base_url, channel_type="openai", api_keys=account.keys[:1])
    await providers.create_provider(w.services, data)
    before = (await registered(w))["mine"]
    await preview_setup(user)
    await user.should_see(content="1 merged into registered ones", marker="import-counts")
    [merged] = [r for r in rows(user, "import-providers") if r["merge"]]
    assert merged["name"] == "mine" and merged["outcome"] == "merge into registered mine"
    assert list(choice_of(user, "merge").options) == ["merge", "keep_mine", "skip"]
    assert choice_of(user, "merge").value == "merge"  # the preview's choice
    choice_of(user, "merge").value = "skip"  # previews again with it
    await user.should_see(content="0 merged into registered ones", marker="import-counts", retries=50)
    assert choice_of(user, "merge").value == "skip"
    assert "mine" not in {r["name"] for r in rows(user, "import-providers")}

    user.find(marker="import-to-adopt").click()
    await user.should_see(marker="not-adoptable-group-openai-main")  # skipped: it stays the operator's
    user.find(marker="import-to-apply").click()
    user.find(marker="import-apply").click()
    await user.should_see(content="0 merged", marker="import-result", retries=50)
    after = (await registered(w))["mine"]
    assert after.api_keys_masked == before.api_keys_masked and after.model_count == before.model_count
    assert "openai-main" not in await registered(w)


async def test_a_choice_that_removes_another_conflict_resets_the_choice_made_there(user: User, w, recorder):
    layout = await build_layout(w.fake, w.gptload, w.services.settings)
    account = layout.accounts["openai"]
    listed, account.models = account.models, ["gpt-4o-mini"]  # registered before gpt-4o was listed
    data = ProviderCreate(name="mine", base_url=account.base_url, channel_type="openai", api_keys=account.keys[:1])
    mine = await providers.create_provider(w.services, data)
    account.models = listed
    [model] = await catalog.list_models(mine.id)
    await catalog.apply_changes(w.services, Changes(renames={model.id: "gpt4o"}, provider_id=mine.id))
    await preview_setup(user)  # merging brings gpt-4o, which group openai-main serves as gpt4o too: a clash
    choice_of(user, "split").value = "keep:gpt-4o-mini"  # gpt-4o keeps its own name
    await until(lambda: ("mine", "gpt-4o", "gpt-4o") in models_shown(user))
    assert choice_of(user, "split").value == "keep:gpt-4o-mini"
    choice_of(user, "merge").value = "skip"  # nothing merged: the clash is gone, and the choice made there
    await user.should_see("Some earlier choices no longer apply and were reset.", retries=50)
    assert choice_of(user, "merge").value == "skip"
    assert not [s for s in user.find(kind=ui.select).elements if next(iter(s.options)) == "split"]
    await user.should_not_see(marker="import-error")


async def test_an_import_provider_unchecked_is_not_imported(user: User, w, recorder):
    await build_layout(w.fake, w.gptload, w.services.settings)
    await preview_setup(user)
    grid = user.find(marker="import-providers")
    row = next(r for r in rows(user, "import-providers") if r["name"] == "claude-direct")
    grid.trigger("cellValueChanged", {"data": row, "colId": "import", "newValue": False})
    await user.should_see(content="1 not imported", marker="import-counts", retries=50)
    row = next(r for r in rows(user, "import-providers") if r["name"] == "claude-direct")
    assert row["outcome"] == "not imported" and not row["import"]  # still listed, so it can come back
    user.find(marker="import-to-adopt").click()
    await user.should_see(marker="not-adoptable-entry-claude-direct")
    user.find(marker="import-to-apply").click()
    user.find(marker="import-apply").click()
    await user.should_see(content="5 providers created", marker="import-result", retries=50)
    assert "claude-direct" not in await registered(w)


async def test_an_adoption_apply_refuses_is_shown_and_nothing_is_stored(user: User, w, recorder):
    await build_layout(w.fake, w.gptload, w.services.settings)
    await preview_setup(user)
    user.find(marker="import-to-adopt").click()
    user.find(marker="adopt-group-openai-main").click()  # without the entry that routes through it
    await user.should_see(content="1 of 11 adoptable chosen", marker="adopt-count")
    user.find(marker="import-to-apply").click()
    user.find(marker="import-apply").click()
    await user.should_see(content="adopt openai-via-gptload too", marker="import-error", retries=50)
    assert user.find(marker="import-stepper").elements.pop().value == "apply"  # the stepper stays
    assert await registered(w) == {} and await ManagedGroup.all().count() == 0
    await user.should_not_see(marker="import-result")

    user.find(marker="import-back-to-adopt").click()  # the operator leaves it alone; then apply succeeds
    user.find(marker="adopt-none").click()
    await user.should_see(content="0 of 11 adoptable chosen", marker="adopt-count")
    user.find(marker="import-to-apply").click()
    user.find(marker="import-apply").click()
    await user.should_see(content="6 providers created", marker="import-result", retries=50)
    await user.should_not_see(marker="import-error")
    assert await ManagedGroup.all().count() == 0


async def test_an_uploaded_api_yaml_is_read_without_gptload(user: User, w, recorder):
    layout = await build_layout(w.fake, w.gptload, w.services.settings)
    await user.open("/import")
    await user.should_see(marker="import-preview", retries=30)
    user.find(marker="source-gptload").click()  # unchecked
    user.find(marker="source-uniapi").elements.pop().value = "upload"
    upload = user.find(marker="uniapi-upload").elements.pop()
    await upload.handle_uploads([ui.upload.SmallFileUpload("api.yaml", "application/yaml", layout.api_yaml.encode())])
    await user.should_see(content="Uploaded: api.yaml", marker="uniapi-uploaded")
    user.find(marker="import-preview").click()
    await user.should_see(marker="import-providers", retries=50)
    names = {r["name"] for r in rows(user, "import-providers")}
    assert {"deepseek", "claude-direct"} <= names and "mirror-main" not in names


async def backup_of_a_deleted_provider(w, models: list[str]) -> bytes:
    """A backup holding provider "alpha" with ``models``, taken before alpha was deleted: a restore brings it back."""
    account = w.fake.add("openai", "alpha.test", [fake_key("alpha")], models)
    data = ProviderCreate(name="alpha", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    created = await providers.create_provider(w.services, data)
    bundle = await make_backup(w.services, PASSPHRASE)
    await providers.delete_provider(w.services, created.id)
    return bundle


async def test_restore_with_a_wrong_passphrase_is_refused_clearly_then_the_right_one_opens_it(user: User, w, recorder):
    bundle = await backup_of_a_deleted_provider(w, ["a-1", "a-2"])

    await user.open("/import")
    await user.should_see(marker="import-preview", retries=30)
    user.find(marker="source-mode").elements.pop().value = "backup"
    upload = user.find(marker="bundle-upload").elements.pop()
    await upload.handle_uploads([ui.upload.SmallFileUpload("setup.lpmbak", "application/octet-stream", bundle)])
    await user.should_see(content="Uploaded: setup.lpmbak", marker="bundle-uploaded")
    user.find(marker="bundle-passphrase").type("not the passphrase at all")
    user.find(marker="import-preview").click()
    await user.should_see(content="the passphrase is wrong, or the file was changed", marker="import-error",
                          retries=50)  # fmt: skip
    assert user.find(marker="import-stepper").elements.pop().value == "sources"
    await user.should_not_see(marker="import-providers")
    assert await registered(w) == {}

    user.find(marker="bundle-passphrase").clear().type(PASSPHRASE)
    user.find(marker="import-preview").click()
    await user.should_see(marker="import-providers", retries=50)
    await user.should_not_see(marker="import-error")
    assert [r["name"] for r in rows(user, "import-providers")] == ["alpha"]
    assert user.find(marker="bundle-passphrase").elements.pop().value == ""  # not kept in the page


async def test_an_unsafe_plan_on_an_empty_registry_offers_the_import(user: User, w, recorder):
    await synced(w)
    for provider in await providers.list_providers(w.services):
        await providers.delete_provider(w.services, provider.id)
    await user.open("/sync")
    await user.should_see(marker="unsafe-plan", retries=30)
    await user.should_see(marker="reimport-offer")
    user.find(marker="reimport-link").click()
    await user.should_see(marker="import-preview", retries=30)
    await user.should_see(marker="nav-import")


async def test_a_stale_preview_is_refused_at_apply_and_preview_again_recovers(user: User, w, recorder):
    await build_layout(w.fake, w.gptload, w.services.settings)
    await preview_setup(user)
    account = w.fake.add("openai", "acme.test", [fake_key("acme")], ["m"])
    data = ProviderCreate(name="acme", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    await providers.create_provider(w.services, data)  # the registry changes after the preview
    user.find(marker="import-to-adopt").click()
    user.find(marker="import-to-apply").click()
    user.find(marker="import-apply").click()
    await user.should_see(content="The registry changed since this preview", marker="import-error", retries=50)
    assert set(await registered(w)) == {"acme"}
    user.find(marker="import-preview-again").click()
    await user.should_not_see(marker="import-error", retries=50)
    assert user.find(marker="import-stepper").elements.pop().value == "review"
    user.find(marker="import-to-adopt").click()
    user.find(marker="import-to-apply").click()
    user.find(marker="import-apply").click()
    await user.should_see(content="6 providers created", marker="import-result", retries=50)
