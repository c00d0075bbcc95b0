"""Browser smoke test: the real app process, seeded over REST, rendered by headless Chromium.

Fake providers and a fake GPT-Load listen on loopback ports; ``main.py`` runs as its own process pointed at
them. Three providers are added (one lists 2,000 models, some renamed to duplicates with confirmation), one
sync runs, then Chromium opens the dashboard, the 2,000-model workbench and /sync, checks what they show and
that no unmasked key (every fake key contains ``SECRET``) reaches a page, and takes a 1400x900 screenshot of
each. Without Chromium the tests skip; with ``LPM_REQUIRE_BROWSER=1`` (``make test``, ``make test-browser``)
they fail instead. Screenshots go to ``$LPM_SCREENSHOTS`` when set (``make test-browser`` sets it to
docs/screenshots), otherwise to a temporary directory.

The workbench's operator flows follow (issue 10): the header checkbox after a quick search, a saved deletion
shown, filtered and restored, and the page at 1024 px (one header row, Find/Replace on one line, the save
dialog's Confirm on screen with a long list). Each leaves nothing pending or changed behind.

The Import page (issue 13) previews the synced world's GPT-Load and api.yaml, with two groups made by hand beside
the manager's for the length of the test: the review, a conflict's options and the groups to adopt; nothing applied.

Issue 14's pages: the Models page (variants filtered, two merged, the save's confirmation cancelled) and the
assistant (a suggestion ticked and accepted, then discarded) on a world of their own whose providers spell names
several ways; the inbox on the shared world, whose claude-direct lists one model more and one fewer while a
dashboard Fetch fills it (restored and resolved over REST afterwards).

Last, every page once in Chinese (issue 14 §5, tests/browser/chinese.py): the same browser sends
``Accept-Language: zh-CN`` and opens the providers table, a workbench, the sync page with a plan, Models (with its
merge and save dialogs), the assistant, the inbox, the import review and the login page (an app of its own with
ADMIN_PASSWORD) on the worlds above; each shows its key Chinese texts, no English word outside the data, no console
error, and at 1024 px a one-row header and whole button labels. AG Grid's own words are checked apart. Screenshots:
providers-table-zh.png, models-zh.png, assistant-zh.png, inbox-zh.png.
"""

from __future__ import annotations

import json
import os
import re
import struct
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.crypto import generate_key
from core.settings import PROJECT_ROOT
from tests.browser.chinese import (
    HEADER_HEIGHT,
    asking_for_chinese,
    chinese_problems,
    data_pattern,
    missing_texts,
    narrow_problems,
    window,
    zh,
)
from tests.browser.harness import (
    REQUIRE_VARIABLE,
    WINDOW,
    Chromium,
    Seeded,
    big_model_names,
    chromium_path,
    rename_big,
    run_sync,
    seeded_app,
)
from tests.conftest import GPTLOAD_ADMIN_KEY, SECRET_MARKER, fake_key
from tests.e2e.app_process import app_process, clean_env
from tests.fakes.server import free_port
from tests.ui.chinese import english_words
from ui.plan_table import STAGE_KEYS, STAGE_TITLES

BIG_MODELS = 2_000
NAMES = big_model_names(BIG_MODELS)
DUPLICATE = "shared-chat"
# 5 duplicates; gemini-direct serves the other name too, but in another class (gemini): not shared.
RENAMES = {**{name: DUPLICATE for name in NAMES[::400]}, NAMES[1]: "gemini-2.5-pro"}
KEYS = {
    "big": [fake_key("big1"), fake_key("big2")],
    "gemini": [fake_key("gem1")],
    "claude": [fake_key("cla1")],
}
GRID = "document.querySelector('.nicegui-aggrid')"
TOPOLOGY = "document.querySelector('.topology-table')"
TOPOLOGY_ROWS = f"{TOPOLOGY}.querySelectorAll('.ag-center-cols-container .ag-row')"
DIAGRAM = 'svg[id$="_mermaid"]'
PROVIDERS_API = "getElement(document.querySelector('.providers-grid')).api"  # the dashboard's table


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = chromium_path()
    if binary is None:
        reason = "Chromium is not installed (apt-get install -y chromium chromium-driver)"
        if os.environ.get(REQUIRE_VARIABLE) == "1":
            pytest.fail(f"{reason}, and {REQUIRE_VARIABLE}=1 requires the browser smoke test", pytrace=False)
        pytest.skip(reason)
    return binary


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("LPM_SCREENSHOTS")
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    folder = Path(chosen) if Path(chosen).is_absolute() else PROJECT_ROOT / chosen
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def world(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    with seeded_app(tmp_path_factory.mktemp("app"), big_models=BIG_MODELS, admin_key=GPTLOAD_ADMIN_KEY, keys=KEYS) as s:
        result = rename_big(s, RENAMES)
        assert result["renamed"] == len(RENAMES), result
        record = run_sync(s)
        assert record["status"] == "succeeded", record
        yield s
    assert SECRET_MARKER not in s.app.output, "an API key reached the app's output"
    assert not missing_texts(s.app.output), missing_texts(s.app.output)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Chromium]:
    with Chromium(chromium) as opened:
        yield opened


# What a page shows arrives a moment after what a test waits for: NiceGUI sends each change over the websocket (an
# element's update first, a grid's transaction or a script after it), AG Grid draws a row's cells and buttons in the
# animation frames after the row, Quasar fades dialogs and menus in (innerText is empty until they are visible), and
# mermaid draws after its element arrives. So a test reads nothing it has not waited for: each check of what the page
# shows is a wait for that value, with a deadline, whose error says what the page showed instead.


def includes(text: str) -> str:
    return f"document.body.innerText.includes({json.dumps(text)})"


def wait_text(
    browser: Chromium,
    *wanted: str,
    what: str,
    absent: tuple[str, ...] = (),
    lowercase: bool = False,
    within: str = "document.body",
    timeout: float = 60,
) -> None:
    """Wait until the text shown in the element the JavaScript expression ``within`` gives (the page by default)
    holds every one of ``wanted`` and none of ``absent`` (compared lowercased with ``lowercase``: Quasar shows button
    labels in capitals). ``absent`` only beside something that shows the change has arrived. On a timeout the error
    lists what was missing and what was there, and the text."""
    case = ".toLowerCase()" if lowercase else ""
    report = f"""(() => {{
      const text = ({within})?.innerText ?? '', seen = text{case};
      return {{missing: {json.dumps(wanted)}.filter(w => !seen.includes(w)),
              there: {json.dumps(absent)}.filter(w => seen.includes(w)), text}};
    }})()"""
    browser.wait_for(f"(r => !r.missing.length && !r.there.length)({report})", what=what, timeout=timeout, show=report)


def wait_equal(browser: Chromium, expression: str, expected: object, *, what: str, timeout: float = 60) -> None:
    """Wait until the value of the JavaScript expression ``expression`` is ``expected`` (compared as JSON: lists in
    their order); on a timeout the error shows the value it had."""
    wanted = json.dumps(expected, separators=(",", ":"), ensure_ascii=False)
    condition = f"JSON.stringify({expression}) === {json.dumps(wanted)}"
    browser.wait_for(condition, what=f"{what} (expected {wanted})", timeout=timeout, show=expression)


# Layout is measured with the web fonts in: before they arrive text is wider or narrower, and icons show their names.
FONTS_LOADED = "document.fonts.status === 'loaded'"


def check_no_secret(world: Seeded, browser: Chromium, path: str) -> None:
    assert SECRET_MARKER not in browser.dom(), f"an unmasked key is in the DOM of {path}"
    assert SECRET_MARKER not in httpx.get(world.app.url + path, timeout=30).text, f"an unmasked key is in {path}"


def screenshot_settled(browser: Chromium, path: Path) -> None:
    """The page once it has settled, saved to ``path`` and checked."""
    settle(browser)
    browser.screenshot(path)
    check_screenshot(path)


def check_screenshot(path: Path, size: tuple[int, int] = WINDOW) -> None:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert struct.unpack(">II", header[16:24]) == size, f"{path} is not {size[0]}x{size[1]}"


def test_dashboard_shows_every_provider_with_masked_keys(world: Seeded, browser: Chromium, shots: Path) -> None:
    browser.open(world.app.url + "/")
    browser.click_button("Table")  # the default view (issue 14); the choice is remembered per browser
    browser.wait_for(f"{PROVIDERS_API}.getDisplayedRowCount() === 3", what="three rows in the providers table")
    # The header's status and the summary strip arrive by timers of their own, after the rows.
    wait_text(browser, "last sync", "connected", what="the GPT-Load status in the header")
    wait_text(browser, "Nothing to sync", "succeeded", "3 providers", what="the summary strip after the sync")

    # Through JSON: rows a later transaction updated (the health read's) came back from DevTools by value as {}.
    shown = browser.evaluate(
        f"JSON.parse(JSON.stringify([0, 1, 2].map(i => {PROVIDERS_API}.getDisplayedRowAtIndex(i).data)))"
    )
    rows = {r["name"]: r for r in shown}
    assert set(rows) == set(world.ids)
    assert (rows[world.big]["active"], rows[world.big]["total"]) == (BIG_MODELS, BIG_MODELS)
    assert rows[world.big]["keys_masked"] == "sk-…cdef, sk-…cdef"  # masked: first three and last four characters
    assert rows[world.big]["group_count"] > 0 and rows[world.big]["groups"]
    check_no_secret(world, browser, "/")
    settle(browser)
    browser.screenshot(shots / "dashboard.png")
    check_screenshot(shots / "dashboard.png")

    browser.click_button("Cards")  # the alternative view
    browser.wait_for("document.querySelectorAll('.provider-card').length === 3", what="three provider cards")
    models = f"Models: {BIG_MODELS} active / {BIG_MODELS} total"
    wait_text(browser, models, "Keys: sk-…cdef, sk-…cdef", what="the big provider's card")
    check_no_secret(world, browser, "/")
    browser.click_button("Table")


