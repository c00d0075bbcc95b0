"""UI benchmark (issue 14 §2-3): the Models page at 30,000 models / 10,000 exposed names and the normalization
assistant's suggestions for those 30,000 models, in Chromium (target: each interactive in under 2 s).

Run from the repo root: ``.venv/bin/python bench/ui_catalog.py [--providers P] [--models M] [--loads N]``;
``bench/ui.py`` runs it too, as its fifth part. Prints numbers only and asserts results, never timings (DESIGN §3).

The registry is written straight into the app's SQLite file with Tortoise before the app starts (as
``bench/ui_sync.py`` does): ``P`` openai providers x ``M`` models (100 x 300 = 30,000), one compatibility class,
each provider spelling its models its own way (``bench/normalization.py``'s ``provider_names``: vendor prefixes,
the vendor's capitals, ``llama3.1`` for ``llama-3.1``, ``_`` for ``-``, date stamps, ``:free``-like suffixes),
drawn from 455 models of 12 families, so the 30,000 models expose 10,004 names and the assistant finds
17 rules. Then the real ``main.py`` runs as a process against a fake GPT-Load on a loopback port, and every
load is a fresh navigation in headless Chromium (``tests.browser.harness``; load 1 in a new profile is cold, the
rest reuse its HTTP cache). A script injected before the page's own records, on the page's clock (0 =
navigation start), what the page shows when, and every long task; *settled* is the TTI-style quiet window of
``bench/ui.py`` part 1 (the end of the last long task starting less than 1 s after the previous candidate).

- ``/models``: the first row of the names grid (one page of 50 rows; the names, search and filters stay in
  Python), then settled. Then, in the page, the variants filter (the switch clicked until the count line says
  how many names have a spelling variant, and back) and three searches typed into the search box until the
  count line says how many names match (Quasar's 300 ms debounce of the box included). The expected counts
  come from ``GET /api/models/exposed`` (the same rules over REST), asked after the loads.
- ``/assistant``: the first suggestion card, the first card with its impact drawn (the duplicates and
  aggregates accepting it would create, filled in after the cards), *cards ready*: every card of the first
  page (10) with its impact, then settled from there.

``GET /api/models/exposed`` and ``GET /api/normalization/suggestions?limit=10`` are timed too: the server's
part of each page (the registry read, the grouping or the suggestions, the first page's impacts).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.normalization import model_pool, provider_names  # noqa: E402
from bench.page_timing import wait_settled  # noqa: E402
from core.crypto import generate_key  # noqa: E402
from core.db import open_database  # noqa: E402
from core.models import Model, Provider  # noqa: E402
from core.services import Services  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.browser.harness import Chromium, chromium_path  # noqa: E402
from tests.e2e.app_process import AppProcess, app_process, clean_env  # noqa: E402
from tests.fakes.gptload import FakeGptLoad  # noqa: E402
from tests.fakes.server import free_port, loopback_server  # noqa: E402

ADMIN_KEY = "gptload-admin-bench-0123456789"
POOL = 455  # distinct models the providers draw from: 100 x 300 models then expose 10,004 names
PAGE_SIZE = 50  # ui.paged_grid.PAGE_SIZE
CARDS = 10  # ui.assistant_page.PAGE_SIZE
SEARCHES = ("qwen", "llama-3.1", "provider-042")
VARIANTS = "Spelling variants of each other"
WAITING = "Working out the duplicates"  # a card whose impact is not drawn yet
# The Models page's count line ("Names 1–50 of 10,004"), found among the grey labels by its first word.
COUNT = "[...document.querySelectorAll('.text-grey-8')].map(e => e.textContent).find(t => /^(Names|No names)/.test(t))"
MODELS_PROBE = """
window.__lpm = {firstRow: null, longTasks: []};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__lpm.longTasks.push([e.startTime, e.startTime + e.duration]);
}).observe({type: 'longtask', buffered: true});
new MutationObserver((_, observer) => {
  if (document.querySelector('.exposed-grid .ag-center-cols-container .ag-row')) {
    window.__lpm.firstRow = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""
ASSISTANT_PROBE = """
window.__lpm = {firstCard: null, firstImpact: null, ready: null, cards: 0, longTasks: []};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__lpm.longTasks.push([e.startTime, e.startTime + e.duration]);
}).observe({type: 'longtask', buffered: true});
const __lpmPoll = setInterval(() => {
  const cards = [...document.querySelectorAll('.q-card')].filter(c => c.querySelector('.q-checkbox'));
  if (!cards.length) return;
  const now = performance.now(), lpm = window.__lpm;
  if (lpm.firstCard === null) lpm.firstCard = now;
  if (lpm.firstImpact === null && !cards[0].textContent.includes('__WAITING__')) lpm.firstImpact = now;
  if (cards.every(c => !c.textContent.includes('__WAITING__'))) {  // a page's cards come in one update
    lpm.ready = now;
    lpm.cards = cards.length;
    clearInterval(__lpmPoll);
  }
}, 10);
"""
# Run in the page: start a clock, do ``action``, resolve with the ms until the count line reads ``wanted``.
UNTIL_COUNT = """
new Promise((resolve, reject) => {
  const wanted = %(wanted)s;
  const read = () => %(count)s;
  const started = performance.now();
  const observer = new MutationObserver(() => {
    if (read() === wanted) { observer.disconnect(); resolve(performance.now() - started); }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
  %(action)s;
  setTimeout(() => { observer.disconnect(); reject(new Error('the count line never read ' + wanted)); }, 60000);
})
"""
CLICK_SWITCH = f"[...document.querySelectorAll('.q-toggle')].find(t => t.textContent.trim() === {json.dumps(VARIANTS)})"
CLICK_SWITCH += ".click()"


def count_line(total: int, every: int) -> str:
    """What the Models page's count line reads on page 1 (``ui.paged_grid.PagedGrid._count_text``)."""
    if not total:
        return "No names match"
    of_all = f" (of {every:,})" if total != every else ""
    if total <= PAGE_SIZE:
        return f"Names: {total:,}{of_all}"
    return f"Names 1–{PAGE_SIZE} of {total:,}{of_all}"


async def populate(env: dict[str, str], providers: int, models: int) -> tuple[int, int]:
    """The registry in the SQLite file the app will open; returns (models, distinct exposed names)."""
    settings = Settings.from_env(env)
    services = Services.build(settings)
    pool = model_pool(POOL)
    names: set[str] = set()
    try:
        async with open_database(settings.database_url, services.box):
            for i in range(providers):
                token = services.box.encrypt_list([f"sk-bench-c{i:03d}-0123456789abcdef"])
                provider = await Provider.create(name=f"provider-{i:03d}", base_url=f"https://p{i:03d}.test/v1",
                                                 channel_type="openai", api_keys_token=token)  # fmt: skip
                listed = provider_names(i, models, pool)
                names.update(listed)
                await Model.bulk_create([Model(provider=provider, original_name=n) for n in listed], batch_size=1_000)
            return await Model.all().count(), len(names)
    finally:
        await services.aclose()


@contextmanager
def catalog_world(providers: int, models: int) -> Iterator[tuple[AppProcess, httpx.Client, int]]:
    """The app on a SQLite file holding ``providers`` x ``models`` models; yields it, a REST client, the names."""
    with tempfile.TemporaryDirectory(prefix="lpm-bench-catalog-") as tmp, ExitStack() as stack:
        gptload = FakeGptLoad(ADMIN_KEY)
        gptload_url = stack.enter_context(loopback_server(gptload.app))
        env = clean_env(Path(tmp), ENCRYPTION_KEY=generate_key(), GPTLOAD_URL=gptload_url, GPTLOAD_AUTH_KEY=ADMIN_KEY,
                        UNIAPI_GPTLOAD_URL=gptload_url, GPTLOAD_CACHE_WAIT="5", LOG_LEVEL="WARNING")  # fmt: skip
        began = time.perf_counter()
        count, names = asyncio.run(populate(env, providers, models))
        print(f"populated {providers} providers, {count} models exposing {names} names in the app's SQLite file "
              f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
        app = stack.enter_context(app_process(env, free_port()))
        yield app, stack.enter_context(httpx.Client(base_url=app.url, timeout=300)), names


def catalog_bench(binary: str, providers: int, models: int, loads: int) -> None:
    with catalog_world(providers, models) as (app, api, names):
        with Chromium(binary) as browser:
            browser.add_init_script(MODELS_PROBE)
            rows = [measure_models(browser, f"{app.url}/models") for _ in range(loads)]
            report("/models", rows, {"first_row": "first row of the names grid in the DOM"})
            models_actions(browser, api, names)
        with Chromium(binary) as browser:
            browser.add_init_script(ASSISTANT_PROBE.replace("__WAITING__", WAITING))
            rows = [measure_assistant(browser, f"{app.url}/assistant") for _ in range(loads)]
            labels = {
                "first_card": "first suggestion card in the DOM",
                "first_impact": "the first card's impact drawn",
                "ready": "cards ready: the first page's cards with their impact",
            }
            report("/assistant", rows, labels)
        total = suggestion_total(api)
        assert {r["cards"] for r in rows} == {min(total, CARDS)}, (rows, total)  # the first page's cards, all drawn
        print(f"  {total} suggestions, {min(total, CARDS)} cards on the first page")
        server_part(api)


def navigation(browser: Chromium) -> dict[str, float]:
    nav = browser.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    return {"response": nav["responseEnd"], "dom_content_loaded": nav["domContentLoadedEventEnd"]}


def measure_models(browser: Chromium, url: str) -> dict[str, float]:
    browser.open(url, timeout=300)
    browser.wait_for("window.__lpm && window.__lpm.firstRow !== null", timeout=300, what="the first names row")
    probe = wait_settled(browser, "firstRow")
    shown = browser.evaluate("getElement(document.querySelector('.exposed-grid')).api.getDisplayedRowCount()")
    assert 0 < shown <= PAGE_SIZE, shown  # one page of names, a result, not a timing
    return {
        **navigation(browser),
        "first_row": probe["firstRow"],
        "settled": probe["settled"],
        "long_tasks": sum(end - start for start, end in probe["longTasks"]),
    }


def measure_assistant(browser: Chromium, url: str) -> dict[str, float]:
    browser.open(url, timeout=300)
    browser.wait_for("window.__lpm && window.__lpm.ready !== null", timeout=300, what="the cards with their impact")
    probe = wait_settled(browser, "ready")
    return {
        **navigation(browser),
        "first_card": probe["firstCard"],
        "first_impact": probe["firstImpact"],
        "ready": probe["ready"],
        "settled": probe["settled"],
        "long_tasks": sum(end - start for start, end in probe["longTasks"]),
        "cards": probe["cards"],
    }


def report(page: str, rows: list[dict[str, float]], own: dict[str, str]) -> None:
    labels = {
        "response": "HTML response end (navigation timing)",
        "dom_content_loaded": "DOMContentLoaded end",
        **own,
        "settled": "settled: last long task before 1 s of quiet",
        "long_tasks": "main-thread long tasks, total",
    }
    first = rows[0]
    print(f"\nChromium, {page}, {len(rows)} fresh loads; ms from navigation start (load 1 cold, the rest warm cache):")
    for key, label in labels.items():
        warm = [r[key] for r in rows[1:]] or [first[key]]
        print(f"  {label:<56} cold {first[key]:8.1f}   warm min {min(warm):8.1f}  median "
              f"{statistics.median(warm):8.1f}")  # fmt: skip


def exposed_total(api: httpx.Client, **query: object) -> int:
    answer = api.get("/api/models/exposed", params={"page_size": 1, **query})
    assert answer.status_code == 200, answer.text
    return answer.json()["total"]


def suggestion_total(api: httpx.Client) -> int:
    answer = api.get("/api/normalization/suggestions", params={"limit": 1, "impact_limit": 0})
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()["total"]


def until_count(browser: Chromium, wanted: str, action: str) -> str:
    """The ms until the count line reads ``wanted`` after ``action`` (not timed when it reads that already)."""
    if browser.evaluate(COUNT) == wanted:
        browser.evaluate(action)
        return "     n/a (the count line read that already)"
    script = UNTIL_COUNT % {"wanted": json.dumps(wanted), "count": COUNT, "action": action}
    return f"{browser.evaluate(script, timeout=90):8.1f}"


def models_actions(browser: Chromium, api: httpx.Client, names: int) -> None:
    every = exposed_total(api)
    assert every == names, (every, names)  # every name in the SQLite file is listed
    assert browser.evaluate(COUNT) == count_line(every, every), browser.evaluate(COUNT)
    variants = exposed_total(api, only_variants="true")
    on = until_count(browser, count_line(variants, every), CLICK_SWITCH)
    off = until_count(browser, count_line(every, every), CLICK_SWITCH)
    print(f"\n/models actions ({every:,} names; ms in the page until the count line reads the new total):")
    print(f"  {f'variants filter on ({variants:,} names have a spelling variant)':<72} {on}")
    print(f"  {'variants filter off (every name again)':<72} {off}")
    for text in SEARCHES:
        matched = exposed_total(api, search=text)
        box = "document.querySelector('input[aria-label^=\"Search names\"]')"
        typed = f"{box}.focus(); {box}.select(); document.execCommand('insertText', false, {json.dumps(text)})"
        elapsed = until_count(browser, count_line(matched, every), typed)
        print(f"  {f'search {text!r} typed ({matched:,} match; the 300 ms debounce included)':<72} {elapsed}")


def server_part(api: httpx.Client, repeats: int = 3) -> None:
    print("\nthe server's part over REST (after the loads):")
    for label, path, params in (
        ("GET /api/models/exposed (first page of 50)", "/api/models/exposed", {}),
        (f"GET /api/normalization/suggestions?limit={CARDS} (their impact too)", "/api/normalization/suggestions",
         {"limit": CARDS}),
    ):  # fmt: skip
        times = []
        for _ in range(repeats):
            began = time.perf_counter()
            answer = api.get(path, params=params)
            times.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, answer.text[:500]
        print(f"  {label:<62} min {min(times):8.1f} ms   median {statistics.median(times):8.1f} ms   "
              f"({len(answer.content) / 1024:.0f} KiB)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100, help="providers (default 100)")
    parser.add_argument("--models", type=int, default=300, help="models per provider (default 300)")
    parser.add_argument("--loads", type=int, default=6, help="page loads in Chromium per page (default 6)")
    parser.add_argument("--smoke", action="store_true", help="3 x 20 models, 1 load: checks that the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.providers, args.models, args.loads = 3, 20, 1
    binary = chromium_path()
    if binary is None:
        print("Chromium not installed (apt-get install -y chromium chromium-driver): skipped")
        return
    catalog_bench(binary, args.providers, args.models, args.loads)


if __name__ == "__main__":
    main()
