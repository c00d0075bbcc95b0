"""The container's runtime without Docker: the files the image copies, its ENV, its uid, a read-only /app.

No Docker engine runs here. What the image adds to a plain run is a non-root user that may write
only under /app/data, an environment (HOST, DATA_DIR, NICEGUI_STORAGE_PATH, ...) and a health
check command; this test reproduces exactly those from the Dockerfile and starts the real process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from core.crypto import generate_key
from tests.deploy_files import dockerfile_stages, lay_out_app
from tests.e2e.app_process import AppProcess, as_user, clean_env, wait_for_health
from tests.fakes.server import free_port

# Lays out the image's /app and runs it as the image user: seconds each, outside the fast loop.
pytestmark = pytest.mark.slow

_, STAGES = dockerfile_stages()
RUNTIME = STAGES[-1]
IMAGE_UID = 10001


def health_check_command() -> list[str]:
    """The HEALTHCHECK's exec form, with `python` resolved to this interpreter."""
    check = RUNTIME.all("HEALTHCHECK")[0]
    exec_form = check[check.index("CMD") + 3 :].strip()
    command = json.loads(exec_form)
    return [sys.executable if command[0] == "python" else command[0], *command[1:]]


@pytest.fixture
def image_root() -> Path:
    """A root-owned, world-readable /app with only what the image copies, and an empty data directory."""
    root = Path(tempfile.mkdtemp(prefix="lpm-image-"))
    root.chmod(0o755)
    (lay_out_app(RUNTIME, root / "app") / "data").mkdir()
    yield root
    shutil.rmtree(root, ignore_errors=True)


@contextmanager
def running_as_image_user(image_root: Path, tmp_path: Path, **extra: str) -> Iterator[AppProcess]:
    """main.py from the image's /app, with the image's ENV, as uid 10001 owning only /app/data."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run the process under the image's uid")
    app, data = image_root / "app", image_root / "app" / "data"
    os.chown(data, IMAGE_UID, IMAGE_UID)  # what the Dockerfile's chown gives the volume
    image_env = {k: v.replace("/app", str(app)) for k, v in RUNTIME.env().items() if k != "PATH"}
    port = free_port()
    env = {
        **clean_env(tmp_path),
        **image_env,
        # Tests bind to loopback only; the image's 0.0.0.0 is checked in test_dockerfile.py.
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ENCRYPTION_KEY": generate_key(),
        "ADMIN_PASSWORD": "image-password",
        "GPTLOAD_URL": f"http://127.0.0.1:{free_port()}",
        "HOME": str(data),
        **extra,
    }
    env.pop("ENV_FILE")
    process = subprocess.Popen(
        [*as_user(IMAGE_UID), sys.executable, "main.py"], cwd=app, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    running = AppProcess(url=f"http://127.0.0.1:{port}", process=process)
    try:
        assert wait_for_health(running.url), "no /api/health"
        yield running
    finally:
        process.terminate()
        running.output = process.communicate(timeout=30)[0]


def test_runs_as_the_image_user_writing_only_to_its_data_volume(image_root, tmp_path):
    app, data = image_root / "app", image_root / "app" / "data"
    before = {p for p in app.rglob("*") if not p.is_relative_to(data)}
    with running_as_image_user(image_root, tmp_path) as running:
        port = httpx.URL(running.url).port
        check = subprocess.run(health_check_command(), env={"PORT": str(port)}, capture_output=True, timeout=10)
        assert check.returncode == 0, check.stderr
        page = httpx.get(f"{running.url}/", follow_redirects=True)
        assert page.status_code == 200 and "/login" in str(page.url)
        api = httpx.get(f"{running.url}/api/providers", headers={"Authorization": "Bearer image-password"})
        assert api.status_code == 200 and api.json() == []
    output = running.output
    assert "Traceback" not in output and "Permission denied" not in output, output[-3000:]
    assert {p for p in app.rglob("*") if not p.is_relative_to(data)} == before  # /app stays untouched
    assert (data / "manager.db").is_file()
    assert all(p.stat().st_uid == IMAGE_UID for p in data.rglob("*"))


def test_uniapi_volume_owned_by_another_user_is_one_warning_and_the_manager_serves(image_root, tmp_path):
    """A uni-api config volume that another container created first (owned by root): say so at start."""
    volume = image_root / "uni-api"
    volume.mkdir(mode=0o755)
    with running_as_image_user(image_root, tmp_path, UNIAPI_CONFIG_PATH=str(volume / "api.yaml")) as running:
        assert httpx.get(f"{running.url}/api/health").status_code == 200
    warnings = [line for line in running.output.splitlines() if "uni-api config" in line]
    assert len(warnings) == 1, running.output[-3000:]
    assert f"is not writable by uid {IMAGE_UID}" in warnings[0] and "chown" in warnings[0]


def test_health_check_fails_when_nothing_answers(tmp_path):
    env = {**clean_env(tmp_path), "PORT": str(free_port())}
    assert subprocess.run(health_check_command(), env=env, capture_output=True, timeout=10).returncode != 0
