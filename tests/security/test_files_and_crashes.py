"""Files and crashes (issue 11, points 7 and 15).

7. Every file the real process writes under DATA_DIR (manager.db with its -wal and -shm, NiceGUI's session
   storage, api.yaml after a sync) is 0600 and every directory 0700: no other user reads a secret. api.yaml
   is checked after each write (new: 0600; an old one loses access for others). The one exception is opt-in:
   UNIAPI_CONFIG_GROUP gives api.yaml that group and mode 0640 after each write.
15. ``kill -9`` in the middle of a sync (a slow GPT-Load keeps it running): after a restart the record is
   ``interrupted`` with the stage it had reached, the sync page offers Retry (in Chromium when installed, and
   always in NiceGUI's simulated browser on a record left ``running``), and the retry finishes the job.
"""

from __future__ import annotations

import grp
import os
import signal
import stat
import time
from pathlib import Path

import httpx
import pytest
from nicegui import ui
from nicegui.testing import User

from core import providers
from core.crypto import generate_key
from core.errors import StartupError
from core.models import SyncRecord
from core.providers import ProviderCreate
from core.sync import STAGES
from tests.conftest import GPTLOAD_ADMIN_KEY, fake_key, make_settings, provider_body
from tests.e2e.app_process import app_process, clean_env
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import FakeProviders
from tests.fakes.server import free_port, loopback_server
from tests.postgres import databases
from tests.ui import world

OPERATOR_FILE = "providers: []\napi_keys:\n  - api: sk-my-own-client-key-0123\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def wait_until(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)
    return value


def click_dark_mode(url: str) -> bool:
    """Toggle dark mode in headless Chromium, which NiceGUI stores in the user's storage file; False when
    there is no Chromium (the storage check is then skipped, the rest still runs)."""
    from tests.browser.harness import Chromium, chromium_path

    binary = chromium_path()
    if binary is None:
        return False
    with Chromium(binary) as browser:
        browser.open(f"{url}/")
        browser.wait_for("document.querySelectorAll('button').length > 2", what="the page's buttons")
        browser.click_button("dark_mode")
        browser.wait_for("document.body.classList.contains('body--dark')", what="dark mode")
    return True


def sync_page_text(url: str) -> str | None:
    """The text of /sync in headless Chromium once its records have loaded; None without Chromium."""
    from tests.browser.harness import Chromium, chromium_path

    binary = chromium_path()
    if binary is None:
        return None
    with Chromium(binary) as browser:
        browser.open(f"{url}/sync")
        browser.wait_for("document.body.innerText.includes('was interrupted at')", what="the interrupted run")
        return browser.evaluate("document.body.innerText")


def sync_over_rest(api: httpx.Client) -> dict:
    started = api.post("/api/config/sync", json={"checksum": api.get("/api/config/plan").json()["checksum"]})
    assert started.status_code == 202, started.text
    wait_until(lambda: not api.get("/api/config/sync/status").json()["running"], "the sync")
    return api.get(f"/api/config/sync/{started.json()['sync_id']}").json()


@pytest.mark.slow  # main.py as a process, and Chromium when installed
@databases.sqlite_only("manager.db and its -wal/-shm are files of ours; PostgreSQL's files belong to its server")
def test_every_file_the_process_writes_is_readable_by_its_user_only(tmp_path):
    providers, gptload = FakeProviders(), FakeGptLoad(GPTLOAD_ADMIN_KEY)
    data = tmp_path / "data"
    with loopback_server(providers.app) as providers_url, loopback_server(gptload.app) as gptload_url:
        account = providers.add("openai", providers_url.removeprefix("http://"), [fake_key("files")], ["m-1"])
        env = clean_env(
            tmp_path,
            ENCRYPTION_KEY=generate_key(),
            GPTLOAD_URL=gptload_url,
            GPTLOAD_AUTH_KEY=GPTLOAD_ADMIN_KEY,
            # Where the image keeps NiceGUI's storage (Dockerfile); main.py itself leaves it to NiceGUI (./.nicegui).
            NICEGUI_STORAGE_PATH=str(data / ".nicegui"),
        )
        with app_process(env, free_port()) as app, httpx.Client(base_url=app.url, timeout=30) as api:
            assert api.post("/api/providers", json=provider_body(account)).status_code == 201
            assert sync_over_rest(api)["status"] == "succeeded"
            stored = click_dark_mode(app.url)
            if stored:
                wait_until(lambda: list((data / ".nicegui").glob("storage-user-*.json")), "NiceGUI's storage file")
            # While the process runs: SQLite's WAL files exist now, and go away at a clean shutdown.
            files = {p.relative_to(data).as_posix(): mode(p) for p in data.rglob("*")}

    expected = {"manager.db", "manager.db-wal", "manager.db-shm", "uni-api/api.yaml"}
    assert expected <= set(files), sorted(files)
    assert not stored or any(name.startswith(".nicegui/storage-user-") for name in files), sorted(files)
    exposed = {name: oct(m) for name, m in files.items() if m & 0o077}
    assert not exposed, f"readable or writable by others: {exposed}"
    assert {files[name] for name in expected} == {0o600}
    assert mode(data) == 0o700


