"""The real process: refuses to start for each bad configuration, serves the API when good."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from core.crypto import generate_key
from core.settings import PROJECT_ROOT
from tests.conftest import SECRET_MARKER, fake_key
from tests.e2e.app_process import app_process, as_user, clean_env, run_main, wait_for_health
from tests.fakes.providers import FakeProviders
from tests.fakes.server import free_port, loopback_server

# Starts main.py as a process per test: seconds each, so outside the fast loop (pytest -m "not slow").
pytestmark = pytest.mark.slow


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_start_without_a_key_explains_how_to_make_one(tmp_path):
    result = run_main(clean_env(tmp_path))
    assert result.returncode == 2
    assert "ENCRYPTION_KEY is not set" in result.stderr and "Fernet.generate_key()" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data" / "manager.db").exists()


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"HOST": "0.0.0.0"}, "set ADMIN_PASSWORD too"),
        ({"PORT": "http"}, "PORT must be a whole number"),
        ({"ENCRYPTION_KEY": "not-a-fernet-key"}, "not a valid Fernet key"),
    ],
)
def test_bad_settings_stop_start_up_with_one_line(tmp_path, values, words):
    result = run_main(clean_env(tmp_path, **{"ENCRYPTION_KEY": generate_key(), **values}))
    assert result.returncode == 2
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unwritable_data_directory_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run_main(clean_env(tmp_path, ENCRYPTION_KEY=generate_key(), DATA_DIR=str(blocker / "data")))
    assert result.returncode == 2
    assert "Cannot create the data directory" in result.stderr and "DATA_DIR" in result.stderr


def test_data_directory_owned_by_another_user_is_named_with_the_fix(tmp_path):
    """Docker's usual failure: a bind-mounted host directory owned by root, the app running as another uid."""
    shared = Path(tempfile.mkdtemp(prefix="lpm-perm-"))  # pytest's tmp_path is private to root
    try:
        shared.chmod(0o755)
        data = shared / "data"
        data.mkdir(mode=0o755)
        env = clean_env(shared, ENCRYPTION_KEY=generate_key(), DATA_DIR=str(data))
        if os.geteuid() == 0:  # root may write anywhere: run as nobody, as the container runs as uid 10001
            command = [*as_user(65534), sys.executable, "main.py"]
        else:
            data.chmod(0o555)
            command = [sys.executable, "main.py"]
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(shared, ignore_errors=True)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"{data} is not writable by this process" in result.stderr
    assert "chown -R" in result.stderr and "DATA_DIR" in result.stderr


def test_init_env_creates_a_key_once(tmp_path):
    env = clean_env(tmp_path)
    env_file = tmp_path / "no.env"
    first = run_main(env, "--init-env")
    assert "Created" in first.stdout and "ENCRYPTION_KEY=" in env_file.read_text()
    content = env_file.read_text()
    second = run_main(env, "--init-env")
    assert second.stdout == "" and env_file.read_text() == content


def test_fresh_start_serves_health_docs_and_adds_a_provider(tmp_path):
    """What a new user does after `make run`: open /docs, add a provider, list it."""
    fake = FakeProviders()
    with loopback_server(fake.app) as fake_url:
        account = fake.add("openai", fake_url.removeprefix("http://"), [fake_key("e2e")], ["m-1", "m-2"], prefix="/p")
        nobody_there = f"http://127.0.0.1:{free_port()}"
        env = clean_env(tmp_path, ENCRYPTION_KEY=generate_key(), GPTLOAD_URL=nobody_there, GPTLOAD_AUTH_KEY="k")
        with app_process(env, free_port()) as app:
            assert httpx.get(f"{app.url}/docs").status_code == 200
            paths = httpx.get(f"{app.url}/openapi.json").json()["paths"]
            assert "/api/providers" in paths and "/api/models/batch-normalize" in paths
            body = {"name": "local", "base_url": account.base_url, "channel_type": "openai", "api_keys": account.keys}
            created = httpx.post(f"{app.url}/api/providers", json=body, timeout=10)
            assert created.status_code == 201, created.text
            listed = httpx.get(f"{app.url}/api/providers/{created.json()['id']}/models").json()
            assert [m["original_name"] for m in listed] == ["m-1", "m-2"]
            assert SECRET_MARKER not in created.text + httpx.get(f"{app.url}/").text
    assert SECRET_MARKER not in app.output
    # GPT-Load is not running: the manager serves anyway and says so once, with the fix.
    warnings = [line for line in app.output.splitlines() if "GPT-Load is unreachable at first contact" in line]
    assert len(warnings) == 1 and nobody_there in warnings[0] and "Fix:" in warnings[0]


def test_wrong_key_stops_start_up_and_leaves_the_database_byte_identical(tmp_path):
    fake = FakeProviders()
    with loopback_server(fake.app) as fake_url:
        account = fake.add("gemini", fake_url.removeprefix("http://"), [fake_key("g")], ["gemini-x"])
        env = clean_env(tmp_path, ENCRYPTION_KEY=generate_key())
        with app_process(env, free_port()) as app:
            body = {"name": "g", "base_url": account.base_url, "channel_type": "gemini", "api_keys": account.keys}
            assert httpx.post(f"{app.url}/api/providers", json=body, timeout=10).status_code == 201
    database = tmp_path / "data" / "manager.db"
    before = digest(database)
    files_before = sorted(p.name for p in database.parent.iterdir())

    result = run_main({**env, "ENCRYPTION_KEY": generate_key()})

    assert result.returncode == 2
    assert "cannot decrypt the stored secrets" in result.stderr and "nothing was changed" in result.stderr
    assert digest(database) == before
    assert sorted(p.name for p in database.parent.iterdir()) == files_before


def test_native_mode_without_a_display_falls_back_to_the_browser(tmp_path):
    env = clean_env(tmp_path, ENCRYPTION_KEY=generate_key())
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "main.py", "--native"],
        cwd=PROJECT_ROOT, env={**env, "PORT": str(port)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        line = process.stdout.readline()
        assert "No native window: there is no display" in line and "browser mode" in line
        assert wait_for_health(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.communicate(timeout=20)
