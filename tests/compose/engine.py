"""What the tier's pytest modules share: docker and docker-compose as subprocesses, and waits with deadlines."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest

from core.settings import PROJECT_ROOT

IMAGE_UID = 10001  # the Dockerfile's `manager` user
# Nothing of this environment reaches docker-compose: a variable set here would override the run's .env.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG")}


def run(command: list[str], timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess[str]:
    """A docker or docker-compose command; with ``check``, its output on failure (none of it holds a secret:
    the secrets reach containers through the run's .env, never through a command line)."""
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=CLEAN_ENV, capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, f"{' '.join(command[:6])}…: {result.stdout[-1500:]}{result.stderr[-1500:]}"
    return result


def docker(*args: str, timeout: float = 120) -> str:
    return run(["docker", *args], timeout).stdout


def wait_until(check: Callable[[], Any], within: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {within} s")
        time.sleep(0.25)


# What the scenario measured (no secrets), printed after the run by tests/compose/conftest.py.
OBSERVATIONS: list[str] = []


def observe(line: str) -> None:
    OBSERVATIONS.append(line)
