"""Testing providers and models with real calls.

Expected failures are results, not exceptions (Home Assistant's errors dict as a value): every
result says ok, latency, the error code and the provider's own words, with keys masked.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from core import channels
from core.crypto import mask
from core.errors import LpmError, NotFound, UpstreamError
from core.models import Model, Provider
from core.providers import call_with_any_key, clean_keys, load_provider, provider_keys, suggested_base_url
from core.services import Services
from core.shapes import MAX_CHECK_KEYS, Body

log = logging.getLogger(__name__)


class ConnectionCheck(BaseModel):
    ok: bool
    latency_ms: int | None
    code: str | None
    detail: str | None
    model_count: int | None
    suggested_base_url: str | None = None  # where the provider answers, when the typed URL gave a 404


class KeyCheck(ConnectionCheck):
    key_masked: str


class ProviderTestResult(BaseModel):
    provider_id: int
    name: str
    ok: bool
    latency_ms: int | None
    code: str | None
    detail: str | None
    keys: list[KeyCheck]


class ModelTestResult(BaseModel):
    model_id: int
    provider_id: int | None
    model: str | None
    ok: bool
    latency_ms: int | None
    code: str | None
    detail: str | None
    reply: str | None = None


class ConnectionCheckRequest(Body):
    base_url: str
    channel_type: str
    # Each key is one request to the provider: a check of thousands would make this server a flood source.
    api_keys: Annotated[list[str], Field(max_length=MAX_CHECK_KEYS)]


async def check_connection(services: Services, channel_type: str, base_url: str, api_key: str) -> ConnectionCheck:
    """List the provider's models with one key; never raises for what a provider can do wrong."""
    started = time.perf_counter()
    try:
        listing = await services.upstream.list_models(channel_type, base_url, api_key)
    except UpstreamError as exc:
        suggestion = await suggested_base_url(services, channel_type, base_url, api_key, exc)
        detail = f"{exc.detail} {suggestion}/models answers: use {suggestion} as the base URL." if suggestion else None
        return ConnectionCheck(
            ok=False,
            latency_ms=_ms(started),
            code=exc.code,
            detail=detail or exc.detail,
            model_count=None,
            suggested_base_url=suggestion,
        )
    return ConnectionCheck(
        ok=True, latency_ms=listing.latency_ms, code=None, detail=None, model_count=len(listing.names)
    )


async def check_unsaved(services: Services, request: ConnectionCheckRequest) -> list[KeyCheck]:
    """The add/edit dialog's "Test connection": every key against the typed URL, nothing stored."""
    base_url = channels.clean_base_url(request.base_url)
    channel_type = channels.check_channel_type(request.channel_type)
    return await _check_keys(services, channel_type, base_url, clean_keys(request.api_keys))


async def probe_provider(services: Services, provider_id: int) -> ProviderTestResult:
    """Check every key of a stored provider and remember the outcome on the provider."""
    provider = await load_provider(provider_id)
    keys = await _check_keys(services, provider.channel_type, provider.base_url, provider_keys(services, provider))
    failed = next((k for k in keys if not k.ok), None)
    latencies = [k.latency_ms for k in keys if k.latency_ms is not None]
    result = ProviderTestResult(
        provider_id=provider.id,
        name=provider.name,
        ok=failed is None,
        latency_ms=min(latencies) if latencies else None,
        code=failed.code if failed else None,
        detail=f"Key {failed.key_masked}: {failed.detail}" if failed and len(keys) > 1 else (failed and failed.detail),
        keys=keys,
    )
    provider.last_tested_at = datetime.now(UTC)
    provider.last_test_ok = result.ok
    provider.last_test_latency_ms = result.latency_ms
    provider.last_test_error = result.detail
    await provider.save(update_fields=["last_tested_at", "last_test_ok", "last_test_latency_ms", "last_test_error"])
    log.info("test: provider=%s ok=%s latency_ms=%s", provider_id, result.ok, result.latency_ms)
    return result


async def probe_providers(services: Services, provider_ids: list[int] | None) -> list[ProviderTestResult]:
    """Test many providers in parallel (bounded); one result per provider, unknown ids included as failures."""
    ids = provider_ids if provider_ids is not None else [p.id for p in await Provider.all().order_by("name")]

    async def one(provider_id: int) -> ProviderTestResult:
        try:
            return await probe_provider(services, provider_id)
        except NotFound as exc:
            return ProviderTestResult(
                provider_id=provider_id, name="", ok=False, latency_ms=None, code=exc.code, detail=exc.detail, keys=[]
            )

    return await services.fan_out(ids, one)


async def probe_model(services: Services, model_id: int) -> ModelTestResult:
    """One chat request with one output token, in the provider's dialect, under the model's original name."""
    model = await Model.get_or_none(id=model_id).prefetch_related("provider")
    if model is None:
        raise NotFound(f"Model {model_id} does not exist.")
    provider: Provider = model.provider
    started = time.perf_counter()
    try:
        probe = await call_with_any_key(
            services,
            provider,
            lambda key: services.upstream.probe_chat(
                provider.channel_type, provider.base_url, key, model.original_name
            ),
        )
    except UpstreamError as exc:
        log.info("test: model=%s ok=False code=%s", model_id, exc.code)
        await _remember_result(model, ok=False)
        return ModelTestResult(
            model_id=model.id,
            provider_id=provider.id,
            model=model.original_name,
            ok=False,
            latency_ms=_ms(started),
            code=exc.code,
            detail=exc.detail,
        )
    await _remember_result(model, ok=True)
    return ModelTestResult(
        model_id=model.id,
        provider_id=provider.id,
        model=model.original_name,
        ok=True,
        latency_ms=probe.latency_ms,
        code=None,
        detail=None,
        reply=probe.reply,
    )


async def probe_models(services: Services, model_ids: list[int]) -> list[ModelTestResult]:
    async def one(model_id: int) -> ModelTestResult:
        try:
            return await probe_model(services, model_id)
        except LpmError as exc:
            return ModelTestResult(
                model_id=model_id,
                provider_id=None,
                model=None,
                ok=False,
                latency_ms=None,
                code=exc.code,
                detail=exc.detail,
            )

    return await services.fan_out(model_ids, one)


async def _check_keys(services: Services, channel_type: str, base_url: str, keys: list[str]) -> list[KeyCheck]:
    async def one(key: str) -> KeyCheck:
        check = await check_connection(services, channel_type, base_url, key)
        return KeyCheck(**check.model_dump(), key_masked=mask(key))

    return await services.fan_out(keys, one)


async def _remember_result(model: Model, *, ok: bool) -> None:
    """A model that answered is what GPT-Load should validate keys with (core.model_kinds prefers it)."""
    model.last_tested_at, model.last_test_ok = datetime.now(UTC), ok
    await model.save(update_fields=["last_tested_at", "last_test_ok"])


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