async def sync_in_process(api, services, account) -> str:
    """Add ``account`` as a provider and run one sync over the in-process REST API; the run's status."""
    assert (await api.post("/api/providers", json=provider_body(account))).status_code == 201
    checksum = (await api.get("/api/config/plan")).json()["checksum"]
    started = await api.post("/api/config/sync", json={"checksum": checksum})
    await services.sync.wait()
    return (await api.get(f"/api/config/sync/{started.json()['sync_id']}")).json()["status"]


@pytest.fixture
def settings(tmp_path, request):
    """The settings of tests/conftest.py, with the overrides a test passes by indirect parametrization."""
    return make_settings(tmp_path, **getattr(request, "param", {}))


async def test_a_new_api_yaml_is_private_whatever_the_umask(api, services, settings, openai_account):
    old = os.umask(0o022)  # what a process without main.py's umask would create: 0644
    try:
        assert await sync_in_process(api, services, openai_account) == "succeeded"
    finally:
        os.umask(old)
    assert mode(settings.uniapi_config_path) == 0o600


async def test_a_world_readable_api_yaml_is_not_world_readable_after_a_sync(api, services, settings, openai_account):
    path = settings.uniapi_config_path
    path.parent.mkdir(parents=True)
    path.write_text(OPERATOR_FILE)
    path.chmod(0o644)  # written by an older version, or by hand
    assert await sync_in_process(api, services, openai_account) == "succeeded"
    # Others lose read access; the group bits are the operator's choice (UNIAPI_CONFIG_GROUP sets them on purpose).
    assert mode(path) == 0o640 and "sk-my-own-client-key-0123" in path.read_text()


OWN_GROUP = grp.getgrgid(os.getgid())


@pytest.mark.parametrize(
    "settings",
    [{"UNIAPI_CONFIG_GROUP": str(OWN_GROUP.gr_gid)}, {"UNIAPI_CONFIG_GROUP": OWN_GROUP.gr_name}],
    ids=["gid", "name"],
    indirect=True,
)
async def test_uniapi_config_group_lets_that_group_read_api_yaml(api, services, settings, openai_account):
    path = settings.uniapi_config_path
    path.parent.mkdir(parents=True)
    path.write_text(OPERATOR_FILE)
    path.chmod(0o600)
    assert await sync_in_process(api, services, openai_account) == "succeeded"
    assert mode(path) == 0o640 and path.stat().st_gid == OWN_GROUP.gr_gid


def test_an_unknown_uniapi_config_group_stops_start_up(tmp_path):
    with pytest.raises(StartupError, match="UNIAPI_CONFIG_GROUP must be a group name"):
        make_settings(tmp_path, UNIAPI_CONFIG_GROUP="no-such-group-lpm")


