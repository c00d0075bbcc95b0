"""The .env generator behind `make run` and the compose quick start: fills what is missing, never replaces."""

from __future__ import annotations

import stat
import subprocess
import sys

import pytest

from core.crypto import SecretBox
from core.envfile import COMPOSE, LOCAL, TEMPLATE, assigned_values, ensure_env_file
from core.settings import PROJECT_ROOT, Settings, load_environment


def test_new_file_is_the_documented_template_with_a_working_key(tmp_path):
    env_file = tmp_path / ".env"

    done = ensure_env_file(env_file, LOCAL)

    values = assigned_values(env_file.read_text())
    assert done == f"Created {env_file}: generated ENCRYPTION_KEY."
    SecretBox(values["ENCRYPTION_KEY"]).decrypt(SecretBox(values["ENCRYPTION_KEY"]).encrypt("x"))
    assert values["ADMIN_PASSWORD"] == "" and values["GPTLOAD_AUTH_KEY"] == ""
    # Every comment of .env.example is there, so the operator reads what each value does.
    assert all(
        line in env_file.read_text().splitlines() for line in TEMPLATE.read_text().splitlines() if line[:1] == "#"
    )
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600


def test_compose_values_fill_the_empty_lines_in_place_and_start_a_container_setup(tmp_path):
    env_file = tmp_path / ".env"

    ensure_env_file(env_file, COMPOSE)

    text = env_file.read_text()
    values = assigned_values(text)
    assert all(values[name] for name in COMPOSE)
    assert all(text.count(f"\n{name}=") == 1 for name in COMPOSE)  # filled where they stood, not appended
    assert values["ADMIN_PASSWORD"] != values["GPTLOAD_AUTH_KEY"]
    # What the image sets (HOST=0.0.0.0) is accepted with these values: the password is there.
    settings = Settings.from_env({**load_environment(env_file), "HOST": "0.0.0.0"})
    assert settings.admin_password == values["ADMIN_PASSWORD"]


@pytest.mark.parametrize(
    ("existing", "generated"),
    [
        ("ENCRYPTION_KEY=keep-me\n", "ADMIN_PASSWORD, GPTLOAD_AUTH_KEY"),
        ("export ENCRYPTION_KEY='keep-me'\nADMIN_PASSWORD=\n", "ADMIN_PASSWORD, GPTLOAD_AUTH_KEY"),
        ('ENCRYPTION_KEY="keep-me"\nADMIN_PASSWORD=pw\nGPTLOAD_AUTH_KEY=ak', None),
    ],
)
def test_existing_values_are_never_replaced(tmp_path, existing, generated):
    env_file = tmp_path / ".env"
    env_file.write_text(existing)

    done = ensure_env_file(env_file, COMPOSE)

    values = assigned_values(env_file.read_text())
    assert values["ENCRYPTION_KEY"] == "keep-me"
    assert done == (generated and f"Updated {env_file}: generated {generated}.")
    assert all(values[name] for name in COMPOSE)
    if generated is None:
        assert env_file.read_text() == existing


def test_second_run_changes_nothing(tmp_path):
    env_file = tmp_path / ".env"
    ensure_env_file(env_file, COMPOSE)
    before = env_file.read_text()

    assert ensure_env_file(env_file, COMPOSE) is None
    assert env_file.read_text() == before


def test_command_runs_on_a_bare_python_without_our_dependencies(tmp_path):
    """`python3 -m core.envfile --compose` is the first step of the compose quick start, before any venv."""
    env_file = tmp_path / ".env"
    # -S: no site-packages at all, so cryptography and python-dotenv cannot be imported.
    command = [sys.executable, "-S", "-m", "core.envfile", "--compose", "--file", str(env_file)]
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30)

    assert result.returncode == 0, result.stderr
    values = assigned_values(env_file.read_text())
    assert "ENCRYPTION_KEY, ADMIN_PASSWORD, GPTLOAD_AUTH_KEY" in result.stdout
    assert all(values[name] not in result.stdout for name in COMPOSE)  # secrets stay in the file
