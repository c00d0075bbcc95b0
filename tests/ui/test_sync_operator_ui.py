"""Operator stories on the sync page and the header (issue 10: points 6, 7, 8 and 9)."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from core import catalog, probes, providers
from core.catalog import Changes
from core.errors import LpmError
from core.models import SyncRecord
from tests.ui.test_sync_ui import registry

REMOVALS = {"delete_group", "replace_group", "remove_keys", "remove_member", "trim_redirects"}  # red in the grid


async def synced(w) -> None:
    await registry(w)
    await w.services.sync.start()
    await w.services.sync.wait()


async def confirm(user: User, question: str) -> None:
    await user.should_see(content=question, marker="confirm-question")
    user.find(marker="confirm-apply").click()


async def test_plan_warns_about_a_broken_provider_before_apply(user: User, w, recorder):
    await registry(w)
    w.fake.accounts[0].failure = "500"
    await probes.probe_provider(w.services, 1)  # alpha's test fails; the plan still routes to it
    await user.open("/sync")
    await user.should_see(marker="route-warning", retries=30)
    card = user.find(marker="route-warning").elements.pop()
    assert "alpha: Its last test failed" in next(e.text for e in card.descendants() if isinstance(e, ui.label))
    assert "bg-red-1" in card.classes
    await user.should_see("Clients reach it through groups")
    await user.should_see("Model names routed to it: a-only, shared")
    apply = user.find(marker="apply").elements.pop()
    assert card.id < apply.id  # above the button, not below the fold


async def test_plan_shows_client_names_the_yaml_diff_field_diffs_and_counts_removals(user: User, w, recorder):
    await synced(w)
    models = await catalog.list_models(1)
    a_only = next(m.id for m in models if m.original_name == "a-only")
    await catalog.apply_changes(w.services, Changes(renames={a_only: "alpha-only"}, provider_id=1))
    await providers.delete_provider(w.services, 2)  # beta: its group goes, "shared" needs no aggregate
    plan = (await w.services.sync.build_plan()).plan
    removals = [c for c in plan.changes if c.kind in REMOVALS]
    assert removals and any(c.kind == "update_group" for c in plan.changes)

    await user.open("/sync")
    await user.should_see("rename a-only → alpha-only", retries=30)
    assert len(user.find(marker="client-change").elements) == len(plan.client_changes) == 2
    rows = user.find(marker="plan-changes").elements.pop().options["rowData"]
    [update] = [r["summary"] for r in rows if r["kind"] == "update group"]
    assert "model_redirect_rules: " in update and " → " in update  # each field before and after
    diff = user.find(marker="uniapi-diff").elements.pop()
    [code] = [e for e in diff.descendants() if isinstance(e, ui.code)]
    assert "+++ " in code.content and "alpha-only" in code.content
    assert "max-h-96" in diff.classes and "overflow-auto" in diff.classes  # scrolls inside the page
    assert sum(r["removal"] for r in rows) == len(removals)  # red rows (the grid's rowClassRules)

    user.find(marker="apply").click()
    question = f"Apply {len(plan.changes)} changes, including {len(removals)} removals?"
    await user.should_see(content=question, marker="confirm-question")
    user.find(marker="confirm-cancel").click()
    await user.should_not_see(marker="confirm-question")
    assert len(await w.services.sync.history()) == 1  # cancelled: nothing ran
    user.find(marker="apply").click()
    await confirm(user, question)
    await user.should_see(content="succeeded", marker="sync-success", retries=100)
    assert "beta-shared" not in w.gptload.groups_by_name()


async def test_failed_sync_offers_only_retry_with_the_failed_step_and_done_of_planned(user: User, w, recorder):
    await registry(w)
    await user.open("/sync")
    await user.should_see("Plan preview", retries=30)
    planned = len((await w.services.sync.build_plan()).plan.changes)
    w.gptload.fail_request(4)
    user.find(marker="apply").click()
    await confirm(user, f"Apply {planned} changes")
    await user.should_see(content="failed at", marker="sync-failure", retries=100)
    await user.should_see(marker="retry")
    await user.should_not_see(marker="apply")  # one way forward, not two buttons
    await user.should_see(marker="sync-failure-icon")
    failed = [s for s in user.find(kind=ui.step).elements if s.props.get("error")]
    assert [(s.props["name"], s.props["title"], s.props["error-icon"]) for s in failed] == [
        ("standard", "Standard groups", "error")
    ]
    await user.should_see("Details of sync 1 (failed)")
    [row] = user.find(marker="history").elements.pop().rows
    done, total = (int(n) for n in row["changes"].split(" / "))
    assert (row["status"], total) == ("failed", planned) and done < planned

    user.find(marker="retry").click()
    await confirm(user, "Retry sync 1: Apply")
    await user.should_see(content="succeeded", marker="sync-success", retries=100)
    await user.should_see(marker="plan-empty", retries=100)
    assert [r.retry_of for r in await w.services.sync.history()] == [1, None]


async def test_an_interrupted_run_shows_the_stage_it_reached_and_offers_retry(user: User, w, recorder):
    await registry(w)
    plan = (await w.services.sync.build_plan()).plan
    done = [{"kind": c.kind, "target": c.target, "ok": True, "ms": 3} for c in plan.changes[:2]]
    await SyncRecord.create(status="running", plan=plan.public(), failed_step="stage members", results=done)
    assert await w.services.sync.recover_interrupted() == [1]  # what start-up does after a crash
    await user.open("/sync")
    await user.should_see(content="Sync 1 was interrupted at stage members", marker="sync-failure", retries=30)
    steps = {s.props["name"]: s.props for s in user.find(kind=ui.step).elements}
    assert steps["members"].get("error") and steps["aggregates"].get("done")
    assert not steps["removals"].get("done")
    await user.should_not_see(marker="apply")
    await user.should_see("Details of sync 1 (interrupted)")
    [row] = user.find(marker="history").elements.pop().rows
    assert row["changes"] == f"2 / {len(plan.changes)}"
    user.find(marker="retry").click()
    await confirm(user, "Retry sync 1")
    await user.should_see(content="succeeded", marker="sync-success", retries=100)


async def test_run_details_open_inside_their_panel_and_say_when_cut(user: User, w, recorder):
    results = [{"kind": "add_keys", "target": f"g{i}", "ok": i != 240, "ms": 1, "error": "boom"} for i in range(250)]
    await SyncRecord.create(status="failed", plan={"counts": {"add_keys": 250}}, results=results,
                            failed_step="add_keys g240", error="boom")  # fmt: skip
    await user.open("/sync")
    await user.should_see(marker="details-1", retries=30)
    panel = user.find(marker="details-1").elements.pop()
    panel.value = True  # the operator opens it
    await user.should_see(content="Showing 200 of 250 results (failures first)", marker="details-truncated")
    inside = set(panel.descendants())
    for marker in ("details-truncated", "details-count", "details-lines"):
        assert user.find(marker=marker).elements <= inside, f"{marker} is outside its panel"
    lines = user.find(marker="details-lines").elements.pop()
    first = next(iter(lines.descendants(include_self=False)))  # the failure comes first, GPT-Load's words beside it
    assert [e.text for e in first.descendants() if isinstance(e, ui.label)] == [
        "add keys g240 · 1 ms · failed:",
        "boom",
    ]
    await user.should_see(content="249 of 250 planned changes carried out", marker="details-count")


async def test_header_follows_each_sync_at_once_with_its_real_status(user: User, w, recorder):
    await registry(w)
    await user.open("/")
    await user.should_see(content="never synced", marker="last-sync", retries=30)
    await user.should_see(content="0 groups", marker="gptload-groups")
    await w.services.sync.start()  # as over REST: no page of this tab started it
    await w.services.sync.wait()
    groups = len(w.gptload.groups_by_name())
    await user.should_see(content="succeeded", marker="last-sync", retries=30)  # seconds, not the 30 s timer
    await user.should_see(content=f"{groups} groups", marker="gptload-groups")
    last = user.find(marker="last-sync").elements.pop()
    assert "bg-negative" not in last.classes

    w.gptload.down = True
    with pytest.raises(LpmError):
        await w.services.sync.start()  # fails at the plan: a failed run all the same
    await user.should_see(content="failed", marker="last-sync", retries=30)
    assert "bg-negative" in last.classes


async def test_header_shows_an_interrupted_sync_in_red(user: User, w, recorder):
    await SyncRecord.create(status="running", failed_step="stage keys")
    await w.services.sync.recover_interrupted()
    await user.open("/sync")
    await user.should_see(content="interrupted", marker="last-sync", retries=30)
    assert "bg-negative" in user.find(marker="last-sync").elements.pop().classes


async def test_an_unsafe_plan_is_red_and_applies_only_after_the_count_is_typed(user: User, w, recorder):
    """Every provider deleted (or a lost database): the plan deletes everything the manager made."""
    await synced(w)
    groups = len(w.gptload.groups_by_name())
    for provider in await providers.list_providers(w.services):
        await providers.delete_provider(w.services, provider.id)
    await user.open("/sync")
    await user.should_see(marker="unsafe-plan", retries=30)
    await user.should_see(f"Unsafe plan: it deletes or replaces {groups} of the {groups} groups")
    user.find(marker="apply").click()
    await user.should_see(f"type {groups} to delete {groups} groups")
    apply = user.find(marker="confirm-apply").elements.pop()
    assert not apply.enabled
    user.find(marker="confirm-count").type("1")
    assert not apply.enabled
    user.find(marker="confirm-count").clear().type(str(groups))
    assert apply.enabled
    user.find(marker="confirm-apply").click()
    await user.should_see(marker="sync-success", retries=50)  # applied with force, then finished
    assert w.gptload.groups_by_name() == {}
    assert (await SyncRecord.all().order_by("-id").first()).status == "succeeded"
