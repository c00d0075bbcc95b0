"""The image: dependencies from pyproject.toml alone, non-root, data volume, health check, password enforced.

No Docker engine runs here, so the build is checked by executing its own steps where they can run
outside Docker (the dependency list, the copied application) and by reading the rest.
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core.crypto import generate_key
from core.errors import StartupError
from core.settings import PROJECT_ROOT, Settings
from tests.deploy_files import copy_sources, dockerfile_stages, lay_out_app

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
ARGS, STAGES = dockerfile_stages()
DEPENDENCIES, RUNTIME = STAGES[0], STAGES[-1]
[DEPENDENCY_RUN] = DEPENDENCIES.all("RUN")
DEPENDENCY_STEPS = [step.strip() for step in DEPENDENCY_RUN.split(" && ")]


def run_locally(steps: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Dockerfile RUN steps with this interpreter standing in for the base image's `python` and `pip`."""
    commands = {"python": [sys.executable], "pip": [sys.executable, "-m", "pip"]}
    script = " && ".join(shlex.join(commands[s.split()[0]]) + s[len(s.split()[0]) :] for s in steps)
    return subprocess.run(["sh", "-c", script], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_dependency_layer_reads_the_list_from_pyproject_and_nothing_else(tmp_path):
    assert copy_sources(DEPENDENCIES) == ["pyproject.toml"]
    assert not re.search(r"[A-Za-z0-9_.-]==\d", (PROJECT_ROOT / "Dockerfile").read_text()), "a second pinned list"
    steps = DEPENDENCY_STEPS
    assert "python -m venv --without-pip /opt/venv" in steps  # no installer left in the runtime image
    [install] = [s for s in steps if " install " in s]
    assert install.startswith("pip --python /opt/venv/bin/python install ")
    assert "-r requirements.txt" in install and "--only-binary=:all:" in install and "--no-cache-dir" in install

    # Run the step that writes requirements.txt, exactly as the build does, on a copy of pyproject.toml.
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path)
    [extract] = [s for s in steps if "> requirements.txt" in s]
    assert extract.startswith("python ")
    assert run_locally([extract], tmp_path).returncode == 0

    assert (tmp_path / "requirements.txt").read_text().splitlines() == PYPROJECT["project"]["dependencies"]


def test_make_run_installs_the_same_versions_the_image_installs():
    """`make run` installs the project (same metadata); every pin the image gets is what the venv holds."""
    assert "pip install --quiet -e '.[dev]'" in (PROJECT_ROOT / "Makefile").read_text()
    for requirement in PYPROJECT["project"]["dependencies"]:
        if "==" in requirement:
            name, version = requirement.split("==")
            assert importlib.metadata.version(name) == version, requirement


def test_base_image_is_slim_and_its_python_satisfies_requires_python():
    assert DEPENDENCIES.base == RUNTIME.base
    match = re.fullmatch(r"python:(\d+)\.(\d+)-slim-\w+", RUNTIME.base)
    assert match, RUNTIME.base
    minimum = tuple(int(n) for n in PYPROJECT["project"]["requires-python"].removeprefix(">=").split("."))
    assert (int(match[1]), int(match[2])) >= minimum


def test_runtime_stage_leaves_no_build_tools_and_copies_the_venv():
    runs = " ".join(RUNTIME.all("RUN"))
    assert not re.search(r"apt-get|apk |gcc|build-essential|pip install", runs)
    assert "--from=dependencies /opt/venv /opt/venv" in RUNTIME.all("COPY")
    assert RUNTIME.env()["PATH"].startswith("/opt/venv/bin:")


def test_runs_as_a_fixed_non_root_user_that_owns_the_data_volume():
    [user] = RUNTIME.all("USER")
    assert user not in ("root", "0")
    data_dir = RUNTIME.env()["DATA_DIR"]
    [volumes] = RUNTIME.all("VOLUME")
    assert data_dir in volumes
    setup = " ".join(RUNTIME.all("RUN"))
    assert "--uid 10001" in setup and f"chown {user}:{user} {data_dir}" in setup


def test_binding_all_interfaces_in_the_image_requires_the_admin_password():
    image_env = RUNTIME.env()
    assert image_env["HOST"] == "0.0.0.0"
    with pytest.raises(StartupError, match="set ADMIN_PASSWORD"):
        Settings.from_env({**image_env, "ENCRYPTION_KEY": generate_key()})
    settings = Settings.from_env({**image_env, "ENCRYPTION_KEY": generate_key(), "ADMIN_PASSWORD": "pw"})
    assert str(settings.data_dir) == image_env["DATA_DIR"]
    assert RUNTIME.all("EXPOSE") == [str(settings.port)]


def test_health_check_asks_api_health_on_the_configured_port():
    [check] = RUNTIME.all("HEALTHCHECK")
    assert "/api/health" in check and "os.environ.get('PORT', '8080')" in check
    assert RUNTIME.env()["PORT"] == "8080"


def test_dockerignore_admits_exactly_what_the_image_copies_and_never_the_env_file():
    rules = [r for r in (PROJECT_ROOT / ".dockerignore").read_text().splitlines() if r and not r.startswith("#")]
    assert rules[0] == "*"  # an allowlist: .env, data/, .venv and tests never enter the build context
    allowed = {r.removeprefix("!").rstrip("/") for r in rules if r.startswith("!")}
    assert allowed == {s.rstrip("/") for s in copy_sources(DEPENDENCIES) + copy_sources(RUNTIME)}


@pytest.mark.slow  # replays the image's COPY steps and imports every module from there
def test_copied_files_are_the_whole_application(tmp_path):
    """Lay out /app as the image does and import every module from there: nothing the app needs is left out."""
    app = lay_out_app(RUNTIME, tmp_path / "app")
    script = (
        "import importlib, pkgutil, sys\n"
        "names = ['main', 'core', 'ui']\n"
        "names += [m.name for pkg in ('core', 'ui') for m in pkgutil.walk_packages([pkg], prefix=pkg + '.')]\n"
        "for name in names:\n"
        "    module = importlib.import_module(name)\n"
        "    assert module.__file__.startswith(sys.argv[1]), (name, module.__file__)\n"
        "print(len(names))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(app)], cwd=app, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 20
    usage = subprocess.run([sys.executable, "main.py", "--help"], cwd=app, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 0 and "--native" in usage.stdout


@pytest.mark.slow  # the dependency RUN step: a venv and a wheel install
def test_dependency_layer_installs_from_wheels_into_a_venv_without_pip(tmp_path):
    """The whole dependency RUN, as written, with this interpreter standing in for the base image's."""
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path)
    result = run_locally([s.replace("/opt/venv", str(tmp_path / "venv")) for s in DEPENDENCY_STEPS], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]

    venv_python = tmp_path / "venv" / "bin" / "python"
    modules = "import nicegui, tortoise, aiosqlite, httpx, ruamel.yaml, cryptography, dotenv, uvicorn"
    assert subprocess.run([venv_python, "-c", modules], capture_output=True, timeout=120).returncode == 0
    assert subprocess.run([venv_python, "-m", "pip", "--version"], capture_output=True, timeout=60).returncode != 0


def test_the_package_list_names_every_package_of_core_and_ui():
    """``pip install .`` (not editable) ships only the listed packages: a new one left out installs an app that
    fails at its first import of it (ui.locales was, for a moment)."""
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for top in ("core", "ui")
        for init in (PROJECT_ROOT / top).rglob("__init__.py")
    }
    assert listed == found
