"""Issue 15, point 8: ``main.py`` as a process with ``DATABASE_URL=postgres://user:password@…``, as an operator
runs it (the `postgres` extra installed): migrations run, providers and a batch of model changes are stored, a
restart finds them, a wrong ``ENCRYPTION_KEY`` is refused with the data unchanged, a wrong database password is
refused with one line. The database password is in no output and no error text, in any spelling, nor the
fragment of it Tortoise would log. The SQLite versions are in tests/e2e/test_startup.py.

Runs in ``make test-postgres`` (tests/postgres/tier.sh); without its server it is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from core.crypto import generate_key
from tests.conftest import fake_key, secret_leaks
from tests.e2e.app_process import clean_env, run_main
from tests.fakes.providers import FakeProviders
from tests.fakes.server import loopback_server
from tests.postgres import databases
from tests.security.test_leaks_process import logged_process

pytestmark = [
    pytest.mark.slow,  # main.py as a process, seconds each
    pytest.mark.skipif(not databases.on_postgres(), reason="needs a PostgreSQL server: make test-postgres"),
]

MIGRATIONS = sorted(p.stem for p in (Path(__file__).parents[2] / "core" / "migrations").glob("0*.py"))


def operator_env(tmp_path: Path, database_url: str, **values: str) -> dict[str, str]:
    """main.py's environment with the password inside DATABASE_URL only: no PGPASSWORD for the driver to fall
    back on, and DEBUG logs, where Tortoise and the drivers say the most."""
    env = clean_env(tmp_path, DATABASE_URL=database_url, LOG_LEVEL="DEBUG", **values)
    env.pop("PGPASSWORD", None)
    return env


def password_leaks(texts: list[str]) -> list[str]:
    """Which texts show the database password, in any spelling, or the first third that Tortoise's own masking
    keeps; named by position only, so a failure does not print the password either."""
    password = os.environ["PGPASSWORD"]
    fragment = password[: len(password) // 3]
    return [f"text #{i}" for i, text in enumerate(texts) if fragment in text or secret_leaks([text], [password])]


def test_migrations_providers_batches_and_a_restart_on_postgres(tmp_path):
    database = databases.with_password(databases.database_url_for(tmp_path / "data"))
    fake = FakeProviders()
    with loopback_server(fake.app) as fake_url:
        account = fake.add("openai", fake_url.removeprefix("http://"), [fake_key("pg")], ["m-1", "m-2", "m-3"])
        env = operator_env(tmp_path, database, ENCRYPTION_KEY=generate_key())
        with logged_process(env, tmp_path / "first.log") as first:
            body = {"name": "pg", "base_url": account.base_url, "channel_type": "openai", "api_keys": account.keys}
            created = httpx.post(f"{first.url}/api/providers", json=body, timeout=10)
            assert created.status_code == 201, created.text
            provider = created.json()["id"]
            models = {
                m["original_name"]: m["id"] for m in httpx.get(f"{first.url}/api/providers/{provider}/models").json()
            }
            batch = {"renames": [{"model_id": models["m-1"], "normalized_name": "first"}], "deletions": [models["m-3"]]}
            changed = httpx.post(f"{first.url}/api/providers/{provider}/models/batch", json=batch, timeout=10)
            assert changed.status_code == 200, changed.text
            assert httpx.get(f"{first.url}/api/health").json()["status"] == "ok"

        with logged_process(env, tmp_path / "second.log") as second:
            listed = httpx.get(f"{second.url}/api/providers/{provider}/models").json()
            state = {m["original_name"]: (m["exposed_name"], m["is_active"]) for m in listed}
            assert state == {"m-1": ("first", True), "m-2": ("m-2", True), "m-3": ("m-3", False)}
            assert [p["name"] for p in httpx.get(f"{second.url}/api/providers").json()] == ["pg"]

    rows = databases.table_rows(database)
    assert sorted(row.split(",")[2] for row in rows["tortoise_migrations"]) == MIGRATIONS  # each ran once
    assert not password_leaks([first.output, second.output])


def test_a_wrong_key_is_refused_and_the_postgres_data_is_unchanged(tmp_path):
    database = databases.with_password(databases.database_url_for(tmp_path / "data"))
    fake = FakeProviders()
    with loopback_server(fake.app) as fake_url:
        account = fake.add("gemini", fake_url.removeprefix("http://"), [fake_key("pg-g")], ["gemini-x"])
        env = operator_env(tmp_path, database, ENCRYPTION_KEY=generate_key())
        with logged_process(env, tmp_path / "main.log") as app:
            body = {"name": "g", "base_url": account.base_url, "channel_type": "gemini", "api_keys": account.keys}
            assert httpx.post(f"{app.url}/api/providers", json=body, timeout=10).status_code == 201
    before = databases.table_rows(database)

    refused = run_main({**env, "ENCRYPTION_KEY": generate_key()})

    assert refused.returncode == 2
    assert "cannot decrypt the stored secrets" in refused.stderr and "nothing was changed" in refused.stderr
    assert databases.table_rows(database) == before
    assert not password_leaks([app.output, refused.stdout, refused.stderr])


def test_a_wrong_database_password_is_refused_in_one_line_without_either_password(tmp_path):
    url = databases.database_url_for(tmp_path / "data")
    wrong = "wrong-db-password-0123456789"
    parts = url.split("@", 1)
    result = run_main(operator_env(tmp_path, f"{parts[0]}:{wrong}@{parts[1]}", ENCRYPTION_KEY=generate_key()))

    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("LLM Provider Manager cannot start: Cannot open the database postgres://lpm@127.0.0.1:")
    assert "InvalidPasswordError" in line and "DATABASE_URL" in line
    output = [result.stdout, result.stderr]
    assert not password_leaks(output) and not secret_leaks(output, [wrong]), output
