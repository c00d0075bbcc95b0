"""Registry benchmark (issue 2): batch save, listing and fetch-all on a 100 x 300 model registry.

Run from the repo root: ``.venv/bin/python bench/registry.py [--concurrency N]``. Prints numbers only and
asserts no timings (DESIGN §3: numbers go to docs/benchmarks.md, never into timed tests). Population writes
rows directly with Tortoise, because set-up is not what is measured.
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
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from core.catalog import Changes, apply_changes, list_models  # noqa: E402
from core.crypto import generate_key  # noqa: E402
from core.db import open_database  # noqa: E402
from core.fetching import fetch_many  # noqa: E402
from core.models import Model, Provider  # noqa: E402
from core.rest import install_api  # noqa: E402
from core.services import Services  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.fakes.providers import FakeProviders  # noqa: E402

PROVIDERS = 100
MODELS_PER_PROVIDER = 300
BIG_PROVIDER_MODELS = 3_000
RENAMES = 1_000
LATENCY = 0.05
# --smoke: the same code paths at a tiny size, so `make test` notices a bench that no longer runs.
SMOKE = {"PROVIDERS": 3, "MODELS_PER_PROVIDER": 10, "BIG_PROVIDER_MODELS": 30, "RENAMES": 10, "LATENCY": 0.0}
TARGET_BATCH_S = 0.5
TARGET_FETCH_ALL_S = 3.0


def api_key(label: str) -> str:
    return f"sk-bench-{label}-0123456789abcdef"


async def measure(label: str, repeats: int, work: Callable[[int], Awaitable[object]]) -> dict[str, float]:
    """Run ``work(round)`` ``repeats`` times; print and return min / median in milliseconds."""
    times = []
    for attempt in range(repeats):
        started = time.perf_counter()
        await work(attempt)
        times.append((time.perf_counter() - started) * 1000)
    row = {"min": min(times), "median": statistics.median(times)}
    print(f"{label:<56} min {row['min']:9.1f} ms   median {row['median']:9.1f} ms   (n={repeats})")
    return row


async def add_provider(services: Services, name: str, base_url: str, key: str, names: list[str]) -> Provider:
    provider = await Provider.create(
        name=name, base_url=base_url, channel_type="openai", api_keys_token=services.box.encrypt_list([key])
    )
    await Model.bulk_create([Model(provider=provider, original_name=n) for n in names], batch_size=1_000)
    return provider


async def run(concurrency: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lpm-bench-") as tmp:
        env = {
            "ENCRYPTION_KEY": generate_key(),
            "DATA_DIR": tmp,
            "TEST_CONCURRENCY": str(concurrency),
            "LOG_LEVEL": "WARNING",
        }
        settings = Settings.from_env(env)
        fake = FakeProviders()
        services = Services.build(settings, transport=httpx.ASGITransport(app=fake.app))
        try:
            async with open_database(settings.database_url, services.box):
                await bench(services, fake, concurrency)
        finally:
            await services.aclose()


async def bench(services: Services, fake: FakeProviders, concurrency: int) -> None:
    started = time.perf_counter()
    for i in range(PROVIDERS):
        names = [f"p{i:03d}-model-{j:03d}" for j in range(MODELS_PER_PROVIDER)]
        account = fake.add("openai", f"p{i:03d}.test", [api_key(f"p{i:03d}")], names, latency=LATENCY)
        await add_provider(services, f"provider-{i:03d}", account.base_url, account.keys[0], names)
    print(f"populated {PROVIDERS} providers x {MODELS_PER_PROVIDER} models in {time.perf_counter() - started:.1f} s")
    print(f"TEST_CONCURRENCY={concurrency}, fake latency {LATENCY * 1000:.0f} ms per request\n")

    # 3. Fetch-all first, so that fetch_many(services, None) sees exactly the 100 providers.
    async def fetch_all(_: int) -> None:
        outcomes = await fetch_many(services, None)
        assert len(outcomes) == PROVIDERS and all(o.ok for o in outcomes), [o for o in outcomes if not o.ok][:3]
        assert all(o.result and o.result.listed == MODELS_PER_PROVIDER for o in outcomes)

    fetched = await measure(f"fetch_many, {PROVIDERS} providers, {LATENCY * 1000:.0f} ms each", 3, fetch_all)
    calls = len(fake.calls)
    floor = -(-PROVIDERS // concurrency) * LATENCY * 1000
    print(f"  fake.max_in_flight={fake.max_in_flight}  requests={calls}  latency floor ~{floor:.0f} ms\n")

    # 1. and 2. on a dedicated provider with 3,000 models (added after fetch-all; 33,000 models in the file).
    big_names = [f"big-model-{j:04d}" for j in range(BIG_PROVIDER_MODELS)]
    big = await add_provider(services, "provider-big", "https://big.test/v1", api_key("big"), big_names)
    ids = await Model.filter(provider_id=big.id).order_by("id").values_list("id", flat=True)
    targets = ids[:: BIG_PROVIDER_MODELS // RENAMES][:RENAMES]
    assert await Model.all().count() == PROVIDERS * MODELS_PER_PROVIDER + BIG_PROVIDER_MODELS

    async def batch_save(attempt: int) -> None:
        renames = {mid: f"renamed-{attempt}-{mid}" for mid in targets}
        result = await apply_changes(services, Changes(renames=renames, provider_id=big.id))
        assert result.renamed == RENAMES and len(result.models) == BIG_PROVIDER_MODELS

    saved = await measure(f"apply_changes, {RENAMES} renames of a {BIG_PROVIDER_MODELS}-model provider", 5, batch_save)
    renamed = await Model.filter(provider_id=big.id, normalized_name__startswith="renamed-4-").count()  # last round
    assert renamed == RENAMES, renamed

    async def list_core(_: int) -> None:
        assert len(await list_models(big.id)) == BIG_PROVIDER_MODELS

    await measure(f"catalog.list_models, {BIG_PROVIDER_MODELS} models", 5, list_core)

    app = FastAPI()
    install_api(app, services)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
        size = 0

        async def list_rest(_: int) -> None:
            nonlocal size
            response = await client.get(f"/api/providers/{big.id}/models")
            assert response.status_code == 200 and len(response.json()) == BIG_PROVIDER_MODELS
            size = len(response.content)

        await measure(f"GET /api/providers/{{id}}/models, {BIG_PROVIDER_MODELS} models", 5, list_rest)
        print(f"  response body {size / 1024:.0f} KiB\n")

    print("targets:")
    for label, value, target in (
        ("batch save (median)", saved["median"], TARGET_BATCH_S),
        ("fetch-all (median)", fetched["median"], TARGET_FETCH_ALL_S),
    ):
        verdict = "pass" if value < target * 1000 else "MISS"
        print(f"  {label:<22} {value:8.1f} ms  target < {target * 1000:.0f} ms  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8, help="TEST_CONCURRENCY for fetch-all (default 8)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks that the bench runs, measures nothing")
    args = parser.parse_args()
    if args.smoke:
        globals().update(SMOKE)
    print(f"python {platform.python_version()}  {platform.platform()}  cpus={len(os.sched_getaffinity(0))}")
    asyncio.run(run(args.concurrency))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"\npeak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
