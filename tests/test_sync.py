"""Plan and apply against the fake GPT-Load: convergence, minimal changes, faults, conflicts, records."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from core import providers
from core.catalog import Changes, apply_changes
from core.errors import StalePlan, SyncInProgress, UpstreamError
from core.models import ManagedGroup, Model, SyncRecord
from core.providers import ProviderCreate
from tests.conftest import GPTLOAD_ADMIN_KEY, SECRET_MARKER, fake_key
from tests.fakes.gptload import FakeGptLoad


async def add_provider(services, account, name: str) -> int:
    data = ProviderCreate(name=name, base_url=account.base_url, channel_type=account.dialect, api_keys=account.keys)
    return (await providers.create_provider(services, data)).id


@pytest.fixture
async def registry(services, fake):
    """Two openai providers sharing `shared-model`, a gemini provider with two originals renamed to one name,
    and an anthropic provider."""
    a = fake.add("openai", "a.test", [fake_key("a1"), fake_key("a2")], ["shared-model", "a-only"])
    b = fake.add("openai", "b.test", [fake_key("b1")], ["vendor/Shared-Model", "b-only"])
    g = fake.add("gemini", "g.test", [fake_key("g1")], ["gemini-pro", "gemini-pro-preview", "flash"])
    c = fake.add("anthropic", "c.test", [fake_key("c1")], ["claude-x"])
    ids = {name: await add_provider(services, acc, name) for name, acc in [("a", a), ("b", b), ("g", g), ("c", c)]}
    await rename(services, ids["b"], "vendor/Shared-Model", "shared-model")
    await rename(services, ids["g"], "gemini-pro-preview", "gemini-pro", confirm=True)
    return ids


async def rename(services, provider_id: int, original: str, new: str, *, confirm: bool = False) -> None:
    model = await Model.get(provider_id=provider_id, original_name=original)
    await apply_changes(services, Changes(renames={model.id: new}, confirm_duplicates=confirm))


async def sync(services, checksum: str | None = None, *, force: bool = False) -> SyncRecord:
    run = await services.sync.start(checksum, force=force)
    await services.sync.wait()
    return await SyncRecord.get(id=run)


def snapshot(fake_gptload: FakeGptLoad) -> dict:
    """Everything GPT-Load holds that a sync decides, without ids."""
    state = {}
    for name, group in sorted(fake_gptload.groups_by_name().items()):
        state[name] = {
            "type": group["group_type"],
            "channel": group["channel_type"],
            "upstreams": [u["url"] for u in group["upstreams"]],
            "test_model": group["test_model"],
            "validation_endpoint": group["validation_endpoint"],
            "rules": group["model_redirect_rules"] or {},
            "strict": group["model_redirect_strict"],
            "keys": sorted(fake_gptload.keys_of(name)),
            "members": fake_gptload.members_of(name) if group["group_type"] == "aggregate" else None,
        }
    return state


async def test_apply_then_plan_is_empty(services, registry, gptload, settings):
    record = await sync(services)
    assert record.status == "succeeded", record.error
    assert (await services.sync.build_plan()).plan.is_empty
    state = snapshot(gptload)
    assert state["shared-model-aggregate"]["members"] == {"a-1-shared-model": 100, "b-1-shared-model": 100}
    assert state["b-1-shared-model"]["rules"] == {"shared-model": "vendor/Shared-Model"}
    assert state["b-1-shared-model"]["strict"] is True and state["b-1-shared-model"]["upstreams"] == ["https://b.test"]
    assert state["a-no-aggregate-models"]["rules"] == {"a-only": "a-only"}
    assert state["a-no-aggregate-models"]["keys"] == sorted([fake_key("a1"), fake_key("a2")])
    assert state["gemini-pro-aggregate"]["members"] == {"g-1-gemini-pro": 100, "g-2-gemini-pro": 100}
    assert (
        state["c-no-aggregate-models"]["validation_endpoint"] == ""
        and state["c-no-aggregate-models"]["channel"] == "anthropic"
    )
    assert settings.uniapi_config_path.exists()


async def test_second_sync_makes_zero_writes(services, registry, gptload, settings):
    await sync(services)
    writes, mtime = gptload.writes, settings.uniapi_config_path.stat().st_mtime_ns
    record = await sync(services)
    assert record.status == "succeeded"
    assert record.plan["changes"] == []
    assert gptload.writes == writes
    assert settings.uniapi_config_path.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("model_lists", ["explicit", "auto"])
async def test_renaming_one_model_changes_only_the_groups_that_hold_it(services, registry, gptload, model_lists):
    services.settings = replace(services.settings, uniapi_model_lists=model_lists)
    await sync(services)
    await rename(services, registry["a"], "a-only", "a-renamed")
    plan = (await services.sync.build_plan()).plan
    expected = [("update_group", "a-no-aggregate-models")]
    if model_lists == "explicit":
        # The entry's model list changes too, and that change is what makes uni-api (Rust) see the rename:
        # it caches what it discovered for an entry until the entry itself changes.
        expected.append(("write_uniapi", str(services.settings.uniapi_config_path)))
    # Two phases: the group serves both names until uni-api has the new file, then the old name goes.
    expected.append(("trim_redirects", "a-no-aggregate-models"))
    assert [(c.kind, c.target) for c in plan.changes] == expected
    assert list(plan.changes[0].data["fields"]) == ["model_redirect_rules"]
    assert plan.changes[0].data["keep_redirects"] == {"a-only": "a-only"}
    await sync(services)
    assert snapshot(gptload)["a-no-aggregate-models"]["rules"] == {"a-renamed": "a-only"}
    assert ('"a-renamed"' in services.settings.uniapi_config_path.read_text()) == (model_lists == "explicit")


async def test_deleting_a_provider_removes_its_groups_and_shrinks_then_deletes_aggregates(
    services, registry, fake, gptload
):
    third = fake.add("openai", "t.test", [fake_key("t1")], ["shared-model"])
    third_id = await add_provider(services, third, "t")
    await sync(services)
    assert len(snapshot(gptload)["shared-model-aggregate"]["members"]) == 3

    await providers.delete_provider(services, third_id)
    await sync(services)
    state = snapshot(gptload)
    assert state["shared-model-aggregate"]["members"] == {"a-1-shared-model": 100, "b-1-shared-model": 100}
    assert not [n for n in state if n.startswith("t-")]

    await providers.delete_provider(services, registry["b"])
    assert (await sync(services)).status == "succeeded"
    state = snapshot(gptload)
    assert "shared-model-aggregate" not in state and "a-1-shared-model" not in state
    assert state["a-no-aggregate-models"]["rules"] == {"a-only": "a-only", "shared-model": "shared-model"}
    assert (await services.sync.build_plan()).plan.is_empty


async def test_changed_keys_are_added_and_removed(services, registry, gptload, fake):
    await sync(services)
    account = next(a for a in fake.accounts if a.host == "a.test")
    account.keys[:] = [fake_key("a2"), fake_key("a3")]
    await providers.update_provider(services, registry["a"], providers.ProviderUpdate(api_keys=account.keys))
    plan = (await services.sync.build_plan()).plan
    kinds = {(c.kind, c.target, c.data["count"]) for c in plan.changes if c.stage == "keys"}
    assert kinds == {
        ("add_keys", "a-no-aggregate-models", 1),
        ("remove_keys", "a-no-aggregate-models", 1),
        ("add_keys", "a-1-shared-model", 1),
        ("remove_keys", "a-1-shared-model", 1),
    }
    await sync(services)
    assert sorted(gptload.keys_of("a-1-shared-model")) == sorted(account.keys)


async def test_plan_and_records_never_hold_a_secret(services, registry):
    bundle = await services.sync.build_plan()
    record = await sync(services, bundle.plan.checksum())
    for text in (json.dumps(bundle.plan.public()), json.dumps(record.plan), json.dumps(record.results)):
        assert SECRET_MARKER not in text
        assert bundle.desired.proxy_key not in text and bundle.desired.client_key not in text


async def test_api_yaml_uses_the_proxy_key_never_the_admin_key(services, registry, settings):
    await sync(services)
    text = settings.uniapi_config_path.read_text()
    bundle = await services.sync.build_plan()
    assert bundle.desired.proxy_key in text
    assert GPTLOAD_ADMIN_KEY not in text


async def test_every_owned_group_carries_the_proxy_key_and_the_marker(services, registry, gptload):
    await sync(services)
    proxy_key = (await services.sync.build_plan()).desired.proxy_key
    for group in gptload.groups_by_name().values():
        assert group["proxy_keys"] == proxy_key
        assert group["description"].startswith("[managed by llm-provider-manager]")


async def test_stale_checksum_is_refused(services, registry):
    checksum = (await services.sync.build_plan()).plan.checksum()
    await rename(services, registry["a"], "a-only", "something-else")
    with pytest.raises(StalePlan):
        await services.sync.start(checksum)
    assert await SyncRecord.all().count() == 0


async def test_second_sync_while_one_runs_is_refused(services, registry, gptload):
    gptload.latency = 0.02
    await services.sync.start()
    with pytest.raises(SyncInProgress):
        await services.sync.start()
    await services.sync.wait()
    assert (await SyncRecord.all().count()) == 1


async def test_foreign_group_with_a_desired_name_is_a_conflict_and_left_alone(services, registry, gptload):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gptload.app), base_url="http://gptload.test") as raw:
        upstreams = [{"url": "https://x.test", "weight": 1}]
        body = {"name": "c-no-aggregate-models", "channel_type": "openai", "upstreams": upstreams, "test_model": "x"}
        body["description"] = "hand-made"
        created = await raw.post("/api/groups", json=body, headers={"Authorization": f"Bearer {GPTLOAD_ADMIN_KEY}"})
        assert created.status_code == 200
    plan = (await services.sync.build_plan()).plan
    assert [c.name for c in plan.conflicts] == ["c-no-aggregate-models"]
    assert not [c for c in plan.changes if c.target == "c-no-aggregate-models"]
    assert (await sync(services)).status == "succeeded"
    assert gptload.groups_by_name()["c-no-aggregate-models"]["description"] == "hand-made"
    assert "c-no-aggregate-models" not in services.settings.uniapi_config_path.read_text()


async def test_lost_database_readopts_groups_by_their_marker(services, registry):
    await sync(services)
    await ManagedGroup.all().delete()
    bundle = await services.sync.build_plan()
    assert bundle.plan.is_empty and bundle.plan.conflicts == []


async def test_cache_lag_is_waited_out_before_api_yaml_is_written(services, registry, gptload, settings):
    gptload.cache_lag = 0.3
    record = await sync(services)
    assert record.status == "succeeded", record.error
    assert settings.uniapi_config_path.exists()


async def test_gptload_that_never_loads_the_groups_fails_the_run_without_writing_api_yaml(
    services, registry, gptload, settings
):
    gptload.cache_lag = 3600
    record = await sync(services)
    assert record.status == "failed" and "has not loaded" in record.error
    assert not settings.uniapi_config_path.exists()
    gptload.cache_lag = 0
    assert (await sync(services)).status == "succeeded"


async def test_gptload_status_in_both_states(services, registry, gptload):
    await sync(services)
    up = await services.sync.gptload_status()
    assert up.reachable and up.group_count == up.managed_group_count == len(gptload.groups_by_name())
    assert up.last_sync is not None and up.last_sync.status == "succeeded"
    gptload.down = True
    down = await services.sync.gptload_status()
    assert not down.reachable and down.error and down.group_count is None


async def test_a_transient_gptload_failure_mid_sync_is_retried_and_the_run_succeeds(services, registry, gptload):
    gptload.fail_request(12, status=503)
    record = await sync(services)
    assert record.status == "succeeded", record.error
    assert [r["attempts"] for r in record.results if r["attempts"] > 1] == [2]
    assert (await services.sync.build_plan()).plan.is_empty


async def test_a_lasting_outage_fails_the_run_within_its_retry_budget_and_retry_finishes_it(
    services, registry, gptload
):
    services.settings = replace(services.settings, sync_retry_budget=0.3)
    for n in range(12, 80):
        gptload.fail_request(n, status=503)
    failed = await sync(services)
    assert failed.status == "failed" and failed.failed_step and "attempts)" in failed.error
    assert [r for r in failed.results if not r["ok"]]
    gptload.clear_faults()
    run = await services.sync.retry(failed.id)
    await services.sync.wait()
    retried = await SyncRecord.get(id=run)
    assert (retried.status, retried.retry_of) == ("succeeded", failed.id)
    assert (await services.sync.build_plan()).plan.is_empty


async def test_a_refusal_that_is_not_transient_fails_at_once(services, registry, gptload):
    gptload.fail_request(12, status=400)
    failed = await sync(services)
    assert failed.status == "failed"
    assert [r["attempts"] for r in failed.results if not r["ok"]] == [1]


async def test_a_run_that_cannot_plan_is_recorded_as_failed(services, registry, gptload):
    gptload.down = True
    with pytest.raises(UpstreamError):
        await services.sync.start()
    record = await SyncRecord.all().order_by("-id").first()
    assert (record.status, record.failed_step) == ("failed", "plan")
    assert "GPT-Load" in record.error
    gptload.down = False
    assert (await sync(services)).status == "succeeded"


async def test_a_provider_rename_updates_groups_in_place_and_keeps_their_names(services, registry, gptload):
    await sync(services)
    names = set(gptload.groups_by_name())
    await providers.update_provider(services, registry["a"], providers.ProviderUpdate(name="a renamed"))
    plan = (await services.sync.build_plan()).plan
    assert {c.kind for c in plan.changes} == {"update_group"}
    assert all(set(c.data["fields"]) <= {"display_name", "description"} for c in plan.changes)
    assert (await sync(services)).status == "succeeded"
    assert set(gptload.groups_by_name()) == names


async def test_a_newcomer_spelling_leaves_the_existing_aggregate_alone(services, fake, gptload):
    """Without memory both spellings would collide and both aggregates would be renamed (issue 10, point 3)."""
    for label in ("p1", "p2"):
        await add_provider(services, fake.add("openai", f"{label}.test", [fake_key(label)], ["deepseek-v3.1"]), label)
    await sync(services)
    assert "deepseek-v3-1-aggregate" in gptload.groups_by_name()
    for label in ("r1", "r2"):
        await add_provider(services, fake.add("openai", f"{label}.test", [fake_key(label)], ["DeepSeek-V3.1"]), label)
    plan = (await services.sync.build_plan()).plan
    assert not [c for c in plan.changes if c.kind in ("delete_group", "replace_group")]
    assert (await sync(services)).status == "succeeded"
    aggregates = {g["name"] for g in gptload.groups_by_name().values() if g["group_type"] == "aggregate"}
    assert "deepseek-v3-1-aggregate" in aggregates and len(aggregates) == 2


async def test_the_plan_warns_about_providers_that_look_broken_and_names_what_routes_to_them(
    services, registry, gptload, api, fake
):
    """A revoked key upstream: the plan says so before apply, with the names clients would reach there."""
    await sync(services)
    assert (await api.get("/api/config/plan")).json()["warnings"] == []
    fake.accounts[0].keys.remove(fake_key("a1"))  # provider a's first key is revoked upstream
    tested = (await api.post(f"/api/providers/{registry['a']}/test")).json()
    assert tested["ok"] is False
    gptload.mark_invalid("a-no-aggregate-models", fake_key("a2"))
    # Blacklisting does not move the group's updated_at: only a plan that reads the keys sees it.
    assert [w["reason"] for w in (await api.get("/api/config/plan")).json()["warnings"]] == ["last_test_failed"]

    warnings = (await api.get("/api/config/plan", params={"verify": "true"})).json()["warnings"]

    assert [(w["provider_name"], w["reason"]) for w in warnings] == [("a", "last_test_failed"), ("a", "invalid_keys")]
    assert warnings[0]["exposed_names"] == ["a-only", "shared-model"]
    assert warnings[0]["groups"] == ["a-1-shared-model", "a-no-aggregate-models"]
    assert warnings[1]["detail"] == "GPT-Load marks 1 of its keys invalid."
    # Beside the English, what is wrong as core's sentence: a page says it in its language (the test's own words
    # stay as they are, a value).
    assert warnings[1]["said"] == {"code": "invalid_keys", "values": {"count": 1}}
    assert warnings[0]["said"]["code"] == "last_test_failed"
    assert warnings[0]["detail"] == f"Its last test failed: {warnings[0]['said']['values']['error']}"
