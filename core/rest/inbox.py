"""``/api/inbox``: what fetches found upstream (new, vanished, reappeared models), and resolving it (``core.inbox``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from core import inbox
from core.inbox import InboxPage, InboxQuery, Kind, Resolution, ResolveResult
from core.rest.deps import ServicesDep
from core.shapes import DbId

router = APIRouter(prefix="/inbox", tags=["inbox"])

MAX_PAGE_SIZE = 500


@router.get("")
async def list_inbox(
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    kind: Kind | None = None,
    provider_id: Annotated[DbId | None, Query()] = None,
) -> InboxPage:
    """Models a fetch added, that vanished upstream or reappeared, across providers, with the name accepting gives
    them; ``total`` counts every match (the header's badge: ``page_size=1``)."""
    return await inbox.list_inbox(InboxQuery(kind, provider_id), page=page, page_size=page_size)


@router.post("/resolve")
async def resolve_inbox(services: ServicesDep, data: Resolution) -> ResolveResult:
    """Accept (active, suggested or given name), ignore (inactive, never offered again) or delete (vanished
    models) in one transaction; duplicates and emptied providers need the usual confirmation flags."""
    return await inbox.resolve(services, data)
