"""Database start-up: check the encryption key, apply migrations, open Tortoise.

Order matters for safety: the canary is read before any migration runs, so a wrong
``ENCRYPTION_KEY`` stops start-up with the database file untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.exceptions import OperationalError
from tortoise.migrations.api import migrate

from core.crypto import SecretBox
from core.errors import StartupError
from core.models import AppSetting
from core.settings import without_userinfo

log = logging.getLogger(__name__)

CANARY_KEY = "encryption_canary"
SQLITE_HEADER = b"SQLite format 3\x00"
# The driver Tortoise imports for each PostgreSQL scheme, and how to get it. Tortoise imports it only when it
# first connects, where a missing one surfaces as a bare "No module named 'asyncpg'".
ASYNCPG = ("asyncpg", "pip install '.[postgres]' (the image has it)")
POSTGRES_DRIVERS = {
    "postgres": ASYNCPG,
    "postgresql": ASYNCPG,
    "asyncpg": ASYNCPG,
    "psycopg": ("psycopg", "pip install 'psycopg[pool]', or use a postgres:// URL with the postgres extra"),
}


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": database_url},
        "apps": {
            "models": {
                "models": ["core.models"],
                "default_connection": "default",
                "migrations": "core.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def prepare_database(database_url: str, box: SecretBox) -> None:
    """Verify the key against an existing database, then migrate it and store the canary if new.

    Raises ``StartupError`` (wrong key, unreadable or unwritable database, no driver) and changes nothing then.
    """
    _check_driver(database_url)
    _ensure_sqlite_directory(database_url)
    config = tortoise_config(database_url)
    path = sqlite_path(database_url)
    if path is not None:
        # Read-only and before Tortoise: its connection sets journal_mode=WAL, which rewrites the header of a
        # database in DELETE mode (a restored .dump or VACUUM INTO copy) even when the key turns out wrong.
        canary = await asyncio.to_thread(sqlite_canary, path)
    else:
        canary = await _canary_through_tortoise(config)
    if canary is not None:
        box.check_canary(canary)
    if path is not None:
        _make_private(path)
    try:
        await migrate(config=config)
    except Exception as exc:
        log.error("database: migration failed: %s: %s", type(exc).__name__, exc)
        raise StartupError(f"Could not apply database migrations ({type(exc).__name__}); see the log above.") from exc
    finally:
        await Tortoise.close_connections()
    if canary is None:
        await Tortoise.init(config=config, _enable_global_fallback=True)
        try:
            await AppSetting.create(key=CANARY_KEY, value=box.make_canary())
            log.info("database: new database, encryption canary stored")
        finally:
            await Tortoise.close_connections()


@asynccontextmanager
async def open_database(database_url: str, box: SecretBox) -> AsyncIterator[None]:
    """Prepare the database and keep Tortoise open for the block (tests, benchmarks, scripts)."""
    await prepare_database(database_url, box)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def database_problem() -> str | None:
    """None when the registry answers; otherwise what failed (for /api/health). Reads every table once."""
    try:
        connection = Tortoise.get_connection("default")
        for table in ("app_setting", "provider", "model", "managed_group", "sync_record"):
            await connection.execute_query(f'SELECT count(*) FROM "{table}"')
    except Exception as exc:  # any driver error means the registry cannot be served
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    return None


async def _canary_through_tortoise(config: dict[str, Any]) -> str | None:
    try:
        await Tortoise.init(config=config, _enable_global_fallback=True)
        return await _read_canary()
    except Exception as exc:
        # Where, without the password (the log filter would mask it too; a StartupError is printed as is).
        where = without_userinfo(config["connections"]["default"], keep_user=True)
        log.error("database: cannot open %s: %s: %s", where, type(exc).__name__, exc)
        raise StartupError(f"Cannot open the database {where} ({type(exc).__name__}); check DATABASE_URL.") from exc
    finally:
        await Tortoise.close_connections()


async def _read_canary() -> str | None:
    try:
        row = await AppSetting.filter(key=CANARY_KEY).first()
    except OperationalError:
        return None  # no table yet: a brand-new database
    return row.value if row else None


def _check_driver(database_url: str) -> None:
    scheme = urlsplit(database_url).scheme
    if scheme not in POSTGRES_DRIVERS:
        return
    module, fix = POSTGRES_DRIVERS[scheme]
    try:
        importlib.import_module(module)
    except ImportError:
        raise StartupError(
            f"DATABASE_URL is a {scheme}:// URL, but its driver {module} is not installed. Fix: {fix}."
        ) from None


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a SQLite DATABASE_URL; None for PostgreSQL and in-memory databases."""
    if not database_url.startswith("sqlite://") or ":memory:" in database_url:
        return None
    return Path(database_url.removeprefix("sqlite://").split("?", 1)[0])


