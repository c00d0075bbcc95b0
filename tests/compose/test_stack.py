"""The compose stack under a real Docker engine (issue 15): `make test-compose` (tests/compose/run.sh) builds the
images and runs this module against the project's docker-compose.yml, with GPT-Load and uni-api replaced by
stand-ins (tests/compose/standins) and a provider on the Docker host itself. Skipped anywhere else.

The tests run in file order on one stack: up, first sync, restart, down and up again.
"""

from __future__ import annotations

import json
import os
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from ruamel.yaml import YAML

from core.envfile import COMPOSE, assigned_values
from core.settings import PROJECT_ROOT
from tests.compose.engine import IMAGE_UID, docker, observe, run, wait_until
from tests.conftest import fake_key
from tests.fakes.providers import FakeProviders
from tests.fakes.server import serving

PROJECT = os.environ.get("LPM_COMPOSE_PROJECT", "")
ENV_FILE = os.environ.get("LPM_COMPOSE_ENV_FILE", "")
if not (PROJECT and ENV_FILE):
    pytest.skip("the real-engine tier: `make test-compose` runs it (tests/compose/run.sh)", allow_module_level=True)

COMPOSE_FILES = ["docker-compose.yml", "tests/compose/compose.test.yml"]
VERSION = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]


def compose(*args: str, timeout: float = 180) -> str:
    files = [arg for name in COMPOSE_FILES for arg in ("-f", name)]
    return run(["docker-compose", "-p", PROJECT, "--env-file", ENV_FILE, *files, *args], timeout).stdout


@dataclass
class Stack:
    values: dict[str, str] = field(repr=False)  # the run's .env: secrets and ports (never in a report)
    up_seconds: float
    since: float  # epoch seconds just before `up`

    @property
    def manager(self) -> str:
        return f"http://127.0.0.1:{self.values['MANAGER_PORT']}"

    @property
    def uniapi(self) -> str:
        return f"http://127.0.0.1:{self.values['UNIAPI_PORT']}"

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.values['ADMIN_PASSWORD']}"}

    def container(self, service: str) -> str:
        return compose("ps", "-q", service).strip()

    def health(self, service: str) -> str:
        container = self.container(service)
        return docker("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", container).strip()

    def wait_healthy(self, service: str, within: float = 60) -> None:
        wait_until(lambda: self.health(service) == "healthy", within, f"{service} healthy")

    def exec(self, service: str, *command: str) -> str:
        return docker("exec", self.container(service), *command)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    values = assigned_values(Path(ENV_FILE).read_text())
    since = time.time()
    started = time.monotonic()
    compose("up", "-d", "--no-build", timeout=300)
    stack = Stack(values, time.monotonic() - started, since)
    try:
        yield stack
    finally:
        compose("down", "-v", "--remove-orphans", timeout=120)


@dataclass
class HostProvider:
    fake: FakeProviders
    base_url: str  # as the containers reach it
    key: str = field(repr=False)
    model: str = "gpt-x"


def docker_host_address() -> str:
    """The Docker host's address on the default bridge: what host-gateway means in extra_hosts."""
    return docker("network", "inspect", "bridge", "-f", "{{(index .IPAM.Config 0).Gateway}}").strip()


@pytest.fixture(scope="module")
def host_provider() -> Iterator[HostProvider]:
    """An OpenAI-compatible provider on the Docker host, like Ollama or vLLM there: bound to the bridge
    address (reachable from containers, not from other machines), addressed by name as host.docker.internal."""
    fake = FakeProviders()
    with serving(fake.app, host=docker_host_address()) as url:
        port = httpx.URL(url).port
        key = fake_key("compose-host")
        fake.add("openai", f"host.docker.internal:{port}", [key], ["gpt-x"])
        yield HostProvider(fake, f"http://host.docker.internal:{port}/v1", key)


def sync(stack: Stack) -> dict[str, Any]:
    """Preview, apply and wait for a sync over REST, as README "Preview, then apply" says."""
    plan = httpx.post(f"{stack.manager}/api/config/sync?dry_run=true", headers=stack.admin, timeout=60)
    assert plan.status_code == 200, plan.text
    started = httpx.post(
        f"{stack.manager}/api/config/sync", headers=stack.admin, json={"checksum": plan.json()["checksum"]}, timeout=60
    )
    assert started.status_code == 202, started.text

    def finished() -> dict[str, Any] | None:
        status = httpx.get(f"{stack.manager}/api/config/sync/status", headers=stack.admin, timeout=10).json()
        return None if status["running"] else status

    wait_until(finished, 120, "the sync finished")
    history = httpx.get(f"{stack.manager}/api/config/sync/history", headers=stack.admin, timeout=10).json()
    return history[0]


