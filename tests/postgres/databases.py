"""The one switch that runs the storage tests on PostgreSQL: ``LPM_TEST_DATABASE_URL`` (``make test-postgres``).

It holds the URL of a PostgreSQL server's maintenance database, for a role that may create databases
(``tests/postgres/tier.sh`` starts such a server). With it set, ``tests.conftest.make_settings`` gives each
data directory its own new, empty database instead of ``DATA_DIR/manager.db``: one test gets a clean
registry, and a test that "restarts" on the same directory finds its data again, as with SQLite. The
``drop_test_databases`` fixture drops them when the test ends. Unset (``make test``), nothing changes.

The URL holds no password: the server's is in PGPASSWORD, which asyncpg reads, so no URL a test prints (a
failing assertion, Hypothesis's report of a ``Settings``) shows it. ``with_password`` writes it into a URL for
the tests of a URL that has one (tests/postgres/test_process_on_postgres.py).
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

T = TypeVar("T")
ENV = "LPM_TEST_DATABASE_URL"
# Creating or dropping a database takes tens of milliseconds; a server that needs this long is gone.
STATEMENT_DEADLINE = 30.0

_created: dict[Path, str] = {}  # data directory -> its database name, for the running test
_numbers = itertools.count(1)


def server_url() -> str:
    return os.environ.get(ENV, "")


def on_postgres() -> bool:
    return bool(server_url())


def sqlite_only(why: str) -> pytest.MarkDecorator:
    """For tests of what only SQLite has (a database file, its modes, SQLite's own faults): skipped on PostgreSQL."""
    return pytest.mark.skipif(on_postgres(), reason=f"SQLite only: {why}")


def database_url_for(data_dir: Path) -> str:
    """The URL of the database that belongs to ``data_dir`` in this test; created empty on first use."""
    key = data_dir.resolve()
    name = _created.get(key)
    if name is None:
        # The worker's pid keeps two pytest-xdist workers on one server apart.
        name = f"lpm_test_{os.getpid()}_{next(_numbers)}"
        _execute(f'CREATE DATABASE "{name}"')
        _created[key] = name
    return _with_database(server_url(), name)


def process_env(data_dir: Path) -> dict[str, str]:
    """For a test that starts main.py itself: its DATABASE_URL on PostgreSQL (the process inherits PGPASSWORD),
    nothing with SQLite (the process keeps its database in DATA_DIR)."""
    return {"DATABASE_URL": database_url_for(data_dir)} if on_postgres() else {}


def with_password(url: str) -> str:
    """``url`` with the server's password (PGPASSWORD) written into it, as an operator's DATABASE_URL has it."""
    parts = urlsplit(url)
    userinfo = f"{quote(parts.username or '', safe='')}:{quote(os.environ['PGPASSWORD'], safe='')}"
    return urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.hostname}:{parts.port}"))


def drop_created() -> None:
    """Drop every database this test created; FORCE closes what a failed test left connected."""
    names = list(_created.values())
    _created.clear()
    for name in names:
        _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_rows(database_url: str) -> dict[str, list[str]]:
    """Every row of every table (and every sequence's position) of one test database, in PostgreSQL's text
    form and sorted: what "the database is unchanged" compares here, where there is no file to hash."""

    async def read(connection) -> dict[str, list[str]]:
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        rows = {}
        for (table,) in tables:
            found = await connection.fetch(f'SELECT t::text FROM "{table}" t')
            rows[table] = sorted(row[0] for row in found)
        sequences = await connection.fetch("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1")
        rows["(sequences)"] = [f"{name}={value}" for name, value in sequences]
        return rows

    return _run(database_url, read)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _execute(statement: str) -> None:
    """One statement on the maintenance database (CREATE/DROP DATABASE cannot run in a transaction, so not
    on Tortoise's connection either)."""

    async def execute(connection) -> None:
        await connection.execute(statement, timeout=STATEMENT_DEADLINE)

    _run(server_url(), execute)


def _run(url: str, work: Callable[[Any], Awaitable[T]]) -> T:
    """``work`` on a new connection to ``url``, from sync code that may itself run inside the test's event loop."""
    import asyncpg  # the `postgres` extra, installed by `make test-postgres` only

    async def run() -> T:
        connection = await asyncpg.connect(url, timeout=STATEMENT_DEADLINE)
        try:
            return await work(connection)
        finally:
            await connection.close()

    # A thread of its own: asyncio.run cannot nest in a running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=2 * STATEMENT_DEADLINE)
