"""docker-compose.yml as docker-compose reads it (`config`, no engine): valid, stops with one short line when a
secret is missing, and holds what users get but the real-engine tier (`make test-compose`, tests/compose) cannot
see there: the pinned images it replaces by stand-ins, .env's ports, the checks' commands for the real images."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.crypto import SecretBox
from core.envfile import COMPOSE, ensure_env_file
from core.settings import VARIABLES as SETTING_VARIABLES
from tests.deploy_files import (
    ENV_EXAMPLE,
    compose_references,
    env_example_names,
    parse_yaml,
    render_compose,
)
from tests.fakes.server import loopback_server


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    """The compose file as docker-compose resolves it, with a .env made by the quick start's generator."""
    project = tmp_path_factory.mktemp("compose")
    ensure_env_file(project / ".env", COMPOSE)
    result = render_compose(project, (project / ".env").read_text())
    assert result.returncode == 0, result.stderr
    config = parse_yaml(result.stdout)
    config["_env"] = {k: v for k, v in re.findall(r"^([A-Z_]+)=(.*)$", (project / ".env").read_text(), re.M)}
    return config


@pytest.mark.slow  # docker-compose once per secret
def test_missing_secret_stops_compose_with_one_short_line_naming_the_fix(tmp_path):
    """docker-compose v1 quotes the whole value whose interpolation failed: a check only inside `environment`
    printed its 26 entries (~1,900 characters) before the reason (issue 15, point 6)."""
    for name in COMPOSE:
        env_text = "".join(f"{other}=value-{other}\n" for other in COMPOSE if other != name)
        result = render_compose(tmp_path / name, env_text)
        assert result.returncode != 0
        message = result.stderr.strip()
        assert f"{name} is not set. Run python3 -m core.envfile --compose" in message, message
        assert len(message.splitlines()) == 1 and len(message) < 500, message
        assert message.index(f"{name} is not set") < 120, message


def test_secrets_are_checked_in_fields_that_never_reach_the_engine(rendered):
    """The x- fields hold the secrets' values after interpolation: compose keeps them to itself (no label, no
    environment variable of their own)."""
    manager = rendered["services"]["manager"]
    checks = sorted(key for key in manager if key.startswith("x-"))
    assert checks == ["x-admin-password", "x-encryption-key", "x-gptload-auth-key"]
    assert "labels" not in manager


def test_every_variable_is_documented_in_env_example():
    documented = env_example_names()
    assert compose_references() <= documented, compose_references() - documented
    assert {v.name for v in SETTING_VARIABLES} <= documented
    assert set(COMPOSE) <= documented


def test_settings_defaults_in_env_example_are_the_real_defaults():
    text = (Path(__file__).parent.parent / ".env.example").read_text()
    for variable in SETTING_VARIABLES:
        if variable.default:
            assert f"# {variable.name}={variable.default}\n" in text, variable.name


def test_images_are_pinned_and_uniapi_starts_after_gptload_is_healthy(rendered):
    services = rendered["services"]
    assert services["gptload"]["image"] == "ghcr.io/tbphp/gpt-load:v1.4.9"
    assert re.fullmatch(r"yym68686/uni-api:\d+\.\d+\.\d+", services["uni-api"]["image"])
    assert services["uni-api"]["depends_on"]["gptload"]["condition"] == "service_healthy"
    assert services["manager"]["depends_on"]["gptload"]["condition"] == "service_healthy"
    assert all(s["restart"] == "unless-stopped" for s in services.values())
    assert all("healthcheck" in services[name] for name in ("manager", "gptload"))


def test_manager_and_gptload_reach_the_docker_host_as_host_docker_internal(rendered):
    """Linux has no such name unless compose adds it (issue 15, point 2); the tier reaches a provider there."""
    for name in ("manager", "gptload"):
        assert rendered["services"][name]["extra_hosts"] == ["host.docker.internal:host-gateway"], name


def seconds(duration: str) -> float:
    return sum(float(n) * {"s": 1, "m": 60}[unit] for n, unit in re.findall(r"([\d.]+)([sm])", duration))


def test_health_checks_run_every_few_seconds_with_room_to_start(rendered):
    """uni-api waits for a healthy manager, the manager for a healthy GPT-Load: with 30 s intervals `up -d`
    took ~41 s (issue 15, point 3). compose v1 rejects start_interval, so the interval itself is short."""
    for name, service in rendered["services"].items():
        check = service["healthcheck"]
        assert seconds(check["interval"]) <= 5 and seconds(check["start_period"]) >= 20, name
        assert "start_interval" not in check


def test_gptload_health_check_is_busybox_wget_without_its_timeout_option(rendered):
    """GPT-Load v1.4.9's image is `FROM alpine` (busybox wget). Debian 12's busybox 1.35 lacks wget's -T and
    crashes on it (exit 139); without -T, every busybox runs the check and the check's timeout bounds it
    (issue 15, point 7)."""
    check = rendered["services"]["gptload"]["healthcheck"]
    assert check["test"] == ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:3001/health"]
    assert seconds(check["timeout"]) <= 10


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_uniapi_health_check_command_reads_the_status_of_healthz(rendered, status, healthy):
    """The image has no curl or wget; the bash check is run here, as written, against a loopback server."""
    app = Starlette(routes=[Route("/healthz", lambda request: JSONResponse({"status": "ok"}, status_code=status))])
    [kind, shell, flag, command] = rendered["services"]["uni-api"]["healthcheck"]["test"]
    assert (kind, shell, flag) == ("CMD", "bash", "-c")
    port = rendered["services"]["uni-api"]["environment"]["PORT"]
    assert f"/dev/tcp/127.0.0.1/{port} " in command
    with loopback_server(app) as url:
        local = command.replace(f"/127.0.0.1/{port} ", f"/127.0.0.1/{httpx.URL(url).port} ")
        result = subprocess.run(["bash", "-c", local], capture_output=True, text=True, timeout=10)
    assert (result.returncode == 0) == healthy, result.stderr


def test_ports_and_publish_address_come_from_env(tmp_path):
    secrets = "".join(f"{name}=x-{name}\n" for name in COMPOSE)
    ports = "PUBLISH_ADDRESS=0.0.0.0\nMANAGER_PORT=18080\nGPTLOAD_PORT=13001\nUNIAPI_PORT=18001\n"
    result = render_compose(tmp_path, secrets + ports)
    assert result.returncode == 0, result.stderr
    services = parse_yaml(result.stdout)["services"]
    published = {name: services[name]["ports"] for name in ("manager", "gptload", "uni-api")}
    assert published == {
        "manager": ["0.0.0.0:18080:8080/tcp"],
        "gptload": ["0.0.0.0:13001:3001/tcp"],
        "uni-api": ["0.0.0.0:18001:8000/tcp"],
    }


def test_env_example_generation_commands_make_working_secrets():
    text = ENV_EXAMPLE.read_text()
    key_command = re.search(r"ENCRYPTION_KEY:\s+(python3 -c '[^']+')", text)[1]
    password_command = re.search(r"GPTLOAD_AUTH_KEY:\s+(python3 -c '[^']+')", text)[1]
    key = subprocess.run(key_command, shell=True, capture_output=True, text=True, check=True).stdout.strip()
    password = subprocess.run(password_command, shell=True, capture_output=True, text=True, check=True).stdout.strip()
    box = SecretBox(key)
    assert box.decrypt(box.encrypt("x")) == "x"
    assert len(password) >= 24 and re.fullmatch(r"[A-Za-z0-9_-]+", password)