@pytest.fixture(scope="module")
def synced(stack: Stack, host_provider: HostProvider) -> HostProvider:
    body = {
        "name": "acme",
        "base_url": host_provider.base_url,
        "channel_type": "openai",
        "api_keys": [host_provider.key],
    }
    added = httpx.post(f"{stack.manager}/api/providers", headers=stack.admin, json=body, timeout=60)
    assert added.status_code == 201, added.text
    started = time.monotonic()
    record = sync(stack)
    assert record["status"] == "succeeded", record
    observe(f"provider added over REST, first sync (preview, apply, finished): {time.monotonic() - started:.1f} s")
    return host_provider


def container_events(stack: Stack) -> list[tuple[float, str, str]]:
    """(time, service, what) of the project's containers since `up`: start, health_status: healthy, ..."""
    lines = docker(
        "events", "--since", f"{stack.since:.3f}", "--until", f"{time.time():.3f}",
        "--filter", f"label=com.docker.compose.project={PROJECT}", "--filter", "type=container",
        "--format", "{{json .}}",
    )  # fmt: skip
    events = [json.loads(line) for line in lines.splitlines() if line.strip()]
    return [
        (event["timeNano"] / 1e9, event["Actor"]["Attributes"]["com.docker.compose.service"], event["status"])
        for event in events
    ]


def first(events: list[tuple[float, str, str]], service: str, status: str) -> float:
    times = [at for at, name, what in events if name == service and what == status]
    assert times, f"no `{status}` event for {service}: {[(n, w) for _, n, w in events]}"
    return times[0]


# ----- up: order, health, the image


def test_services_start_in_the_documented_order_and_turn_healthy_within_seconds(stack):
    """README: GPT-Load healthy → manager healthy → uni-api; uni-api waits for the first sync. A short
    health-check interval brings `up -d` down from ~41 s to seconds (issue 15, point 3)."""
    events = container_events(stack)
    gptload_healthy = first(events, "gptload", "health_status: healthy")
    manager_started = first(events, "manager", "start")
    manager_healthy = first(events, "manager", "health_status: healthy")
    uniapi_started = first(events, "uni-api", "start")
    observe(
        f"up -d: {stack.up_seconds:.1f} s; after it began: gptload healthy {gptload_healthy - stack.since:.1f} s, "
        f"manager started {manager_started - stack.since:.1f} s and healthy {manager_healthy - stack.since:.1f} s, "
        f"uni-api started {uniapi_started - stack.since:.1f} s"
    )
    assert first(events, "gptload", "start") < gptload_healthy < manager_started < manager_healthy
    assert manager_healthy < uniapi_started
    assert manager_healthy - manager_started < 10
    assert stack.up_seconds < 30
    assert stack.health("uni-api") in ("starting", "unhealthy")
    logs = compose("logs", "--no-color", "uni-api")
    assert "waiting for /config/api.yaml; add a provider in LLM Provider Manager and run a sync" in logs


def test_health_reports_the_project_version_from_the_image(stack):
    """The image copies the source and never installs the package (issue 15, point 1)."""
    answer = httpx.get(f"{stack.manager}/api/health", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "version": VERSION, "database": "ok"}


def test_image_is_built_on_the_base_image_compose_passes_and_runs_as_uid_10001(stack):
    """PYTHON_IMAGE from .env reaches the Dockerfile through build.args (issue 15, point 4): the tier's base
    image labels what it was made from, and the manager image inherits that label."""
    container = stack.container("manager")
    image = docker("inspect", "-f", "{{.Image}}", container).strip()
    labels = json.loads(docker("image", "inspect", "-f", "{{json .Config.Labels}}", image))
    assert labels and labels.get("lpm.recipe"), labels
    assert stack.exec("manager", "id", "-u").strip() == str(IMAGE_UID)


# ----- the first sync


