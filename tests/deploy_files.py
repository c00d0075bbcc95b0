"""Read the compose file the way its tool does: through docker-compose (`config` needs no Docker engine)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from core.settings import PROJECT_ROOT
from core.settings import VARIABLES as SETTING_VARIABLES

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
COMPOSE_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}")


def compose_references(path: Path = COMPOSE_FILE) -> set[str]:
    return set(COMPOSE_REFERENCE.findall(path.read_text()))


def env_example_names(path: Path = ENV_EXAMPLE) -> set[str]:
    """Names documented in .env.example, set (`NAME=`) or shown with their default (`# NAME=`)."""
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", path.read_text(), flags=re.MULTILINE))


def docker_compose() -> str:
    """Debian's docker-compose (a real parser of the file; `config` needs no Docker engine)."""
    found = shutil.which("docker-compose")
    if found:
        return found
    if os.environ.get("LPM_REQUIRE_COMPOSE") == "1":
        pytest.fail("docker-compose is not installed: `apt-get install -y docker-compose` (.ci/run does it)")
    pytest.skip("docker-compose is not installed (apt-get install -y docker-compose)")


def render_compose(project: Path, env_text: str) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` in a copy of the project's compose file with ``env_text`` as its .env."""
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(COMPOSE_FILE, project / "docker-compose.yml")
    (project / ".env").write_text(env_text)
    # The real environment overrides .env in compose; keep ours (and a developer's) out of the way.
    names = compose_references() | {v.name for v in SETTING_VARIABLES}
    env = {k: v for k, v in os.environ.items() if k not in names and not k.startswith("COMPOSE_")}
    return subprocess.run(
        [docker_compose(), "config"], cwd=project, env=env, capture_output=True, text=True, timeout=60
    )


def parse_yaml(text: str) -> Any:
    return YAML(typ="safe").load(text)
