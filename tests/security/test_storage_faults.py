"""Storage faults are refused, never taken for a new database (issue 11, points 13-14), on the real process."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import httpx
import pytest

from core.crypto import generate_key
from tests.e2e.app_process import app_process, clean_env, run_main
from tests.fakes.server import free_port
from tests.postgres.databases import sqlite_only

# Each test starts main.py: seconds each, so outside the fast loop (pytest -m "not slow").
pytestmark = [pytest.mark.slow, sqlite_only("the faults of a database file: its bytes, header and journal modes")]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def registry_file(tmp_path: Path, key: str) -> Path:
    """A database made by the real app, closed cleanly, with one model renamed (so it has several pages)."""
    env = clean_env(tmp_path, ENCRYPTION_KEY=key)
    with app_process(env, free_port()) as app:
        assert httpx.get(f"{app.url}/api/health").json()["database"] == "ok"
    return tmp_path / "data" / "manager.db"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "is empty (0 bytes)"),
        (b"this is a backup script, not a database\n" * 10, "is not an SQLite database"),
    ],
    ids=["zero-bytes", "not-sqlite"],
)
def test_a_file_that_is_no_database_is_refused_and_left_alone(tmp_path, content, words):
    database = tmp_path / "data" / "manager.db"
    database.parent.mkdir()
    database.write_bytes(content)
    result = run_main(clean_env(tmp_path, ENCRYPTION_KEY=generate_key()))
    assert result.returncode == 2
    assert words in result.stderr and "Restore" in result.stderr and "backup" in result.stderr
    assert database.read_bytes() == content
    assert sorted(p.name for p in database.parent.iterdir()) == ["manager.db"]


def test_a_damaged_database_is_refused_before_anything_answers(tmp_path):
    key = generate_key()
    database = registry_file(tmp_path, key)
    data = bytearray(database.read_bytes())
    page = 4096
    assert len(data) >= 3 * page, len(data)
    data[page + 8 : 2 * page] = b"\xff" * (page - 8)  # a b-tree page overwritten: SQLite's header still looks fine
    database.write_bytes(bytes(data))
    before = digest(database)
    result = run_main(clean_env(tmp_path, ENCRYPTION_KEY=key))
    assert result.returncode == 2
    assert "is damaged (quick_check" in result.stderr or "cannot be read" in result.stderr, result.stderr
    assert digest(database) == before


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_a_wrong_key_leaves_the_database_byte_identical_in_every_journal_mode(tmp_path, journal_mode):
    """A restored .dump or VACUUM INTO copy is in DELETE mode: WAL used to be switched on before the key check."""
    key = generate_key()
    database = registry_file(tmp_path, key)
    with sqlite3.connect(database) as connection:
        assert connection.execute(f"PRAGMA journal_mode={journal_mode}").fetchone()[0] == journal_mode
    connection.close()
    before, files = digest(database), sorted(p.name for p in database.parent.iterdir())

    result = run_main(clean_env(tmp_path, ENCRYPTION_KEY=generate_key()))

    assert result.returncode == 2 and "cannot decrypt the stored secrets" in result.stderr
    assert digest(database) == before
    assert sorted(p.name for p in database.parent.iterdir()) == files
    with app_process(clean_env(tmp_path, ENCRYPTION_KEY=key), free_port()) as app:  # the right key still opens it
        assert httpx.get(f"{app.url}/api/health").json()["database"] == "ok"