def test_workbench_renders_the_2000_model_grid(world: Seeded, browser: Chromium, shots: Path) -> None:
    path = f"/providers/{world.ids[world.big]}"
    browser.open(world.app.url + path)
    browser.wait_for(f"{GRID} && {GRID}.querySelectorAll('.ag-row').length > 5", what="grid rows")
    browser.wait_for("document.body.innerText.includes('Split preview')", what="the split preview")

    assert browser.evaluate(f"getElement({GRID}).api.getDisplayedRowCount()") == BIG_MODELS
    rendered = f"{GRID}.querySelectorAll('.ag-center-cols-container .ag-row').length"
    # The grid virtualises: only the visible rows are in the DOM.
    browser.wait_for(f"{rendered} > 5 && {rendered} < {BIG_MODELS}", what="only the visible rows", show=rendered)
    # The first row's original name, the names the renames gave, the split preview of the confirmed duplicates.
    wait_text(browser, NAMES[0], DUPLICATE, "gemini-2.5-pro", f"{DUPLICATE}-aggregate", what="the names")
    marked = [f"{GRID}.querySelectorAll('.{mark}').length" for mark in ("row-duplicate", "row-shared")]
    browser.wait_for(f"{marked[0]} >= 1 && {marked[1]} === 0", show=f"[{', '.join(marked)}]",
                     what="the first row marked a duplicate, no row shared (row 1: only another class)")  # fmt: skip
    check_no_secret(world, browser, path)
    browser.screenshot(shots / "provider.png")
    check_screenshot(shots / "provider.png")


def test_sync_page_shows_the_synced_state_history_and_topology(world: Seeded, browser: Chromium, shots: Path) -> None:
    browser.open(world.app.url + "/sync")
    browser.wait_for("document.body.innerText.includes('nothing to change')", what="the empty plan")
    browser.wait_for(f"{TOPOLOGY_ROWS}.length > 0", what="the topology table")

    rows = BIG_MODELS + 4  # one per active model: the big provider's and two at each small one
    # "succeeded": the history row of the sync run over REST.
    wait_text(browser, "succeeded", f"Rows 1–50 of {rows:,}", "No names selected", what="the history and topology")
    wait_equal(browser, f"{TOPOLOGY_ROWS}.length", 50, what="one page in the DOM, not 2,004 rows")
    assert not browser.evaluate(f"document.querySelector({json.dumps(DIAGRAM)})")  # with "No names selected"
    check_no_secret(world, browser, "/sync")
    browser.screenshot(shots / "sync.png")
    check_screenshot(shots / "sync.png")


def test_topology_search_filters_rows_and_selected_names_are_drawn(
    world: Seeded, browser: Chromium, shots: Path
) -> None:
    browser.open(world.app.url + "/sync")
    browser.wait_for(f"{TOPOLOGY_ROWS}.length > 0", what="the topology table")
    browser.type_into("Search names", DUPLICATE)
    browser.wait_for(f"document.body.innerText.includes('Rows: 5 (of {BIG_MODELS + 4:,})')", what="the search")
    browser.wait_for(f"{TOPOLOGY_ROWS}.length === 5", what="five rows, one per member of the aggregate")
    shown = f"[...{TOPOLOGY_ROWS}].map(r => r.querySelector('[col-id=\"aggregate\"]')?.textContent)"
    wait_equal(browser, shown, [f"{DUPLICATE}-aggregate"] * 5, what="the aggregate in each row")

    browser.evaluate(f"{TOPOLOGY}.querySelector('.ag-header-select-all input').click()")
    diagram = f"(document.querySelector({json.dumps(DIAGRAM)})?.textContent ?? '')"
    drawn = " && ".join(f"{diagram}.includes({json.dumps(d)})" for d in (f"aggregate: {DUPLICATE}-aggregate",
                                                                         f"provider: {world.big}"))  # fmt: skip
    browser.wait_for(f"{drawn} && {includes('1 selected name')}", what="the diagram of the selected name",
                     show=diagram)  # fmt: skip
    browser.evaluate(f"document.querySelector({json.dumps(DIAGRAM)}).scrollIntoView()")
    settle(browser)
    browser.screenshot(shots / "sync-topology.png")
    check_screenshot(shots / "sync-topology.png")

    # A page of 50 names selected: the diagram draws 10 and counts the rest.
    browser.click_button("Clear selection")
    browser.wait_for("document.body.innerText.includes('No names selected')", what="the selection cleared")
    browser.evaluate("document.querySelector('input[aria-label=\"Search names\"]').select()")
    browser.type_into("Search names", "Model-000")
    browser.wait_for("document.body.innerText.includes('Rows 1–50 of 100')", what="the second search")
    browser.evaluate(f"{TOPOLOGY}.querySelector('.ag-header-select-all input').click()")
    wait_text(browser, "10 selected names drawn, 40 more selected", what="the capped diagram")
    wait_equal(browser, f"{diagram}.split('name: ').length - 1", 10, what="the names drawn")


def test_a_pending_edit_asks_before_leaving_the_workbench(world: Seeded, browser: Chromium) -> None:
    browser.open(world.app.url + f"/providers/{world.ids['claude-direct']}")
    browser.wait_for(f"{GRID} && {GRID}.querySelectorAll('.ag-row').length >= 2", what="grid rows")
    browser.wait_for("window.onbeforeunload === null", timeout=10, what="the page to say nothing is pending")
    row = f"getElement({GRID}).api.getDisplayedRowAtIndex(0)"
    original = browser.evaluate(f"{row}.data.normalized_name")
    # An edit as the grid reports it (cellValueChanged); nothing is saved, so the page warns before leaving.
    browser.evaluate(f"{row}.setDataValue('normalized_name', 'leave-warning-check')")
    browser.wait_for("typeof window.onbeforeunload === 'function'", what="the leave-page warning")
    wait_text(browser, "save changes (1)", lowercase=True, what="Save Changes (1)")
    browser.evaluate(f"{row}.setDataValue('normalized_name', {json.dumps(original)})")  # back: nothing pending
    browser.wait_for("window.onbeforeunload === null", what="the warning switched off")
    wait_text(browser, absent=("save changes",), lowercase=True, what="Save Changes hidden")


def open_workbench(world: Seeded, browser: Chromium, provider: str) -> None:
    browser.open(world.app.url + f"/providers/{world.ids[provider]}")
    browser.wait_for(f"{GRID} && {GRID}.querySelectorAll('.ag-row').length >= 2", what="grid rows")


def confirm_dialog(browser: Chromium, question: str) -> None:
    browser.wait_for(f"document.querySelector('.q-dialog')?.innerText.includes({json.dumps(question)})",
                     what=f"the question {question!r}")  # fmt: skip
    browser.click_button("Confirm", within="document.querySelector('.q-dialog')")
    browser.wait_for("!document.querySelector('.q-dialog')", what="the dialog to close")


def settle(browser: Chromium) -> None:
    """Wait until no Quasar/Vue transition runs (dialogs and toasts fading in or out), for a clean screenshot."""
    browser.wait_for("!document.querySelector('[class*=\"-enter-active\"], [class*=\"-leave-active\"]')",
                     timeout=10, what="transitions to end")  # fmt: skip


# N of the shown "Save Changes (N)" button (Quasar shows it in capitals); null while it is hidden.
SAVE_COUNT = r"(m => m ? Number(m[1]) : null)(document.body.innerText.toLowerCase().match(/save changes \((\d+)\)/))"


def wait_save_count(browser: Chromium, count: int | None, what: str) -> None:
    """Wait until Save Changes shows ``count`` (None: until it is hidden)."""
    wait_equal(browser, SAVE_COUNT, count, what=what)


def test_select_all_after_a_quick_search_deletes_only_the_rows_shown(
    world: Seeded, browser: Chromium, shots: Path
) -> None:
    open_workbench(world, browser, world.big)
    api = f"getElement({GRID}).api"
    browser.type_into("Quick search", "openai/Model-0000")  # matches Model-00000 and Model-00008 only
    browser.wait_for(f"{api}.getDisplayedRowCount() === 2", what="the two rows the search shows")
    browser.evaluate(f"{GRID}.querySelector('.ag-header-select-all input').click()")  # the header checkbox
    browser.wait_for(f"{api}.getSelectedRows().length === 2", what="the header checkbox to select")
    browser.click_button("Delete selected")
    confirm_dialog(browser, "Delete 2 selected models?")
    browser.wait_for(f"{GRID}.querySelectorAll('.ag-row.row-deleted.row-pending').length === 2", what="marks")
    wait_save_count(browser, 2, "Save Changes (2): not 2,000, the hidden rows stayed out")
    settle(browser)
    browser.screenshot(shots / "workbench-filtered-delete.png")
    check_screenshot(shots / "workbench-filtered-delete.png")

    browser.click_button("Revert selected")
    confirm_dialog(browser, "Revert the pending changes of 2 selected models?")
    browser.wait_for("window.onbeforeunload === null", what="nothing pending")