@pytest.mark.slow  # main.py as a process, killed and started again
def test_kill_9_during_a_sync_leaves_an_interrupted_record_that_can_be_retried(tmp_path):
    providers, gptload = FakeProviders(), FakeGptLoad(GPTLOAD_ADMIN_KEY)
    gptload.latency = 0.25  # every admin request: the sync runs for seconds
    with loopback_server(providers.app) as providers_url, loopback_server(gptload.app) as gptload_url:
        host = providers_url.removeprefix("http://")
        accounts = [
            providers.add("openai", host, [fake_key(f"kill{i}")], ["shared", f"own-{i}"], prefix=f"/p{i}")
            for i in range(4)
        ]
        env = clean_env(
            tmp_path,
            ENCRYPTION_KEY=generate_key(),
            GPTLOAD_URL=gptload_url,
            GPTLOAD_AUTH_KEY=GPTLOAD_ADMIN_KEY,
            GPTLOAD_CONCURRENCY="1",
            GPTLOAD_CACHE_WAIT="5",
            **databases.process_env(tmp_path / "data"),
        )
        with app_process(env, free_port()) as app, httpx.Client(base_url=app.url, timeout=30) as api:
            for i, account in enumerate(accounts):
                assert api.post("/api/providers", json=provider_body(account, f"p{i}")).status_code == 201
            plan = api.get("/api/config/plan").json()
            started = api.post("/api/config/sync", json={"checksum": plan["checksum"]})
            assert started.status_code == 202, started.text
            sync_id = started.json()["sync_id"]
            reached = wait_until(
                lambda: (s := api.get("/api/config/sync/status").json())["running"] and s["done"] >= 2 and s,
                "the sync to be halfway",
            )
            os.kill(app.process.pid, signal.SIGKILL)
            assert app.process.wait(timeout=10) == -signal.SIGKILL

        gptload.latency = 0
        with app_process(env, free_port()) as app, httpx.Client(base_url=app.url, timeout=30) as api:
            record = api.get(f"/api/config/sync/{sync_id}").json()
            page = sync_page_text(app.url)  # what the sync page shows once its records are loaded
            header = api.get("/api/gptload/status").json()["last_sync"]
            retried = api.post(f"/api/config/sync/{sync_id}/retry", json={})
            assert retried.status_code == 202, retried.text
            wait_until(lambda: not api.get("/api/config/sync/status").json()["running"], "the retry")
            retry = api.get(f"/api/config/sync/{retried.json()['sync_id']}").json()
            after = api.get("/api/config/plan").json()

    assert record["status"] == "interrupted", record
    stage = record["failed_step"].removeprefix("stage ")
    assert stage in STAGES and STAGES.index(stage) >= STAGES.index(reached["stage"]), (record, reached)
    assert "stopped while this sync ran" in record["error"]
    assert header["status"] == "interrupted"
    assert page is None or (f"Sync {sync_id} was interrupted at stage {stage}" in page and "Retry" in page), page
    assert retry["status"] == "succeeded" and retry["retry_of"] == sync_id, retry
    assert after["empty"] is True, after
    assert "interrupted" in app.output


@pytest.fixture
def ui_app(tmp_path, monkeypatch) -> None:
    """The `user` fixture's app (tests/ui/app_main.py) keeps its data in this test's directory."""
    monkeypatch.setenv("LPM_UI_TEST_DIR", str(tmp_path))
    monkeypatch.delenv("LPM_UI_TEST_PASSWORD", raising=False)


async def test_the_sync_page_offers_retry_for_a_run_a_crash_left_running(ui_app, user: User):
    w = world.current
    account = w.fake.add("openai", "crash.test", [fake_key("crash")], ["m-1", "m-2"])
    data = ProviderCreate(name="crash", base_url=account.base_url, channel_type="openai", api_keys=account.keys)
    await providers.create_provider(w.services, data)
    bundle = await w.services.sync.build_plan()
    done = [{"kind": "create_group", "target": bundle.plan.changes[0].target, "ok": True, "attempts": 1, "ms": 5}]
    # What a process killed during the keys stage leaves behind: its last checkpoint, still "running".
    plan = bundle.plan.public()
    crashed = await SyncRecord.create(status="running", plan=plan, failed_step="stage keys", results=done)
    assert await w.services.sync.recover_interrupted() == [crashed.id]  # what start-up does

    await user.open("/sync")
    await user.should_see(f"Sync {crashed.id} was interrupted at stage keys", retries=30)
    await user.should_see(marker="retry")
    await user.should_see("1 of 3 planned changes were carried out")
    user.find(marker="retry").click()
    await user.should_see(kind=ui.dialog, retries=30)  # Retry plans afresh and asks to confirm
