"""The manager image alone under a real Docker engine, as README's "The image alone" runs it: what it holds, the
user and directories it runs with, and what it says when started wrong. `make test-compose` runs it (it builds
the image first); skipped anywhere else."""

from __future__ import annotations

import json
import os
import re
import tomllib
import uuid
from collections.abc import Iterator

import pytest

from core.crypto import generate_key
from core.settings import PROJECT_ROOT
from tests.compose.engine import IMAGE_UID, docker, run, wait_until

IMAGE = os.environ.get("LPM_COMPOSE_MANAGER_IMAGE", "")
if not IMAGE:
    pytest.skip("the real-engine tier: `make test-compose` runs it (tests/compose/run.sh)", allow_module_level=True)

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]


def inside(*command: str) -> str:
    """A command in a throwaway container of the image, as its user."""
    return docker("run", "--rm", "--entrypoint", command[0], IMAGE, *command[1:])


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.fixture(scope="module")
def config() -> dict:
    return json.loads(docker("image", "inspect", "-f", "{{json .Config}}", IMAGE))


def test_image_declares_its_user_data_volume_port_and_health_check(config):
    assert config["User"] == "manager"
    assert list(config["Volumes"]) == ["/app/data"]
    assert list(config["ExposedPorts"]) == ["8080/tcp"]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert (env["HOST"], env["PORT"], env["DATA_DIR"]) == ("0.0.0.0", "8080", "/app/data")
    check = config["Healthcheck"]
    assert check["Test"][0] == "CMD" and "/api/health" in " ".join(check["Test"])
    assert check["Interval"] <= 5 * 10**9  # nanoseconds: seen healthy within seconds, not after 30 s
    assert inside("id", "-u").strip() == str(IMAGE_UID)


def test_image_holds_the_application_and_the_pinned_dependencies_from_wheels_without_pip():
    script = (
        "import importlib, importlib.metadata as m, json, pkgutil\n"
        "names = ['main'] + [n.name for p in ('core', 'ui') for n in pkgutil.walk_packages([p], prefix=p + '.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(json.dumps({'modules': len(names), 'versions': {d.metadata['Name']: d.version"
        " for d in m.distributions()}}))\n"
    )
    found = json.loads(inside("python", "-c", script))
    assert found["modules"] > 20  # every module of core/ and ui/ imports from /app
    installed = {canonical(name): version for name, version in found["versions"].items()}
    # The dependencies and the `postgres` extra, at the versions pyproject.toml pins (the extra: issue 15, point 8).
    pinned = [r.split("==") for r in PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["postgres"]]
    assert {canonical(name): installed.get(canonical(name)) for name, *version in pinned if version} == {
        canonical(name): version[0] for name, *version in pinned if version
    }
    assert "pip" not in installed  # the venv has no installer
    assert sorted(inside("ls", "-A", "/app").split()) == ["core", "data", "main.py", "pyproject.toml", "ui"]


def test_image_refuses_to_start_without_the_admin_password():
    """It listens on 0.0.0.0, so the password is mandatory: one line, exit code 2."""
    result = run(["docker", "run", "--rm", "-e", f"ENCRYPTION_KEY={generate_key()}", IMAGE], check=False)
    assert result.returncode == 2
    assert "set ADMIN_PASSWORD" in result.stdout + result.stderr


def test_health_check_fails_when_nothing_answers(config):
    _, program, *arguments = config["Healthcheck"]["Test"]
    assert run(["docker", "run", "--rm", "--entrypoint", program, IMAGE, *arguments], check=False).returncode != 0


@pytest.fixture
def foreign_volume() -> Iterator[str]:
    """A uni-api config volume another container created first: root-owned, as a new volume mounted on a
    directory the image lacks."""
    name = f"lpm-test-foreign-{uuid.uuid4().hex[:8]}"
    docker("run", "--rm", "-v", f"{name}:/elsewhere", "--entrypoint", "true", IMAGE)
    try:
        yield name
    finally:
        run(["docker", "volume", "rm", "-f", name], check=False)


def test_uniapi_volume_owned_by_another_user_is_one_warning_and_the_manager_serves(foreign_volume):
    env = ["-e", f"ENCRYPTION_KEY={generate_key()}", "-e", "ADMIN_PASSWORD=image-password"]
    mount = ["-e", "UNIAPI_CONFIG_PATH=/foreign/api.yaml", "-v", f"{foreign_volume}:/foreign"]
    container = docker("run", "-d", *env, *mount, IMAGE).strip()
    try:
        health = ["inspect", "-f", "{{.State.Health.Status}}", container]
        wait_until(lambda: docker(*health).strip() == "healthy", 60, "the manager healthy")
        logs = run(["docker", "logs", container])
    finally:
        run(["docker", "rm", "-f", container], check=False)
    warnings = [line for line in (logs.stdout + logs.stderr).splitlines() if "uni-api config" in line]
    assert len(warnings) == 1, (logs.stdout + logs.stderr)[-3000:]
    assert f"is not writable by uid {IMAGE_UID}" in warnings[0] and "chown" in warnings[0]
