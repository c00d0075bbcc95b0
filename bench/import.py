"""Import benchmark (issue 13): preview of a GPT-Load holding 3,000 groups and 30,000 keys at 20 ms per admin call.

Run from the repo root: ``.venv/bin/python bench/import.py [--groups G --keys K --latency S --concurrency N]``.
The fake GPT-Load is filled through its admin API without latency (set-up is not measured), then answers every
admin call after ``--latency`` seconds. Layout: standard groups of three channel types (70 % openai, 15 %
anthropic, 15 % gemini), one in 40 with two upstreams, one in 25 on the upstream URL of an earlier group (every
other one of those with the same keys, so the proposal merges them; the rest differ: a ``keys_differ``
conflict), redirect rules on a third (strict on a ninth), three big groups (2,500 keys each, the first also
takes what the spread leaves: 4,072 at full size; several pages of ``GET /api/keys``) and the rest of the keys
spread 1-13 per group; plus one aggregate per 300 groups over three openai groups each. The registry is empty.

Measured: ``core.importing.preview(services, ImportPreviewRequest(gptload=True))`` end to end (median of
``--repeats``), its parts one by one (``read_gptload``, ``from_gptload``, ``propose``), the admin calls it makes
and the latency bound ``calls x latency / GPTLOAD_CONCURRENCY``, and memory. Exits 1 when the preview takes
more than 3 x the bound at full size (the issue's target); prints numbers otherwise (DESIGN §3).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import math
import os
import platform
import pstats
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.sync import ADMIN_KEY, bench_services  # noqa: E402
from core import importing  # noqa: E402
from core.import_proposal import propose  # noqa: E402
from core.import_shapes import ImportPreviewRequest  # noqa: E402
from core.import_sources import from_gptload, read_gptload  # noqa: E402
from core.importing import preview, registered_providers  # noqa: E402
from core.services import Services  # noqa: E402
from tests.fakes.gptload import FakeGptLoad  # noqa: E402

GROUPS, KEYS, LATENCY, CONCURRENCY = 3_000, 30_000, 0.020, 8
TARGET_RATIO = 3.0
BIG_KEYS = 2_500  # keys of each of the three big groups (at least three pages of 1,000)
KEY_PAGE = 1_000


def key(group: int, n: int) -> str:
    return f"sk-imp-g{group:05d}-k{n:05d}-0123456789abcdef"


def channel_of(i: int) -> str:
    return "openai" if i % 20 < 14 else "anthropic" if i % 20 < 17 else "gemini"


def shares_url(i: int) -> int | None:
    """The earlier group (same channel) whose upstream URL group ``i`` uses too, if any."""
    return i - 20 if i % 25 == 24 and i >= 20 else None


def key_counts(groups: int, total: int) -> list[int]:
    """Keys per standard group, ``total`` in all: three big groups (from 100 groups and 10,000 keys on), the rest
    spread around their average (1-13 each at full size)."""
    big = [groups // 6, groups // 2, 5 * groups // 6] if groups >= 100 and total >= 4 * BIG_KEYS else []
    big = [b + (b % 25 in (4, 24)) for b in big]  # neither a shared URL nor shared by another group
    rest = [i for i in range(groups) if i not in big]
    avg = (total - BIG_KEYS * len(big)) // len(rest)
    counts = [BIG_KEYS if i in big else avg for i in range(groups)]
    for n, i in enumerate(rest):
        counts[i] += (n % 13) - 6 if avg > 6 else 0  # -6..+6 in turn: about zero in all; `adjust` takes the rest
    for i in range(groups):
        sharer = shares_url(i)
        if sharer is not None and i % 50 == 24:
            counts[i] = counts[sharer]  # the same keys as the group whose URL it shares
    adjust = big[0] if big else next(i for i in range(groups) if shares_url(i) is None and (i + 20) % 25 != 24)
    counts[adjust] += total - sum(counts)
    assert counts[adjust] >= 1 and sum(counts) == total and min(counts) >= 1, (counts[adjust], min(counts))
    return counts


def group_body(i: int) -> dict:
    channel = channel_of(i)
    sharer = shares_url(i)
    host = {"openai": "oa", "anthropic": "an", "gemini": "gm"}[channel]
    version = "/v1" if channel == "openai" and i % 2 else ""  # half the openai upstreams carry the segment
    url = f"https://{host}{sharer if sharer is not None else i:05d}.test{version}"
    upstreams = [{"url": url, "weight": 1}]
    if i % 40 == 7:
        upstreams.append({"url": f"https://{host}{i:05d}-backup.test", "weight": 1})
    body = {"name": f"imp-{channel}-{i:05d}", "channel_type": channel, "upstreams": upstreams,
            "test_model": f"{host}-model-{i % 7}", "description": f"operator group {i}"}  # fmt: skip
    if i % 3 == 0:
        body["model_redirect_rules"] = {f"m{i}-{r}": f"vendor/M{i}-{r}" for r in range(1 + i % 5)}
        body["model_redirect_strict"] = i % 9 == 0
    return body


async def populate(fake: FakeGptLoad, groups: int, total_keys: int) -> dict[str, int]:
    """Fill the fake through its admin API (no latency yet); returns what a preview must read."""
    counts = key_counts(groups, total_keys)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url="http://gptload.test") as c:
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}

        async def admin(method: str, path: str, body: dict) -> dict:
            response = await c.request(method, path, json=body, headers=headers)
            assert response.status_code == 200, response.text
            return response.json().get("data")

        ids = []
        for i in range(groups):
            ids.append((await admin("POST", "/api/groups", group_body(i)))["id"])
            sharer = shares_url(i)
            owner = sharer if sharer is not None and i % 50 == 24 else i
            values = [key(owner, n) for n in range(counts[i])]
            for start in range(0, len(values), 4_000):
                body = {"group_id": ids[-1], "keys_text": ",".join(values[start : start + 4_000])}
                await admin("POST", "/api/keys/add-multiple", body)
        aggregates = max(1, groups // 300)
        for a in range(aggregates):
            members = [20 * a + m for m in (1, 2, 3) if 20 * a + m < groups]
            body = {"name": f"imp-pool-{a:03d}", "group_type": "aggregate", "channel_type": "openai"}
            pool = await admin("POST", "/api/groups", body)
            sub = {"sub_groups": [{"group_id": ids[m], "weight": 100} for m in members]}
            await admin("POST", f"/api/groups/{pool['id']}/sub-groups", sub)
    pages = sum(max(1, math.ceil(n / KEY_PAGE)) for n in counts)
    return {"standard": groups, "aggregates": aggregates, "keys": sum(counts), "calls": 1 + pages + aggregates}


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<44} {value:>14}   {note}".rstrip())


async def run(args: argparse.Namespace) -> float:
    async with bench_services(args.concurrency) as (services, fake):
        return await bench(services, fake, args)


async def bench(services: Services, fake: FakeGptLoad, args: argparse.Namespace) -> float:
    began = time.perf_counter()
    expect = await populate(fake, args.groups, args.keys)
    print(f"populated {expect['standard']} standard groups + {expect['aggregates']} aggregates, {expect['keys']} keys "
          f"in {time.perf_counter() - began:.1f} s (admin API, no latency)")  # fmt: skip
    rss_filled = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fake.latency = args.latency
    print(f"GPTLOAD_CONCURRENCY={args.concurrency}, fake GPT-Load latency {args.latency * 1000:g} ms per admin call\n")

    walls, reads, calls, client_calls = [], [], 0, 0

    async def timed_read(*args, **kwargs):  # preview's own read, timed: the rest of the preview is its CPU tail
        began = time.perf_counter()
        try:
            return await read_gptload(*args, **kwargs)
        finally:
            reads.append(time.perf_counter() - began)

    importing.read_gptload = timed_read
    answer = None
    for _ in range(args.repeats):
        before, client_before = len(fake.requests), services.gptload.calls
        fake.max_in_flight = 0
        began = time.perf_counter()
        answer = await preview(services, ImportPreviewRequest(gptload=True))
        walls.append(time.perf_counter() - began)
        calls, client_calls = len(fake.requests) - before, services.gptload.calls - client_before
        assert calls == client_calls == expect["calls"], (calls, client_calls, expect)
    importing.read_gptload = read_gptload
    assert len(reads) == len(walls), "preview no longer reads GPT-Load through core.importing.read_gptload"
    tails = [w - r for w, r in zip(walls, reads, strict=True)]
    in_flight = fake.max_in_flight
    assert len(answer.groups) == expect["standard"] + expect["aggregates"], len(answer.groups)
    kinds = {}
    for conflict in answer.conflicts:
        kinds[conflict.kind] = kinds.get(conflict.kind, 0) + 1

    # The parts, one at a time (the same work preview does, in the same order).
    owned: set[int] = set()
    began = time.perf_counter()
    layout = await read_gptload(services.gptload, owned)
    t_read = time.perf_counter() - began
    began = time.perf_counter()
    read, _ = from_gptload(layout, owned)
    t_from = time.perf_counter() - began
    registered = await registered_providers(services)
    t_propose = []
    for _ in range(args.repeats):
        began = time.perf_counter()
        proposal = propose(read, registered)
        t_propose.append(time.perf_counter() - began)
    assert len(proposal.providers) == len(answer.providers)

    rss_timed = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    fake.latency = 0.0  # memory and profile runs: what the manager allocates, not how long the fake sleeps
    tracemalloc.start()
    await preview(services, ImportPreviewRequest(gptload=True))
    heap_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    if args.profile:
        profiler = cProfile.Profile()
        fake.latency = args.latency
        profiler.enable()
        await preview(services, ImportPreviewRequest(gptload=True))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        profiler.dump_stats(args.profile)
        print(out.getvalue())

    wall = statistics.median(walls)
    bound = calls * args.latency / args.concurrency
    ratio = wall / bound if bound else math.inf
    print("import preview (core.importing.preview, GPT-Load only):")
    line("preview wall, median", f"{wall:10.2f} s", f"min {min(walls):.2f} s, max {max(walls):.2f} s (n={len(walls)})")
    line("admin calls per preview", f"{calls:10d}", f"1 list + {calls - 1 - expect['aggregates']} key pages + "
         f"{expect['aggregates']} sub-group reads; max_in_flight {in_flight}")  # fmt: skip
    line(f"bound: calls x {args.latency * 1000:g} ms / {args.concurrency}", f"{bound:10.2f} s",
         f"sequential: {calls * args.latency:.2f} s")  # fmt: skip
    line("ratio preview / bound", f"{ratio:10.2f} x", f"target <= {TARGET_RATIO:g} x")
    line("  of which read_gptload, median", f"{statistics.median(reads):10.2f} s", f"alone once more: {t_read:.2f} s")
    line("  of which the rest (CPU), median", f"{statistics.median(tails) * 1000:10.1f} ms",
         "from_gptload, propose, checksum, answer")  # fmt: skip
    line("  from_gptload alone", f"{t_from * 1000:10.1f} ms")
    line("  propose alone, median", f"{statistics.median(t_propose) * 1000:10.1f} ms",
         f"{len(proposal.providers)} providers, {len(proposal.conflicts)} conflicts")  # fmt: skip
    line("preview answer", f"{len(answer.providers):10d}", f"providers; conflicts {dict(sorted(kinds.items()))}")
    line("Python heap peak during one preview", f"{heap_peak:10.1f} MiB", "tracemalloc, fake's answers included")
    line(
        "peak RSS after the timed previews", f"{rss_timed:10.0f} MiB", f"{rss_filled:.0f} MiB once the fake was filled"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=GROUPS, help=f"standard groups (default {GROUPS})")
    parser.add_argument("--keys", type=int, default=KEYS, help=f"keys in all (default {KEYS})")
    parser.add_argument("--latency", type=float, default=LATENCY, help=f"seconds per admin call (default {LATENCY})")
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help="GPTLOAD_CONCURRENCY (default 8)")
    parser.add_argument("--repeats", type=int, default=3, help="previews timed (default 3)")
    parser.add_argument("--profile", metavar="FILE", help="also cProfile one preview; stats to FILE, top 40 printed")
    parser.add_argument("--smoke", action="store_true", help="40 groups, 400 keys, 2 ms: checks that the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.groups, args.keys, args.latency, args.repeats = 40, 400, 0.002, 1
    assert args.groups >= 20 and args.keys >= args.groups, "at least 20 groups and one key per group"
    print(f"python {platform.python_version()}  {platform.platform()}  cpus={len(os.sched_getaffinity(0))}")
    started = time.perf_counter()
    ratio = asyncio.run(run(args))
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    full = args.groups >= GROUPS and args.keys >= KEYS and args.latency > 0
    if full and ratio > TARGET_RATIO:
        print(f"MISS: the preview took {ratio:.2f} x its latency bound (target {TARGET_RATIO:g} x)")
        sys.exit(1)


if __name__ == "__main__":
    main()
