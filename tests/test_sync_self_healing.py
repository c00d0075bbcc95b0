"""Apply heals what GPT-Load throws at it: busy SQLite writes, lost answers, non-idempotent calls replayed."""

from __future__ import annotations

from core.providers import delete_provider
from tests.conftest import fake_key
from tests.test_sync import add_provider, snapshot, sync
from tests.test_sync_faults import faulty, fresh_round, run  # noqa: F401 - `faulty` is a fixture

RUNS = 50


async def test_fifty_syncs_against_a_busy_sqlite_gptload_all_succeed(services, fake, gptload):
    """GPT-Load on SQLite refuses overlapping writes at once with 500 DATABASE_ERROR. At the default
    concurrency every run still succeeds: first syncs, provider deletes and re-adds, fifty runs in all."""
    shared = ["shared-model", "other-shared"]
    accounts = [fake.add("openai", f"p{i}.test", [fake_key(f"p{i}")], [*shared, f"own-{i}"]) for i in range(4)]
    ids = {i: await add_provider(services, account, f"p{i}") for i, account in enumerate(accounts)}
    gptload.collision_probability = 0.5
    failed = []
    for round_ in range(RUNS):
        record = await sync(services, force=True)  # deleting the last provider empties the registry: unsafe
        if record.status != "succeeded":
            failed.append((round_, record.failed_step, record.error))
        assert (await services.sync.build_plan()).plan.is_empty, round_
        victim = round_ % 4
        if victim in ids:  # removals (deletes, member removals) collide as well as creates
            await delete_provider(services, ids.pop(victim))
        else:
            ids[victim] = await add_provider(services, accounts[victim], f"p{victim}")
    assert failed == []
    assert gptload.collisions >= RUNS, gptload.collisions  # the failure was exercised, not avoided


async def test_a_lost_answer_at_any_request_heals_without_duplicates(faulty, fake):  # noqa: F811
    """GPT-Load carried out the write, but its answer was lost (a proxy's 502). The retry finds the created
    group is ours (409 -> done) and re-reads an aggregate's members before adding (GPT-Load refuses a
    member twice), so the end state is a clean run's, whichever request lost its answer."""
    services, switch = faulty
    clean = await fresh_round(services, switch, fake)
    assert (await run(services)).status == "succeeded"
    expected, requests = snapshot(clean), len(clean.requests)

    for n in range(1, requests + 1):
        gptload = await fresh_round(services, switch, fake)
        gptload.lose_response(n)
        first = await run(services)
        # A lost read while planning fails the plan (nothing was changed); a lost write is healed in the run.
        assert first.status == "succeeded" or first.failed_step == "plan", (n, first.failed_step, first.error)
        if first.status != "succeeded":
            assert (await run(services)).status == "succeeded"
        assert snapshot(gptload) == expected, f"the answer of request {n} was lost: a different state"
        names = [g["name"] for g in gptload.groups_by_name().values()]
        assert len(names) == len(set(names))
        assert (await services.sync.build_plan()).plan.is_empty


async def test_deletes_and_membership_changes_go_one_at_a_time_so_they_never_collide(services, fake, gptload):
    """Measured on the real GPT-Load (core.changes.STAGE_LIMITS): removals and membership writes run alone, so a
    busy SQLite that refuses every overlapping write refuses none of them; other stages still run in parallel."""
    accounts = [fake.add("openai", f"q{i}.test", [fake_key(f"q{i}")], ["shared", f"own-{i}"]) for i in range(6)]
    ids = [await add_provider(services, account, f"q{i}") for i, account in enumerate(accounts)]
    assert (await sync(services)).status == "succeeded"
    gptload.collision_probability = 1.0  # every write that overlaps another is refused
    for provider_id in ids[2:]:
        await delete_provider(services, provider_id)

    record = await sync(services, force=True)

    assert record.status == "succeeded", record.error
    removals = [r for r in record.results if r["kind"] in ("delete_group", "remove_member", "trim_redirects")]
    assert len(removals) >= 8 and all(r["attempts"] == 1 for r in removals), removals
