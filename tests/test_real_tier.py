"""`make test-real` is opt-in: without the binaries it says what to set and runs nothing; `make test` never needs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def servers_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("GPTLOAD_BIN", "UNIAPI_BIN", "UNIAPI_SRC")}
    return subprocess.run(
        [sys.executable, "-m", "tests.real.servers"], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_without_binaries_it_names_the_variables_and_runs_nothing():
    result = servers_check()
    assert result.returncode == 1  # the Makefile turns 1 into "exit 0, nothing run"
    assert "GPTLOAD_BIN" in result.stdout + result.stderr and "Nothing was run." in result.stdout + result.stderr


def test_a_path_that_is_not_an_executable_is_an_error(tmp_path):
    result = servers_check(GPTLOAD_BIN=str(tmp_path / "missing"), UNIAPI_BIN=str(tmp_path / "missing-too"))
    assert result.returncode not in (0, 1)


def test_the_real_tests_are_not_collected_by_make_test():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/real"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "LPM_REAL"},
        capture_output=True,
        text=True,
    )
    assert "test_routing" not in result.stdout
