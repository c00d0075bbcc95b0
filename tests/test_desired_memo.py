"""The desired state is built again exactly when something it reads changed (core.desired.DesiredMemo)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core import providers
from core.desired import DesiredMemo, desired_state, remembered_desired_state
from core.models import ManagedGroup, Model, Provider
from core.providers import ProviderUpdate
from tests.conftest import fake_key
from tests.test_sync import registry, rename, sync  # noqa: F401 (registry is a fixture)


def shape(state):
    return [(s.name, s.fields, s.keys, s.members) for s in state.specs], state.entries


async def renamed_model(services, ids, fake):
    await rename(services, ids["a"], "a-only", "a-renamed")


async def deactivated_model(services, ids, fake):
    await Model.filter(provider_id=ids["a"], original_name="a-only").update(is_active=False)


async def new_provider_name(services, ids, fake):
    await providers.update_provider(services, ids["b"], ProviderUpdate(name="b-renamed"))


async def new_keys(services, ids, fake):
    fake.accounts[1].keys.append(fake_key("b9"))
    await providers.update_provider(services, ids["b"], ProviderUpdate(api_keys=[fake_key("b1"), fake_key("b9")]))


async def a_test_result(services, ids, fake):
    await Model.filter(provider_id=ids["g"], original_name="gemini-pro-preview").update(last_test_ok=True)


async def a_chosen_test_model(services, ids, fake):
    await Provider.filter(id=ids["a"]).update(test_model="shared-model")


async def a_remembered_identity(services, ids, fake):
    await ManagedGroup.create(name="a-old-name", group_type="standard", identity="rest:999")


async def another_model_list_setting(services, ids, fake):
    services.settings = replace(services.settings, uniapi_model_lists="auto")


@pytest.mark.parametrize(
    "change",
    [
        renamed_model,
        deactivated_model,
        new_provider_name,
        new_keys,
        a_test_result,
        a_chosen_test_model,
        a_remembered_identity,
        another_model_list_setting,
    ],
)
async def test_any_change_to_what_it_reads_builds_the_desired_state_again(services, registry, fake, change):  # noqa: F811
    memo = DesiredMemo()
    before = await remembered_desired_state(services, memo)
    await change(services, registry, fake)
    after = await remembered_desired_state(services, memo)
    assert after is not before
    assert shape(after) == shape(await desired_state(services))


async def test_an_unchanged_registry_reuses_the_desired_state_even_after_a_sync(services, registry):  # noqa: F811
    memo = DesiredMemo()
    await remembered_desired_state(services, memo)  # creates the generated secrets
    assert (await sync(services)).status == "succeeded"  # remembers identities, settles api.yaml
    first = await remembered_desired_state(services, memo)
    assert await remembered_desired_state(services, memo) is first
    assert (await sync(services)).status == "succeeded"  # a no-op sync changes nothing it reads
    assert await remembered_desired_state(services, memo) is first
