"""When a page in Chromium is interactive, for every page bench (bench/ui.py, ui_catalog.py, ui_sync.py).

Each bench injects a probe that records the moment its page's key content appeared (``window.__lpm[key]``: the first
grid row, the plan, the first card) and every long task (over 50 ms) of the main thread. The page is *settled* at
the end of the last long task that began before QUIET_MS of quiet followed: the TTI idea, on our own marks.
"""

from __future__ import annotations

import time
from typing import Any

from tests.browser.harness import Chromium

QUIET_MS = 1000


def settled(first: float, long_tasks: list[list[float]]) -> float:
    """``first``, or the end of a chain of long tasks each starting within QUIET_MS of the previous end."""
    candidate = first
    for start, end in sorted(long_tasks):
        if start < candidate + QUIET_MS and end > candidate:
            candidate = end
    return candidate


def wait_settled(browser: Chromium, key: str, timeout: float = 120) -> dict[str, Any]:
    """The probe's record once QUIET_MS passed after the page settled (counted from ``window.__lpm[key]``), with
    that moment as ``settled``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        probe = browser.evaluate("({now: performance.now(), ...window.__lpm})")
        probe["settled"] = settled(probe[key], probe["longTasks"])
        if probe["now"] >= probe["settled"] + QUIET_MS:
            return probe
        time.sleep(0.1)
    raise RuntimeError(f"the page was still busy {timeout:.0f} s after {key}")