def test_a_saved_deletion_is_shown_deleted_filtered_and_restored(world: Seeded, browser: Chromium, shots: Path) -> None:
    open_workbench(world, browser, "claude-direct")
    api = f"getElement({GRID}).api"
    first = browser.evaluate(f"{api}.getDisplayedRowAtIndex(0).data.id")
    row = f"{GRID}.querySelector('.ag-center-cols-container .ag-row[row-id=\"{first}\"]')"
    browser.click_button("Delete", within=row)
    browser.wait_for(f"{row}.classList.contains('row-pending')", what="the pending mark")
    browser.click_button("Save Changes (1)")
    confirm_dialog(browser, "Deletions: 1")
    browser.wait_for(f"{row}?.classList.contains('row-inactive')", what="the row styled as deleted")
    status = f"{row}?.querySelector('[col-id=\"status\"]')?.textContent"
    wait_equal(browser, status, "deleted", what="the row's status")
    browser.click_button("Deleted")  # the status filter
    browser.wait_for(f"{api}.getDisplayedRowCount() === 1", what="only the deleted row")
    browser.wait_for(f"{GRID}.querySelectorAll('.ag-center-cols-container .ag-row').length === 1", what="fade-out")
    settle(browser)
    browser.screenshot(shots / "workbench-deleted.png")
    check_screenshot(shots / "workbench-deleted.png")

    browser.click_button("Restore", within=row)
    wait_equal(browser, status, "to restore", what="the row's status after Restore")
    browser.click_button("Save Changes (1)")
    confirm_dialog(browser, "Restores: 1")
    browser.wait_for(f"{api}.getDisplayedRowCount() === 0", what="no deleted row left (the filter stays)")
    browser.click_button("All")
    browser.wait_for(f"{api}.getDisplayedRowCount() === 2", what="both rows")
    statuses = f"[0, 1].map(i => {api}.getDisplayedRowAtIndex(i)?.data.status)"
    wait_equal(browser, statuses, ["active", "active"], what="both rows active")
    wait_save_count(browser, None, "Save Changes hidden")


def press_key(browser: Chromium, key: str, code: int) -> None:
    for kind in ("keyDown", "keyUp"):
        event = {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code}
        browser.call("Input.dispatchKeyEvent", event, session=browser.session)


def test_the_workbench_grid_fills_the_window_enter_edits_the_name_delete_marks_rows(
    world: Seeded, browser: Chromium
) -> None:
    """Issue 14 §7 in a real browser: the grid's bottom at the window's, Enter on any cell of a row opens the
    normalized name's editor, Delete marks the selected rows (asking first) or the focused one, never clearing a
    name the way AG Grid's own Delete would."""
    open_workbench(world, browser, "claude-direct")
    api = f"getElement({GRID}).api"
    fills = f"Math.abs({GRID}.getBoundingClientRect().bottom - (window.innerHeight - 16)) < 2"
    browser.wait_for(fills, what="the grid filling the window")
    # The layout above the grid moves (a late web font, a banner): the grid follows, it is not fitted only once.
    browser.evaluate(
        f"{GRID}.before(Object.assign(document.createElement('div'), {{id: 'lpm-shift', style: 'height: 90px'}}))"
    )
    browser.wait_for(f"{fills} && {GRID}.getBoundingClientRect().top > 200", what="the grid refitted below the shift")
    browser.evaluate("document.getElementById('lpm-shift').remove()")
    browser.wait_for(fills, what="the grid refitted once the shift is gone")
    wait_text(browser, "2 models · 2 active · 0 deleted · 0 pending", what="the count line")
    names = browser.evaluate(f"[0, 1].map(i => {api}.getDisplayedRowAtIndex(i).data.normalized_name)")

    browser.evaluate(f"{api}.setFocusedCell(0, 'original_name')")
    press_key(browser, "Enter", 13)
    editing = f"{api}.getEditingCells()"
    browser.wait_for(f"{editing}.length === 1 && {editing}[0].column.getColId() === 'normalized_name'",
                     what="Enter to edit the normalized name")  # fmt: skip
    press_key(browser, "Escape", 27)
    browser.wait_for(f"{editing}.length === 0", what="Escape to end the edit")

    browser.evaluate(f"{api}.getDisplayedRowAtIndex(0).setSelected(true)")
    browser.wait_for(f"{api}.getSelectedRows().length === 1", what="one row selected")
    browser.evaluate(f"{api}.setFocusedCell(1, 'normalized_name')")  # the selection counts, not the focus
    press_key(browser, "Delete", 46)
    confirm_dialog(browser, "Delete 1 selected model?")
    browser.wait_for(f"{api}.getDisplayedRowAtIndex(0).data.status === 'to delete'", what="the selected row marked")
    assert browser.evaluate(f"{api}.getDisplayedRowAtIndex(1).data.status") == "active"
    browser.wait_for("document.body.innerText.includes('2 models · 2 active · 0 deleted · 1 pending')", what="count")

    browser.evaluate(f"{api}.deselectAll()")
    browser.evaluate(f"{api}.setFocusedCell(1, 'normalized_name')")  # nothing selected: the focused row
    press_key(browser, "Delete", 46)
    browser.wait_for(f"{api}.getDisplayedRowAtIndex(1).data.status === 'to delete'", what="the focused row marked")
    after = browser.evaluate(f"[0, 1].map(i => {api}.getDisplayedRowAtIndex(i).data.normalized_name)")
    assert after == names  # no name was cleared
    wait_save_count(browser, 2, "Save Changes (2)")
    for index in (0, 1):
        row_id = browser.evaluate(f"{api}.getDisplayedRowAtIndex({index}).data.id")
        browser.click_button("Revert", within=f"{GRID}.querySelector('.ag-row[row-id=\"{row_id}\"]')")
    browser.wait_for("window.onbeforeunload === null", what="nothing pending")


# Tailwind's breakpoints on each side (lg 1024, xl 1280, 2xl 1536: the header shows more of itself above each) and
# two common laptop widths.
HEADER_WIDTHS = (1024, 1279, 1280, 1366, 1535, 1536, 1920)


def header_heights(browser: Chromium) -> dict[int, float]:
    heights = {}
    for width in HEADER_WIDTHS:
        with window(browser, (width, 800)):
            heights[width] = browser.evaluate(HEADER_HEIGHT)
    return heights


def test_from_1024_to_1920_px_the_header_is_one_row_in_english_and_chinese(world: Seeded, browser: Chromium) -> None:
    """Not merely under 80 px: exactly the height of one row of its tallest item, at every width where it shows more
    (a Sync button whose label wrapped under its icon once made it 72 px at 1280, which 80 px let through)."""
    browser.open(world.app.url + "/")
    wait_text(browser, "last sync", "connected", what="the GPT-Load status in the header")
    browser.wait_for(FONTS_LOADED, what="the web fonts")
    english = header_heights(browser)
    with asking_for_chinese(browser):
        browser.open(world.app.url + "/")
        wait_text(browser, zh("nav.models"), what="the Chinese header")
        browser.wait_for(FONTS_LOADED, what="the web fonts")
        chinese = header_heights(browser)
    one_row = min(english.values())
    assert one_row < 64
    taller = {f"{lang} at {w} px": h for lang, hs in (("en", english), ("zh", chinese)) for w, h in hs.items()
              if abs(h - one_row) > 1}  # fmt: skip
    assert taller == {}, f"the header is taller than one row ({one_row} px)"


def test_at_1024_px_the_header_is_one_row_and_the_save_dialog_keeps_confirm_in_view(
    world: Seeded, chromium: str, shots: Path
) -> None:
    narrow = (1024, 768)
    with Chromium(chromium, window=narrow) as browser:
        open_workbench(world, browser, world.big)
        browser.wait_for("document.querySelector('.q-header').innerText.includes('last sync')", what="the status")
        browser.wait_for(f"{FONTS_LOADED} && {HEADER_HEIGHT} < 80", what="a header of one row (under 80 px high)",
                         show=HEADER_HEIGHT)  # fmt: skip
        tops = "['Find', 'Replace with'].map(l => document.querySelector(`input[aria-label=\"${l}\"]`).offsetTop)"
        browser.wait_for(f"{FONTS_LOADED} && (t => t[0] === t[1])({tops})", what="Find and Replace with on one line",
                         show=tops)  # fmt: skip
        browser.screenshot(shots / "workbench-1024.png")
        check_screenshot(shots / "workbench-1024.png", narrow)

        # 98 models renamed into 10 duplicate names (2 of the 100 rows expose other names already): a long list,
        # and Confirm must stay on screen.
        api = f"getElement({GRID}).api"
        browser.type_into("Quick search", "Model-000")
        browser.wait_for(f"{api}.getDisplayedRowCount() === 100", what="the searched rows")
        browser.evaluate(f"{GRID}.querySelector('.ag-header-select-all input').click()")
        browser.wait_for(f"{api}.getSelectedRows().length === 100", what="the selection")
        browser.evaluate("document.querySelector('.q-checkbox').click()")  # Regex (the page's only Quasar checkbox)
        browser.type_into("Find", r"^.*Model-000(\d)\d.*$")
        browser.type_into("Replace with", r"dup-\1")
        browser.wait_for("document.body.innerText.includes('98 rows would change')", what="the live count")
        browser.click_button("Replace")
        confirm_dialog(browser, "in the names of 98 selected models?")
        browser.wait_for(f"{GRID}.querySelectorAll('.row-pending').length > 5", what="the pending marks")
        wait_save_count(browser, 98, "Save Changes (98)")
        browser.click_button("Save Changes (98)")
        browser.wait_for("document.querySelector('.q-dialog')?.innerText.includes('dup-9-aggregate')", what="dialog")
        settle(browser)
        confirm = (
            "(() => { const b = [...document.querySelectorAll('.q-dialog button')].find(b =>"
            " b.textContent.trim() === 'Confirm').getBoundingClientRect(); return [b.top, b.bottom]; })()"
        )
        browser.wait_for(f"{FONTS_LOADED} && (c => c[0] >= 0 && c[1] <= {narrow[1]})({confirm})",
                         what="Confirm on screen (top and bottom)", show=confirm)  # fmt: skip
        scroller = "document.querySelector('.q-dialog .overflow-y-auto')"
        browser.wait_for(f"{scroller}.scrollHeight > {scroller}.clientHeight", what="the list scrolling inside",
                         show=f"[{scroller}.scrollHeight, {scroller}.clientHeight]")  # fmt: skip
        browser.screenshot(shots / "save-dialog-1024.png")
        check_screenshot(shots / "save-dialog-1024.png", narrow)

        browser.click_button("Cancel", within="document.querySelector('.q-dialog')")
        browser.wait_for("!document.querySelector('.q-dialog')", what="the dialog to close")
        browser.click_button("Revert selected")
        confirm_dialog(browser, "Revert the pending changes of 98 selected models?")
        browser.wait_for("window.onbeforeunload === null", what="nothing pending")


