"""Database start-up: check the encryption key, apply migrations, open Tortoise.

Order matters for safety: the canary is read before any migration runs, so a wrong
``ENCRYPTION_KEY`` stops start-up with the database file untouched.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.exceptions import OperationalError
from tortoise.migrations.api import migrate

from core.crypto import SecretBox
from core.errors import StartupError
from core.models import AppSetting

log = logging.getLogger(__name__)

CANARY_KEY = "encryption_canary"


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

    Raises ``StartupError`` (wrong key, unreadable or unwritable database) and changes nothing then.
    """
    _ensure_sqlite_directory(database_url)
    config = tortoise_config(database_url)
    try:
        await Tortoise.init(config=config, _enable_global_fallback=True)
        canary = await _read_canary()
    except Exception as exc:
        log.error("database: cannot open: %s: %s", type(exc).__name__, exc)
        raise StartupError(
            f"Cannot open the database ({type(exc).__name__}); check DATABASE_URL and DATA_DIR."
        ) from exc
    finally:
        await Tortoise.close_connections()
    if canary is not None:
        box.check_canary(canary)
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


async def _read_canary() -> str | None:
    try:
        row = await AppSetting.filter(key=CANARY_KEY).first()
    except OperationalError:
        return None  # no table yet: a brand-new database
    return row.value if row else None


def _ensure_sqlite_directory(database_url: str) -> None:
    if not database_url.startswith("sqlite://") or ":memory:" in database_url:
        return
    path = Path(database_url.removeprefix("sqlite://").split("?", 1)[0])
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
