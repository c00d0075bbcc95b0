"""Read the deployment files the way their tools do: Dockerfile instructions, and compose through docker-compose."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from core.settings import PROJECT_ROOT
from core.settings import VARIABLES as SETTING_VARIABLES

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
COMPOSE_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                name, _, value = pair.partition("=")
                values[name] = value
        return values


def dockerfile_stages(path: Path = DOCKERFILE) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, each with its instructions (continuation lines joined)."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "FROM":
            words = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), words[0])
            stages.append(Stage(base, words[2] if len(words) > 2 and words[1].upper() == "AS" else None))
        elif not stages and keyword == "ARG":
            name, _, default = rest.partition("=")
            args[name] = default
        else:
            stages[-1].instructions.append((keyword, rest))
    return args, stages


def copy_sources(stage: Stage) -> list[str]:
    """Build-context paths a stage copies (not those taken from another stage)."""
    sources = []
    for args in stage.all("COPY"):
        words = shlex.split(args)
        if not any(w.startswith("--from=") for w in words):
            sources += [w for w in words[:-1] if not w.startswith("--")]
    return sources


def lay_out_app(stage: Stage, app: Path) -> Path:
    """Copy into ``app`` what ``stage`` copies from the build context, as the image's /app holds it."""
    app.mkdir(parents=True, exist_ok=True)
    for source in copy_sources(stage):
        origin = PROJECT_ROOT / source
        if origin.is_dir():
            shutil.copytree(origin, app / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(origin, app / source)
    return app


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
