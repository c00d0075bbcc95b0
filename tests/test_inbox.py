"""The churn inbox (issue 14 §4): fetches mark what changed upstream; accept, ignore and delete resolve it in one
transaction, through the catalog's own confirmations."""

from __future__ import annotations

import pytest

from core import catalog, fetching, inbox, normalization_suggestions, providers
from core.catalog import Changes
from core.errors import ConfirmationRequired, InvalidInput, InvalidResolution, NotFound
from core.inbox import InboxQuery, Resolution
from core.models import Model
from core.normalization_suggestions import RuleCreate
from core.providers import ProviderCreate
from tests.conftest import fake_key


async def provider_with(services, fake, name: str, models: list[str]):
    account = fake.add("openai", f"{name}.test", [fake_key(name)], models)
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    return account, (await providers.create_provider(services, data)).id


async def kinds(provider_id: int | None = None) -> dict[str, str]:
    query = InboxQuery(provider_id=provider_id)
    return {item.original_name: item.kind for item in await inbox.inbox_items(query)}


async def model(provider_id: int, original: str) -> Model:
    return await Model.get(provider_id=provider_id, original_name=original)


async def ids(provider_id: int, *originals: str) -> list[int]:
    return [(await model(provider_id, o)).id for o in originals]


@pytest.mark.parametrize(
    ("kind", "original", "normalized", "suggestion", "expected"),
    [
        ("new", "deepseek-ai/DeepSeek-V3.1", None, "deepseek-v3.1", "deepseek-v3.1"),
        ("new", "Qwen/Qwen3", "qwen-3", "qwen3", "qwen-3"),  # renamed in the workbench before review: kept
        ("new", "org/", None, "", "org/"),  # nothing left to suggest: the original
        ("vanished", "GPT-4o", None, "gpt-4o", "GPT-4o"),  # clients know it by this name: kept
        ("reappeared", "GPT-4o", "gpt4o", "gpt-4o", "gpt4o"),
    ],
)
def test_suggested_name_keeps_chosen_and_known_names_and_suggests_for_new_ones(
    kind, original, normalized, suggestion, expected
):
    assert inbox.suggested_name(kind, original, normalized, suggestion) == expected


async def test_provider_creation_and_manual_additions_are_not_inbox_items(services, fake):
    _, provider_id = await provider_with(services, fake, "acme", ["m-1", "m-2"])
    await catalog.add_model(services, provider_id, "by-hand")
    assert await inbox.inbox_count() == 0


async def test_a_fetch_marks_new_vanished_and_reappeared_models(services, fake):
    account, provider_id = await provider_with(services, fake, "acme", ["keep", "goes", "comes-back"])
    account.models = ["keep", "comes-back", "Vendor/Fresh-One"]
    await fetching.fetch_models(services, provider_id)
    account.models = ["keep", "Vendor/Fresh-One"]
    await fetching.fetch_models(services, provider_id)
    assert await kinds() == {"goes": "vanished", "comes-back": "vanished", "Vendor/Fresh-One": "new"}

    account.models = ["keep", "Vendor/Fresh-One", "comes-back"]
    result = (await fetching.fetch_many(services, None))[0].result
    assert result is not None and result.reappeared == ["comes-back"]
    assert await kinds() == {"goes": "vanished", "comes-back": "reappeared", "Vendor/Fresh-One": "new"}
    page = await inbox.list_inbox(InboxQuery(kind="new"), page=1, page_size=10)
    assert page.total == 1
    fresh = page.items[0]
    assert (fresh.provider_name, fresh.suggested_name, fresh.is_active) == ("acme", "fresh-one", True)
    assert await inbox.inbox_count() == 3


async def test_saved_normalization_rules_name_new_models_once_the_operator_saved_any(services, fake):
    account, provider_id = await provider_with(services, fake, "acme", ["base"])
    account.models = ["base", "Vendor/Fresh-One"]
    await fetching.fetch_models(services, provider_id)
    assert [i.suggested_name for i in await inbox.inbox_items(InboxQuery())] == ["fresh-one"]  # built-in default

    await normalization_suggestions.create_rule(services, RuleCreate(kind="strip_prefix", params={"prefix": "Vendor/"}))
    [item] = await inbox.inbox_items(InboxQuery())
    assert item.suggested_name == "Fresh-One"  # only what the saved rule says: no lowercasing
    await inbox.resolve(services, Resolution(accept=[item.model_id]))
    assert (await model(provider_id, "Vendor/Fresh-One")).normalized_name == "Fresh-One"