# ----- the Import page (issue 13) on the synced world: its own groups, and two an operator made beside them

HANDMADE = "handmade-claude"  # on the upstream of the registered claude-direct, with a key of its own
NEWCOMER = "handmade-openai"  # on an upstream the registry lacks
HANDMADE_KEYS = {HANDMADE: [fake_key("hm-claude")], NEWCOMER: [fake_key("hm-new1"), fake_key("hm-new2")]}
IMPORT_ROWS = "document.querySelectorAll('.import-providers .ag-center-cols-container .ag-row')"
CONFLICT_CARDS = "document.querySelectorAll('.q-stepper .q-card.border-orange-500')"


@contextmanager
def handmade_groups(world: Seeded) -> Iterator[None]:
    """Two groups made by hand in the fake GPT-Load through its admin API, deleted on the way out: the world stays
    as synced for the tests that follow."""
    claude = world.gptload.group_by_name("claude-direct-no-aggregate-models")
    assert claude is not None, "the sync made no group for claude-direct"
    host = world.providers.accounts[0].host
    shapes = {
        HANDMADE: {"channel_type": claude["channel_type"], "upstreams": claude["upstreams"],
                   "validation_endpoint": claude["validation_endpoint"]},
        NEWCOMER: {"channel_type": "openai", "upstreams": [{"url": f"http://{host}/newcomer", "weight": 1}],
                   "model_redirect_rules": {"newcomer-chat": "newcomer-model-1"}},
    }  # fmt: skip
    headers = {"Authorization": f"Bearer {GPTLOAD_ADMIN_KEY}"}
    made: list[int] = []
    with httpx.Client(base_url=world.gptload_url, headers=headers, timeout=30) as admin:

        def call(method: str, path: str, body: dict | None = None) -> dict:
            answer = admin.request(method, path, json=body)
            assert answer.status_code == 200, answer.text
            return answer.json().get("data") or {}

        try:
            for name, shape in shapes.items():
                made.append(call("POST", "/api/groups", {"name": name, "test_model": "x", **shape})["id"])
                keys = {"group_id": made[-1], "keys_text": ",".join(HANDMADE_KEYS[name])}
                call("POST", "/api/keys/add-multiple", keys)
            yield
        finally:
            for group_id in made:
                call("DELETE", f"/api/groups/{group_id}")


