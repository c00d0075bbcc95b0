"""Fast plans (issue 12 §4): a normal plan reads GPT-Load's group list once and keys or members only where
the desired state changed or GPT-Load says the group was edited; a verify plan reads everything and reports
drift. Counted on the fake GPT-Load's request log."""

from __future__ import annotations

import json

import httpx
import pytest

from core import providers
from core.actual import trusted
from core.models import ManagedGroup, SyncRecord
from core.plan import ActualGroup, GroupSpec
from core.providers import ProviderUpdate
from tests.conftest import GPTLOAD_ADMIN_KEY, fake_key
from tests.test_sync import registry, rename, sync  # noqa: F401 (registry is a fixture)

LIST = ("GET", "/api/groups")


@pytest.fixture
async def synced(services, registry):  # noqa: F811
    record = await sync(services)
    assert record.status == "succeeded", record.error
    return registry


@pytest.fixture
async def admin(gptload):
    """The operator's own hands on GPT-Load's admin API."""
    transport = httpx.ASGITransport(app=gptload.app)
    headers = {"Authorization": f"Bearer {GPTLOAD_ADMIN_KEY}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://gptload", headers=headers) as client:
        yield client


def reads_during(gptload, before: int) -> list[tuple[str, str]]:
    return gptload.requests[before:]


async def plan_reads(services, gptload, *, verify: bool = False):
    before = len(gptload.requests)
    bundle = await services.sync.build_plan(verify=verify)
    return bundle.plan, reads_during(gptload, before)


async def test_a_no_op_plan_reads_the_group_list_once_and_nothing_else(services, gptload, synced):
    plan, reads = await plan_reads(services, gptload)
    assert plan.is_empty and not plan.verified
    assert reads == [LIST]


async def test_a_rename_plan_reads_no_keys_or_members_and_still_finds_the_change(services, gptload, synced):
    await rename(services, synced["a"], "a-only", "a-renamed")
    plan, reads = await plan_reads(services, gptload)
    assert reads == [LIST]  # the group's keys did not change: what was applied is trusted
    assert [(c.kind, c.target) for c in plan.changes if c.stage != "uniapi"] == [
        ("update_group", "a-no-aggregate-models"),
        ("trim_redirects", "a-no-aggregate-models"),
    ]
    before = len(gptload.requests)
    assert (await sync(services)).status == "succeeded"
    # The plan's one list read and the two updates: what GPT-Load answered is what the run notes, no re-read.
    assert [m for m, _ in gptload.requests[before:]] == ["GET", "PUT", "PUT"]
    _, reads = await plan_reads(services, gptload)
    assert reads == [LIST]  # the updated group's new updated_at was noted from GPT-Load's answer
    assert (await services.sync.build_plan(verify=True)).plan.is_empty


async def test_new_provider_keys_make_the_plan_read_only_that_providers_groups(services, gptload, fake, synced):
    fake.accounts[1].keys.append(fake_key("b2"))
    await providers.update_provider(services, synced["b"], ProviderUpdate(api_keys=[fake_key("b1"), fake_key("b2")]))
    plan, reads = await plan_reads(services, gptload)
    assert sorted(reads) == [LIST, ("GET", "/api/keys"), ("GET", "/api/keys")]  # b's two groups, nothing else
    assert {c.target for c in plan.changes if c.kind == "add_keys"} == {"b-1-shared-model", "b-no-aggregate-models"}


async def test_a_hand_edit_that_moves_updated_at_is_read_and_put_back(services, gptload, synced, admin):
    group = gptload.groups_by_name()["a-no-aggregate-models"]
    edited = await admin.put(f"/api/groups/{group['id']}", json={"display_name": "renamed by hand"})
    assert edited.status_code == 200, edited.text

    plan, reads = await plan_reads(services, gptload)

    assert len(reads) == 2 and reads[0] == LIST  # the list, then that one group's keys
    assert [(c.kind, c.target) for c in plan.changes] == [("update_group", "a-no-aggregate-models")]


async def test_a_key_deleted_by_hand_is_seen_by_a_verify_plan_as_drift_and_restored(services, gptload, synced, admin):
    group = gptload.groups_by_name()["a-no-aggregate-models"]
    body = {"group_id": group["id"], "keys_text": json.dumps([fake_key("a2")])}
    assert (await admin.post("/api/keys/delete-multiple", json=body)).status_code == 200

    assert (await services.sync.build_plan()).plan.is_empty  # documented: GPT-Load's updated_at did not move
    plan, reads = await plan_reads(services, gptload, verify=True)

    assert plan.verified and len(reads) > 1
    assert [(d.group, d.summary) for d in plan.drift] == [
        ("a-no-aggregate-models", "keys changed in GPT-Load: 0 added, 1 removed")
    ]
    assert [(c.kind, c.target) for c in plan.changes] == [("add_keys", "a-no-aggregate-models")]
    record = await sync_verified(services, plan.checksum())
    assert record.status == "succeeded", record.error
    after = (await services.sync.build_plan(verify=True)).plan
    assert after.is_empty and after.drift == []


