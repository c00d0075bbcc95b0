"""Browser smoke test: the real app process, seeded over REST, rendered by headless Chromium.

Fake providers and a fake GPT-Load listen on loopback ports; ``main.py`` runs as its own process pointed at
them. Three providers are added (one lists 2,000 models, some renamed to duplicates with confirmation), one
sync runs, then Chromium opens the dashboard, the 2,000-model workbench and /sync, checks what they show and
that no unmasked key (every fake key contains ``SECRET``) reaches a page, and takes a 1400x900 screenshot of
each. Without Chromium the tests skip; with ``LPM_REQUIRE_BROWSER=1`` (``make test``, ``make test-browser``)
they fail instead. Screenshots go to ``$LPM_SCREENSHOTS`` when set (``make test-browser`` sets it to
docs/screenshots), otherwise to a temporary directory.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from core.settings import PROJECT_ROOT
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


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Chromium]:
    with Chromium(chromium) as opened:
        yield opened


def visible_text(browser: Chromium) -> str:
    return browser.evaluate("document.body.innerText")


def check_no_secret(world: Seeded, browser: Chromium, path: str) -> None:
    assert SECRET_MARKER not in browser.dom(), f"an unmasked key is in the DOM of {path}"
    assert SECRET_MARKER not in httpx.get(world.app.url + path, timeout=30).text, f"an unmasked key is in {path}"


def check_screenshot(path: Path) -> None:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert struct.unpack(">II", header[16:24]) == WINDOW, f"{path} is not {WINDOW[0]}x{WINDOW[1]}"


def test_dashboard_shows_every_provider_with_masked_keys(world: Seeded, browser: Chromium, shots: Path) -> None:
    browser.open(world.app.url + "/")
    browser.wait_for("document.querySelectorAll('.q-card').length >= 3", what="three provider cards")
    browser.wait_for("document.body.innerText.includes('last sync')", what="the GPT-Load status in the header")

    text = visible_text(browser)
    for name in world.ids:
        assert name in text
    assert f"Models: {BIG_MODELS} active / {BIG_MODELS} total" in text
    assert "Keys: sk-…cdef, sk-…cdef" in text  # masked: first three and last four characters
    assert "connected" in text and "succeeded" in text
    check_no_secret(world, browser, "/")
    browser.screenshot(shots / "dashboard.png")
    check_screenshot(shots / "dashboard.png")


def test_workbench_renders_the_2000_model_grid(world: Seeded, browser: Chromium, shots: Path) -> None:
    path = f"/providers/{world.ids[world.big]}"
    browser.open(world.app.url + path)
    browser.wait_for(f"{GRID} && {GRID}.querySelectorAll('.ag-row').length > 5", what="grid rows")
    browser.wait_for("document.body.innerText.includes('Split preview')", what="the split preview")

    assert browser.evaluate(f"getElement({GRID}).api.getDisplayedRowCount()") == BIG_MODELS
    rendered = browser.evaluate(f"{GRID}.querySelectorAll('.ag-center-cols-container .ag-row').length")
    assert 5 < rendered < BIG_MODELS  # the grid virtualises: only the visible rows are in the DOM
    text = visible_text(browser)
    assert NAMES[0] in text  # the first row's original name
    assert DUPLICATE in text and "gemini-2.5-pro" in text
    assert browser.evaluate(f"{GRID}.querySelectorAll('.row-duplicate').length") >= 1  # first row is a duplicate
    assert browser.evaluate(f"{GRID}.querySelectorAll('.row-shared').length") == 0  # row 1: only another class
    assert f"{DUPLICATE}-aggregate" in text  # split preview of the confirmed duplicates
    check_no_secret(world, browser, path)
    browser.screenshot(shots / "provider.png")
    check_screenshot(shots / "provider.png")


def test_sync_page_shows_the_synced_state_history_and_topology(world: Seeded, browser: Chromium, shots: Path) -> None:
    browser.open(world.app.url + "/sync")
    browser.wait_for("document.body.innerText.includes('nothing to change')", what="the empty plan")
    svg = "document.querySelector('svg[id$=\"_mermaid\"]')"
    browser.wait_for(f"{svg}?.textContent.includes('provider: ')", what="the topology diagram")

    text = visible_text(browser)
    assert "succeeded" in text  # the history row of the sync run over REST
    diagram = browser.evaluate(f"{svg}.textContent")
    for name in world.ids:
        assert f"provider: {name}" in diagram
    assert f"aggregate: {DUPLICATE}-aggregate" in diagram
    check_no_secret(world, browser, "/sync")
    browser.screenshot(shots / "sync.png")
    check_screenshot(shots / "sync.png")


def test_a_pending_edit_asks_before_leaving_the_workbench(world: Seeded, browser: Chromium) -> None:
    browser.open(world.app.url + f"/providers/{world.ids['claude-direct']}")
    browser.wait_for(f"{GRID} && {GRID}.querySelectorAll('.ag-row').length >= 2", what="grid rows")
    assert browser.evaluate("window.onbeforeunload === null")
    row = f"getElement({GRID}).api.getDisplayedRowAtIndex(0)"
    original = browser.evaluate(f"{row}.data.normalized_name")
    # An edit as the grid reports it (cellValueChanged); nothing is saved, so the page warns before leaving.
    browser.evaluate(f"{row}.setDataValue('normalized_name', 'leave-warning-check')")
    browser.wait_for("typeof window.onbeforeunload === 'function'", what="the leave-page warning")
    assert "save changes (1)" in visible_text(browser).lower()  # Quasar shows button labels in capitals
    browser.evaluate(f"{row}.setDataValue('normalized_name', {json.dumps(original)})")  # back: nothing pending
    browser.wait_for("window.onbeforeunload === null", what="the warning switched off")
    assert "save changes" not in visible_text(browser).lower()