def press_escape(browser: Chromium) -> None:
    for kind in ("keyDown", "keyUp"):
        key = {"type": kind, "key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27}
        browser.call("Input.dispatchKeyEvent", key, session=browser.session)


def mouse_click(browser: Chromium, element: str) -> None:
    """A real left click at the middle of the element the JavaScript expression ``element`` gives (a Quasar
    select opens on the pointer, not on a scripted click())."""
    box = browser.evaluate(f"(() => {{ const r = {element}.getBoundingClientRect(); return [r.x + r.width / 2, "
                           "r.y + r.height / 2]; })()")  # fmt: skip
    for kind in ("mousePressed", "mouseReleased"):
        at = {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1}
        browser.call("Input.dispatchMouseEvent", at, session=browser.session)


def page_errors(browser: Chromium) -> list[dict]:
    """Uncaught exceptions and console errors since the page was opened."""
    return [e for e in browser.events if e["method"] == "Runtime.exceptionThrown"
            or (e["method"] == "Runtime.consoleAPICalled" and e["params"].get("type") == "error")]  # fmt: skip


def test_import_review_proposes_the_handmade_groups_and_leaves_the_managers_alone(
    world: Seeded, browser: Chromium, shots: Path
) -> None:
    managed = sorted(world.gptload.groups_by_name())
    with handmade_groups(world):
        browser.open(world.app.url + "/import")
        browser.wait_for("document.body.innerText.includes('Reads only: nothing is stored')", what="the sources step")
        # The defaults: GPT-Load ticked, the configured api.yaml chosen, no model fetch.
        ticked = "[...document.querySelectorAll('.q-checkbox')].map(c => c.getAttribute('aria-checked'))"
        wait_equal(browser, ticked, ["true", "false"], what="GPT-Load ticked, no model fetch")
        chosen = "document.querySelector('.q-radio[aria-checked=\"true\"]')?.innerText"
        browser.wait_for(f"{chosen}.startsWith('The configured file (')", what="the configured api.yaml", show=chosen)
        browser.click_button("Preview import")
        browser.wait_for(f"{IMPORT_ROWS}.length === 2", what="the two proposed providers")

        wait_text(browser, "1 merged into registered ones", "0 not imported", "Providers: 2", "Conflicts (1)",
                  absent=("No conflicts.",), what="the review's counts")  # fmt: skip
        # AG Grid draws the columns a row shows once the grid knows its width: read cells by waiting for them.
        names = f"[...{IMPORT_ROWS}].map(r => r.querySelector('[col-id=\"name\"]')?.innerText).sort()"
        proposed = sorted(["claude-direct", NEWCOMER])
        wait_equal(browser, names, proposed, what="the proposed providers: none of the manager's own groups")

        def cells(name: str, *columns: str) -> str:
            """The texts of ``columns`` in the row of provider ``name``."""
            cell = '(r, c) => r?.querySelector(`[col-id="${c}"]`)?.innerText'
            row = f"[...{IMPORT_ROWS}].find(r => ({cell})(r, 'name') === {json.dumps(name)})"
            return f"(r => {json.dumps(columns)}.map(c => ({cell})(r, c)))({row})"

        merged = ["merge into registered claude-direct", f"group {HANDMADE}", "1", "0"]  # the hand-made group's key
        wait_equal(browser, cells("claude-direct", "outcome", "sources", "keys", "models"), merged, what="the merge")
        wait_equal(browser, cells(NEWCOMER, "outcome", "keys", "models"), ["new provider", "2", "1"], what="the new")
        merge_rows = "document.querySelectorAll('.import-providers .ag-row.import-merge').length"
        wait_equal(browser, merge_rows, 1, what="one row marked as a merge")

        wait_equal(browser, f"{CONFLICT_CARDS}.length", 1, what="one conflict card")
        card = f"{CONFLICT_CARDS}[0]"
        # "Merge keys and models": the preview's choice, shown in the select.
        wait_text(browser, "already registered", "the upstream of registered provider claude-direct",
                  "Merge keys and models", within=card, what="the conflict")  # fmt: skip
        mouse_click(browser, f"{card}.querySelector('.q-select .q-field__control')")
        # The items exist before the menu's fade-in makes them visible (innerText is empty until then).
        options = "[...document.querySelectorAll('.q-menu .q-item')].map(i => i.innerText.trim())"
        wanted = ["Merge keys and models", "Keep mine (nothing merged)", "Skip (nothing imported)"]
        wait_equal(browser, options, wanted, what="the conflict's options")
        check_no_secret(world, browser, "/import")  # the hand-made groups' keys, read from GPT-Load
        settle(browser)
        browser.screenshot(shots / "import.png")
        check_screenshot(shots / "import.png")
        press_escape(browser)  # nothing chosen: no new preview
        browser.wait_for("!document.querySelector('.q-menu')", what="the options to close")
        wait_text(browser, "Merge keys and models", within=card, what="the choice kept")

        browser.click_button("Next: groups to adopt")
        browser.wait_for("document.body.innerText.includes('adoptable chosen')", what="the adoption step")
        groups = f"GPT-Load groups ({len(managed) + 2})"
        wait_text(browser, "0 of 2 adoptable chosen", groups, what="the adoption step's counts")
        already = json.dumps("the manager's already")
        managers = f"document.body.innerText.split({already}).length - 1"
        wait_equal(browser, managers, len(managed) + 4, what="the manager's groups and its 4 api.yaml entries")
        boxes = "[...document.querySelectorAll('.q-stepper .q-checkbox')].map(c => c.innerText.trim())"
        wait_equal(browser, boxes, [HANDMADE, NEWCOMER], what="only the hand-made groups to adopt")
        check_no_secret(world, browser, "/import")
        assert not page_errors(browser), page_errors(browser)
    assert sorted(world.gptload.groups_by_name()) == managed  # nothing applied, the hand-made groups gone


# ----- the dashboard's Test all and the add dialog (issue 10, points 5 and 10), on a world of many providers

CROWD = 30
CARDS = "document.querySelectorAll('.provider-card').length"


@pytest.fixture(scope="module")
def crowd(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """CROWD providers whose answers take different times (a few fail), so Test all's results arrive unordered."""
    keys = {"big": [fake_key("crowd0")]}
    folder = tmp_path_factory.mktemp("crowd")
    with seeded_app(folder, big_models=3, admin_key=GPTLOAD_ADMIN_KEY, keys=keys, small=False) as s:
        host = s.providers.accounts[0].host
        for i in range(1, CROWD):
            account = s.providers.add("openai", host, [fake_key(f"crowd{i}")], ["m"], prefix=f"/c{i}")
            body = {"name": f"crowd-{i:02d}", "base_url": account.base_url, "channel_type": "openai"}
            created = s.api.post("/api/providers", json={**body, "api_keys": account.keys})
            assert created.status_code == 201, created.text
            account.latency = (i % 6) * 0.03
            account.failure = "500" if i % 10 == 0 else None
        yield s
    assert not missing_texts(s.app.output), missing_texts(s.app.output)


def test_test_all_keeps_one_card_per_provider(crowd: Seeded, browser: Chromium, shots: Path) -> None:
    browser.open(crowd.app.url + "/")
    browser.click_button("Cards")  # the table is the default view (issue 14)
    browser.wait_for(f"{CARDS} === {CROWD}", what=f"{CROWD} provider cards")
    browser.click_button("Test all")
    summary = f"Tested {CROWD} providers: {CROWD - 2} passed, 2 failed"
    wait_text(browser, summary, timeout=120, what="the Test all summary")
    wait_equal(browser, CARDS, CROWD, what="one card per provider")  # parallel refreshes stacked them (650 for 50)
    wait_equal(browser, "document.body.innerText.split('Test failed').length - 1", 2, what="two cards failed")
    settle(browser)
    browser.screenshot(shots / "dashboard-test-all.png")
    check_screenshot(shots / "dashboard-test-all.png")


def test_add_dialog_shows_whole_labels_and_escape_asks_before_discarding(
    crowd: Seeded, browser: Chromium, shots: Path
) -> None:
    browser.open(crowd.app.url + "/")
    browser.click_button("Cards")
    browser.wait_for(f"{CARDS} === {CROWD}", what="the cards")
    browser.click_button("Add provider")
    browser.wait_for("document.querySelector('.q-dialog input[aria-label=\"Name\"]')", what="the add dialog")
    labels = (
        "[...document.querySelectorAll('.q-dialog .q-field__label')]"
        ".map(l => [l.textContent.trim(), l.scrollWidth <= l.clientWidth])"
    )
    browser.wait_for(f"{FONTS_LOADED} && {labels}.some(([l, whole]) => l === 'Channel type' && whole)",
                     what="the label Channel type whole, not cut short", show=labels)  # fmt: skip
    browser.type_into("Name", "half-typed")
    for kind in ("keyDown", "keyUp"):
        key = {"type": kind, "key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27}
        browser.call("Input.dispatchKeyEvent", key, session=browser.session)
    browser.wait_for("document.body.innerText.includes('Discard what you typed?')", what="the discard question")
    name = "document.querySelector('.q-dialog input[aria-label=\"Name\"]').value"
    assert browser.evaluate(name) == "half-typed"  # Escape kept the input
    settle(browser)
    browser.screenshot(shots / "provider-dialog-discard.png")
    check_screenshot(shots / "provider-dialog-discard.png")
    browser.click_button("Discard")
    browser.wait_for("!document.querySelector('.q-dialog')", what="the dialog to close")


def test_providers_table_searches_and_tests_the_selected_rows_it_shows(
    crowd: Seeded, browser: Chromium, shots: Path
) -> None:
    """Issue 14 §1 in Chromium: the table of 30 providers, a quick search, two rows ticked and tested."""
    browser.open(crowd.app.url + "/")
    browser.click_button("Table")
    browser.wait_for(f"{PROVIDERS_API}.getDisplayedRowCount() === {CROWD}", what=f"{CROWD} rows in the table")
    browser.type_into("Search providers", "crowd-1")
    browser.wait_for(f"{PROVIDERS_API}.getDisplayedRowCount() === 10", what="crowd-10 to crowd-19")
    browser.wait_for("document.body.innerText.includes('10 of 30 providers')", what="the count of rows shown")
    ticked = f"[1, 2].map(i => {PROVIDERS_API}.getDisplayedRowAtIndex(i))"
    names = browser.evaluate(f"{ticked}.map(n => {{ n.setSelected(true); return n.data.name; }})")
    browser.wait_for(f"{PROVIDERS_API}.getSelectedRows().length === 2", what="two rows ticked")
    browser.click_button("Test selected")
    browser.wait_for("document.body.innerText.includes('Tested 2 providers')", timeout=60, what="the bulk test")
    tested = f"{ticked}.map(n => n.data.test)"
    browser.wait_for(f"{tested}.every(t => t !== 'untested')", what="the two rows' results", show=tested)
    assert browser.evaluate(f"{ticked}.map(n => n.data.name)") == names  # the grid's data, with the results
    check_no_secret(crowd, browser, "/")
    settle(browser)
    browser.screenshot(shots / "providers-table.png")
    check_screenshot(shots / "providers-table.png")


def test_sync_preview_puts_broken_providers_first_and_scrolls_the_yaml_diff(
    crowd: Seeded, browser: Chromium, shots: Path
) -> None:
    tested = crowd.api.post("/api/providers/test", json={})
    assert tested.status_code == 200, tested.text
    browser.open(crowd.app.url + "/sync")
    browser.wait_for("document.body.innerText.includes('Its last test failed')", what="the route warnings")
    first, then = "crowd-10: Its last test failed", "What uni-api's clients will see"
    at = f"[{json.dumps(first)}, {json.dumps(then)}].map(t => document.body.innerText.indexOf(t))"
    browser.wait_for(f"(i => i[0] >= 0 && i[0] < i[1])({at})", what="the broken provider first", show=at)
    diff = "document.querySelector('.max-h-96.overflow-auto')"
    browser.wait_for(f"{diff}?.innerText.includes('+++')", what="the api.yaml diff")
    browser.wait_for(f"{FONTS_LOADED} && {diff}.scrollHeight > {diff}.clientHeight", what="the diff scrolling inside",
                     show=f"[{diff}.scrollHeight, {diff}.clientHeight]")  # fmt: skip
    settle(browser)
    browser.screenshot(shots / "sync-preview.png")
    check_screenshot(shots / "sync-preview.png")


def test_sync_preview_counts_changes_per_stage_and_pages_through_them(crowd: Seeded, browser: Chromium) -> None:
    changes = crowd.api.get("/api/config/plan").json()["changes"]
    per_stage = Counter(c["stage"] for c in changes)
    total = len(changes)
    assert total > 50, "the crowd's first plan must fill more than one page"
    browser.open(crowd.app.url + "/sync")
    browser.wait_for(f"document.body.innerText.includes('Changes 1–50 of {total}')", what="the changes grid")
    counts = [f"{title}: {per_stage[stage]}" for stage, title in STAGE_TITLES.items()]
    empty = tuple(count for count, stage in zip(counts, STAGE_TITLES, strict=True) if not per_stage[stage])
    wait_text(browser, *(c for c in counts if c not in empty), absent=empty, what="each stage's count")
    rows = "document.querySelectorAll('.plan-changes .ag-center-cols-container .ag-row').length"
    wait_equal(browser, rows, 50, what="the first page's rows")
    browser.click_button("2", within="document.querySelector('.plan-changes-pager')")
    browser.wait_for(f"document.body.innerText.includes('Changes 51–{total} of {total}')", what="the second page")
    browser.wait_for(f"{rows} === {total - 50}", what="the second page's rows")


# ----- the Models page and the assistant (issue 14 §2-3) on a world of their own: names spelled several ways

# Three providers of one class (openai) that spell the same models differently, as resellers do; the seeded big
# provider adds three vendor-prefixed names. A world of its own because the shared one has no spelling variants;
# nothing is saved in it.
VARIETY = {
    "silicon-cloud": ["deepseek-ai/DeepSeek-V3.1", "Qwen/Qwen2.5-72B-Instruct", "Qwen/Qwen3-32B", "gpt-4o"],
    "open-router": ["DeepSeek-V3.1", "deepseek-v3.1", "qwen2.5-72b-instruct", "gpt-4o-2024-08-06", "o3-mini:free"],
    "direct-api": ["deepseek-v3.1", "qwen_2.5-72b-instruct", "gpt-4o", "claude-3-5-sonnet-latest"],
}
EXPOSED_API = "getElement(document.querySelector('.exposed-grid')).api"
SUGGESTION_CARDS = "[...document.querySelectorAll('.q-card')].filter(c => c.querySelector('.q-checkbox'))"


@pytest.fixture(scope="module")
def variety(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    keys = {"big": [fake_key("variety0")]}
    with seeded_app(tmp_path_factory.mktemp("variety"), big_models=3, admin_key=GPTLOAD_ADMIN_KEY, keys=keys,
                    small=False) as s:  # fmt: skip
        host = s.providers.accounts[0].host
        for name, models in VARIETY.items():
            account = s.providers.add("openai", host, [fake_key(f"variety-{name}")], models, prefix=f"/{name}")
            body = {"name": name, "base_url": account.base_url, "channel_type": "openai", "api_keys": account.keys}
            created = s.api.post("/api/providers", json=body)
            assert created.status_code == 201, created.text
            s.ids[name] = created.json()["id"]
        yield s
    assert SECRET_MARKER not in s.app.output, "an API key reached the app's output"
    assert not missing_texts(s.app.output), missing_texts(s.app.output)


def grid_data(browser: Chromium, api: str, key: str) -> dict[str, dict]:
    """The row data of the AG Grid whose API the JavaScript expression ``api`` gives, by the field ``key`` (as JSON:
    the grid's row objects do not come back by value)."""
    script = f"(() => {{ const r = []; {api}.forEachNode(n => r.push(n.data)); return JSON.stringify(r); }})()"
    return {row[key]: row for row in json.loads(browser.evaluate(script))}


def exposed_rows(browser: Chromium) -> dict[str, dict]:
    return grid_data(browser, EXPOSED_API, "exposed")


def tick_row(browser: Chromium, name: str) -> None:
    """Click the checkbox of the Models grid's row ``name`` once AG Grid has drawn it."""
    box = f"document.querySelector('.exposed-grid .ag-row[row-id=\"{name}\"] .ag-selection-checkbox input')"
    browser.wait_for(box, what=f"the checkbox of {name}")
    browser.evaluate(f"{box}.click()")


def test_models_page_finds_spelling_variants_and_a_merge_shows_its_duplicates_before_saving(
    variety: Seeded, browser: Chromium, shots: Path
) -> None:
    """Issue 14 §2 in Chromium: every exposed name with its providers, the variants filter, two variants ticked
    and merged into one pending line; Save shows the duplicate and the aggregate, Cancel and Discard save nothing."""
    browser.open(variety.app.url + "/models")
    browser.wait_for(f"{EXPOSED_API}.getDisplayedRowCount() > 0", what="the exposed names")
    rows = exposed_rows(browser)
    names = {n for models in VARIETY.values() for n in models} | set(big_model_names(3))
    assert set(rows) == names
    wait_text(browser, f"Names: {len(names)}", what="the count of names")
    gpt = rows["gpt-4o"]
    assert (gpt["count"], gpt["served_by"], gpt["aggregate"]) == (2, "direct-api: gpt-4o, silicon-cloud: gpt-4o", "yes")
    assert rows["Qwen/Qwen3-32B"]["served_by"] == "silicon-cloud: Qwen/Qwen3-32B"

    toggle = "[...document.querySelectorAll('.q-toggle')].find(t => t.innerText.includes('Spelling variants'))"
    browser.evaluate(f"{toggle}.click()")
    variants = ["deepseek-ai/DeepSeek-V3.1", "DeepSeek-V3.1", "deepseek-v3.1",
                "Qwen/Qwen2.5-72B-Instruct", "qwen2.5-72b-instruct", "qwen_2.5-72b-instruct"]  # fmt: skip
    browser.wait_for(f"document.body.innerText.includes('Names: 6 (of {len(names)})')", what="the variants filter")
    shown = f"[...Array(6).keys()].map(i => {EXPOSED_API}.getDisplayedRowAtIndex(i)?.data.exposed).sort()"
    wait_equal(browser, shown, sorted(variants), what="the six variants")

    for name in ("DeepSeek-V3.1", "deepseek-v3.1"):  # a click on each row's checkbox, as the operator ticks them
        tick_row(browser, name)
    browser.wait_for("document.body.innerText.includes('Selected 2: DeepSeek-V3.1, deepseek-v3.1')", what="ticks")
    browser.click_button("Merge into one")
    browser.wait_for("document.querySelector('.q-dialog')?.innerText.includes('Merge 2 names into one')", what="dialog")
    choice = "[...document.querySelectorAll('.q-dialog .q-radio')].find(r => r.innerText.trim() === 'deepseek-v3.1')"
    browser.evaluate(f"{choice}.click()")
    browser.wait_for(f"{choice}.getAttribute('aria-checked') === 'true'", what="the chosen spelling")
    browser.click_button("Merge", within="document.querySelector('.q-dialog')")
    browser.wait_for("!document.querySelector('.q-dialog')", what="the merge dialog to close")
    browser.wait_for("document.body.innerText.includes('DeepSeek-V3.1 → deepseek-v3.1')", what="the pending line")
    pending = f"{EXPOSED_API}.getRowNode('DeepSeek-V3.1')?.data.pending"  # the grid's row ids are the names
    wait_equal(browser, pending, "→ deepseek-v3.1", what="the row's pending rename")
    wait_text(browser, "save changes (1)", lowercase=True, what="Save changes (1)")
    check_no_secret(variety, browser, "/models")
    settle(browser)
    browser.screenshot(shots / "models.png")
    check_screenshot(shots / "models.png")

    browser.click_button("Save changes (1)")
    browser.wait_for("document.querySelector('.q-dialog')?.innerText.includes('Rename 1 name on 1 model?')",
                     what="the save confirmation")  # fmt: skip
    wait_text(
        browser,
        "DeepSeek-V3.1 → deepseek-v3.1\nDuplicate names inside a provider",  # open-router has both
        "deepseek-v3.1 ← direct-api: deepseek-v3.1, open-router: DeepSeek-V3.1, open-router: deepseek-v3.1",
        "The next sync creates:\ndeepseek-v3-1-aggregate → ",
        within="document.querySelector('.q-dialog')",
        what="the duplicate and the aggregate in the save confirmation",
    )
    check_no_secret(variety, browser, "/models")
    browser.click_button("Cancel", within="document.querySelector('.q-dialog')")
    browser.wait_for("!document.querySelector('.q-dialog')", what="the save dialog to close")
    browser.click_button("Discard")
    browser.wait_for("window.onbeforeunload === null", what="nothing pending")
    wait_text(browser, absent=("DeepSeek-V3.1 → deepseek-v3.1",), what="the pending line gone")
    served = variety.api.get("/api/models/exposed", params={"search": "DeepSeek-V3.1"}).json()["items"]
    assert [item["name"] for item in served] == variants[:3]  # nothing was saved
    assert not page_errors(browser), page_errors(browser)


def test_assistant_explains_its_suggestions_and_a_ticked_one_becomes_a_pending_rename(
    variety: Seeded, browser: Chromium, shots: Path
) -> None:
    """Issue 14 §3 in Chromium: one card per rule with its explanation, the renames and their impact; one card
    ticked and accepted shows as a pending rename with its count; Discard leaves nothing pending (nothing saved)."""
    browser.open(variety.app.url + "/assistant")
    browser.wait_for("document.body.innerText.includes('Suggestions 1–')", what="the suggestion cards")
    browser.wait_for("!document.body.innerText.includes('Working out the duplicates')", what="the impacts")
    wait_text(browser, "Suggestions 1–10 of 10", what="the count of suggestions")
    titles = f"{SUGGESTION_CARDS}.map(c => c.innerText.split('\\n')[0])"
    wanted = ["Drop a vendor prefix: deepseek-ai/", "Lowercase", "Drop a provider suffix: :free", "Drop date stamps",
              "Unify separators"]  # fmt: skip
    browser.wait_for(f"{json.dumps(wanted)}.every(t => {titles}.includes(t))", what="a card per rule", show=titles)
    # Each card's explanation, its renames, and its impact (drawn by a timer after the cards).
    cards = {
        "Drop a vendor prefix: deepseek-ai/": [
            "Drop the vendor prefix `deepseek-ai/`: clients call the model by its own name.",
            "silicon-cloud: deepseek-ai/DeepSeek-V3.1 → DeepSeek-V3.1",
            "Creates 1 shared name (0 inside one provider) and 1 aggregate:",
            "DeepSeek-V3.1 ← open-router: DeepSeek-V3.1, silicon-cloud: deepseek-ai/DeepSeek-V3.1",
        ],
        "Drop date stamps": ["open-router: gpt-4o-2024-08-06 → gpt-4o", "gpt-4o-aggregate → "],
        "Unify separators": ["direct-api: qwen_2.5-72b-instruct → qwen2.5-72b-instruct"],
        "Drop a provider suffix: :free": ["Creates no duplicate name."],
    }
    for title, texts in cards.items():
        card = f"{SUGGESTION_CARDS}.find(c => c.innerText.split('\\n')[0] === {json.dumps(title)})"
        wait_text(browser, *texts, within=card, what=f"the card {title!r}")

    card = f"{SUGGESTION_CARDS}.find(c => c.innerText.startsWith('Drop a vendor prefix: deepseek-ai/'))"
    browser.evaluate(f"{card}.querySelector('.q-checkbox').click()")
    browser.wait_for(f"{card}.querySelector('.q-checkbox').getAttribute('aria-checked') === 'true'", what="the tick")
    browser.click_button("Accept selected")
    browser.wait_for("document.body.innerText.includes('Pending renames: 1')", what="the pending count")
    # "Suggestions 1–9 of 9": the accepted card left the list.
    wait_text(browser, "silicon-cloud: deepseek-ai/DeepSeek-V3.1 → DeepSeek-V3.1", "Suggestions 1–9 of 9",
              what="the pending rename")  # fmt: skip
    wait_text(browser, "save renames (1)", lowercase=True, what="Save renames (1)")
    browser.wait_for("typeof window.onbeforeunload === 'function'", what="the leave-page warning")
    check_no_secret(variety, browser, "/assistant")
    settle(browser)
    browser.screenshot(shots / "assistant.png")
    check_screenshot(shots / "assistant.png")

    browser.click_button("Discard")
    browser.wait_for("window.onbeforeunload === null", what="nothing pending")
    wait_text(browser, "Suggestions 1–10 of 10", absent=("Pending renames",), what="every suggestion back")
    assert not page_errors(browser), page_errors(browser)


# ----- the churn inbox (issue 14 §4) on the shared world: claude-direct's upstream lists one model more and one fewer

INBOX_API = "getElement(document.querySelector('.inbox-grid')).api"
INBOX_BADGE = "document.querySelector('.q-header a[href=\"/inbox\"] .q-badge')"
CHURNED = ["claude-sonnet-4-5", "Claude-Haiku-4-5"]  # claude-opus-4-1 vanishes, Claude-Haiku-4-5 is new


@contextmanager
def churned_upstream(world: Seeded, models: list[str] = CHURNED) -> Iterator[int]:
    """claude-direct's fake upstream lists ``models`` for the length of the test (yields the provider's id); on the
    way out it lists its models again, a fetch over REST sees that, and the inbox is resolved over REST (the new
    models, vanished again, deleted; claude-opus-4-1, back, accepted), so the world is as synced for what follows."""
    account = next(a for a in world.providers.accounts if a.prefix == "/ant")
    provider_id, listed = world.ids["claude-direct"], list(account.models)
    account.models = list(models)
    try:
        yield provider_id
    finally:
        account.models = listed
        fetched = world.api.post(f"/api/providers/{provider_id}/fetch-models")
        assert fetched.status_code == 200, fetched.text
        items = world.api.get("/api/inbox", params={"page_size": 500}).json()["items"]
        body = {"accept": [i["model_id"] for i in items if i["kind"] == "reappeared"],
                "delete": [i["model_id"] for i in items if i["kind"] == "vanished"]}  # fmt: skip
        resolved = world.api.post("/api/inbox/resolve", json=body)
        assert resolved.status_code == 200 and resolved.json()["remaining"] == 0, resolved.text


def test_a_dashboard_fetch_fills_the_inbox_and_its_header_badge(world: Seeded, browser: Chromium, shots: Path) -> None:
    """Issue 14 §4 in Chromium: Fetch on the providers table finds one model new and one vanished upstream; the
    header's badge counts 2 at once, and /inbox lists both with the name accepting gives them (the new one's
    suggested name), Delete offered for the vanished one only. Nothing is resolved in the page."""
    plan = world.api.get("/api/config/plan").json()["changes"]
    assert world.api.get("/api/inbox").json()["total"] == 0
    with churned_upstream(world) as provider_id:
        browser.open(world.app.url + "/")
        browser.click_button("Table")
        browser.wait_for(f"{PROVIDERS_API}.getDisplayedRowCount() === 3", what="the providers table")
        # The badge's first reading says 0 and hides it (before it, an empty badge is hidden anyway).
        browser.wait_for(f"{INBOX_BADGE}?.textContent.trim() === '0' && {INBOX_BADGE}.offsetParent === null",
                         what="no badge while the inbox is empty", show=f"{INBOX_BADGE}?.outerHTML")  # fmt: skip
        actions = f'.providers-grid .ag-pinned-right-cols-container .ag-row[row-id="{provider_id}"]'
        browser.click_button("Fetch", within=f"document.querySelector({json.dumps(actions)})")
        toast = "claude-direct: 1 added, 1 disappeared upstream (claude-opus-4-1)"
        browser.wait_for(f"document.body.innerText.includes({json.dumps(toast)})", what="the fetch's summary")
        browser.wait_for(f"{INBOX_BADGE}?.offsetParent !== null && {INBOX_BADGE}.innerText.trim() === '2'",
                         what="the header's badge counting 2")  # fmt: skip
        assert not page_errors(browser), page_errors(browser)

        browser.open(world.app.url + "/inbox")
        browser.wait_for(f"{INBOX_API}.getDisplayedRowCount() === 2", what="the two inbox rows")
        browser.wait_for(f"{INBOX_BADGE}?.innerText.trim() === '2'", what="the badge on the inbox page")
        rows = grid_data(browser, INBOX_API, "original_name")
        shown = {name: (r["provider_name"], r["kind_label"], r["suggested_name"]) for name, r in rows.items()}
        assert shown == {
            "Claude-Haiku-4-5": ("claude-direct", "new", "claude-haiku-4-5"),  # the suggestion: lowercase
            "claude-opus-4-1": ("claude-direct", "vanished upstream", "claude-opus-4-1"),  # the name clients know
        }
        # AG Grid draws a row's buttons in the animation frames after the row.
        buttons = {"Claude-Haiku-4-5": ["Accept", "Ignore"], "claude-opus-4-1": ["Accept", "Ignore", "Delete"]}
        for name, labels in buttons.items():
            row = f'.inbox-grid .ag-row[row-id="{rows[name]["model_id"]}"] button'
            shown = f"[...document.querySelectorAll({json.dumps(row)})].map(b => b.textContent)"
            wait_equal(browser, shown, labels, what=f"the buttons of {name}")
        wait_text(browser, "Models: 2", absent=("Nothing to review",), what="the count of models")
        check_no_secret(world, browser, "/inbox")
        settle(browser)
        browser.screenshot(shots / "inbox.png")
        check_screenshot(shots / "inbox.png")
        assert not page_errors(browser), page_errors(browser)
    assert world.api.get("/api/inbox").json()["total"] == 0
    assert world.api.get("/api/config/plan").json()["changes"] == plan  # the world as the tests before left it


# ----- every page once in Chinese (issue 14 §5): the shared browser asks for zh-CN, on the worlds above

# The data of every world here: provider names, model names or their stems, what is made of them, rule parameters.
ZH_DATA = data_pattern(
    ["acme-reseller", "gemini-direct", "claude-direct", DUPLICATE, "claude", *VARIETY, "gpt-4o", "o3-mini", ":free",
     "-latest", "crowd-", "m-aggregate", "handmade", "newcomer"],
    r"Model-\d{5}-Instruct",
    re.escape("The server is overloaded, try later"),  # what the failing fake providers answer (tests/fakes)
)  # fmt: skip


@pytest.fixture
def zh_browser(browser: Chromium) -> Iterator[Chromium]:
    with asking_for_chinese(browser):
        yield browser


def check_in_chinese(browser: Chromium, shown: list[str], *, narrow: bool = True, header: bool = True) -> None:
    """The open page in Chinese: the header's and ``shown`` texts there, no English word outside the data, no console
    error, and (with ``narrow``) at 1024 px a one-row header and whole button labels. Every problem listed at once."""
    links = [zh("nav.models"), zh("nav.assistant"), zh("nav.inbox"), zh("nav.import"), "English"] if header else []
    # Some arrive a moment after what the test waited for (the summary strip by a timer, a grid's row buttons in the
    # frames after the rows): every check below reads the page once, when they are all there and the fonts are in.
    wait_text(browser, *links, *shown, what="the page's key texts in Chinese")
    browser.wait_for(FONTS_LOADED, what="the web fonts")
    problems = chinese_problems(browser, [*links, *shown], ZH_DATA)
    if narrow:
        problems += narrow_problems(browser)
    problems += [f"console: {json.dumps(e['params'])[:300]}" for e in page_errors(browser)]
    assert not problems, "\n".join(problems)


def test_in_chinese_the_providers_table_and_its_summary(crowd: Seeded, zh_browser: Chromium, shots: Path) -> None:
    browser = zh_browser
    browser.open(crowd.app.url + "/")
    browser.click_button(zh("dash.view_table"))
    browser.wait_for(f"{PROVIDERS_API}.getDisplayedRowCount() === {CROWD}", what=f"{CROWD} rows in the table")
    browser.wait_for(includes(zh("status.connected")), what="the GPT-Load status in the header")
    shown = [zh("dash.add"), zh("dash.test_all"), zh("strip.providers", count=CROWD), zh("table.col_name"),
             zh("table.col_last_test"), zh("table.col_health"), zh("table.row_fetch")]  # fmt: skip
    wait_text(browser, *shown, what="the summary strip and the rows' buttons")  # in the screenshot too
    screenshot_settled(browser, shots / "providers-table-zh.png")
    check_in_chinese(browser, shown)


def test_in_chinese_the_workbench(world: Seeded, zh_browser: Chromium) -> None:
    browser = zh_browser
    open_workbench(world, browser, world.big)
    browser.wait_for(includes(zh("wb.split_preview")), what="the split preview")
    count = f"{BIG_MODELS:,}"
    line = zh("wb.count_line", models=zh("wb.count_models", count=count), active=count, deleted=0, pending=0)
    shown = [zh("wb.fetch_models"), zh("wb.add_by_hand"), zh("wb.quick_search"), zh("wb.filter_deleted"),
             zh("wb.col_normalized"), zh("wb.legend_shared"), line]  # fmt: skip
    check_in_chinese(browser, shown)


def test_in_chinese_the_sync_page_shows_its_plan(crowd: Seeded, zh_browser: Chromium) -> None:
    browser = zh_browser
    per_stage = Counter(c["stage"] for c in crowd.api.get("/api/config/plan").json()["changes"])
    browser.open(crowd.app.url + "/sync")
    browser.wait_for(includes(zh("plan.title")), what="the plan")
    browser.wait_for("document.querySelectorAll('.plan-changes .ag-center-cols-container .ag-row').length > 0",
                     what="the changes grid")  # fmt: skip
    stages = [zh("plan.stage_count", stage=zh(key), count=per_stage[stage]) for stage, key in STAGE_KEYS.items()
              if per_stage[stage]]  # fmt: skip
    check_in_chinese(browser, [zh("plan.clients_see"), zh("sync.history"), *stages])


def test_in_chinese_the_inbox_lists_what_a_fetch_found(world: Seeded, zh_browser: Chromium, shots: Path) -> None:
    browser = zh_browser
    # One model more than the English test's: after it (which deleted Claude-Haiku-4-5 again) all three kinds show.
    with churned_upstream(world, [*CHURNED, "Claude-3-7-Sonnet-20250219"]) as provider_id:
        fetched = world.api.post(f"/api/providers/{provider_id}/fetch-models")
        assert fetched.status_code == 200, fetched.text
        kinds = {item["kind"] for item in world.api.get("/api/inbox").json()["items"]}
        assert {"new", "vanished"} <= kinds, kinds
        browser.open(world.app.url + "/inbox")
        browser.wait_for(f"{INBOX_API}.getDisplayedRowCount() === 3", what="the three inbox rows")
        browser.wait_for(f"{INBOX_BADGE}?.innerText.trim() === '3'", what="the header's badge")
        shown = [*(zh(f"inbox.kind_{kind}") for kind in sorted(kinds)), zh("inbox.accept_selected"),
                 zh("inbox.col_suggested"), zh("inbox.accept"), zh("inbox.ignore"), zh("inbox.delete")]  # fmt: skip
        wait_text(browser, *shown, what="the rows and their buttons")  # in the screenshot too
        screenshot_settled(browser, shots / "inbox-zh.png")
        check_in_chinese(browser, shown)


def test_in_chinese_the_import_review(world: Seeded, zh_browser: Chromium) -> None:
    browser = zh_browser
    with handmade_groups(world):
        browser.open(world.app.url + "/import")
        browser.wait_for(includes(zh("imp.reads_only")), what="the sources step")
        check_in_chinese(browser, [zh("imp.preview")], narrow=False)
        browser.click_button(zh("imp.preview"))
        browser.wait_for(f"{IMPORT_ROWS}.length === 2", what="the two proposed providers")
        shown = [zh("imp.outcome_new"), zh("imp.outcome_merge", name="claude-direct"), zh("imp.next_adopt")]
        check_in_chinese(browser, shown)


def test_in_chinese_the_models_page_merges_two_variants(variety: Seeded, zh_browser: Chromium, shots: Path) -> None:
    """The Models page in Chinese with its merge and save dialogs (the singular forms of "1 name on 1 model")."""
    browser = zh_browser
    browser.open(variety.app.url + "/models")
    browser.wait_for(f"{EXPOSED_API}.getDisplayedRowCount() > 0", what="the exposed names")
    variants = json.dumps(zh("models.filter_variants"))
    toggle = f"[...document.querySelectorAll('.q-toggle')].find(t => t.innerText.includes({variants}))"
    browser.evaluate(f"{toggle}.click()")
    browser.wait_for(f"{EXPOSED_API}.getDisplayedRowCount() === 6", what="the variants filter")
    for name in ("DeepSeek-V3.1", "deepseek-v3.1"):
        tick_row(browser, name)
    browser.wait_for(f"{EXPOSED_API}.getSelectedRows().length === 2", what="two names ticked")
    browser.click_button(zh("models.merge"))
    dialog = "document.querySelector('.q-dialog')"
    browser.wait_for(f"{dialog}?.innerText.includes({json.dumps(zh('models.merge_title', count=2))})", what="dialog")
    settle(browser)
    check_in_chinese(browser, [zh("models.merge_text"), zh("models.merge_typed")], narrow=False)
    choice = "[...document.querySelectorAll('.q-dialog .q-radio')].find(r => r.innerText.trim() === 'deepseek-v3.1')"
    browser.evaluate(f"{choice}.click()")
    browser.wait_for(f"{choice}.getAttribute('aria-checked') === 'true'", what="the chosen spelling")
    browser.click_button(zh("models.merge_ok"), within=dialog)
    browser.wait_for(f"!{dialog}", what="the merge dialog to close")
    browser.wait_for(includes("DeepSeek-V3.1 → deepseek-v3.1"), what="the pending line")
    screenshot_settled(browser, shots / "models-zh.png")
    check_in_chinese(browser, [zh("models.save", count=1), zh("models.discard"), zh("models.col_served_by")])

    browser.click_button(zh("models.save", count=1))
    title = zh("models.save_title", names=zh("models.count_names_one"), models=zh("models.count_models_one"))
    browser.wait_for(f"{dialog}?.innerText.includes({json.dumps(title)})", what="the save confirmation")
    settle(browser)
    check_in_chinese(browser, [title], narrow=False)
    browser.click_button(zh("models.cancel"), within=dialog)
    browser.wait_for(f"!{dialog}", what="the save dialog to close")
    browser.click_button(zh("models.discard"))
    browser.wait_for("window.onbeforeunload === null", what="nothing pending")


def test_in_chinese_the_assistant_accepts_a_suggestion(variety: Seeded, zh_browser: Chromium, shots: Path) -> None:
    browser = zh_browser
    browser.open(variety.app.url + "/assistant")
    browser.wait_for(f"{SUGGESTION_CARDS}.length > 0", what="the suggestion cards")
    browser.wait_for(f"!{includes(zh('assist.working'))}", what="the impacts")
    heading = zh("assist.title_strip_prefix", prefix="deepseek-ai/")
    card = f"{SUGGESTION_CARDS}.find(c => c.innerText.startsWith({json.dumps(heading)}))"
    browser.evaluate(f"{card}.querySelector('.q-checkbox').click()")
    browser.wait_for(f"{card}.querySelector('.q-checkbox').getAttribute('aria-checked') === 'true'", what="the tick")
    browser.click_button(zh("assist.accept"))
    browser.wait_for(includes(zh("assist.pending", count=1)), what="the pending count")
    screenshot_settled(browser, shots / "assistant-zh.png")
    shown = [zh("assist.intro").split("。")[0], zh("assist.save", count=1), zh("assist.save_as_rule"),
             zh("assist.count", first=1, last=9, total=9)]  # fmt: skip
    check_in_chinese(browser, shown)
    browser.click_button(zh("assist.discard"))
    browser.wait_for("window.onbeforeunload === null", what="nothing pending")


def test_in_chinese_the_login_page(zh_browser: Chromium, tmp_path: Path) -> None:
    browser = zh_browser
    env = clean_env(tmp_path, ENCRYPTION_KEY=generate_key(), ADMIN_PASSWORD="zh-login-check", LOG_LEVEL="WARNING")
    with app_process(env, free_port()) as app:
        browser.open(app.url + "/")
        browser.wait_for(includes(zh("login.log_in")), what="the login page")
        browser.type_into(zh("login.password"), "not-the-password")
        browser.click_button(zh("login.log_in"))
        browser.wait_for(includes(zh("login.wrong")), what="the wrong password said")
        check_in_chinese(browser, [zh("login.password")], header=False, narrow=False)  # no header to check
    assert not missing_texts(app.output), missing_texts(app.output)


def test_in_chinese_ag_grids_own_texts(world: Seeded, zh_browser: Chromium) -> None:
    """AG Grid's own words in a Chinese page: the empty grid's overlay, a column filter's menu and field, and the
    screen-reader description. They come from AG Grid's locale, not from the translation table."""
    browser = zh_browser
    browser.open(world.app.url + "/inbox")
    browser.wait_for(f"{INBOX_API}.getDisplayedRowCount() === 0", what="the empty inbox")
    browser.wait_for("document.querySelector('.inbox-grid .ag-overlay')?.innerText.trim()", what="the overlay")
    texts = {"empty grid": browser.evaluate("document.querySelector('.inbox-grid .ag-overlay').innerText")}
    browser.open(world.app.url + "/")
    browser.wait_for(f"{PROVIDERS_API}.getDisplayedRowCount() === 3", what="the providers table")
    browser.evaluate("document.querySelector('.providers-grid .ag-header-cell-filter-button').click()")
    # The menu's wrapper comes first, its field with its placeholder a moment later: read the menu once it is whole.
    field = "[...document.querySelectorAll('.ag-popup .ag-filter input')].some(i => i.placeholder)"
    browser.wait_for(f"{field} && document.querySelector('.ag-popup').innerText.trim()", what="a column filter's menu",
                     show="document.querySelector('.ag-popup')?.outerHTML")  # fmt: skip
    texts["filter menu"] = browser.evaluate("document.querySelector('.ag-popup').innerText")
    texts["filter field"] = browser.evaluate(
        "[...document.querySelectorAll('.ag-popup input')].map(i => i.placeholder + ' ' + i.ariaLabel).join(' / ')"
    )
    texts["screen-reader text"] = browser.evaluate(
        "[...document.querySelectorAll('.ag-aria-description-container')].map(e => e.textContent).join(' / ')"
    )
    press_escape(browser)
    found = {where: words for where, text in texts.items() if (words := english_words(text, ZH_DATA))}
    assert not found, f"AG Grid's own texts are English in a Chinese page: {found} (all: {texts})"