async def test_the_inbox_lists_across_providers_by_provider_and_pages(services, fake):
    b_account, b_id = await provider_with(services, fake, "bravo", ["x"])
    a_account, _ = await provider_with(services, fake, "alpha", ["x"])
    b_account.models = ["x", "b-2", "b-1"]
    a_account.models = ["x", "a-1"]
    await fetching.fetch_many(services, None)
    first = await inbox.list_inbox(InboxQuery(), page=1, page_size=2)
    second = await inbox.list_inbox(InboxQuery(), page=2, page_size=2)
    listed = [(i.provider_name, i.original_name) for i in first.items + second.items]
    assert (first.total, listed) == (3, [("alpha", "a-1"), ("bravo", "b-1"), ("bravo", "b-2")])
    assert set(await kinds(b_id)) == {"b-1", "b-2"}


async def test_accept_makes_models_active_under_their_suggested_or_typed_names(services, fake):
    account, provider_id = await provider_with(services, fake, "acme", ["base"])
    account.models = ["base", "Org/Model-A", "Org/Model-B"]
    await fetching.fetch_models(services, provider_id)
    a, b = await ids(provider_id, "Org/Model-A", "Org/Model-B")

    result = await inbox.resolve(services, Resolution(accept=[a, b], names={b: "model-b-custom"}))
    assert (result.accepted, result.remaining) == (2, 0)
    accepted = [await model(provider_id, "Org/Model-A"), await model(provider_id, "Org/Model-B")]
    states = [(m.normalized_name, m.is_active, m.inbox) for m in accepted]
    assert states == [("model-a", True, None), ("model-b-custom", True, None)]


async def test_accepting_a_deleted_model_that_reappeared_restores_it_under_its_earlier_name(services, fake):
    account, provider_id = await provider_with(services, fake, "acme", ["base", "Comes-Back"])
    back_id = (await model(provider_id, "Comes-Back")).id
    await catalog.apply_changes(services, Changes(renames={back_id: "comes-back-renamed"}))
    account.models = ["base"]
    await fetching.fetch_models(services, provider_id)
    await inbox.resolve(services, Resolution(delete=[back_id]))  # vanished, deleted from the inbox
    assert not (await model(provider_id, "Comes-Back")).is_active

    account.models = ["base", "Comes-Back"]
    await fetching.fetch_models(services, provider_id)
    [item] = await inbox.inbox_items(InboxQuery())
    assert (item.kind, item.suggested_name, item.is_active) == ("reappeared", "comes-back-renamed", False)
    await inbox.resolve(services, Resolution(accept=[back_id]))
    back = await model(provider_id, "Comes-Back")
    assert (back.is_active, back.normalized_name, back.inbox) == (True, "comes-back-renamed", None)


async def test_an_ignored_model_stays_inactive_and_never_returns_to_the_inbox(services, fake):
    account, provider_id = await provider_with(services, fake, "acme", ["base"])
    account.models = ["base", "noise"]
    await fetching.fetch_models(services, provider_id)
    [noise] = await ids(provider_id, "noise")
    result = await inbox.resolve(services, Resolution(ignore=[noise]))
    assert (result.ignored, result.remaining) == (1, 0)

    for listing in (["base"], ["base", "noise"], ["base"], ["base", "noise"]):  # vanishes, reappears, twice
        account.models = listing
        await fetching.fetch_models(services, provider_id)
        ignored = await model(provider_id, "noise")
        assert (ignored.inbox, ignored.is_active, ignored.ignored) == (None, False, True)
    assert await inbox.inbox_count() == 0


async def test_delete_deactivates_a_vanished_model_and_refuses_one_that_did_not_vanish(services, fake):
    account, provider_id = await provider_with(services, fake, "acme", ["base", "old"])
    account.models = ["base", "fresh"]
    await fetching.fetch_models(services, provider_id)
    old, fresh = await ids(provider_id, "old", "fresh")

    with pytest.raises(InvalidResolution) as refused:
        await inbox.resolve(services, Resolution(delete=[old, fresh]))
    assert (refused.value.code, refused.value.extra) == ("not_vanished", {"model_ids": [fresh]})
    assert await kinds() == {"old": "vanished", "fresh": "new"}  # nothing changed

    await inbox.resolve(services, Resolution(delete=[old]))
    gone = await model(provider_id, "old")
    assert (gone.is_active, gone.inbox, gone.ignored, gone.upstream_missing) == (False, None, False, True)


