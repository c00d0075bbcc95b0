"""The summary strip's numbers (issue 14 §1): counts from the registry, and the changes a sync would make now,
computed from the registry and what the last sync left, without one request to GPT-Load."""

from __future__ import annotations

import pytest

from core import providers
from core.changes import AddKeys, CreateGroup, DeleteGroup, RemoveKeys, UpdateGroup
from core.crypto import key_fingerprint
from core.models import ManagedGroup
from core.overview import RecordedGroup, group_changes, overview
from core.plan import GroupSpec
from core.providers import ProviderUpdate
from tests.conftest import fake_key
from tests.test_sync import registry, rename, sync  # noqa: F401 (registry is a fixture)

PROXY = "lpm-proxy-test"
FIELDS = {"display_name": "m @ a", "description": "[managed by llm-provider-manager] m @ a", "proxy_keys": PROXY}


async def overview_without_gptload(services, gptload):
    before = len(gptload.requests)
    seen = await overview(services)
    assert gptload.requests[before:] == []  # not one request to GPT-Load
    return seen


async def test_counts_come_from_the_registry_and_a_never_synced_registry_has_everything_to_do(
    services,
    gptload,
    registry,  # noqa: F811
):
    seen = await overview_without_gptload(services, gptload)
    assert (seen.providers, seen.active_models, seen.managed_groups, seen.last_sync) == (4, 8, 0, None)
    assert seen.exposed_names == 6  # shared-model and gemini-pro are served twice
    assert seen.pending_counts["create_group"] > 0 and seen.pending_counts["write_uniapi"] == 1
    assert seen.pending_changes == sum(seen.pending_counts.values())


async def test_nothing_to_do_after_a_sync_and_a_rename_counts_without_asking_gptload(
    services,
    gptload,
    registry,  # noqa: F811
):
    assert (await sync(services)).status == "succeeded"
    seen = await overview_without_gptload(services, gptload)
    assert (seen.pending_changes, seen.pending_counts, seen.unsure_groups) == (0, {}, 0)
    assert seen.last_sync is not None and seen.last_sync.status == "succeeded"
    assert seen.managed_groups == len(gptload.groups_by_name())

    await rename(services, registry["a"], "a-only", "a-renamed")
    seen = await overview_without_gptload(services, gptload)
    plan = (await services.sync.build_plan()).plan
    assert seen.pending_counts == plan.counts()  # the same changes the preview finds by reading GPT-Load
    assert seen.pending_counts == {"update_group": 1, "trim_redirects": 1, "write_uniapi": 1}


async def test_a_new_key_and_a_deleted_provider_count_as_the_plan_counts_them(
    services,
    gptload,
    fake,
    registry,  # noqa: F811
):
    assert (await sync(services)).status == "succeeded"
    fake.accounts[1].keys.append(fake_key("b2"))
    await providers.update_provider(services, registry["b"], ProviderUpdate(add_api_keys=[fake_key("b2")]))
    await providers.delete_provider(services, registry["c"])
    seen = await overview_without_gptload(services, gptload)
    assert seen.pending_counts == (await services.sync.build_plan()).plan.counts()
    assert seen.pending_counts["add_keys"] == 2 and seen.pending_counts["delete_group"] == 1


async def test_groups_a_sync_left_unfinished_are_counted_as_unsure(services, gptload, registry):  # noqa: F811
    assert (await sync(services)).status == "succeeded"
    await ManagedGroup.filter(name="a-no-aggregate-models").update(applied=None)
    seen = await overview_without_gptload(services, gptload)
    assert (seen.pending_changes, seen.unsure_groups) == (0, 1)


def spec(name: str, keys: tuple[str, ...] = ("k1",), **fields) -> GroupSpec:
    return GroupSpec(name, "standard", "openai", {**FIELDS, **fields}, frozenset(keys))


def recorded(name: str, keys: tuple[str, ...] | None = ("k1",), **fields) -> RecordedGroup:
    applied = None if keys is None else {"keys": sorted(key_fingerprint(k) for k in keys)}
    public = {k: v for k, v in {**FIELDS, **fields}.items() if k != "proxy_keys"}
    return RecordedGroup(name, 7, "standard", public, applied)


@pytest.mark.parametrize(
    ("specs", "rows", "kinds", "unsure"),
    [
        ([spec("g")], [recorded("g")], [], 0),
        ([spec("g")], [], [CreateGroup, AddKeys], 0),
        ([], [recorded("g")], [DeleteGroup], 0),
        ([spec("g", display_name="new")], [recorded("g")], [UpdateGroup], 0),
        ([spec("g", ("k1", "k2"))], [recorded("g")], [AddKeys], 0),
        ([spec("g", ("k2",))], [recorded("g", ("k1", "k2"))], [RemoveKeys], 0),
        ([spec("g", ("k2",))], [recorded("g", ("k1",))], [AddKeys, RemoveKeys], 0),
        ([spec("g")], [recorded("g", None)], [], 1),
    ],
    ids=["same", "new", "gone", "field", "key-added", "key-removed", "key-swapped", "unknown-keys"],
)
def test_group_changes_against_the_recorded_groups(specs, rows, kinds, unsure):
    changes, unknown = group_changes(specs, rows, PROXY)
    assert sorted(type(c).__name__ for c in changes) == sorted(k.__name__ for k in kinds)
    assert unknown == unsure
