"""The sync page at scale (issue 12 point 6): changes counted per stage and paged, the topology searchable,
and Verify reading every group to list what was changed by hand in GPT-Load."""

from __future__ import annotations

from nicegui.testing import User

from core import providers
from core.providers import ProviderCreate
from tests.conftest import fake_key

SHARED = [f"model-{i:02d}" for i in range(30)]


async def two_providers_sharing(w, names: list[str]) -> None:
    for name in ("alpha", "beta"):
        account = w.fake.add("openai", f"{name}.test", [fake_key(name)], names)
        data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
        await providers.create_provider(w.services, data)


def grid_rows(user: User, marker: str) -> list[dict]:
    return user.find(marker=marker).elements.pop().options["rowData"]


async def test_a_plan_of_many_changes_is_counted_per_stage_and_paged(user: User, w, recorder):
    await two_providers_sharing(w, SHARED)  # 60 member groups + 30 aggregates: 181 changes
    plan = (await w.services.sync.build_plan()).plan
    await user.open("/sync")
    await user.should_see("Standard groups: 60", retries=30)
    await user.should_see("Keys: 60")
    await user.should_see("Aggregate groups: 30")
    await user.should_see("Memberships: 30")
    await user.should_see(f"Changes 1–50 of {len(plan.changes)}")
    first = grid_rows(user, "plan-changes")
    assert len(first) == 50 and first[0]["stage"] == "Standard groups"

    pager = user.find(marker="plan-changes-pager").elements.pop()
    pager.value = 4  # the last page
    await user.should_see(f"Changes 151–{len(plan.changes)} of {len(plan.changes)}")
    assert [r["kind"] for r in grid_rows(user, "plan-changes")][-1] == "write uniapi"

    user.find("Search changes").type("model-07")
    await user.should_see(f"(of {len(plan.changes)})")
    found = grid_rows(user, "plan-changes")
    assert found and all("model-07" in r["target"] + r["summary"] for r in found)


async def test_topology_search_narrows_the_rows_of_every_page(user: User, w, recorder):
    await two_providers_sharing(w, SHARED)
    await user.open("/sync")
    await user.should_see("Rows 1–50 of 60", retries=30)  # 30 names x 2 providers
    user.find("Search names").type("model-29 beta")
    await user.should_see("Rows: 1 (of 60)")
    [row] = grid_rows(user, "topology-table")
    assert (row["exposed"], row["aggregate"], row["provider"], row["keys"]) == ("model-29", "model-29-aggregate",
                                                                                "beta", 1)  # fmt: skip
    await user.should_see("No names selected")


async def test_verify_lists_keys_removed_by_hand_that_a_normal_plan_trusts(user: User, w, recorder):
    await two_providers_sharing(w, ["m"])
    await w.services.sync.start()
    await w.services.sync.wait()
    groups = {g["name"]: g["id"] for g in await w.services.gptload.list_groups()}
    group = groups["alpha-1-m"]
    await w.services.gptload.delete_keys(group, list(await w.services.gptload.list_keys(group)))  # by hand

    await user.open("/sync")
    await user.should_see(marker="plan-unverified", retries=30)
    await user.should_see(marker="plan-empty")  # the normal plan trusts what the last sync left
    user.find(marker="verify").click()
    await user.should_see(marker="plan-verified", retries=50)
    await user.should_see(content="alpha-1-m", marker="drift-item")
    await user.should_see("Drift: 1 group was changed in GPT-Load since the last sync")
    await user.should_see("Keys: 1")  # the verify plan puts the key back
    assert len(user.find(marker="apply").elements) == 1
