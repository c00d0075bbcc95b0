"""Liveness (open to everyone) and registry statistics (guarded like every other route)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Response
from pydantic import BaseModel

from core import registry_facts
from core.db import database_problem

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


def _version() -> str:
    try:
        return version("llm-provider-manager")
    except PackageNotFoundError:
        return "unknown"
