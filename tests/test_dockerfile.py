"""The Dockerfile as text: where its dependency list comes from, its base, and what enters the build context.

The image itself is built and run under a real Docker engine by `make test-compose` (tests/compose/test_image.py:
its user, volume, health check, installed versions and files; tests/compose/test_stack.py: the compose stack).
What stays here holds without an engine: the choices written in the file.
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import tomllib

from core.settings import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
INSTRUCTIONS = [
    line.strip() for line in re.sub(r"\\\n", " ", DOCKERFILE).splitlines() if line.strip() and not line.startswith("#")
]


def base_image_default() -> str:
    [default] = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE, re.MULTILINE)
    return default


def copied_from_context() -> list[str]:
    """Build-context paths the COPY instructions take (not those from another stage)."""
    sources = []
    for line in INSTRUCTIONS:
        words = shlex.split(line)
        if words[0] == "COPY" and not any(w.startswith("--from=") for w in words):
            sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def test_dependency_layer_installs_pyprojects_list_and_postgres_extra_from_wheels_into_a_venv_without_pip():
    assert not re.search(r"[A-Za-z0-9_.-]==\d", DOCKERFILE), "a second pinned list"
    [install] = [line for line in INSTRUCTIONS if line.startswith("RUN ") and "requirements.txt" in line]
    assert "['dependencies'] + p['optional-dependencies']['postgres']" in install
    assert "python -m venv --without-pip /opt/venv" in install  # no installer left in the runtime image
    assert "pip --python /opt/venv/bin/python install " in install
    assert "--only-binary=:all:" in install and "--no-cache-dir" in install
    assert "postgres" in PYPROJECT["project"]["optional-dependencies"]


def test_make_run_installs_the_same_versions_the_image_installs():
    """`make run` installs the project (same metadata); every pin the image gets is what the venv holds."""
    assert "pip install --quiet -e '.[dev]'" in (PROJECT_ROOT / "Makefile").read_text()
    for requirement in PYPROJECT["project"]["dependencies"]:
        if "==" in requirement:
            name, version = requirement.split("==")
            assert importlib.metadata.version(name) == version, requirement


def test_default_base_is_slim_both_stages_use_it_and_its_python_satisfies_requires_python():
    match = re.fullmatch(r"python:(\d+)\.(\d+)-slim-\w+", base_image_default())
    assert match, base_image_default()
    minimum = tuple(int(n) for n in PYPROJECT["project"]["requires-python"].removeprefix(">=").split("."))
    assert (int(match[1]), int(match[2])) >= minimum
    assert [line for line in INSTRUCTIONS if line.startswith("FROM ")] == [
        "FROM ${PYTHON_IMAGE} AS dependencies",
        "FROM ${PYTHON_IMAGE}",
    ]


def test_compose_passes_the_base_image_with_the_dockerfiles_default():
    """PYTHON_IMAGE in .env chooses the base (issue 15, point 4); unset, compose gives the Dockerfile's default."""
    compose = (PROJECT_ROOT / "docker-compose.yml").read_text()
    assert f"PYTHON_IMAGE: ${{PYTHON_IMAGE:-{base_image_default()}}}" in compose


def test_dockerignore_admits_exactly_what_the_image_copies_and_never_the_env_file():
    rules = [r for r in (PROJECT_ROOT / ".dockerignore").read_text().splitlines() if r and not r.startswith("#")]
    assert rules[0] == "*"  # an allowlist: .env, data/, .venv and tests never enter the build context
    allowed = {r.removeprefix("!").rstrip("/") for r in rules if r.startswith("!")}
    assert allowed == {s.rstrip("/") for s in copied_from_context()}


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
