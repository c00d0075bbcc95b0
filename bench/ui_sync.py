"""UI benchmark (issue 12): the /sync page at 100 providers x 300 models (12,100 GPT-Load groups) in Chromium.

Run from the repo root: ``.venv/bin/python bench/ui_sync.py [--providers P] [--models M] [--loads N]``; ``bench/ui.py``
runs it too, as its third part. Prints numbers only and asserts no timings (DESIGN §3).

The registry is written straight into the app's SQLite file with Tortoise before the app starts (``bench/sync.py``'s
``populate``: 30 % of each provider's models share an exposed name with 1-3 other providers), then the real
``main.py`` runs as a process against a fake GPT-Load on a loopback port, and one sync over REST creates every
group. Each load is then a fresh navigation to ``/sync`` in headless Chromium (``tests.browser.harness``). A
script injected before the page's own records, on the page's clock (0 = navigation start), when the page is
*ready* (the plan preview and the first topology row are in the DOM) and every long task; *settled* is the end
of the last long task starting less than 1 s after the previous candidate, from ready on (a TTI-style quiet
window, as in ``bench/ui.py``). ``GET /api/config/plan`` is timed too: the server's part of ready. After each
load it checks that nothing on the page says "Maximum text size" (mermaid's error for a diagram too big to draw).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.page_timing import wait_settled  # noqa: E402
from bench.sync import populate  # noqa: E402
from core.crypto import generate_key  # noqa: E402
from core.db import open_database  # noqa: E402
from core.services import Services  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.browser.harness import Chromium, chromium_path  # noqa: E402
from tests.e2e.app_process import app_process, clean_env  # noqa: E402
from tests.fakes.gptload import FakeGptLoad  # noqa: E402
from tests.fakes.server import free_port, loopback_server  # noqa: E402

ADMIN_KEY = "gptload-admin-bench-0123456789"
SYNC_TIMEOUT_S = 1800
TOO_BIG = "Maximum text size"
# Ready: the plan preview (its heading, or the error that replaces it) and the topology table's first row.
READY = (
    "(document.body.textContent.includes('Plan preview') || document.body.textContent.includes('plan failed'))"
    " && document.querySelector('.topology-table .ag-center-cols-container .ag-row')"
)
PROBE = """
window.__lpm = {ready: null, longTasks: []};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__lpm.longTasks.push([e.startTime, e.startTime + e.duration]);
}).observe({type: 'longtask', buffered: true});
const __lpmPoll = setInterval(() => {
  try { if (__READY__) { window.__lpm.ready = performance.now(); clearInterval(__lpmPoll); } } catch (e) {}
}, 25);
""".replace("__READY__", READY)


async def populate_file(env: dict[str, str], providers: int, models: int) -> int:
    """The registry in the SQLite file the app will open; returns the count of shared names."""
    settings = Settings.from_env(env)
    services = Services.build(settings)
    try:
        async with open_database(settings.database_url, services.box):
            return await populate(services, providers, models)
    finally:
        await services.aclose()


def first_sync(api: httpx.Client) -> dict:
    checksum = api.get("/api/config/plan").json()["checksum"]
    started = api.post("/api/config/sync", json={"checksum": checksum})
    if started.status_code != 202:
        raise RuntimeError(f"sync did not start: {started.status_code} {started.text[:500]}")
    deadline = time.monotonic() + SYNC_TIMEOUT_S
    while api.get("/api/config/sync/status").json()["running"]:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the first sync did not finish within {SYNC_TIMEOUT_S} s")
        time.sleep(0.5)
    return api.get(f"/api/config/sync/{started.json()['sync_id']}").json()


def sync_page_bench(binary: str, providers: int, models: int, loads: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lpm-bench-sync-page-") as tmp, ExitStack() as stack:
        gptload = FakeGptLoad(ADMIN_KEY)
        gptload_url = stack.enter_context(loopback_server(gptload.app))
        env = clean_env(Path(tmp), ENCRYPTION_KEY=generate_key(), GPTLOAD_URL=gptload_url, GPTLOAD_AUTH_KEY=ADMIN_KEY,
                        UNIAPI_GPTLOAD_URL=gptload_url, GPTLOAD_CACHE_WAIT="5", LOG_LEVEL="WARNING")  # fmt: skip
        began = time.perf_counter()
        shared = asyncio.run(populate_file(env, providers, models))
        print(f"populated {providers} providers x {models} models ({shared} shared names) in the app's SQLite file "
              f"in {time.perf_counter() - began:.1f} s")  # fmt: skip
        app = stack.enter_context(app_process(env, free_port()))
        api = stack.enter_context(httpx.Client(base_url=app.url, timeout=SYNC_TIMEOUT_S))
        began = time.perf_counter()
        record = first_sync(api)
        assert record["status"] == "succeeded", (record["error"], record["failed_step"])
        groups = len(gptload.groups_by_name())
        print(f"first sync over REST: {groups} groups in GPT-Load, {time.perf_counter() - began:.1f} s")
        plans = []
        for _ in range(3):
            began = time.perf_counter()
            assert api.get("/api/config/plan").json()["empty"]  # a result, not a timing
            plans.append((time.perf_counter() - began) * 1000)
        print(f"GET /api/config/plan (the plan the page shows, built on the server): median "
              f"{statistics.median(plans):.1f} ms, min {min(plans):.1f} ms (n={len(plans)})")  # fmt: skip
        with Chromium(binary) as browser:
            browser.add_init_script(PROBE)
            rows = [measure_load(browser, f"{app.url}/sync") for _ in range(loads)]
        report(rows, groups)


def measure_load(browser: Chromium, url: str) -> dict[str, float]:
    browser.open(url, timeout=300)
    browser.wait_for("window.__lpm && window.__lpm.ready !== null", timeout=300, what="the plan and topology")
    probe = wait_settled(browser, "ready", timeout=300)
    nav = browser.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    return {
        "response": nav["responseEnd"],
        "ready": probe["ready"],
        "settled": probe["settled"],
        "long_tasks": sum(end - start for start, end in probe["longTasks"]),
        "elements": browser.evaluate("document.querySelectorAll('*').length"),
        "too_big": browser.evaluate(f"document.body.textContent.includes('{TOO_BIG}')"),
    }


def report(rows: list[dict[str, float]], groups: int) -> None:
    labels = {
        "response": "HTML response end (navigation timing)",
        "ready": "ready: plan preview and first topology row in the DOM",
        "settled": "settled: last long task before 1 s of quiet",
        "long_tasks": "main-thread long tasks, total",
        "elements": "DOM elements once settled",
    }
    print(f"\nChromium, /sync at {groups} groups, {len(rows)} fresh loads; ms from navigation start:")
    for key, label in labels.items():
        values = [r[key] for r in rows]
        print(f"  {label:<56} min {min(values):9.1f}   median {statistics.median(values):9.1f}   "
              f"max {max(values):9.1f}")  # fmt: skip
    shown = sum(bool(r["too_big"]) for r in rows)
    print(f"  loads showing {TOO_BIG!r}: {shown} of {len(rows)}")
    assert not shown, f"the page says {TOO_BIG!r}"  # a result, not a timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=100, help="providers (default 100)")
    parser.add_argument("--models", type=int, default=300, help="models per provider (default 300)")
    parser.add_argument("--loads", type=int, default=5, help="page loads in Chromium (default 5)")
    parser.add_argument("--smoke", action="store_true", help="4 x 6 models, 1 load: checks that the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.providers, args.models, args.loads = 4, 6, 1
    binary = chromium_path()
    if binary is None:
        print("Chromium not installed (apt-get install -y chromium chromium-driver): skipped")
        return
    sync_page_bench(binary, args.providers, args.models, args.loads)


if __name__ == "__main__":
    main()
