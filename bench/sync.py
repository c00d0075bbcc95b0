"""Sync benchmark (issue 3): plan, first sync and no-op re-sync of a 100 x 300 registry against a fake GPT-Load.

Run from the repo root: ``.venv/bin/python bench/sync.py [--concurrency N] [--providers P --models M]``.
Prints numbers only and asserts no timings (DESIGN §3: numbers go to docs/benchmarks.md). Population writes
rows directly with Tortoise. 30 % of each provider's models carry an exposed name that 2-4 providers share
(so they become single-model groups behind aggregates); the rest are unique to their provider.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from core.catalog import Changes, apply_changes  # noqa: E402
from core.crypto import generate_key  # noqa: E402
from core.db import open_database  # noqa: E402
from core.models import Model, Provider, SyncRecord  # noqa: E402
from core.plan import Plan, diff_groups  # noqa: E402
from core.services import Services  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.fakes.gptload import FakeGptLoad  # noqa: E402

SHARED_SHARE = 0.3
LATENCY = 0.02
ADMIN_KEY = "gptload-admin-bench-0123456789"
TARGET_PLAN_S = 1.0


def shared_pool(providers: int, per_provider: int) -> list[list[int]]:
    """Shared names as lists of 2-4 distinct providers; every provider serves exactly ``per_provider`` of them."""
    slots = [p for _ in range(per_provider) for p in range(providers)]  # consecutive slots are distinct providers
    pool: list[list[int]] = []
    start = 0
    while start < len(slots):
        size = 2 + len(pool) % 3
        chunk = slots[start : start + size]
        start += size
        if len(chunk) >= 2 or not pool or chunk[0] in pool[-1]:
            pool.append(chunk)  # a lone or clashing last slot stays a name of its own (unique, not shared)
        else:
            pool[-1].append(chunk[0])
    return pool


async def populate(services: Services, providers: int, models: int) -> int:
    per_shared = round(models * SHARED_SHARE)
    pool = shared_pool(providers, per_shared) if providers > 1 else []
    shared_of: dict[int, list[int]] = {p: [] for p in range(providers)}
    for index, members in enumerate(pool):
        for p in members:
            shared_of[p].append(index)
    for p in range(providers):
        keys = [f"sk-bench-p{p:03d}-{k}-0123456789abcdef" for k in range(1 + p % 2)]
        provider = await Provider.create(
            name=f"provider-{p:03d}",
            base_url=f"https://p{p}.test/v1",
            channel_type="openai",
            api_keys_token=services.box.encrypt_list(keys),
        )
        rows = []
        for k in shared_of[p]:  # even providers serve shared names under a vendor-specific original name
            original = f"vendor-{p}/Shared-{k:05d}" if p % 2 == 0 else f"shared-{k:05d}"
            rows.append(Model(provider=provider, original_name=original, normalized_name=f"shared-{k:05d}"))
        rows += [Model(provider=provider, original_name=f"p{p:03d}-model-{j:03d}") for j in range(models - len(rows))]
        await Model.bulk_create(rows, batch_size=1_000)
    return len(pool)


def timed(label: str, samples: list[float]) -> None:
    ms = [s * 1000 for s in samples]
    print(f"  {label:<58} min {min(ms):9.1f} ms   median {statistics.median(ms):9.1f} ms   (n={len(ms)})")


async def measure_plan(services: Services, fake: FakeGptLoad, state: str, repeats: int = 3) -> tuple[float, int]:
    """The pure part (diff + Plan + checksum) and, separately, the whole build_plan with its GPT-Load reads."""
    print(f"plan, {state} state:")
    before = len(fake.requests)
    began = time.perf_counter()
    bundle = await services.sync.build_plan()
    wall = time.perf_counter() - began
    calls = len(fake.requests) - before
    extra = [c for c in bundle.plan.changes if c.stage == "uniapi"]
    pure = []
    for _ in range(repeats):
        began = time.perf_counter()
        plan = Plan(diff_groups(bundle.desired.specs, bundle.actual) + extra, bundle.plan.conflicts)
        checksum = plan.checksum()
        pure.append(time.perf_counter() - began)
        assert checksum == bundle.plan.checksum() and not plan.conflicts
    timed(f"pure: diff_groups + Plan + checksum ({len(plan.changes)} changes)", pure)
    print(f"  {'full services.sync.build_plan() (registry + GPT-Load reads)':<58} {wall * 1000:9.1f} ms"
          f"   GPT-Load calls {calls}  (groups {len(bundle.actual)}, specs {len(bundle.desired.specs)})")  # fmt: skip
    return statistics.median(pure), len(bundle.desired.specs)


async def measure_sync(services: Services, fake: FakeGptLoad, label: str, concurrency: int) -> dict[str, float]:
    calls, writes, client_calls = len(fake.requests), fake.writes, services.gptload.calls
    groups_before = len(fake.groups_by_name())
    fake.max_in_flight = 0
    began = time.perf_counter()
    run = await services.sync.start()
    await services.sync.wait()
    wall = time.perf_counter() - began
    record = await SyncRecord.get(id=run)
    assert record.status == "succeeded", (record.error, record.failed_step)
    row = {
        "wall": wall,
        "calls": len(fake.requests) - calls,
        "writes": fake.writes - writes,
        "created": len(fake.groups_by_name()) - groups_before,
        "in_flight": fake.max_in_flight,
        "proxy_checks": services.gptload.calls - client_calls - (len(fake.requests) - calls),
    }
    bound, sequential = row["calls"] * LATENCY / concurrency, row["calls"] * LATENCY
    print(f"{label}:")
    print(f"  wall {wall:9.2f} s   admin calls {row['calls']}   writes {row['writes']}", end="")
    print(f"   groups created {row['created']}   max_in_flight {row['in_flight']}", end="")
    print(f"   proxy visibility checks {row['proxy_checks']}")
    print(
        f"  latency bound calls x {LATENCY * 1000:.0f} ms / {concurrency} = {bound:.2f} s;"
        f"  sequential calls x {LATENCY * 1000:.0f} ms = {sequential:.2f} s;  counts {record.plan.get('counts')}"
    )
    return row


@asynccontextmanager
async def bench_services(concurrency: int, **env: str) -> AsyncIterator[tuple[Services, FakeGptLoad]]:
    """Services on a fresh SQLite file in front of a fake GPT-Load (no latency yet); the benches' one setup."""
    with tempfile.TemporaryDirectory(prefix="lpm-bench-") as tmp:
        settings = Settings.from_env({
            "ENCRYPTION_KEY": generate_key(),
            "DATA_DIR": tmp,
            "GPTLOAD_URL": "http://gptload.test",
            "GPTLOAD_AUTH_KEY": ADMIN_KEY,
            "UNIAPI_GPTLOAD_URL": "http://gptload.test",
            "GPTLOAD_CONCURRENCY": str(concurrency),
            "LOG_LEVEL": "WARNING",
            **env,
        })  # fmt: skip
        fake = FakeGptLoad(ADMIN_KEY)
        services = Services.build(settings, gptload_transport=httpx.ASGITransport(app=fake.app))
        try:
            async with open_database(settings.database_url, services.box):
                yield services, fake
        finally:
            await services.aclose()


