"""Liveness (open to everyone) and registry statistics (guarded like every other route)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from fastapi import APIRouter, Response
from pydantic import BaseModel

from core import registry_facts
from core.db import database_problem
from core.settings import PROJECT_ROOT

DISTRIBUTION = "llm-provider-manager"

# Mounted outside the admin guard: a container healthcheck has no password.
open_router = APIRouter(tags=["health"])
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str  # "ok", or "unhealthy" (with HTTP 503) when the registry cannot be read
    version: str
    database: str  # "ok" or what failed; never the database URL (it may hold a password)


@open_router.get("/health", responses={503: {"model": Health, "description": "The registry cannot be read"}})
async def health(response: Response) -> Health:
    """Liveness and the registry: answers without authentication; 503 when the database fails."""
    problem = await database_problem()
    if problem is not None:
        response.status_code = 503
    return Health(status="unhealthy" if problem else "ok", version=_version(), database=problem or "ok")


@router.get("/stats")
async def stats() -> registry_facts.RegistryStats:
    """Counts of providers and models: active, deleted, renamed, missing upstream, exposed names."""
    return await registry_facts.registry_stats()


@cache
def _version(root: Path = PROJECT_ROOT) -> str:
    """The version of the code that runs: pyproject.toml beside it when there is one (a checkout, the image's
    /app), whose version an editable install's metadata may lag behind; else the installed metadata (a wheel)."""
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
        if project["name"] == DISTRIBUTION:
            return str(project["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"