def sqlite_canary(path: Path) -> str | None:
    """The stored canary of an existing SQLite file (None: no file yet, or no canary yet), read read-only.

    Refuses, with the fix in one line, what is not a usable database: an empty file (a failed copy, a full
    disk), a file that is not SQLite, or one whose ``PRAGMA quick_check`` fails. Such a file is never taken
    for a new database: the next writes would bury what a backup could still restore.
    """
    if not path.exists():
        return None
    restore = f"Restore {path} from your backup, or move it away to start an empty registry."
    with open(path, "rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if not header:
        raise StartupError(f"The database file {path} is empty (0 bytes), so it holds no registry. {restore}")
    if header != SQLITE_HEADER:
        raise StartupError(f"The database file {path} is not an SQLite database. {restore}")
    try:
        connection = _open_read_only(path)
        try:
            problems = [row[0] for row in connection.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise StartupError(f"The database file {path} is damaged (quick_check: {problems[0][:120]}). {restore}")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "app_setting" not in tables:
                return None
            row = connection.execute("SELECT value FROM app_setting WHERE key = ?", (CANARY_KEY,)).fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise StartupError(f"The database file {path} cannot be read ({exc}). {restore}") from exc
    return row[0] if row else None


def _open_read_only(path: Path) -> sqlite3.Connection:
    """``mode=ro``: nothing can be written, not even a -wal or -shm file next to it.

    A WAL database closed cleanly has no -wal file, and a read-only connection cannot create the -shm it
    wants: with no -wal (and no rollback -journal) there is nothing beyond the file itself to read, so it
    is opened as immutable. After a crash the -wal and -shm are still there and a plain read-only open
    reads them.
    """
    pending = any(path.with_name(f"{path.name}{suffix}").exists() for suffix in ("-wal", "-journal"))
    flags = "mode=ro" if pending else "mode=ro&immutable=1"
    return sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)


def _make_private(path: Path) -> None:
    """The database holds every encrypted key and the canary: readable by this user only.

    A new file is created under the process umask (main.py sets 077); one made by an older version or
    restored from elsewhere is tightened here, after the key check. SQLite gives -wal and -shm the
    database file's mode.
    """
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        with contextlib.suppress(FileNotFoundError):
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
                log.info("database: %s was readable by others; now 0600", file)


def _ensure_sqlite_directory(database_url: str) -> None:
    path = sqlite_path(database_url)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(f"Cannot create the data directory {path.parent}: {exc.strerror}. Check DATA_DIR.") from exc
    if path.exists() and not path.is_file():
        raise StartupError(f"The database path {path} is not a file. Check DATABASE_URL.")
    # SQLite writes journal files next to the database, so the directory itself must be writable. In
    # Docker this is the usual failure: a bind-mounted host directory owned by root, the app not root.
    unwritable = path.parent if not os.access(path.parent, os.W_OK | os.X_OK) else None
    if unwritable is None and path.exists() and not os.access(path, os.R_OK | os.W_OK):
        unwritable = path
    if unwritable is not None:
        uid = os.getuid()
        raise StartupError(
            f"{unwritable} is not writable by this process (uid {uid}). Fix: `chown -R {uid} {path.parent}` "
            "(in Docker: `sudo chown -R 10001:10001` on the host directory, or use the named volume of "
            "docker-compose.yml), or set DATA_DIR to a writable directory."
        )


# For `make migration name=...` (Tortoise's CLI compares models with migration files, not with a database).
MIGRATIONS_CONFIG = tortoise_config("sqlite://:memory:")
