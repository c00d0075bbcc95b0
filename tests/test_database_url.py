"""DATABASE_URL=postgres://… without a PostgreSQL server (issue 15, point 8): a missing driver stops start-up with
the fix, and the URL's password is a secret like the others: redacted from every log line, even the fragment
Tortoise's own masking leaves. tests/postgres runs the real thing against a server (`make test-postgres`)."""

from __future__ import annotations

import logging
import sys

import pytest

from core.crypto import SecretBox, generate_key
from core.db import prepare_database
from core.errors import StartupError
from core.logs import RedactingFilter
from core.services import Services
from core.settings import without_userinfo
from tests.conftest import make_settings

DB_PASSWORD = "db-pass/SECRET-0123456789"  # "/" is written %2F inside the URL
URL = "postgres://lpm:db-pass%2FSECRET-0123456789@db.test:5432/manager"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "asyncpg"])
async def test_a_postgres_url_without_asyncpg_stops_start_up_naming_the_extra(tmp_path, monkeypatch, scheme):
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # what `import asyncpg` meets where it is not installed
    with pytest.raises(StartupError) as refused:
        await prepare_database(URL.replace("postgres", scheme, 1), SecretBox(generate_key()))
    assert "driver asyncpg is not installed" in refused.value.detail
    assert "pip install '.[postgres]'" in refused.value.detail and "SECRET" not in refused.value.detail


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (URL, "postgres://lpm@db.test:5432/manager"),
        ("postgres://:only-a-password@db.test/manager", "postgres://db.test/manager"),
        ("postgres://lpm@db.test/manager", "postgres://lpm@db.test/manager"),
        ("sqlite:///data/manager.db", "sqlite:///data/manager.db"),
    ],
)
def test_a_database_url_is_shown_with_its_user_and_without_its_password(url, shown):
    assert without_userinfo(url, keep_user=True) == shown


async def test_a_server_that_is_not_there_is_named_without_the_password(tmp_path):
    pytest.importorskip("asyncpg", reason="the `postgres` extra is not installed (make test-postgres installs it)")
    with pytest.raises(StartupError) as refused:
        await prepare_database(URL.replace("db.test:5432", "127.0.0.1:1"), SecretBox(generate_key()))
    assert refused.value.detail == (
        "Cannot open the database postgres://lpm@127.0.0.1:1/manager (ConnectionRefusedError); check DATABASE_URL."
    )


async def test_the_database_password_is_among_the_secrets_logs_are_redacted_with(tmp_path):
    settings = make_settings(tmp_path, DATABASE_URL=URL)
    assert DB_PASSWORD in settings.secret_values and "db-pass%2FSECRET-0123456789" in settings.secret_values
    assert DB_PASSWORD in Services.build(settings).secrets()


def redacted(message: str, secrets: tuple[str, ...] = ()) -> str:
    record = logging.LogRecord("tortoise", logging.DEBUG, __file__, 1, message, None, None)
    RedactingFilter(lambda: secrets).filter(record)
    return record.getMessage()


def test_a_password_in_any_logged_url_is_hidden_even_the_fragment_tortoise_keeps():
    # Tortoise's start-up line at DEBUG: its masking keeps the first third of the password.
    tortoise = "connections: {'default': 'postgres://lpm:db-pass%2F***@db.test:5432/manager'}"
    assert redacted(tortoise) == "connections: {'default': 'postgres://lpm:***@db.test:5432/manager'}"
    assert redacted(f"dsn={URL} failed") == "dsn=postgres://lpm:***@db.test:5432/manager failed"
    assert "SECRET" not in redacted(f"dsn={URL}", (DB_PASSWORD,))


@pytest.mark.parametrize(
    "message",
    [
        "GET http://127.0.0.1:3001/api/groups 200",
        "GPT-Load at http://127.0.0.1:3001 rejected the key; mail admin@example.test",
        "provider url https://host.test/v1/models?key=x@y",
    ],
)
def test_urls_without_a_password_are_logged_as_they_are(message):
    assert redacted(message) == message
