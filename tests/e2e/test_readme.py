"""Follow the README on a fresh copy of the repository: its commands, as written, against fake servers.

Only what cannot exist here is replaced: the provider's address and key (a loopback fake instead of
OpenRouter), the port (a free one instead of 8080) and `docker compose up` (no Docker engine; the
file is read by docker-compose instead).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from core.envfile import COMPOSE, assigned_values
from core.settings import PROJECT_ROOT
from tests.conftest import SECRET_MARKER, fake_key
from tests.deploy_files import docker_compose
from tests.e2e.app_process import clean_env, wait_for_health
from tests.fakes.providers import FakeProviders
from tests.fakes.server import free_port, loopback_server

README = (PROJECT_ROOT / "README.md").read_text()
MODELS = [f"vendor/model-{n}" for n in range(1, 11)]


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, re.DOTALL)


def fresh_clone(target: Path) -> Path:
    """The files a clone of this working tree has: tracked ones and new ones git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT, capture_output=True, check=True, timeout=60,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = PROJECT_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run_shell(script: str, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def json_documents(text: str) -> list:
    """The JSON answers of several curl calls, printed back to back (curl adds no newline)."""
    decoder, documents, position = json.JSONDecoder(), [], 0
    while position < len(text.rstrip()):
        document, position = decoder.raw_decode(text, position)
        documents.append(document)
        position += len(text[position:]) - len(text[position:].lstrip())
    return documents


def test_top_of_readme_offers_exactly_the_two_commands():
    top = README[: README.index("\n## ")]
    [block] = bash_blocks(top)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make run", "make test"]


@pytest.mark.slow  # `make run` from a copy: creates a venv and installs the project
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to list the repository's files")
def test_make_run_then_the_rest_quick_start_adds_a_provider(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    port = free_port()
    # A new user's machine: none of our settings in the environment, nothing on GPT-Load's port.
    env = clean_env(tmp_path, PORT=str(port), GPTLOAD_URL=f"http://127.0.0.1:{free_port()}")
    for name in ("ENV_FILE", "DATA_DIR", "VIRTUAL_ENV"):
        env.pop(name, None)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    fake = FakeProviders()
    with loopback_server(fake.app) as fake_url:
        account = fake.add("openai", fake_url.removeprefix("http://"), [fake_key("readme")], MODELS, prefix="/api/v1")
        make = subprocess.Popen(
            ["make", "run"], cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            # `make run` creates .venv and installs the project first: minutes on a cold package cache.
            assert wait_for_health(f"http://127.0.0.1:{port}", timeout=600), "make run never served /api/health"
            assert assigned_values((clone / ".env").read_text())["ENCRYPTION_KEY"]

            add, more = bash_blocks(section("Quick start with the REST API"))
            assert add.splitlines()[0] == "make run &"
            script = "\n".join(add.splitlines()[1:])
            script = script.replace("https://openrouter.ai/api/v1", account.base_url).replace(
                "sk-or-...", account.keys[0]
            )
            created = json.loads(run_shell(script.replace("localhost:8080", f"localhost:{port}"), clone, env))
            assert created["id"] == 1 and created["name"] == "openrouter" and created["model_count"] == len(MODELS)
            assert SECRET_MARKER not in json.dumps(created)

            output = run_shell(more.replace("localhost:8080", f"localhost:{port}"), clone, env)
            listed, saved, refetched = json_documents(output)
            assert [m["original_name"] for m in listed] == MODELS
            assert saved["renamed"] == 1 and saved["deleted"] == 2, saved
            names = {m["original_name"]: m for m in httpx.get(f"http://127.0.0.1:{port}/api/providers/1/models").json()}
            assert names["vendor/model-3"]["exposed_name"] == "deepseek-v3.1"
            assert not names["vendor/model-7"]["is_active"] and not names["vendor/model-8"]["is_active"]
            assert refetched["added"] == [] and refetched["listed"] == len(MODELS)
        finally:
            os.killpg(make.pid, signal.SIGTERM)
            output = make.communicate(timeout=60)[0]
    assert "start: http://127.0.0.1:" in output, output[-2000:]
    assert SECRET_MARKER not in output


@pytest.mark.slow  # a copy of the repository and docker-compose
def test_compose_quick_start_gives_a_file_docker_compose_accepts(tmp_path):
    clone = fresh_clone(tmp_path / "clone")
    [start, *_] = bash_blocks(section("Run it with docker-compose"))
    lines = [line.split("  #")[0].strip() for line in start.strip().splitlines()]
    assert lines[0] == "python3 -m core.envfile --compose"
    assert lines[1].startswith("docker compose up")
    env = clean_env(tmp_path)
    env.pop("ENV_FILE")
    run_shell(lines[0], clone, env)

    values = assigned_values((clone / ".env").read_text())
    assert all(values[name] for name in COMPOSE)
    result = subprocess.run(
        [docker_compose(), "config", "--quiet"], cwd=clone, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
