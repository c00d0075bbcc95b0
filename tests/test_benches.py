"""Every benchmark still runs: each one once at its --smoke size (it asserts its own results, never timings)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.settings import PROJECT_ROOT

# A bench is a script (it has a main block); bench/page_timing.py and the like are modules the benches share.
BENCHES = sorted(p for p in (PROJECT_ROOT / "bench").glob("*.py") if 'if __name__ == "__main__":' in p.read_text())
# Each runs as its own process (the UI bench drives Chromium): in `make test`, outside the fast loop.
pytestmark = pytest.mark.slow


def test_every_bench_has_a_smoke_size():
    assert BENCHES, "no benchmark found"
    for bench in BENCHES:
        assert "--smoke" in bench.read_text(), f"{bench.name} has no --smoke mode"


@pytest.mark.parametrize("bench", BENCHES, ids=lambda path: path.name)
def test_bench_runs_at_its_smoke_size(bench, tmp_path):
    done = subprocess.run(
        [sys.executable, str(bench), "--smoke"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"{bench.name} --smoke failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
