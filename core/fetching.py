"""Fetching model lists: re-list one provider's models or many in parallel, and merge them into the registry.

A fetch adds what is new, keeps every rename and deletion, and marks what the provider no longer lists;
any failure raises before the database is touched.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel

from core.catalog import empty_listing_warning, skipped_warning, store_listing, usable_listing
from core.errors import LpmError
from core.models import Provider
from core.providers import call_with_any_key, load_provider
from core.services import Services

log = logging.getLogger(__name__)


class FetchResult(BaseModel):
    provider_id: int
    listed: int
    added: list[str]
    disappeared: list[str]
    reappeared: list[str]
    # New models whose name equals another model's exposed name: the next sync splits them (DESIGN §5).
    duplicates: dict[str, list[str]]
    warning: str | None
    # Listed names the registry cannot hold (too long, control characters), described; the rest was stored.
    skipped: list[str] = []


async def fetch_models(services: Services, provider_id: int) -> FetchResult:
    """Re-list the provider's models: add new ones, keep every rename and deletion, mark what disappeared.

    Any failure raises before the database is touched.
    """
    provider = await load_provider(provider_id)
    listing = await call_with_any_key(
        services, provider, lambda key: services.upstream.list_models(provider.channel_type, provider.base_url, key)
    )
    usable = usable_listing(listing.names)
    async with services.registry_lock:
        fresh = await load_provider(provider_id)
        merge, duplicates = await store_listing(fresh, usable.names)
    log.info(
        "fetch: provider=%s listed=%d added=%d disappeared=%d skipped=%d",
        provider_id,
        len(listing.names),
        len(merge.added),
        len(merge.disappeared),
        len(usable.skipped),
    )
    warnings = ([] if usable.names else [empty_listing_warning(provider.base_url)]) + (
        [skipped_warning(usable.skipped)] if usable.skipped else []
    )
    return FetchResult(
        provider_id=provider_id,
        listed=len(listing.names),
        added=merge.added,
        disappeared=merge.disappeared,
        reappeared=merge.reappeared,
        duplicates=duplicates,
        warning=" ".join(warnings) or None,
        skipped=usable.skipped,
    )


class FetchOutcome(BaseModel):
    provider_id: int
    ok: bool
    code: str | None
    detail: str | None
    result: FetchResult | None


async def fetch_many(services: Services, provider_ids: list[int] | None) -> list[FetchOutcome]:
    """Fetch models for many providers in parallel (bounded); one outcome per provider, failures included."""
    ids = list(dict.fromkeys(provider_ids)) if provider_ids is not None else await _all_provider_ids()

    async def one(provider_id: int) -> FetchOutcome:
        try:
            result = await fetch_models(services, provider_id)
        except LpmError as exc:
            return FetchOutcome(provider_id=provider_id, ok=False, code=exc.code, detail=exc.detail, result=None)
        return FetchOutcome(provider_id=provider_id, ok=True, code=None, detail=None, result=result)

    return await services.fan_out(ids, one)


async def _all_provider_ids() -> list[int]:
    return [p.id for p in await Provider.all().order_by("name")]
