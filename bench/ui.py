"""UI benchmark (issues 4, 12, 14): the workbench with 5,000 models, /sync at 12,100 groups, the dashboard with
200 providers, the Models page and the assistant at 30,000 models in Chromium; saving edits.

Run from the repo root: ``.venv/bin/python bench/ui.py [--models N] [--loads N] [--renames N] [--rounds N]
[--sync-providers P --sync-models M] [--only-sync] [--dashboard-providers P] [--only-dashboard]
[--catalog-providers P --catalog-models M] [--only-catalog]``.
Prints numbers only and asserts no timings (DESIGN §3: numbers go to docs/benchmarks.md).

Part 1, page (needs Debian's ``chromium``; skipped with a note without it): fake providers and a fake GPT-Load on
loopback ports, the real ``main.py`` as a process (``tests.e2e.app_process``), one provider listing ``--models``
models added over REST. Chromium runs headless and is driven over the DevTools protocol on a pipe
(``tests.browser.harness.Chromium``). Every load is a fresh navigation to ``/providers/{id}``; a script injected
before the page's own records, on the page's clock (``performance.now()``, 0 = navigation start), when the first
grid row enters the DOM and every long task (> 50 ms of main-thread work). "Settled" is the end of the last
long task that starts less than 1 s after the previous candidate, starting from the first row (a TTI-style quiet
window of 1 s; the page is then interactive: rows are in the DOM and the websocket is live). The DevTools network
events give the websocket handshake and the largest websocket frame (the grid's rows). Load 1 is a cold profile;
the rest reuse its HTTP cache. Then six single-row edits (Delete, Revert, ... clicked in a row scrolled to the
middle), timed in the page from the click until the grid's row holds its new state: a server round trip plus
the ``applyTransaction`` of the changed rows the workbench sends back.

Part 3, ``bench/ui_sync.py``: the /sync page after a first sync of ``--sync-providers`` x ``--sync-models``
(100 x 300 = 12,100 groups by default), time to a settled page, and no "Maximum text size" anywhere.

Part 4, the dashboard (issue 14 §1): ``--dashboard-providers`` providers (200) added over REST, each listing a name
they all share and two of their own, then one sync (2 groups per provider and one aggregate), and 24 h requests
recorded in the fake GPT-Load for every provider's groups (every tenth provider fails 30 % of them). Each load is
a fresh navigation to ``/``: the table's first row, *settled* (as in part 1), and when the health read in the
background (one stats call per group, GPTLOAD_CONCURRENCY at a time) reached the rows. Then a quick search typed
into the page until the grid shows its rows, and a sort by failure rate (failing providers first), timed.

Part 5, ``bench/ui_catalog.py`` (issue 14 §2-3): ``--catalog-providers`` x ``--catalog-models`` (100 x 300 =
30,000 models exposing 10,004 names, spelled as real providers spell them) written into the app's SQLite file;
the Models page (first row, settled; the variants filter and three searches, timed in the page) and the
normalization assistant (the first page's suggestion cards with their impact drawn), cold and warm.

Part 2, save (no browser): a real SQLite file in a temporary directory opened with ``core.db.open_database``,
the provider's models written directly with Tortoise. Per round: what opening the page computes
(``catalog.list_models`` + ``impact.load_registry`` + ``PendingChanges.load`` + ``outlook()`` + ``rows()``),
1,000 ``PendingChanges.rename`` calls (every fifth model, distinct names), the Python side of the refresh after
them (``outlook()``, ``rows()``, the rows that differ from what the page shows), the save dialog's counts and
``impact()``, and what Confirm runs: ``Changes(...)`` + ``catalog.apply_changes`` + the reload from its result
(``saved()``) + ``rows()``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import orjson  # noqa: E402

from bench.ui_catalog import catalog_bench  # noqa: E402
from bench.ui_sync import sync_page_bench  # noqa: E402
from core import catalog  # noqa: E402
from core.catalog import Changes  # noqa: E402
from core.crypto import generate_key  # noqa: E402
from core.db import open_database  # noqa: E402
from core.impact import load_registry  # noqa: E402
from core.models import Model, Provider  # noqa: E402
from core.services import Services  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.browser.harness import (  # noqa: E402
    Chromium,
    big_model_names,
    chromium_path,
    rename_big,
    run_sync,
    seeded_app,
)
from ui.pending import PendingChanges  # noqa: E402

ADMIN_KEY = "gptload-admin-bench-0123456789"
DASHBOARD = "getElement(document.querySelector('.providers-grid')).api"
DASHBOARD_PROBE = """
window.__lpm = {firstRow: null, health: null, longTasks: []};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__lpm.longTasks.push([e.startTime, e.startTime + e.duration]);
}).observe({type: 'longtask', buffered: true});
const __lpmPoll = setInterval(() => {
  const grid = document.querySelector('.providers-grid');
  const first = document.querySelector('.providers-grid .ag-center-cols-container .ag-row, .provider-card');
  if (window.__lpm.firstRow === null && first) window.__lpm.firstRow = performance.now();
  try {
    if (getElement(grid).api.getDisplayedRowAtIndex(0).data.health === 'read') {
      window.__lpm.health = performance.now();
      clearInterval(__lpmPoll);
    }
  } catch (e) {}
}, 10);
"""
KEYS = {"big": ["sk-bench-big-0123456789abcdef"], "gemini": ["sk-bench-gem-0123456789abcdef"],
        "claude": ["sk-bench-cla-0123456789abcdef"]}  # fmt: skip
QUIET_MS = 1000
GRID = "document.querySelector('.nicegui-aggrid')"
PROBE = """
window.__lpm = {firstRow: null, longTasks: []};
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.__lpm.longTasks.push([e.startTime, e.startTime + e.duration]);
}).observe({type: 'longtask', buffered: true});
new MutationObserver((_, observer) => {
  if (document.querySelector('.nicegui-aggrid .ag-center-cols-container .ag-row')) {
    window.__lpm.firstRow = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""
EDIT = """
new Promise((resolve, reject) => {
  const grid = document.querySelector('.nicegui-aggrid');
  const button = grid.querySelector('.ag-row[row-id="%(id)s"] button');
  if (!button) { reject(new Error('no action button in row %(id)s')); return; }
  const wanted = %(deleted)s;
  const done = () => {
    const node = getElement(grid).api.getRowNode('%(id)s');
    return node && node.data._deleted === wanted && grid.querySelector('.ag-center-cols-container .ag-row');
  };
  const started = performance.now();
  const observer = new MutationObserver(() => {
    if (done()) { observer.disconnect(); resolve(performance.now() - started); }
  });
  observer.observe(grid, {childList: true, subtree: true, attributes: true, attributeFilter: ['class']});
  button.click();
  setTimeout(() => { observer.disconnect(); reject(new Error('the grid did not change within 30 s')); }, 30000);
})
"""


def median_line(label: str, values: list[float], unit: str = "ms") -> None:
    print(f"  {label:<62} min {min(values):9.1f} {unit}   median {statistics.median(values):9.1f} {unit}"
          f"   (n={len(values)})")  # fmt: skip


def settled(first_row: float, long_tasks: list[list[float]]) -> float:
    candidate = first_row
    for start, end in sorted(long_tasks):
        if start < candidate + QUIET_MS and end > candidate:
            candidate = end
    return candidate


# ----- part 1: the page in Chromium


def page_bench(binary: str, models: int, loads: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lpm-bench-ui-") as tmp:
        began = time.perf_counter()
        with seeded_app(Path(tmp), big_models=models, admin_key=ADMIN_KEY, keys=KEYS) as seeded:
            names = big_model_names(models)
            rename_big(seeded, {name: "shared-chat" for name in names[:: max(models // 10, 1)]})
            provider_id = seeded.ids[seeded.big]
            url = f"{seeded.app.url}/providers/{provider_id}"
            print(f"seeded {len(seeded.ids)} providers over REST ({models} models in {seeded.big}, 10 renamed to one "
                  f"duplicate name) in {time.perf_counter() - began:.1f} s")  # fmt: skip

            shells = []
            for _ in range(5):
                started = time.perf_counter()
                answer = httpx.get(url, timeout=60)
                shells.append((time.perf_counter() - started) * 1000)
                time.sleep(2)  # the server goes on building the unconnected page; let it finish first
            print(f"GET /providers/{provider_id} over HTTP ({len(answer.content) / 1024:.0f} KiB: the page shell; "
                  "the grid follows over the websocket):")  # fmt: skip
            median_line("response", shells)

            with Chromium(binary) as browser:
                browser.call("Network.enable", session=browser.session)
                browser.add_init_script(PROBE)
                rows = [measure_load(browser, url, models) for _ in range(loads)]
                report_loads(rows)
                measure_edits(browser, models)


def measure_load(browser: Chromium, url: str, models: int) -> dict[str, float]:
    browser.open(url)
    browser.wait_for("window.__lpm && window.__lpm.firstRow !== null", what="the first grid row")
    while True:
        probe = browser.evaluate("({now: performance.now(), ...window.__lpm})")
        if probe["now"] >= settled(probe["firstRow"], probe["longTasks"]) + QUIET_MS:
            break
        time.sleep(0.1)
    displayed = browser.evaluate(f"getElement({GRID}).api.getDisplayedRowCount()")
    assert displayed == models, displayed  # a result, not a timing
    nav = browser.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    started = next(e["params"]["timestamp"] for e in browser.events if e["method"] == "Network.requestWillBeSent")
    opened = next(e["params"] for e in browser.events if e["method"] == "Network.webSocketHandshakeResponseReceived")
    frames = [e["params"] for e in browser.events if e["method"] == "Network.webSocketFrameReceived"]
    biggest = max(frames, key=lambda f: len(f["response"]["payloadData"]))
    return {
        "response": nav["responseEnd"],
        "dom_content_loaded": nav["domContentLoadedEventEnd"],
        "load": nav["loadEventEnd"],
        "websocket": (opened["timestamp"] - started) * 1000,
        "rows_frame": (biggest["timestamp"] - started) * 1000,
        "rows_frame_kib": len(biggest["response"]["payloadData"].encode()) / 1024,
        "first_row": probe["firstRow"],
        "settled": settled(probe["firstRow"], probe["longTasks"]),
        "long_tasks": sum(end - start for start, end in probe["longTasks"]),
    }


def report_loads(rows: list[dict[str, float]]) -> None:
    labels = {
        "response": "HTML response end (navigation timing)",
        "dom_content_loaded": "DOMContentLoaded end",
        "load": "load event end",
        "websocket": "websocket handshake answered",
        "rows_frame": "largest websocket frame (the rows) received",
        "first_row": "first grid row in the DOM",
        "settled": "settled: last long task before 1 s of quiet",
        "long_tasks": "main-thread long tasks, total",
    }
    first = rows[0]
    print(f"\nChromium, {len(rows)} fresh loads; ms from navigation start (load 1 cold, the rest warm cache):")
    print(f"  largest websocket frame: {first['rows_frame_kib']:.0f} KiB")
    for key, label in labels.items():
        warm = [r[key] for r in rows[1:]] or [first[key]]
        print(f"  {label:<46} cold {first[key]:8.1f}   warm min {min(warm):8.1f}  median "
              f"{statistics.median(warm):8.1f}")  # fmt: skip


def measure_edits(browser: Chromium, models: int) -> None:
    middle = models // 2
    api = f"getElement({GRID}).api"
    row = f"{GRID}.querySelector('.ag-center-cols-container .ag-row[row-index=\"{middle}\"]')"
    times, tops = [], []
    row_id = None
    for attempt in range(6):
        browser.evaluate(f"{api}.ensureIndexVisible({middle}, 'top')")  # back to the middle, in case an edit moved it
        browser.wait_for(f"{row}.querySelector('button')", what="the middle row's action button")
        row_id = row_id or browser.evaluate(f"{row}.getAttribute('row-id')")
        params = {"id": row_id, "deleted": "true" if attempt % 2 == 0 else "false"}
        times.append(browser.evaluate(EDIT % params, timeout=60))
        tops.append(browser.evaluate(f"{api}.getFirstDisplayedRowIndex()"))
    print(f"\nsingle edits of the row at index {middle} (Delete, Revert, ... clicked in the page):")
    median_line("click → the grid row holds its new state", times)
    print(f"  first displayed row index after each edit: {tops} (scrolled to {middle} before each click)")


# ----- part 4: the dashboard's providers table


def dashboard_bench(binary: str, count: int, loads: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lpm-bench-dashboard-") as tmp:
        began = time.perf_counter()
        keys = {"big": ["sk-bench-p000-0123456789abcdef"]}
        with seeded_app(Path(tmp), big_models=3, admin_key=ADMIN_KEY, keys=keys, small=False) as seeded:
            host = seeded.providers.accounts[0].host
            for i in range(1, count):
                account = seeded.providers.add(
                    "openai",
                    host,
                    [f"sk-bench-p{i:03d}-0123456789abcdef"],
                    ["shared-chat", f"own-{i:03d}-a", f"own-{i:03d}-b"],
                    prefix=f"/p{i}",
                )
                body = {"name": f"prov-{i:03d}", "base_url": account.base_url, "channel_type": "openai",
                        "api_keys": account.keys}  # fmt: skip
                created = seeded.api.post("/api/providers", json=body)
                assert created.status_code == 201, created.text
            seeded_at = time.perf_counter()
            record = run_sync(seeded, timeout=1800)
            assert record["status"] == "succeeded", record
            groups = seeded.gptload.groups_by_name()
            for index, name in enumerate(sorted(n for n in groups if groups[n]["group_type"] == "standard")):
                seeded.gptload.record_requests(name, 1_000, failed=300 if index % 10 == 0 else 0)
            print(f"seeded {count} providers over REST in {seeded_at - began:.1f} s, synced {len(groups)} GPT-Load "
                  f"groups in {time.perf_counter() - seeded_at:.1f} s")  # fmt: skip
            url = seeded.app.url + "/"
            with Chromium(binary) as browser:  # a new profile: the table, the default view
                browser.add_init_script(DASHBOARD_PROBE)
                rows = [measure_dashboard(browser, url, count, table=True) for _ in range(loads)]
                report_dashboard("the table", rows)
                measure_dashboard_actions(browser, count)
            with Chromium(binary) as browser:  # the cards, the dashboard before issue 14, for comparison
                browser.add_init_script(DASHBOARD_PROBE)
                browser.open(url)
                browser.click_button("Cards")  # remembered for this profile; its cache is warm from here on
                browser.wait_for(f"document.querySelectorAll('.provider-card').length === {count}", what="the cards")
                rows = [measure_dashboard(browser, url, count, table=False) for _ in range(loads)]
                report_dashboard("the cards (every load warm: the view was chosen in a first load)", rows)
            served = sum(path.endswith("/stats") for _, path in seeded.gptload.requests)
            print(f"  GPT-Load stats calls served during the loads: {served} ({len(groups)} groups)")


def measure_dashboard(browser: Chromium, url: str, count: int, *, table: bool) -> dict[str, float]:
    browser.open(url)
    browser.wait_for("window.__lpm && window.__lpm.firstRow !== null", what="the first table row or card")
    while True:
        probe = browser.evaluate("({now: performance.now(), ...window.__lpm})")
        if probe["now"] >= settled(probe["firstRow"], probe["longTasks"]) + QUIET_MS:
            break
        time.sleep(0.1)
    shown = f"{DASHBOARD}.getDisplayedRowCount()" if table else "document.querySelectorAll('.provider-card').length"
    assert browser.evaluate(shown) == count  # a result, not a timing
    if table:
        browser.wait_for("window.__lpm.health !== null", timeout=120, what="the health read to reach the rows")
    nav = browser.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
    probe = browser.evaluate("window.__lpm")
    return {
        "response": nav["responseEnd"],
        "dom_content_loaded": nav["domContentLoadedEventEnd"],
        "first_row": probe["firstRow"],
        "settled": settled(probe["firstRow"], probe["longTasks"]),
        **({"health": probe["health"]} if table else {}),
        "long_tasks": sum(end - start for start, end in probe["longTasks"]),
    }


def report_dashboard(view: str, rows: list[dict[str, float]]) -> None:
    labels = {
        "response": "HTML response end (navigation timing)",
        "dom_content_loaded": "DOMContentLoaded end",
        "first_row": "first table row (or card) in the DOM",
        "settled": "settled: last long task before 1 s of quiet",
        "health": "health read from GPT-Load reached the rows",
        "long_tasks": "main-thread long tasks, total",
    }
    first = rows[0]
    print(f"\nChromium, dashboard as {view}, {len(rows)} fresh loads; ms from navigation start (load 1, the rest):")
    for key, label in labels.items():
        if key not in first:
            continue
        rest = [r[key] for r in rows[1:]] or [first[key]]
        print(f"  {label:<46} load 1 {first[key]:8.1f}   then min {min(rest):8.1f}  median "
              f"{statistics.median(rest):8.1f}")  # fmt: skip


def measure_dashboard_actions(browser: Chromium, count: int) -> None:
    searches = []
    for text in ("prov-01", "prov-1", "prov-00"):
        expected = sum(text in name for name in [f"prov-{i:03d}" for i in range(1, count)])
        started = time.perf_counter()
        browser.evaluate("(() => { const i = document.querySelector('input[aria-label=\"Search providers\"]');"
                         " i.select(); return true; })()")  # fmt: skip
        browser.type_into("Search providers", text)
        browser.wait_for(f"{DASHBOARD}.getDisplayedRowCount() === {expected}", what=f"the rows matching {text}")
        searches.append((time.perf_counter() - started) * 1000)
    sort = (
        f"(() => {{ const api = {DASHBOARD}; api.setGridOption('quickFilterText', '');"
        " const started = performance.now();"
        " api.applyColumnState({state: [{colId: 'failure_rate', sort: 'desc'}], defaultState: {sort: null}});"
        " return [performance.now() - started, api.getDisplayedRowAtIndex(0).data.failure_rate]; })()"
    )
    sorted_ms, worst = browser.evaluate(sort)
    print(f"\ndashboard actions ({count} providers):")
    median_line("quick search typed → the grid shows its rows (server round trip)", searches)
    median_line("sort by failure rate, failing first (in the page)", [sorted_ms])
    print(f"  first row's failure rate after the sort: {worst}")


# ----- part 2: 1,000 pending edits and Save, in process


async def save_bench(models: int, renames: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lpm-bench-save-") as tmp:
        env = {"ENCRYPTION_KEY": generate_key(), "DATA_DIR": tmp, "LOG_LEVEL": "WARNING"}
        settings = Settings.from_env(env)
        services = Services.build(settings)
        try:
            async with open_database(settings.database_url, services.box):
                await save_rounds(services, models, renames, rounds)
        finally:
            await services.aclose()


async def populate(services: Services, models: int) -> int:
    big = await Provider.create(name="big", base_url="https://big.test/v1", channel_type="openai",
                                api_keys_token=services.box.encrypt_list(KEYS["big"]))  # fmt: skip
    other = await Provider.create(name="other", base_url="https://other.test/v1", channel_type="openai",
                                  api_keys_token=services.box.encrypt_list(KEYS["gemini"]))  # fmt: skip
    names = big_model_names(models)
    await Model.bulk_create([Model(provider=big, original_name=n) for n in names], batch_size=1_000)
    # 300 names the other provider (same class: openai /v1) serves too: the workbench's "shared" highlight.
    await Model.bulk_create([Model(provider=other, original_name=n) for n in names[:300]], batch_size=1_000)
    return big.id


async def save_rounds(services: Services, models: int, renames: int, rounds: int) -> None:
    began = time.perf_counter()
    provider_id = await populate(services, models)
    print(f"\npopulated a SQLite file with {models} + 300 models in {time.perf_counter() - began:.1f} s")
    timings: dict[str, list[float]] = {}

    def record(label: str, started: float) -> None:
        timings.setdefault(label, []).append((time.perf_counter() - started) * 1000)

    payload = 0
    for attempt in range(rounds):
        started = time.perf_counter()
        state = PendingChanges.load(provider_id, await catalog.list_models(provider_id), await load_registry())
        rows = state.rows(state.outlook().duplicates)
        record("open: list_models + load_registry + PendingChanges.load + outlook() + rows()", started)
        payload = len(orjson.dumps(rows))

        shown = {row["id"]: row for row in rows}  # what the page keeps to send only the changed rows
        ids = sorted(state.models)[:: max(models // renames, 1)][:renames]
        started = time.perf_counter()
        for model_id in ids:
            state.rename(model_id, f"bench-{attempt}-{model_id}")
        record(f"{len(ids)} x PendingChanges.rename", started)

        started = time.perf_counter()
        changed = [row for row in state.rows(state.outlook().duplicates) if shown.get(row["id"]) != row]
        record("refresh after them: outlook() + rows() + changed rows", started)
        assert len(changed) == len(ids), len(changed)  # the transaction the page would send

        started = time.perf_counter()
        counts = (state.count, len(state.renames), len(state.deletions))
        impact = state.impact()
        record("save dialog: counts + impact()", started)

        started = time.perf_counter()
        changes = Changes(renames=dict(state.renames), deletions=set(state.deletions), provider_id=provider_id,
                          confirm_duplicates=bool(impact.within_provider),
                          confirm_delete_all=bool(impact.emptied_provider_ids))  # fmt: skip
        result = await catalog.apply_changes(services, changes)
        record("Confirm: Changes + catalog.apply_changes (SQLite write)", started)
        assert result.renamed == len(ids) == counts[0], (result.renamed, counts)  # a result, not a timing

        started = time.perf_counter()
        state.saved([m for m in result.models if m.provider_id == provider_id])
        state.rows(state.outlook().duplicates)
        record("reload from the result: saved() + outlook() + rows()", started)
        assert state.count == 0

    print(f"save of {renames} pending edits, {models}-model provider, {rounds} rounds "
          f"(rows() payload {payload / 1024:.0f} KiB as JSON):")  # fmt: skip
    for label, values in timings.items():
        median_line(label, values)
    confirm = [sum(v) for v in zip(*(timings[k] for k in list(timings)[3:]), strict=True)]
    median_line("Save button total (dialog + Confirm + reload)", confirm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=5_000, help="models of the provider (default 5000)")
    parser.add_argument("--loads", type=int, default=6, help="page loads in Chromium (default 6)")
    parser.add_argument("--renames", type=int, default=1_000, help="pending renames to save (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="save rounds (default 5)")
    parser.add_argument("--sync-providers", type=int, default=100, help="providers for /sync (default 100)")
    parser.add_argument("--sync-models", type=int, default=300, help="models per provider for /sync (default 300)")
    parser.add_argument("--only-sync", action="store_true", help="only part 3, the /sync page")
    parser.add_argument("--dashboard-providers", type=int, default=200, help="providers for / (default 200)")
    parser.add_argument("--only-dashboard", action="store_true", help="only part 4, the dashboard")
    parser.add_argument("--catalog-providers", type=int, default=100, help="providers for /models (default 100)")
    parser.add_argument("--catalog-models", type=int, default=300, help="models per provider there (default 300)")
    parser.add_argument("--only-catalog", action="store_true", help="only part 5, /models and /assistant")
    parser.add_argument("--smoke", action="store_true", help="50 models, 1 load, 1 round: checks that the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.models, args.loads, args.renames, args.rounds = 50, 1, 10, 1
        args.sync_providers, args.sync_models = 4, 6
        args.dashboard_providers = 5
        args.catalog_providers, args.catalog_models = 3, 20
    only = args.only_sync or args.only_dashboard or args.only_catalog
    print(f"python {platform.python_version()}  {platform.platform()}  cpus={len(os.sched_getaffinity(0))}")
    started = time.perf_counter()
    binary = chromium_path()
    if binary is None:
        print("Chromium not installed (apt-get install -y chromium chromium-driver): page part skipped")
    else:
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60).stdout.strip()
        print(f"{version}\n")
        if not only:
            page_bench(binary, args.models, args.loads)
            print()
        if not only or args.only_sync:
            sync_page_bench(binary, args.sync_providers, args.sync_models, args.loads)
            print()
        if not only or args.only_dashboard:
            dashboard_bench(binary, args.dashboard_providers, args.loads)
            print()
        if not only or args.only_catalog:
            catalog_bench(binary, args.catalog_providers, args.catalog_models, args.loads)
    if not only:
        asyncio.run(save_bench(args.models, args.renames, args.rounds))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ntotal {time.perf_counter() - started:.1f} s   peak RSS of the bench process {peak:.0f} MiB")


if __name__ == "__main__":
    main()