async def test_a_member_removed_by_hand_is_drift_and_put_back(services, gptload, synced, admin):
    groups = gptload.groups_by_name()
    aggregate, member = groups["shared-model-aggregate"]["id"], groups["b-1-shared-model"]["id"]
    assert (await admin.delete(f"/api/groups/{aggregate}/sub-groups/{member}")).status_code == 200

    plan = (await services.sync.build_plan(verify=True)).plan

    assert [(d.group, d.summary) for d in plan.drift] == [
        ("shared-model-aggregate", "members changed in GPT-Load; removed: b-1-shared-model")
    ]
    assert [(c.kind, c.data) for c in plan.changes] == [("add_members", {"members": {"b-1-shared-model": 100}})]


async def test_a_verify_checksum_applies_only_as_a_verify_plan_over_rest(services, gptload, synced, admin, api):
    group = gptload.groups_by_name()["a-no-aggregate-models"]
    body = {"group_id": group["id"], "keys_text": json.dumps([fake_key("a1")])}
    assert (await admin.post("/api/keys/delete-multiple", json=body)).status_code == 200
    plan = (await api.get("/api/config/plan", params={"verify": "true"})).json()
    assert plan["verified"] is True and [d["group"] for d in plan["drift"]] == ["a-no-aggregate-models"]
    assert (await api.get("/api/config/plan")).json()["drift"] == []

    stale = await api.post("/api/config/sync", json={"checksum": plan["checksum"]})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_plan"
    started = await api.post("/api/config/sync", json={"checksum": plan["checksum"], "verify": True})
    assert started.status_code == 202, started.text
    await services.sync.wait()
    assert (await SyncRecord.get(id=started.json()["sync_id"])).status == "succeeded"
    assert fake_key("a1") in gptload.keys_of("a-no-aggregate-models")


async def test_a_failed_run_forgets_what_it_touched_so_the_next_plan_reads_it(services, gptload, fake, synced):
    fake.accounts[1].keys.append(fake_key("b3"))
    await providers.update_provider(services, synced["b"], ProviderUpdate(api_keys=[fake_key("b1"), fake_key("b3")]))
    # The plan makes 3 requests (the list, b's two groups' keys); both key additions then fail.
    gptload.fail_request(4)
    gptload.fail_request(5)
    failed = await sync(services)
    gptload.clear_faults()
    assert failed.status == "failed"
    rows = dict(await ManagedGroup.all().values_list("name", "applied"))
    assert rows["b-no-aggregate-models"] is None and rows["b-1-shared-model"] is None
    assert rows["a-no-aggregate-models"] is not None  # untouched: still known

    # Even with the registry put back as it was, the half-applied groups are read, not trusted.
    await providers.update_provider(services, synced["b"], ProviderUpdate(api_keys=[fake_key("b1")]))
    _, reads = await plan_reads(services, gptload)
    assert len([r for r in reads if r != LIST]) == 2


async def sync_verified(services, checksum: str) -> SyncRecord:
    run = await services.sync.start(checksum, verify=True)
    await services.sync.wait()
    return await SyncRecord.get(id=run)


async def test_gptload_key_validation_pass_moving_updated_at_does_not_make_plans_read_everything(
    services, gptload, synced
):
    gptload.validation_pass()  # hourly in GPT-Load: every standard group's updated_at moves with last_validated_at
    plan, reads = await plan_reads(services, gptload)
    assert plan.is_empty and reads == [LIST]


async def test_a_hand_edit_after_a_validation_pass_is_still_read(services, gptload, synced, admin):
    gptload.validation_pass()
    assert (await sync(services)).status == "succeeded"  # notes the new stamps
    group = gptload.groups_by_name()["a-no-aggregate-models"]
    assert (await admin.put(f"/api/groups/{group['id']}", json={"display_name": "by hand"})).status_code == 200
    _, reads = await plan_reads(services, gptload)
    assert len(reads) == 2  # the list, then that group's keys


@pytest.mark.parametrize(
    ("updated_at", "last_validated_at", "applied_validated", "a_validation_pass"),
    [
        ("2026-12-06T05:15:12.36Z", "2026-12-06T05:15:11.80Z", None, True),  # the same write, 0.6 s apart
        ("2026-12-06 05:15:17.54+00:00", "2026-12-06 05:15:13.70+00:00", None, True),  # 3.8 s on a busy SQLite
        ("2026-12-06T05:19:00Z", "2026-12-06T05:15:13Z", None, True),  # within the cron's 5-minute period
        ("2026-12-06T05:40:00Z", "2026-12-06T05:15:13Z", None, False),  # an edit long after the stamp
        ("2026-12-06T05:15:10Z", "2026-12-06T05:15:13Z", None, False),  # updated before it was validated
        ("2026-12-06T05:15:14Z", "2026-12-06T05:15:13Z", "2026-12-06T05:15:13Z", False),  # stamp already known
        ("2026-12-06T05:15:14Z", None, None, False),
        ("not a time", "2026-12-06T05:15:13Z", None, False),
    ],
)
def test_which_moves_of_updated_at_are_gptloads_validation_pass(
    updated_at, last_validated_at, applied_validated, a_validation_pass
):
    stamps = {"updated_at": updated_at, "last_validated_at": last_validated_at}
    group = ActualGroup(1, "g", "standard", "openai", stamps, managed=True)
    applied = {"updated_at": "2026-12-06T05:00:00Z", "last_validated_at": applied_validated, "keys": []}
    spec = GroupSpec("g", "standard", "openai", {}, frozenset())
    assert (trusted(group, spec, applied) is not None) is a_validation_pass
