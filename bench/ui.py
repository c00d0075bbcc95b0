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
import bisect
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import orjson  # noqa: E402

from bench.page_timing import settled, wait_settled  # noqa: E402
from bench.ui_catalog import MODELS_PROBE, catalog_bench, catalog_world  # noqa: E402
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
    Seeded,
    big_model_names,
    chromium_path,
    rename_big,
    run_sync,
    seeded_app,
)
from tests.e2e.app_process import AppProcess, app_process  # noqa: E402
from tests.fakes.server import free_port  # noqa: E402
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


# ----- part 1: the page in Chromium


@contextmanager
def workbench_world(tmp: Path, models: int) -> Iterator[tuple[Seeded, str]]:
    """The app with three providers, one listing ``models`` models (10 renamed to one name), and that workbench URL."""
    began = time.perf_counter()
    with seeded_app(tmp, big_models=models, admin_key=ADMIN_KEY, keys=KEYS) as seeded:
        names = big_model_names(models)
        rename_big(seeded, {name: "shared-chat" for name in names[:: max(models // 10, 1)]})
        print(f"seeded {len(seeded.ids)} providers over REST ({models} models in {seeded.big}, 10 renamed to one "
              f"duplicate name) in {time.perf_counter() - began:.1f} s")  # fmt: skip
        yield seeded, f"{seeded.app.url}/providers/{seeded.ids[seeded.big]}"


def page_bench(binary: str, models: int, loads: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lpm-bench-ui-") as tmp, workbench_world(Path(tmp), models) as (_, url):
        provider_id = url.rsplit("/", 1)[1]
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
    probe = wait_settled(browser, "firstRow")
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
        "settled": probe["settled"],
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


@contextmanager
def dashboard_world(tmp: Path, count: int) -> Iterator[tuple[Seeded, str, int]]:
    """The app with ``count`` providers, synced, with 24 h requests in the fake GPT-Load; yields it, ``/``, groups."""
    began = time.perf_counter()
    keys = {"big": ["sk-bench-p000-0123456789abcdef"]}
    with seeded_app(tmp, big_models=3, admin_key=ADMIN_KEY, keys=keys, small=False) as seeded:
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
        yield seeded, seeded.app.url + "/", len(groups)


def dashboard_bench(binary: str, count: int, loads: int) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="lpm-bench-dashboard-") as tmp,
        dashboard_world(Path(tmp), count) as (seeded, url, groups),
    ):
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
        print(f"  GPT-Load stats calls served during the loads: {served} ({groups} groups)")


def measure_dashboard(browser: Chromium, url: str, count: int, *, table: bool) -> dict[str, float]:
    browser.open(url)
    browser.wait_for("window.__lpm && window.__lpm.firstRow !== null", what="the first table row or card")
    probe = wait_settled(browser, "firstRow")
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


# ----- part 6: cold loads; where their time goes (DevTools tracing); the same against another checkout

TRACE_CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "v8.execute",
    "v8",
    "disabled-by-default-v8.compile",
    "disabled-by-default-v8.cpu_profiler",
    "toplevel",
    "loading",
    "blink.user_timing",
]
# Main-thread work that is not JavaScript, by trace event; script compilation, attributed to its file.
NATIVE_WORK = {
    "UpdateLayoutTree": "style recalculation",
    "ParseAuthorStyleSheet": "stylesheet parsing",
    "Layout": "layout",
    "PrePaint": "paint, layerize, commit",
    "Paint": "paint, layerize, commit",
    "Layerize": "paint, layerize, commit",
    "UpdateLayerTree": "paint, layerize, commit",
    "Commit": "paint, layerize, commit",
    "ParseHTML": "HTML parsing",
    "MinorGC": "garbage collection",
    "MajorGC": "garbage collection",
    "V8.GC_SCAVENGER": "garbage collection",
    "V8.GC_MARK_COMPACTOR": "garbage collection",
    "V8.GCIncrementalMarking": "garbage collection",
    "V8.GCFinalizeMC": "garbage collection",
    "CppGC.AtomicPhase": "garbage collection",
    "BlinkGC.AtomicPhase": "garbage collection",
}
COMPILE_EVENTS = {"v8.compile", "v8.compileModule", "V8.CompileCode", "V8.CompileLazy", "v8.produceCache",
                  "v8.produceModuleCache", "V8.ParseProgram", "V8.ParseFunction", "v8.deserializeCache"}  # fmt: skip
SCRIPTS = (  # (part of the URL, item), first match wins
    ("/esm/", "AG Grid (the 1.1 MB module)"),
    ("tailwindcss", "Tailwind's in-browser compiler"),
    ("vue.esm", "Vue"),
    ("quasar.umd", "Quasar"),
    ("socket.io", "socket.io"),
    ("dompurify", "DOMPurify"),
    ("/_nicegui/", "NiceGUI (nicegui.js, components, dynamic_properties.js)"),
)
WINDOWS = ("to DOMContentLoaded", "to the first row", "to settled")
TOP_TASKS = ("ThreadControllerImpl::RunTask", "RunTask")


def script_item(url: str) -> str:
    return next((item for part, item in SCRIPTS if part in url), "the page's inline scripts, the probe" if url else "")


def cpu_ms(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc), in ms."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def chromium_cpu(pid: int) -> dict[str, float]:
    """CPU ms so far of Chromium's processes by kind (browser, renderer, gpu-process, network, ...)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with suppress(OSError, IndexError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    family, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    kinds: dict[str, float] = {}
    for member in family:
        with suppress(OSError):
            args = Path(f"/proc/{member}/cmdline").read_text().replace("\0", " ").split()
            kind = next((a.split("=", 1)[1] for a in args if a.startswith("--type=")), "browser")
            kind = next((a.split("=", 1)[1].split(".")[0] for a in args if a.startswith("--utility-sub-type=")), kind)
            kind += " (Chromium's own UI)" if "--top-chrome-webui" in args else ""
            kinds[kind] = kinds.get(kind, 0.0) + cpu_ms(member)
    return kinds


def trace_events(browser: Chromium) -> list[dict]:
    """End the trace and collect its events (Tracing.dataCollected until Tracing.tracingComplete)."""
    browser.call("Tracing.end")
    events: list[dict] = []
    for message in browser.events:
        if message.get("method") == "Tracing.dataCollected":
            events.extend(message["params"]["value"])
    browser.events.clear()
    deadline = time.monotonic() + 120
    while True:
        message = browser._receive(deadline)  # the harness's pipe reader; events only from here on
        if message.get("method") == "Tracing.dataCollected":
            events.extend(message["params"]["value"])
        elif message.get("method") == "Tracing.tracingComplete":
            return events


def attribute(events: list[dict], url: str, page: dict[str, float]) -> dict[str, dict[str, float]]:
    """Main-thread CPU ms per item and window. The V8 sampling profiler says what ran when; a sample inside a style,
    layout, paint, HTML, GC or compile event counts for that, else for the script file on top of the stack; each
    sample is weighted by its task's thread time over wall time, so time the thread waited for a core is left out."""
    start = next(e for e in events if e.get("name") == "navigationStart"
                 and e.get("args", {}).get("data", {}).get("documentLoaderURL") == url)  # fmt: skip
    pid, tid, origin = start["pid"], start["tid"], start["ts"]
    spans = sorted(
        ((e["ts"], e["ts"] + e["dur"], e["name"], e.get("tdur", e["dur"]) / e["dur"], e.get("args", {}))
         for e in events if e["pid"] == pid and e["tid"] == tid and e.get("ph") == "X" and e.get("dur")),
        key=lambda s: (s[0], -s[1]),  # an enclosing span before the spans it holds
    )  # fmt: skip
    tops, end = [], -1.0
    for span in spans:
        if span[2] in TOP_TASKS and span[0] >= end:
            tops.append(span)
            end = span[1]
    marked = [s for s in spans if s[2] in NATIVE_WORK or s[2] in COMPILE_EVENTS]
    starts = [s[0] for s in marked]
    top_starts = [s[0] for s in tops]
    nodes: dict[int, dict] = {}
    samples: list[tuple[float, int]] = []
    for profile in (e for e in events if e.get("name") == "Profile" and e["pid"] == pid and e["tid"] == tid):
        clock = profile["args"]["data"]["startTime"]
        for chunk in (
            e for e in events if e.get("name") == "ProfileChunk" and (e["pid"], e.get("id")) == (pid, profile["id"])
        ):
            data = chunk["args"]["data"]
            nodes.update((n["id"], n) for n in data.get("cpuProfile", {}).get("nodes", []))
            for node, delta in zip(data.get("cpuProfile", {}).get("samples", []), data.get("timeDeltas", []),
                                   strict=False):  # fmt: skip
                clock += delta
                samples.append((clock, node))
    samples.sort()
    bounds = {"to DOMContentLoaded": (0, page["dom_content_loaded"]), "to the first row": (page["dom_content_loaded"],
              page["first_row"]), "to settled": (page["first_row"], page["settled"])}  # fmt: skip
    result: dict[str, dict[str, float]] = {}
    for i, (at, node) in enumerate(samples[:-1]):
        frame = nodes.get(node, {}).get("callFrame", {})
        enclosing = [s for s in marked[max(0, bisect.bisect_right(starts, at) - 300) : bisect.bisect_right(starts, at)]
                     if s[1] > at]  # fmt: skip
        if enclosing:
            inner = max(enclosing, key=lambda s: s[0])
            if inner[2] in COMPILE_EVENTS:
                file = inner[4].get("data", {}).get("url") or inner[4].get("fileName") or frame.get("url", "")
                item = f"{script_item(file) or 'V8 builtins, JSON.parse, DOM bindings'}: compile"
            else:
                item = NATIVE_WORK[inner[2]]
        elif frame.get("functionName") == "(idle)":
            continue
        elif frame.get("functionName") == "(garbage collector)":
            item = "garbage collection"
        elif frame.get("url"):
            item = f"{script_item(frame['url'])}: run"
        elif frame.get("functionName") in ("(program)", "(root)"):
            item = "other native work (tasks, IPC, timers)"
        else:
            item = "V8 builtins, JSON.parse, DOM bindings"
        task = bisect.bisect_right(top_starts, at) - 1
        weight = min(1.0, tops[task][3]) if task >= 0 and tops[task][1] > at else 1.0
        relative = (at - origin) / 1000
        for window, (low, high) in bounds.items():
            if low <= relative < high:
                slot = result.setdefault(item, dict.fromkeys(WINDOWS, 0.0))
                slot[window] += min(samples[i + 1][0] - at, 5_000) / 1000 * weight
    busy = dict.fromkeys(WINDOWS, 0.0)
    for begin, finish, _, ratio, _ in tops:
        for window, (low, high) in bounds.items():
            if low <= (begin - origin) / 1000 < high:
                busy[window] += (finish - begin) / 1000 * min(1.0, ratio)
    result["= main thread busy (thread time of its tasks)"] = busy
    return result


def network(events: list[dict], origin_url: str) -> dict[str, float]:
    """When (ms from navigation start) the page's static files were all in, and AG Grid's module asked for and in."""
    start = next(e for e in events if e.get("name") == "navigationStart"
                 and e.get("args", {}).get("data", {}).get("documentLoaderURL") == origin_url)  # fmt: skip
    sent, done = {}, {}
    for e in events:
        data = e.get("args", {}).get("data", {})
        if e.get("name") == "ResourceSendRequest":
            sent[data["requestId"]] = (data["url"], (e["ts"] - start["ts"]) / 1000)
        elif e.get("name") == "ResourceFinish":
            done[data["requestId"]] = (e["ts"] - start["ts"]) / 1000
    handshake = [(e["ts"] - start["ts"]) / 1000 for e in events if e.get("name") == "WebSocketReceiveHandshakeResponse"
                 and e["ts"] > start["ts"]]  # fmt: skip
    opened = min(handshake, default=0.0)
    grid = [(at, done.get(rid, 0.0)) for rid, (url, at) in sent.items() if "/esm/" in url]
    static = [done.get(rid, 0.0) for rid, (url, at) in sent.items()
              if "/static/" in url and ".woff" not in url and at < opened]  # fmt: skip
    return {
        "page's static files in (the last)": max(static, default=0.0),
        "websocket open": opened,
        "AG Grid module requested": grid[0][0] if grid else 0.0,
        "AG Grid module in": grid[0][1] if grid else 0.0,
    }


def cold_run(binary: str, url: str, probe: str, server_pid: int, *, warm: int, trace: bool, idle: float,
             health: bool) -> list[dict]:  # fmt: skip
    """One new Chromium (a new profile, so an empty HTTP and code cache): a cold load, then ``warm`` warm ones."""
    rows = []
    with Chromium(binary) as browser:
        browser.add_init_script(probe)
        time.sleep(idle)  # let Chromium's own start-up work end first (a user's browser is already running)
        for load in range(1 + warm):
            row: dict = {"load": "cold" if load == 0 else "warm", "loadavg": os.getloadavg()[0]}
            if trace:
                config = {"includedCategories": TRACE_CATEGORIES, "excludedCategories": ["*"]}
                browser.call("Tracing.start", {"traceConfig": config, "transferMode": "ReportEvents"})
            server, chromium = cpu_ms(server_pid), chromium_cpu(browser.pid)
            browser.open(url, timeout=120)
            browser.wait_for("window.__lpm && window.__lpm.firstRow !== null", timeout=120, what="the first row")
            probe_now = wait_settled(browser, "firstRow")
            if health:
                browser.wait_for("window.__lpm.health !== null", timeout=120, what="the health read to reach the rows")
            nav = browser.evaluate("performance.getEntriesByType('navigation')[0].toJSON()")
            row["page"] = {"dom_content_loaded": nav["domContentLoadedEventEnd"], "first_row": probe_now["firstRow"],
                           "settled": probe_now["settled"]}  # fmt: skip
            after = chromium_cpu(browser.pid)
            row["cpu"] = {"app server": cpu_ms(server_pid) - server,
                          **{f"Chromium {k}": v - chromium.get(k, 0.0) for k, v in after.items()}}  # fmt: skip
            if trace:
                events = trace_events(browser)
                row["items"] = attribute(events, url, row["page"])
                row["network"] = network(events, url)
            rows.append(row)
    return rows


def median_of(rows: list[dict], get: Callable[[dict], float]) -> float:
    return statistics.median([get(r) for r in rows]) if rows else 0.0


def report_cold(title: str, runs: dict[str, list[dict]]) -> None:
    """Per tree (label): the page's timings cold and warm, CPU per process, and with a trace the attribution."""
    print(f"\n{title}")
    for label, rows in runs.items():
        cold = [r for r in rows if r["load"] == "cold"]
        warm = [r for r in rows if r["load"] == "warm"]
        loads = [r["loadavg"] for r in rows]
        print(f"  {label}: {len(cold)} cold loads (each in a new Chromium), {len(warm)} warm; load average "
              f"{min(loads):.1f}-{max(loads):.1f}; ms from navigation start, median [min-max]:")  # fmt: skip
        for key in ("dom_content_loaded", "first_row", "settled"):
            values = [r["page"][key] for r in cold]
            print(f"    {key:<20} cold {statistics.median(values):7.1f} [{min(values):7.1f}-{max(values):7.1f}]"
                  f"   warm {median_of(warm, lambda r, k=key: r['page'][k]):7.1f}")  # fmt: skip
        settled_cold = [r["page"]["settled"] for r in cold]
        print(f"    settled cold, each: {', '.join(f'{v:.0f}' for v in settled_cold)}; under 2 s: "
              f"{sum(v < 2000 for v in settled_cold)} of {len(cold)}")  # fmt: skip
        kinds = sorted({k for r in rows for k in r["cpu"]})
        print("    CPU ms per load, median cold / warm: " + "; ".join(
            f"{k} {median_of(cold, lambda r, k=k: r['cpu'].get(k, 0.0)):.0f} / "
            f"{median_of(warm, lambda r, k=k: r['cpu'].get(k, 0.0)):.0f}" for k in kinds
            if median_of(rows, lambda r, k=k: r["cpu"].get(k, 0.0)) >= 10))  # fmt: skip
        if "items" not in rows[0]:
            continue
        print("    network (cold, median): " + "; ".join(
            f"{k} {median_of(cold, lambda r, k=k: r['network'][k]):.0f}" for k in cold[0]["network"]))  # fmt: skip
        items = sorted({k for r in rows for k in r["items"]}, key=lambda k: (k.startswith("="), k))
        total = {k: median_of(cold, lambda r, k=k: sum(r["items"].get(k, {}).values())) for k in items}
        items.sort(key=lambda k: (k.startswith("="), -total[k]))
        print(f"    main-thread CPU ms (median) {'':<44} | cold: {' | '.join(f'{w:>18}' for w in WINDOWS)} | "
              "  total | warm total")  # fmt: skip
        for item in items:
            per = [median_of(cold, lambda r, i=item, w=w: r["items"].get(i, {}).get(w, 0.0)) for w in WINDOWS]
            warm_total = median_of(warm, lambda r, i=item: sum(r["items"].get(i, {}).values()))
            if total[item] >= 2 or warm_total >= 2:
                print(f"      {item:<72} | {' | '.join(f'{v:18.1f}' for v in per)} | {total[item]:7.1f} | "
                      f"{warm_total:10.1f}")  # fmt: skip


def twin_app(app: AppProcess, tree: Path, stack: ExitStack) -> AppProcess:
    """The app of another checkout (``tree``) on a copy of ``app``'s data, with its environment (fakes, key)."""
    data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lpm-bench-twin-"))) / "data"
    shutil.copytree(app.env["DATA_DIR"], data)  # the app is idle here: its SQLite file is consistent
    return stack.enter_context(app_process({**app.env, "DATA_DIR": str(data)}, free_port(), cwd=tree))


def cold_bench(binary: str, args: argparse.Namespace) -> None:
    """Part 6: ``--cold-runs`` cold loads (a new Chromium each, then 2 warm loads) of the dashboard, the workbench and
    /models; with ``--trace`` where the main thread's time goes; with ``--compare TREE`` the same pages served by the
    app of another checkout on a copy of the same data, its runs interleaved with these (A, B, B, A, ...)."""
    pages = {
        "dashboard": (f"the dashboard with {args.dashboard_providers} providers", DASHBOARD_PROBE, True),
        "workbench": (f"the workbench with {args.models} models", PROBE, False),
        "catalog": (f"/models with {args.catalog_providers} x {args.catalog_models} models", MODELS_PROBE, False),
    }
    for world in args.cold_pages:
        title, probe, health = pages[world]
        with tempfile.TemporaryDirectory(prefix="lpm-bench-cold-") as tmp, ExitStack() as stack:
            if world == "dashboard":
                seeded, url, _ = stack.enter_context(dashboard_world(Path(tmp), args.dashboard_providers))
                app = seeded.app
            elif world == "workbench":
                seeded, url = stack.enter_context(workbench_world(Path(tmp), args.models))
                app = seeded.app
            else:
                app, _, _ = stack.enter_context(catalog_world(args.catalog_providers, args.catalog_models))
                url = app.url + "/models"
            apps = {"this checkout": app}
            if args.compare:
                apps[f"{args.compare}"] = twin_app(app, Path(args.compare), stack)
            runs: dict[str, list[dict]] = {label: [] for label in apps}
            for attempt in range(args.cold_runs):
                order = list(apps) if attempt % 2 == 0 else list(reversed(apps))
                for label in order:
                    where = url.replace(app.url, apps[label].url)
                    runs[label] += cold_run(binary, where, probe, apps[label].process.pid, warm=2, trace=args.trace,
                                            idle=args.idle, health=health)  # fmt: skip
            report_cold(f"Cold loads of {title} (idle {args.idle:g} s after Chromium starts"
                        f"{', traced' if args.trace else ''}):", runs)  # fmt: skip


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
    parser.add_argument("--only-cold", action="store_true", help="only part 6, cold loads of /, a workbench, /models")
    parser.add_argument("--cold-runs", type=int, default=4, help="part 6: cold loads per page (default 4)")
    parser.add_argument("--trace", action="store_true", help="part 6: DevTools tracing (main thread)")
    parser.add_argument("--idle", type=float, default=0, help="part 6: seconds between Chromium's start and the load")
    parser.add_argument("--cold-pages", default="dashboard,workbench,catalog", help="part 6: which pages (default all)")
    parser.add_argument("--compare", metavar="TREE", help="part 6: also the app of that checkout, runs interleaved")
    parser.add_argument("--smoke", action="store_true", help="50 models, 1 load, 1 round: checks that the bench runs")
    args = parser.parse_args()
    args.cold_pages = args.cold_pages.split(",")
    if args.smoke:
        args.models, args.loads, args.renames, args.rounds = 50, 1, 10, 1
        args.sync_providers, args.sync_models = 4, 6
        args.dashboard_providers = 5
        args.catalog_providers, args.catalog_models = 3, 20
        args.cold_runs, args.trace, args.cold_pages = 1, True, ["workbench"]
    only = args.only_sync or args.only_dashboard or args.only_catalog or args.only_cold
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
        if args.only_cold or args.smoke:
            cold_bench(binary, args)
    if not only:
        asyncio.run(save_bench(args.models, args.renames, args.rounds))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ntotal {time.perf_counter() - started:.1f} s   peak RSS of the bench process {peak:.0f} MiB")


if __name__ == "__main__":
    main()
