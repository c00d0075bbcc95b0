"""Start the real ``main.py`` as a separate process, the way `make run` does, with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from core.settings import PROJECT_ROOT
from core.settings import VARIABLES as SETTING_VARIABLES


def clean_env(tmp_path: Path, **values: str) -> dict[str, str]:
    """The parent environment without any of our settings, a private .env path, and ``values``."""
    names = {v.name for v in SETTING_VARIABLES}
    # NiceGUI switches to its own test mode when it sees pytest's or its test variables.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in names and not k.startswith(("PYTEST_", "NICEGUI_")) and k != "ENV_FILE"
    }
    defaults = {"ENV_FILE": str(tmp_path / "no.env"), "DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    return {**env, **defaults, **values}


def run_main(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@dataclass
class AppProcess:
    url: str
    process: subprocess.Popen[str]
    output: str = ""
    env: dict[str, str] = field(default_factory=dict)  # what it was started with (app_process)


@contextmanager
def app_process(env: dict[str, str], port: int, *, cwd: Path = PROJECT_ROOT) -> Iterator[AppProcess]:
    """Yield once ``/api/health`` answers; on exit stop the process gracefully and keep its output. ``cwd``: the
    checkout whose main.py runs (another one: bench/ui.py --compare)."""
    env = {**env, "PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "main.py"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app = AppProcess(url=f"http://127.0.0.1:{port}", process=process, env=env)
    try:
        _wait_healthy(app)
        yield app
    finally:
        process.terminate()
        try:
            app.output = process.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            process.kill()
            app.output = process.communicate()[0]


def wait_for_health(url: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


def _wait_healthy(app: AppProcess) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"main.py exited early: {app.process.stdout.read() if app.process.stdout else ''}")
        try:
            if httpx.get(f"{app.url}/api/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("main.py did not become healthy within 60 s")


def as_user(uid: int) -> list[str]:
    """A command prefix (for root) that runs a program as ``uid`` with no groups.

    It keeps one capability, reading and searching any file: the checkout and its .venv may sit in a
    directory only root can enter (`mktemp -d` makes those), while what these tests check is where the
    program may *write*, which the capability does not grant.
    """
    caps = "+dac_read_search"
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        f"--inh-caps={caps}",
        f"--ambient-caps={caps}",
    ]