def test_provider_on_the_docker_host_is_reached_as_host_docker_internal(stack, synced):
    """extra_hosts host-gateway (issue 15, point 2): the manager fetched the models of a provider on the host
    by name, and GPT-Load resolves the same name."""
    [provider] = httpx.get(f"{stack.manager}/api/providers", headers=stack.admin, timeout=10).json()
    models = httpx.get(f"{stack.manager}/api/providers/{provider['id']}/models", headers=stack.admin, timeout=10)
    assert models.status_code == 200
    assert "gpt-x" in models.text
    assert any(call.path == "/v1/models" for call in synced.fake.calls)
    for service in ("manager", "gptload"):
        address = stack.exec(service, "getent", "hosts", "host.docker.internal").split()[0]
        assert address == docker_host_address(), service


def test_api_yaml_on_the_shared_volume_is_the_managers_and_readable_by_uniapi(stack, synced):
    """The manager (uid 10001) writes api.yaml 0600; uni-api's image runs as root and reads it through its
    read-only mount."""
    owner = stack.exec("uni-api", "stat", "-c", "%u:%g %a", "/config/api.yaml").strip()
    assert owner == f"{IMAGE_UID}:{IMAGE_UID} 600"
    assert stack.exec("uni-api", "id", "-u").strip() == "0"
    text = stack.exec("uni-api", "cat", "/config/api.yaml")
    assert "http://gptload:3001/proxy/" in text
    assert stack.values["GPTLOAD_AUTH_KEY"] not in text  # uni-api gets the proxy key only


def test_uniapi_turns_healthy_and_routes_a_chat_through_gptload_to_the_host_provider(stack, synced):
    started = time.monotonic()
    stack.wait_healthy("uni-api", within=60)
    observe(f"uni-api healthy {time.monotonic() - started:.1f} s after the sync ended")
    answer = chat(stack)
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"]
    assert any(call.path == "/v1/chat/completions" and call.key == synced.key for call in synced.fake.calls)


def client_key(stack: Stack) -> str:
    """The client key the manager wrote into api.yaml (README: "the `api` value is your clients' key")."""
    config = YAML(typ="safe").load(stack.exec("uni-api", "cat", "/config/api.yaml"))
    return config["api_keys"][0]["api"]


def chat(stack: Stack) -> httpx.Response:
    body = {"model": "gpt-x", "messages": [{"role": "user", "content": "hi"}]}
    headers = {"Authorization": f"Bearer {client_key(stack)}"}
    return httpx.post(f"{stack.uniapi}/v1/chat/completions", headers=headers, json=body, timeout=60)


def test_manager_writes_nothing_outside_its_volumes(stack, synced):
    """`docker diff`: the container's own filesystem is as the image left it (data and api.yaml are volumes)."""
    assert docker("diff", stack.container("manager")).split() == []


# ----- restart, down and up


def providers(stack: Stack) -> list[str]:
    answer = httpx.get(f"{stack.manager}/api/providers", headers=stack.admin, timeout=10)
    assert answer.status_code == 200
    return [provider["name"] for provider in answer.json()]


def test_data_survives_restart(stack, synced):
    started = time.monotonic()
    compose("restart", timeout=180)
    stack.wait_healthy("manager")
    observe(f"restart, manager healthy again: {time.monotonic() - started:.1f} s")
    assert providers(stack) == ["acme"]
    stack.wait_healthy("uni-api")
    assert chat(stack).status_code == 200


def test_data_survives_down_and_up_and_uniapi_starts_on_the_kept_api_yaml(stack, synced):
    started = time.monotonic()
    compose("down", timeout=180)
    compose("up", "-d", "--no-build", timeout=300)
    stack.wait_healthy("manager")
    assert providers(stack) == ["acme"]
    stack.wait_healthy("uni-api")  # no new sync: the file was kept on its volume
    observe(f"down, up -d, uni-api healthy on the kept api.yaml: {time.monotonic() - started:.1f} s")
    assert chat(stack).status_code == 200
    history = httpx.get(f"{stack.manager}/api/config/sync/history", headers=stack.admin, timeout=10).json()
    assert [record["status"] for record in history] == ["succeeded"]


def test_no_service_logs_a_secret(stack):
    logs = compose("logs", "--no-color")
    leaked = [name for name in COMPOSE if stack.values[name] in logs]
    assert leaked == [], f"the logs hold the value of {leaked}"
