"""docker-compose.yml, read by docker-compose itself: valid, fails clearly without its secrets, and wires the
manager, GPT-Load and uni-api together the way the manager writes api.yaml (paths, hosts, ports, keys)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path, PurePosixPath

import httpx
import pytest
from ruamel.yaml import YAML
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.crypto import SecretBox
from core.db import open_database
from core.envfile import COMPOSE, ensure_env_file
from core.models import SyncRecord
from core.services import Services
from core.settings import VARIABLES as SETTING_VARIABLES
from core.settings import Settings
from core.uniapi import validate
from tests.conftest import fake_key
from tests.deploy_files import (
    ENV_EXAMPLE,
    compose_references,
    dockerfile_stages,
    env_example_names,
    parse_yaml,
    render_compose,
)
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import FakeProviders
from tests.fakes.server import loopback_server
from tests.test_sync import add_provider, sync

UNIAPI_ENTRYPOINT = "/usr/local/bin/uni-api-front"  # the image's ENTRYPOINT (shared/reference/uniapi-config.md §2.1)


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


def service_env(config: dict, name: str) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in (config["services"][name].get("environment") or {}).items()}


def manager_settings(config: dict, **paths: str) -> Settings:
    """What the manager's container starts with: the image's ENV overlaid by the service's environment."""
    _, stages = dockerfile_stages()
    return Settings.from_env({**stages[-1].env(), **service_env(config, "manager"), **paths})


def container_port(mapping: str) -> int:
    return int(mapping.split("/")[0].rsplit(":", 1)[1])


def volume_path(config: dict, service: str, path: str, volumes: Path) -> Path:
    """Where a path inside a service's container lives on the named volume mounted over it."""
    target = PurePosixPath(path)
    for mount in config["services"][service]["volumes"]:
        source, mounted, *_ = mount.split(":")
        if target.is_relative_to(mounted):
            assert source in config["volumes"], f"{service}: {mounted} is not a named volume"
            return volumes / source / target.relative_to(mounted)
    raise AssertionError(f"{service}: nothing is mounted over {path}")


@pytest.mark.slow  # docker-compose once per secret
def test_missing_secret_stops_compose_with_its_explanation(tmp_path):
    for name in COMPOSE:
        env_text = "".join(f"{other}=value-{other}\n" for other in COMPOSE if other != name)
        result = render_compose(tmp_path / name, env_text)
        assert result.returncode != 0
        assert f"{name} is not set" in result.stderr and ".env.example" in result.stderr, result.stderr


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


def test_uniapi_waits_for_the_first_sync_instead_of_exiting(rendered):
    uniapi = rendered["services"]["uni-api"]
    script = uniapi["entrypoint"][-1]
    config_path = service_env(rendered, "uni-api")["UNI_API_CONFIG_PATH"]
    assert "UNI_API_CONFIG_PATH" in script and "-s" in script
    assert script.strip().splitlines()[-1] == f"exec {UNIAPI_ENTRYPOINT}"
    assert config_path.startswith("/") and config_path.endswith("api.yaml")


def test_manager_gptload_and_uniapi_agree_on_hosts_ports_and_keys(rendered, tmp_path):
    settings = manager_settings(rendered)
    gptload_env = service_env(rendered, "gptload")
    gptload_port = int(gptload_env["PORT"])
    for url in (settings.gptload_url, settings.uniapi_gptload_url):
        parts = httpx.URL(url)
        assert parts.host in rendered["services"] and parts.host == "gptload" and parts.port == gptload_port
    assert settings.gptload_auth_key == gptload_env["AUTH_KEY"] == rendered["_env"]["GPTLOAD_AUTH_KEY"]
    assert settings.admin_password == rendered["_env"]["ADMIN_PASSWORD"] and settings.host == "0.0.0.0"
    assert f":{gptload_port}/health" in " ".join(rendered["services"]["gptload"]["healthcheck"]["test"])
    assert f":{settings.port}/api/health" in " ".join(rendered["services"]["manager"]["healthcheck"]["test"])
    assert [container_port(p) for p in rendered["services"]["manager"]["ports"]] == [settings.port]
    assert [container_port(p) for p in rendered["services"]["gptload"]["ports"]] == [gptload_port]
    uniapi_port = int(service_env(rendered, "uni-api")["PORT"])
    assert [container_port(p) for p in rendered["services"]["uni-api"]["ports"]] == [uniapi_port]


def test_manager_data_and_api_yaml_live_on_named_volumes_uniapi_reads(rendered, tmp_path):
    settings = manager_settings(rendered)
    written = volume_path(rendered, "manager", str(settings.uniapi_config_path), tmp_path)
    read = volume_path(rendered, "uni-api", service_env(rendered, "uni-api")["UNI_API_CONFIG_PATH"], tmp_path)
    assert written == read
    # A directory is shared, so the manager's atomic rename is seen; a single-file mount would need in-place.
    assert PurePosixPath(settings.uniapi_config_path).parent.as_posix() in [
        m.split(":")[1] for m in rendered["services"]["manager"]["volumes"]
    ]
    # The database is on a named volume too, at the directory the image declares as its VOLUME.
    _, stages = dockerfile_stages()
    assert str(settings.data_dir) in stages[-1].all("VOLUME")[0]
    assert volume_path(rendered, "manager", str(settings.data_dir), tmp_path).name == "manager-data"
    assert any(m.endswith(":ro") for m in rendered["services"]["uni-api"]["volumes"] if ":/config" in m)


