"""Print what the real-engine tier measured (start order, durations) after its tests: CI logs keep them."""

from __future__ import annotations

from tests.compose.engine import OBSERVATIONS


def pytest_terminal_summary(terminalreporter) -> None:
    if OBSERVATIONS:
        terminalreporter.section("test-compose observations")
        for line in OBSERVATIONS:
            terminalreporter.write_line(line)
