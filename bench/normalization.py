"""Normalization assistant benchmark (issue 14 §3): suggestions for 30,000 models (target: under 2 s).

Run from the repo root: ``.venv/bin/python bench/normalization.py [--providers P --models M --repeats R]``.
The registry: ``P`` providers x ``M`` models (100 x 300 = 30,000), written directly with Tortoise into a real
SQLite file (set-up is not measured). Each provider lists ``M`` names drawn from 1,500 model names of 12
families, spelled its own way, as real providers do: a third prefix a vendor (``deepseek-ai/DeepSeek-V3.1``,
one org per family), a quarter keep the vendor's capitals, one in six join family and version without a
separator (``llama3.1``) and one in eight with ``_``; one in five names carries a date stamp (``-2024-08-06``,
``-20240806``, ``-0613``), one in ten a provider suffix (``:free``, ``:beta``, ``-latest``).

Measured (median of ``--repeats``): ``build_review`` (the pure suggestion computation: every rule over every
active model), ``Review.page(0, 20)`` (the impact of the REST API's default first page, ``core.impact.edit_impact``
each), the impact of every suggestion, and ``list_suggestions`` end to end (registry and saved rules read from
SQLite, suggestions, the first page with its impact). Prints numbers only; asserts results, never timings
(DESIGN §3).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import normalization  # noqa: E402
from core.crypto import generate_key  # noqa: E402
from core.db import open_database  # noqa: E402
from core.impact import load_registry  # noqa: E402
from core.models import Model, Provider  # noqa: E402
from core.normalization_suggestions import build_review, list_suggestions  # noqa: E402
from core.services import Services  # noqa: E402
from core.settings import Settings  # noqa: E402

PROVIDERS, MODELS, REPEATS = 100, 300, 5
PAGE = 20  # GET /api/normalization/suggestions' default page
UI_PAGE = 10  # ui.assistant_page.PAGE_SIZE: cards drawn first, their impacts filled in after
TARGET_S = 2.0
FAMILIES = [
    ("deepseek-ai", "DeepSeek-V", "deepseek-v"), ("Qwen", "Qwen", "qwen"), ("meta-llama", "Llama-", "llama-"),
    ("mistralai", "Mistral-", "mistral-"), ("google", "Gemini-", "gemini-"), ("openai", "GPT-", "gpt-"),
    ("anthropic", "Claude-", "claude-"), ("THUDM", "GLM-", "glm-"), ("moonshotai", "Kimi-K", "kimi-k"),
    ("01-ai", "Yi-", "yi-"), ("microsoft", "Phi-", "phi-"), ("xai", "Grok-", "grok-"),
]  # fmt: skip
TAILS = ["", "-Instruct", "-Chat", "-Mini", "-Pro", "-Flash", "-Turbo", "-72B", "-7B", "-Coder"]
DATES = ["-2024-08-06", "-20240806", "-0613", "-1106", "-20250115"]
SUFFIXES = [":free", ":beta", "-latest"]


def model_pool(size: int) -> list[tuple[str, str, str, str]]:
    """``size`` distinct models: (org, vendor spelling, lowercase stem, version + tail)."""
    pool = []
    for i in range(size):
        org, vendor, stem = FAMILIES[i % len(FAMILIES)]
        major, minor = divmod(i // len(FAMILIES), 10)
        version = f"{major % 12 + 1}.{minor}" if (i // 120) % 2 else f"{major % 12 + 1}"
        pool.append((org, vendor, stem, f"{version}{TAILS[(i // 7) % len(TAILS)]}"))
    return pool


def spelled(model: tuple[str, str, str, str], rng: random.Random) -> str:
    """One provider's spelling of a model."""
    org, vendor, stem, rest = model
    vendor_case = rng.random() < 0.25
    name = f"{vendor}{rest}" if vendor_case else f"{stem}{rest.lower()}"
    if rng.random() < 1 / 6:
        name = name.replace("-", "", 1) if name.count("-") and name.index("-") < len(stem) + 1 else name
    elif rng.random() < 1 / 8:
        name = name.replace("-", "_", 1)
    if rng.random() < 1 / 3:
        name = f"{org}/{name}"
    if rng.random() < 0.2:
        name += rng.choice(DATES)
    if rng.random() < 0.1:
        name += rng.choice(SUFFIXES)
    return name