async def test_api_yaml_written_with_compose_settings_sends_uniapi_through_gptload(rendered, tmp_path):
    """A real sync with the container's settings (paths mapped onto volume folders): the file lands where
    uni-api reads it, and its base_url and proxy key get a request through GPT-Load to the provider."""
    volumes = tmp_path / "volumes"
    container = manager_settings(rendered)
    paths = {
        "DATA_DIR": str(volume_path(rendered, "manager", str(container.data_dir), volumes)),
        "UNIAPI_CONFIG_PATH": str(volume_path(rendered, "manager", str(container.uniapi_config_path), volumes)),
        "GPTLOAD_CACHE_WAIT": "2",
    }
    settings = manager_settings(rendered, **paths)
    fake = FakeProviders()
    account = fake.add("openai", "provider.test", [fake_key("compose")], ["gpt-x"])
    gptload = FakeGptLoad(settings.gptload_auth_key, upstream_transport=httpx.ASGITransport(app=fake.app))
    services = Services.build(
        settings,
        transport=httpx.ASGITransport(app=fake.app),
        gptload_transport=httpx.ASGITransport(app=gptload.app),
    )
    async with open_database(settings.database_url, services.box):
        await add_provider(services, account, "acme")
        record = await sync(services)
        assert record.status == "succeeded", record.error
        assert await SyncRecord.all().count() == 1
        await services.aclose()  # before the database closes: nothing may reopen a connection after it

    uniapi_file = volume_path(rendered, "uni-api", service_env(rendered, "uni-api")["UNI_API_CONFIG_PATH"], volumes)
    text = uniapi_file.read_text()
    assert validate(text) == []
    [entry] = YAML(typ="safe").load(text)["providers"]
    assert entry["base_url"].startswith("http://gptload:3001/proxy/")
    assert entry["api"] != settings.gptload_auth_key  # uni-api gets the proxy key, never GPT-Load's admin key
    # uni-api's request, as it would send it from its container: GPT-Load accepts the key and routes it.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gptload.app), base_url="http://gptload:3001") as c:
        answer = await c.post(
            httpx.URL(entry["base_url"]).path,
            headers={"Authorization": f"Bearer {entry['api']}"},
            json={"model": "gpt-x", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1},
        )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_uniapi_health_check_command_reads_the_status_of_healthz(rendered, status, healthy):
    """The image has no curl or wget; the bash check is run here, as written, against a loopback server."""
    app = Starlette(routes=[Route("/healthz", lambda request: JSONResponse({"status": "ok"}, status_code=status))])
    [kind, shell, flag, command] = rendered["services"]["uni-api"]["healthcheck"]["test"]
    assert (kind, shell, flag) == ("CMD", "bash", "-c")
    port = service_env(rendered, "uni-api")["PORT"]
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


@pytest.mark.slow  # runs the entrypoint script, which waits for the file
def test_uniapi_entrypoint_waits_for_the_file_then_starts_uniapi(rendered, tmp_path):
    """The entrypoint script as written, with uni-api's binary replaced by a stand-in that reports its start."""
    script = rendered["services"]["uni-api"]["entrypoint"][-1].replace("$$", "$")
    stand_in = tmp_path / "uni-api-front"
    stand_in.write_text('#!/bin/sh\necho "uni-api started with $UNI_API_CONFIG_PATH"\n')
    stand_in.chmod(0o755)
    config = tmp_path / "config" / "api.yaml"
    config.parent.mkdir()
    env = {"PATH": "/usr/bin:/bin", "UNI_API_CONFIG_PATH": str(config)}
    process = subprocess.Popen(
        ["/bin/sh", "-c", script.replace(UNIAPI_ENTRYPOINT, str(stand_in))],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        waiting = process.stdout.readline()
        assert "waiting for" in waiting and "run a sync" in waiting
        assert process.poll() is None  # still there: no exit, so no restart loop before the first sync
        config.write_text("providers: []\n")  # what the manager's first sync writes (atomically)
        started = process.stdout.readline()
        assert started.strip() == f"uni-api started with {config}"
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.communicate()


def test_env_example_generation_commands_make_working_secrets():
    text = ENV_EXAMPLE.read_text()
    key_command = re.search(r"ENCRYPTION_KEY:\s+(python3 -c '[^']+')", text)[1]
    password_command = re.search(r"GPTLOAD_AUTH_KEY:\s+(python3 -c '[^']+')", text)[1]
    key = subprocess.run(key_command, shell=True, capture_output=True, text=True, check=True).stdout.strip()
    password = subprocess.run(password_command, shell=True, capture_output=True, text=True, check=True).stdout.strip()
    box = SecretBox(key)
    assert box.decrypt(box.encrypt("x")) == "x"
    assert len(password) >= 24 and re.fullmatch(r"[A-Za-z0-9_-]+", password)
