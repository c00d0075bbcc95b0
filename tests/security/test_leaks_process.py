"""Attacks on the real process's output (issue 11, points 4 and 5): ``main.py`` runs as `make run` starts it,
against fake providers and a fake GPT-Load on loopback ports.

4. At LOG_LEVEL=DEBUG, httpx and httpcore log every request, aiosqlite every query: after adding, testing and
   syncing providers, the output holds no provider key, proxy key, client key, GPT-Load admin key or admin
   password in any spelling (``tests.conftest.key_spellings``).
5. ``GPTLOAD_URL=http://user:PASSWORD@host``: the password is in no log line, no REST answer (status, plan,
   sync record), not in the page header and not in any error text.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from ruamel.yaml import YAML

from core.crypto import generate_key
from core.naming import OWNER_MARKER
from core.settings import PROJECT_ROOT
from tests.conftest import GPTLOAD_ADMIN_KEY, SECRET_MARKER, fake_key, secret_leaks
from tests.e2e.app_process import AppProcess, clean_env, wait_for_health
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import Account, FakeProviders
from tests.fakes.server import free_port, loopback_server

pytestmark = pytest.mark.slow  # main.py as a process, seconds each

ADMIN_PASSWORD = "admin-password-SECRET-0123456789"
URL_PASSWORD = "gl-url-pass-5e3c9a7b1d"
DIALECTS = {"openai": ["gpt-x", "gpt-y"], "gemini": ["gemini-x"], "anthropic": ["claude-x"]}


@dataclass
class World:
    app: AppProcess
    api: httpx.Client
    accounts: dict[str, Account]
    gptload: FakeGptLoad


@contextmanager
def logged_process(env: dict[str, str], log: Path) -> Iterator[AppProcess]:
    """main.py with its output going to a file: at DEBUG it writes far more than a pipe holds unread (64 KiB),
    and a process blocked on a full pipe would hang the test. The output is read once the process ended."""
    port = free_port()
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "main.py"], cwd=PROJECT_ROOT, env={**env, "PORT": str(port)}, stdout=sink, stderr=sink
        )
    app = AppProcess(url=f"http://127.0.0.1:{port}", process=process)
    try:
        assert wait_for_health(app.url), log.read_text()[-3000:]
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        app.output = log.read_text()


@contextmanager
def world(tmp_path, *, gptload_url: str | None = None, **env: str) -> Iterator[World]:
    """Fake providers of each dialect and a fake GPT-Load on loopback, and main.py pointed at them."""
    providers, gptload = FakeProviders(), FakeGptLoad(GPTLOAD_ADMIN_KEY)
    with loopback_server(providers.app) as providers_url, loopback_server(gptload.app) as real_gptload_url:
        host = providers_url.removeprefix("http://")
        accounts = {
            dialect: providers.add(
                dialect,
                host,
                [fake_key(f"proc-{dialect}-1"), fake_key(f"proc-{dialect}/2+")],
                models,
                prefix=f"/{dialect}",
            )
            for dialect, models in DIALECTS.items()
        }
        values = {
            "ENCRYPTION_KEY": generate_key(),
            "GPTLOAD_URL": (gptload_url or "{url}").format(
                url=real_gptload_url, port=real_gptload_url.rsplit(":", 1)[1]
            ),
            "GPTLOAD_AUTH_KEY": GPTLOAD_ADMIN_KEY,
            "GPTLOAD_CACHE_WAIT": "5",
            **env,
        }
        headers = {"Authorization": f"Bearer {env['ADMIN_PASSWORD']}"} if env.get("ADMIN_PASSWORD") else {}
        with (
            logged_process(clean_env(tmp_path, **values), tmp_path / "main.log") as app,
            httpx.Client(base_url=app.url, timeout=30, headers=headers) as api,
        ):
            yield World(app, api, accounts, gptload)


def exercise(w: World) -> dict:
    """What an operator does: add, check and test providers, test models, preview and run a sync."""
    for dialect, account in w.accounts.items():
        body = {"name": dialect, "base_url": account.base_url, "channel_type": dialect, "api_keys": account.keys}
        created = w.api.post("/api/providers", json=body)
        assert created.status_code == 201, created.text
        provider_id = created.json()["id"]
        assert w.api.post("/api/providers/check", json=body | {"name": None}).status_code in (200, 422)
        assert w.api.post(f"/api/providers/{provider_id}/test").json()["ok"] is True
        for model in w.api.get(f"/api/providers/{provider_id}/models").json():
            assert w.api.post(f"/api/models/{model['id']}/test").status_code == 200
    plan = w.api.get("/api/config/plan").json()
    started = w.api.post("/api/config/sync", json={"checksum": plan["checksum"]})
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 60
    while w.api.get("/api/config/sync/status").json()["running"]:
        assert time.monotonic() < deadline, "the sync did not finish within 60 s"
        time.sleep(0.05)
    return w.api.get(f"/api/config/sync/{started.json()['sync_id']}").json()


def written_secrets(tmp_path) -> set[str]:
    """The proxy key and the client key the sync wrote into api.yaml."""
    config = YAML(typ="safe").load((tmp_path / "data" / "uni-api" / "api.yaml").read_text())
    proxy = {e["api"] for e in config["providers"] if e.get("notes") == OWNER_MARKER}
    clients = {e["api"] for e in config.get("api_keys") or []}
    assert len(proxy) == 1 and len(clients) == 1, (proxy, clients)
    return proxy | clients


def test_debug_logs_hold_no_secret_in_any_spelling(tmp_path):
    with world(tmp_path, LOG_LEVEL="DEBUG", ADMIN_PASSWORD=ADMIN_PASSWORD) as w:
        record = exercise(w)
        assert record["status"] == "succeeded", record
        answers = [w.api.get(path).text for path in ("/api/gptload/status", "/api/config/plan", "/api/providers")]
    output = w.app.output
    # DEBUG really was on, third-party loggers included: the attack surface was there.
    assert " DEBUG httpcore" in output and " DEBUG aiosqlite" in output, output[-2000:]
    secrets = {
        *(key for account in w.accounts.values() for key in account.keys),
        GPTLOAD_ADMIN_KEY,
        ADMIN_PASSWORD,
        *written_secrets(tmp_path),
    }
    assert SECRET_MARKER not in output
    assert not secret_leaks([output, *answers], secrets)


def test_a_password_in_gptload_url_is_never_shown(tmp_path):
    url = f"http://operator:{URL_PASSWORD}@127.0.0.1:{{port}}"
    with world(tmp_path, gptload_url=url, LOG_LEVEL="DEBUG") as w:
        status = w.api.get("/api/gptload/status")
        assert status.json()["url"].startswith("http://127.0.0.1:"), status.text
        page = w.api.get("/").text
        sync_page = w.api.get("/sync").text
        plan = w.api.get("/api/config/plan")
        if plan.status_code == 200:
            record = exercise(w)
        else:  # GPT-Load refused: httpx sends the URL's user:password as Basic auth, in place of the admin key
            tried = w.api.post("/api/config/sync", json={"checksum": "0" * 64})  # a run that fails to plan ...
            record = w.api.get("/api/config/sync/history").json()[0]  # ... is recorded with its error text
            assert tried.status_code == plan.status_code and record["status"] == "failed", (tried.text, record)
        shown = [status.text, page, sync_page, plan.text, str(record)]
        shown += [w.api.get(p).text for p in ("/api/config/sync/history", "/api/gptload/status", "/api/providers")]
        assert status.json()["url"] in page  # the header shows GPT-Load's URL, without the password
    assert not secret_leaks([*shown, w.app.output], [URL_PASSWORD])
    # Where the manager shows GPT-Load's URL (status, the header of every page), not even the user name appears.
    # (The user name alone is no secret: uni-api's entries keep it, and DEBUG logs their SQL.)
    assert "operator:" not in status.text + page + sync_page