async def run(args: argparse.Namespace) -> None:
    # No uni-api here (see measure_fast_syncs).
    async with bench_services(args.concurrency, UNIAPI_RELOAD_WAIT="0") as (services, fake):
        fake.latency = LATENCY
        await bench(services, fake, args)


async def bench(services: Services, fake: FakeGptLoad, args: argparse.Namespace) -> None:
    began = time.perf_counter()
    names = await populate(services, args.providers, args.models)
    print(f"populated {args.providers} providers x {args.models} models ({names} shared names) "
          f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
    print(f"GPTLOAD_CONCURRENCY={args.concurrency}, fake GPT-Load latency {LATENCY * 1000:.0f} ms per admin call\n")

    first_plan, specs = await measure_plan(services, fake, "first (empty GPT-Load)")
    first = await measure_sync(services, fake, "first sync", args.concurrency)
    assert first["created"] == len(fake.groups_by_name()) == specs, (first, specs)
    noop_plan, _ = await measure_plan(services, fake, "no-op (GPT-Load in sync)")
    noop = await measure_sync(services, fake, "no-op re-sync", args.concurrency)
    assert noop["writes"] == 0 and noop["created"] == 0, noop  # a result, not a timing
    fast = await measure_fast_syncs(services, fake, args.concurrency)

    print("\ntargets:")
    worst = max(first_plan, noop_plan)
    print(f"  plan (pure, worst median)     {worst * 1000:9.1f} ms  target < {TARGET_PLAN_S * 1000:.0f} ms  "
          f"{'pass' if worst < TARGET_PLAN_S else 'MISS'}")  # fmt: skip
    print(f"  no-op re-sync writes          {noop['writes']:9d}     target 0        pass")
    for label, key in (("no-op sync", "noop"), ("one-rename sync", "rename")):
        ratio = fast[key] / fast["get"]
        print(f"  {label:<18} / bare GET  {ratio:9.2f} x   target < 5 x    {'pass' if ratio < 5 else 'MISS'}")
    for label, key in (("no-op plan", "noop_plan"), ("one-rename plan", "rename_plan")):
        print(f"  {label:<29} {fast[key] * 1000:9.1f} ms  target < 1000 ms  {'pass' if fast[key] < 1 else 'MISS'}")
    bound = first["calls"] * LATENCY / args.concurrency
    if not bound:
        return  # --smoke: no latency, no bound to compare with
    ratio = first["wall"] / bound
    verdict = "pass" if first["in_flight"] == args.concurrency and first["wall"] < first["calls"] * LATENCY else "MISS"
    sequential = first["wall"] / (first["calls"] * LATENCY)
    print(f"  first sync / latency bound    {ratio:9.2f} x   max_in_flight {first['in_flight']} of ", end="")
    print(f"{args.concurrency}; wall / sequential bound {sequential:.2f} x  {verdict}")


async def measure_fast_syncs(services: Services, fake: FakeGptLoad, concurrency: int) -> dict[str, float]:
    """Issue 12 §4: no-op and one-model-rename syncs against one bare GET /api/groups of the same GPT-Load.

    The bench has no uni-api: UNIAPI_RELOAD_WAIT is 0, so the rename's wait for uni-api to re-read api.yaml
    (about 2 s with UNIAPI_URL; UNIAPI_RELOAD_WAIT without) is not in these numbers.
    """
    print("fast plans (issue 12):")
    gets = []
    for _ in range(5):
        began = time.perf_counter()
        groups = await services.gptload.list_groups()
        gets.append(time.perf_counter() - began)
    timed(f"bare GET /api/groups ({len(groups)} groups)", gets)
    row = {"get": statistics.median(gets)}
    began = time.perf_counter()
    await services.sync.build_plan()
    row["noop_plan"] = time.perf_counter() - began
    row["noop"] = (await measure_sync(services, fake, "  no-op sync", concurrency))["wall"]
    model = await Model.filter(provider__name="provider-000", normalized_name=None).order_by("id").first()
    await apply_changes(services, Changes(renames={model.id: f"{model.original_name}-renamed"}))
    began = time.perf_counter()
    await services.sync.build_plan()
    row["rename_plan"] = time.perf_counter() - began
    row["rename"] = (await measure_sync(services, fake, "  one-rename sync", concurrency))["wall"]
    print(f"  no-op plan {row['noop_plan'] * 1000:.1f} ms, one-rename plan {row['rename_plan'] * 1000:.1f} ms")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8, help="GPTLOAD_CONCURRENCY (default 8)")
    parser.add_argument("--providers", type=int, default=100, help="providers (default 100)")
    parser.add_argument("--models", type=int, default=300, help="models per provider (default 300)")
    parser.add_argument("--smoke", action="store_true", help="4 x 6 models, no latency: checks that the bench runs")
    args = parser.parse_args()
    if args.smoke:
        global LATENCY
        args.providers, args.models, LATENCY = 4, 6, 0.0
    print(f"python {platform.python_version()}  {platform.platform()}  cpus={len(os.sched_getaffinity(0))}")
    started = time.perf_counter()
    asyncio.run(run(args))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"\ntotal {time.perf_counter() - started:.1f} s   peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
