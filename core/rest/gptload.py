"""``/api/gptload``: what the manager sees of GPT-Load."""

from __future__ import annotations

from fastapi import APIRouter

from core.rest.deps import ServicesDep
from core.sync import GptLoadStatus

router = APIRouter(prefix="/gptload", tags=["gptload"])


@router.get("/status")
async def gptload_status(services: ServicesDep) -> GptLoadStatus:
    """Whether GPT-Load answers, how many groups it has and how many are ours, and the last sync."""
    return await services.sync.gptload_status()