def provider_names(index: int, models: int, pool: list[tuple[str, str, str, str]]) -> list[str]:
    rng = random.Random(index)
    names = {spelled(model, rng) for model in rng.sample(pool, min(len(pool), models + models // 5))}
    return sorted(names)[:models]


async def populate(providers: int, models: int) -> int:
    pool = model_pool(1_500)
    for i in range(providers):
        provider = await Provider.create(
            name=f"provider-{i:03d}", base_url=f"https://p{i:03d}.test/v1", channel_type="openai", api_keys_token="x"
        )
        names = provider_names(i, models, pool)
        await Model.bulk_create([Model(provider=provider, original_name=n) for n in names], batch_size=1_000)
    return await Model.filter(is_active=True).count()


def timed(label: str, repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        normalization.version.cache_clear()  # each round starts cold
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    median = statistics.median(times) * 1000
    print(f"{label:<60} min {min(times) * 1000:8.1f} ms   median {median:8.1f} ms   (n={repeats})")
    return median


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="lpm-bench-") as tmp:
        settings = Settings.from_env({"ENCRYPTION_KEY": generate_key(), "DATA_DIR": tmp, "LOG_LEVEL": "WARNING"})
        services = Services.build(settings)
        try:
            async with open_database(settings.database_url, services.box):
                await bench(args)
        finally:
            await services.aclose()


async def bench(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    count = await populate(args.providers, args.models)
    print(f"populated {args.providers} providers, {count} active models in {time.perf_counter() - started:.1f} s")
    registry = await load_registry()
    review = build_review(registry, [])
    changes = sum(len(s.changes) for s in review.suggestions)
    kinds = sorted({s.rule.kind for s in review.suggestions})
    print(f"{len(review.suggestions)} suggestions ({', '.join(kinds)}), {changes} changes\n")
    assert review.suggestions and set(kinds) >= {"lowercase", "strip_prefix"}, kinds
    merged = normalization.compose(review.names, review.suggestions)
    assert all(normalization.allowed(name) for name in merged.values())

    total = timed(f"build_review, {count} models", args.repeats, lambda: build_review(registry, []))
    first = timed(f"Review.page(0, {PAGE}): impact of the first page", args.repeats, lambda: review.page(0, PAGE))
    timed(f"Review.page(0, {UI_PAGE}): the Assistant page's first cards' impact", args.repeats,
          lambda: review.page(0, UI_PAGE))  # fmt: skip
    every = timed(f"Review.page(0, {len(review.suggestions)}): impact of every suggestion", args.repeats,
                  lambda: review.page(0, len(review.suggestions)))  # fmt: skip
    ends = []
    for _ in range(args.repeats):
        normalization.version.cache_clear()
        begun = time.perf_counter()
        answer = await list_suggestions(offset=0, limit=PAGE)
        ends.append(time.perf_counter() - begun)
        assert answer.total == len(review.suggestions), (answer.total, len(review.suggestions))
    end = statistics.median(ends) * 1000
    print(f"{'list_suggestions end to end (SQLite read, first page)':<60} min {min(ends) * 1000:8.1f} ms   "
          f"median {end:8.1f} ms   (n={args.repeats})")  # fmt: skip
    verdict = "pass" if end < TARGET_S * 1000 else "MISS"
    print(
        f"\ntarget: suggestions for {count} models under {TARGET_S:.0f} s: {end:.0f} ms end to end "
        f"({total:.0f} ms computing, {first:.0f} ms the first page's impact; every impact {every:.0f} ms): {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=PROVIDERS)
    parser.add_argument("--models", type=int, default=MODELS, help="models per provider")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--smoke", action="store_true", help="3 providers x 40 models: checks that the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.providers, args.models, args.repeats = 3, 40, 1
    print(f"python {platform.python_version()}  {platform.platform()}  cpus={len(os.sched_getaffinity(0))}")
    asyncio.run(run(args))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
