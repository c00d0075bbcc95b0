"""Liveness (open to everyone) and registry statistics (guarded like every other route)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter
from pydantic import BaseModel

from core import providers

# Mounted outside the admin guard: a container healthcheck has no password.
open_router = APIRouter(tags=["health"])
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str


@open_router.get("/health")
async def health() -> Health:
    """Liveness: answers without authentication."""
    return Health(status="ok", version=_version())


@router.get("/stats")
async def stats() -> providers.RegistryStats:
    """Counts of providers and models: active, deleted, renamed, missing upstream, exposed names."""
    return await providers.registry_stats()


def _version() -> str:
    try:
        return version("llm-provider-manager")
    except PackageNotFoundError:
        return "unknown"