async def test_accepting_a_name_another_model_of_the_provider_has_needs_confirmation(services, fake):
    account, provider_id = await provider_with(services, fake, "acme", ["gpt-4o"])
    account.models = ["gpt-4o", "openai/GPT-4o"]
    await fetching.fetch_models(services, provider_id)
    [twin] = await ids(provider_id, "openai/GPT-4o")
    before = await catalog.list_models(provider_id)

    with pytest.raises(ConfirmationRequired) as refused:
        await inbox.resolve(services, Resolution(accept=[twin]))
    assert refused.value.code == "confirm_duplicates" and "gpt-4o" in refused.value.extra["duplicates"]
    assert (await catalog.list_models(provider_id), await inbox.inbox_count()) == (before, 1)

    await inbox.resolve(services, Resolution(accept=[twin], confirm_duplicates=True))
    assert (await model(provider_id, "openai/GPT-4o")).normalized_name == "gpt-4o"


async def test_ignoring_every_active_model_of_a_provider_needs_the_delete_all_confirmation(services, fake):
    account, provider_id = await provider_with(services, fake, "acme", ["only"])
    account.models = ["only", "second"]
    await fetching.fetch_models(services, provider_id)
    await catalog.apply_changes(services, Changes(deletions={(await model(provider_id, "only")).id}))
    [second] = await ids(provider_id, "second")
    with pytest.raises(ConfirmationRequired) as refused:
        await inbox.resolve(services, Resolution(ignore=[second]))
    assert refused.value.code == "confirm_delete_all"
    await inbox.resolve(services, Resolution(ignore=[second], confirm_delete_all=True))
    assert (await model(provider_id, "second")).ignored


@pytest.mark.parametrize(
    ("bad", "error", "code"),
    [
        ("unknown id", NotFound, "not_found"),
        ("resolved already", InvalidResolution, "not_in_inbox"),
        ("accepted and ignored", InvalidResolution, "conflicting_actions"),
        ("a name for an ignored model", InvalidResolution, "conflicting_actions"),
        ("a control character in a name", InvalidInput, "invalid_name"),
    ],
)
async def test_one_bad_part_of_a_resolve_changes_nothing(services, fake, bad, error, code):
    account, provider_id = await provider_with(services, fake, "acme", ["base", "resolved"])
    account.models = ["base", "Org/New-A", "Org/New-B"]
    await fetching.fetch_models(services, provider_id)
    a, b, resolved = await ids(provider_id, "Org/New-A", "Org/New-B", "resolved")
    await inbox.resolve(services, Resolution(delete=[resolved]))
    before = (await catalog.list_models(provider_id), await kinds())
    resolution = {
        "unknown id": Resolution(accept=[a], ignore=[b, 999_999]),
        "resolved already": Resolution(accept=[a], ignore=[b, resolved]),
        "accepted and ignored": Resolution(accept=[a, b], ignore=[b]),
        "a name for an ignored model": Resolution(accept=[a], ignore=[b], names={b: "x"}),
        "a control character in a name": Resolution(accept=[a, b], names={b: "bad\nname"}),
    }[bad]
    with pytest.raises(error) as refused:
        await inbox.resolve(services, resolution)
    assert refused.value.code == code
    assert (await catalog.list_models(provider_id), await kinds()) == before


async def test_a_confirmation_refused_after_the_restore_batch_rolls_the_restore_back(services, fake):
    """Accepting a deleted model runs two catalog batches; the second refusing undoes the first."""
    account, provider_id = await provider_with(services, fake, "acme", ["base", "dup-a", "Old"])
    account.models = ["base", "dup-a"]
    await fetching.fetch_models(services, provider_id)
    [old] = await ids(provider_id, "Old")
    await inbox.resolve(services, Resolution(delete=[old]))
    account.models = ["base", "dup-a", "Old"]
    await fetching.fetch_models(services, provider_id)

    with pytest.raises(ConfirmationRequired):
        await inbox.resolve(services, Resolution(accept=[old], names={old: "dup-a"}))
    back = await model(provider_id, "Old")
    assert (back.is_active, back.normalized_name, back.inbox) == (False, None, "reappeared")
