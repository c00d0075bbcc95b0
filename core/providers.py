"""Provider use-cases: create (after checking every key), list, read, update, delete, fetch models.

Keys are decrypted only here and in ``core.probes``; everything returned carries masked keys only.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, Field
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core import channels
from core.catalog import clean_model_name, empty_listing_note, skipped_note, store_listing, usable_listing
from core.crypto import key_fingerprint, mask
from core.errors import AlreadyExists, InvalidInput, NotFound, UpstreamAuthError, UpstreamError
from core.models import Model, Provider
from core.phrases import Phrase
from core.registry_facts import ActiveModelFacts, active_model_facts, model_counts
from core.services import Services
from core.shapes import CONTROL_CHARS, Body, KeyList, NameList

log = logging.getLogger(__name__)
T = TypeVar("T")


class ProviderCreate(Body):
    name: str
    base_url: str
    channel_type: str
    api_keys: KeyList
    # False: store without any network call (a provider that is down, or lists no models), with these models.
    check: bool = True
    models: NameList = Field(default_factory=list)


class ProviderUpdate(Body):
    name: str | None = None
    base_url: str | None = None
    channel_type: str | None = None
    api_keys: KeyList | None = None
    add_api_keys: KeyList | None = None
    # Fingerprints (ProviderPublic.api_key_fingerprints) of keys to drop; the others stay as they are.
    remove_api_keys: KeyList | None = None
    # The model GPT-Load validates keys with: one of the provider's active original names; "" goes back to automatic.
    test_model: str | None = None


class ProviderPublic(BaseModel):
    id: int
    name: str
    base_url: str
    channel_type: str
    api_keys_masked: list[str]
    api_key_fingerprints: list[str]  # same order as the masks; name a key in remove_api_keys
    model_count: int
    active_model_count: int
    # Exposed names that more than one active model of this provider serves (split behind aggregates on sync).
    duplicate_count: int = 0
    # The operator's pick of GPT-Load's test model, and what GPT-Load will use (the pick, or core.model_kinds' rule).
    test_model: str | None = None
    gptload_test_model: str | None = None
    last_fetched_at: datetime | None
    last_tested_at: datetime | None
    last_test_ok: bool | None
    last_test_latency_ms: int | None
    last_test_error: str | None
    created_at: datetime
    updated_at: datetime


class ProviderCreated(ProviderPublic):
    warnings: list[str]  # ``notes`` in English
    notes: list[Phrase] = []  # what the save warns of, for a page to say in its language (core.phrases)


async def create_provider(services: Services, data: ProviderCreate) -> ProviderCreated:
    """Validate, check every key by listing models, then store the provider with the listed models.

    Raises:
        InvalidInput, AlreadyExists before any network call; UpstreamError when a key does not work.
    """
    name = _clean_name(data.name)
    base_url = channels.clean_base_url(data.base_url)
    channel_type = channels.check_channel_type(data.channel_type)
    keys = clean_keys(data.api_keys)
    if await Provider.filter(name=name).exists():
        raise AlreadyExists(f"A provider named {name!r} already exists.")
    if data.check:
        listing = usable_listing((await _check_keys(services, channel_type, base_url, keys))[0])
        names, notes = listing.names, [skipped_note(listing.skipped)] if listing.skipped else []
    else:
        names = list(dict.fromkeys(n for n in map(clean_model_name, data.models) if n))
        notes = [Phrase("saved_unchecked")]
    now = datetime.now(UTC)
    try:
        async with in_transaction():
            provider = await Provider.create(
                name=name,
                base_url=base_url,
                channel_type=channel_type,
                api_keys_token=services.box.encrypt_list(keys),
                last_fetched_at=now if data.check else None,
            )
            await Model.bulk_create(
                [
                    Model(provider=provider, original_name=n, fetched_at=now if data.check else None,
                          is_manual=not data.check)
                    for n in names
                ]
            )  # fmt: skip
    except IntegrityError:
        raise AlreadyExists(f"A provider named {name!r} already exists.") from None
    await services.secrets.refresh()  # the log filter must know a new key before anything logs it
    log.info("provider: created id=%s channel=%s keys=%d models=%d", provider.id, channel_type, len(keys), len(names))
    notes += [] if names else [empty_listing_note(base_url)]
    public = await get_provider(services, provider.id)
    return ProviderCreated(**public.model_dump(), warnings=[str(n) for n in notes], notes=notes)


async def list_providers(services: Services) -> list[ProviderPublic]:
    providers = await Provider.all().order_by("name")
    totals = await model_counts()
    active = await model_counts(is_active=True)
    facts = await active_model_facts()
    return [_public(services, p, totals.get(p.id, 0), active.get(p.id, 0), facts.get(p.id)) for p in providers]


async def get_provider(services: Services, provider_id: int) -> ProviderPublic:
    provider = await load_provider(provider_id)
    total = await Model.filter(provider_id=provider_id).count()
    active = await Model.filter(provider_id=provider_id, is_active=True).count()
    facts = await active_model_facts(provider_id)
    return _public(services, provider, total, active, facts.get(provider_id))


async def update_provider(services: Services, provider_id: int, data: ProviderUpdate) -> ProviderPublic:
    """Change any field; new keys, or a new URL or channel type, are checked against the provider first.

    A new URL or channel type also merges the new listing into the models, as a fetch would.
    """
    provider = await load_provider(provider_id)
    name, base_url, channel_type, keys = _apply_update(services, provider, data)
    if name != provider.name and await Provider.filter(name=name).exclude(id=provider_id).exists():
        raise AlreadyExists(f"A provider named {name!r} already exists.")
    stored_keys = provider_keys(services, provider)
    endpoint_changed = (base_url, channel_type) != (provider.base_url, provider.channel_type)
    to_check = keys if endpoint_changed else [k for k in keys if k not in stored_keys]
    listings = await _check_keys(services, channel_type, base_url, to_check) if to_check else []
    async with services.registry_lock:
        fresh = await load_provider(provider_id)
        if (fresh.base_url, fresh.channel_type) != (provider.base_url, provider.channel_type):
            raise AlreadyExists("The provider's URL changed while its keys were checked; try again.", code="conflict")
        # Re-applied to the row as it is now, so a concurrent key addition is kept, not overwritten.
        name, base_url, channel_type, keys = _apply_update(services, fresh, data)
        fresh.name, fresh.base_url, fresh.channel_type = name, base_url, channel_type
        fresh.api_keys_token = services.box.encrypt_list(keys)
        try:
            await fresh.save(update_fields=["name", "base_url", "channel_type", "api_keys_token", "updated_at"])
        except IntegrityError:
            raise AlreadyExists(f"A provider named {name!r} already exists.") from None
        if data.test_model is not None:
            fresh.test_model = await _checked_test_model(provider_id, data.test_model)
            await fresh.save(update_fields=["test_model", "updated_at"])
        if endpoint_changed:
            await store_listing(fresh, usable_listing(listings[0]).names)
    await services.secrets.refresh()  # the log filter must know a new key before anything logs it
    log.info("provider: updated id=%s keys=%d endpoint_changed=%s", provider_id, len(keys), endpoint_changed)
    return await get_provider(services, provider_id)


async def delete_provider(services: Services, provider_id: int) -> None:
    async with services.registry_lock:
        provider = await load_provider(provider_id)
        async with in_transaction():
            await Model.filter(provider_id=provider_id).delete()
            await provider.delete()
    await services.secrets.refresh()  # the log filter must know a new key before anything logs it
    log.info("provider: deleted id=%s", provider_id)


async def load_provider(provider_id: int) -> Provider:
    provider = await Provider.get_or_none(id=provider_id)
    if provider is None:
        raise NotFound(f"Provider {provider_id} does not exist.")
    return provider


def provider_keys(services: Services, provider: Provider) -> list[str]:
    return services.box.decrypt_list(provider.api_keys_token)


async def call_with_any_key(services: Services, provider: Provider, call: Callable[[str], Awaitable[T]]) -> T:
    """Try the provider's keys in order until one is accepted: a revoked first key blocks nothing."""
    keys = provider_keys(services, provider)
    rejected: UpstreamAuthError | None = None
    for key in keys:
        try:
            return await call(key)
        except UpstreamAuthError as exc:
            rejected = exc
    assert rejected is not None, "a stored provider always has at least one key"
    raise rejected.reworded(f"Every key was rejected. Last: {rejected.detail}") if len(keys) > 1 else rejected


def _apply_update(services: Services, provider: Provider, data: ProviderUpdate) -> tuple[str, str, str, list[str]]:
    name = _clean_name(data.name) if data.name is not None else provider.name
    base_url = channels.clean_base_url(data.base_url) if data.base_url is not None else provider.base_url
    channel_type = channels.check_channel_type(
        data.channel_type if data.channel_type is not None else provider.channel_type
    )
    keys = clean_keys(data.api_keys) if data.api_keys is not None else provider_keys(services, provider)
    if data.add_api_keys:
        keys = list(dict.fromkeys(keys + clean_keys(data.add_api_keys)))
    if data.remove_api_keys:
        unknown = set(data.remove_api_keys) - {key_fingerprint(k) for k in keys}
        if unknown:
            raise InvalidInput("remove_api_keys names keys this provider does not have.", code="invalid_keys")
        kept = [k for k in keys if key_fingerprint(k) not in set(data.remove_api_keys)]
        if not kept:
            raise InvalidInput("A provider keeps at least one API key; add another before removing the last.",
                               code="invalid_keys")  # fmt: skip
        keys = kept
    return name, base_url, channel_type, keys


async def _check_keys(services: Services, channel_type: str, base_url: str, keys: list[str]) -> list[list[str]]:
    """List models once per key, in parallel; the first failing key (in the user's order) is reported."""

    async def attempt(key: str) -> list[str] | UpstreamError:
        try:
            return (await services.upstream.list_models(channel_type, base_url, key)).names
        except UpstreamError as exc:
            return exc

    results = await services.fan_out(keys, attempt)
    for key, result in zip(keys, results, strict=True):
        if isinstance(result, UpstreamError):
            detail = f"Key {mask(key)}: {result.detail}" if len(keys) > 1 else result.detail
            suggestion = await suggested_base_url(services, channel_type, base_url, key, result)
            if suggestion:
                error = result.reworded(f"{detail} {suggestion}/models answers: use {suggestion} as the base URL.")
                error.extra = {**result.extra, "suggested_base_url": suggestion}
                raise error
            raise result.reworded(detail)
    return results  # type: ignore[return-value]


async def suggested_base_url(
    services: Services, channel_type: str, base_url: str, key: str, error: UpstreamError
) -> str | None:
    """A base URL that works where the typed one answered 404: the same plus the channel's version segment.

    Operators type ``https://host/api`` where the provider lives at ``https://host/api/v1``; a bare 404 does
    not say so. One extra listing with the same key finds out; nothing is suggested for any other failure.
    """
    segment = channels.channel(channel_type).version_segment
    if error.status != 404 or base_url.rstrip("/").endswith(segment):
        return None
    candidate = base_url.rstrip("/") + segment
    try:
        await services.upstream.list_models(channel_type, candidate, key)
    except UpstreamError:
        return None
    return candidate


async def _checked_test_model(provider_id: int, name: str) -> str | None:
    name = name.strip()
    if not name:
        return None
    if not await Model.filter(provider_id=provider_id, original_name=name, is_active=True).exists():
        raise InvalidInput(
            f"{name!r} is not an active model of this provider; pick one of its models (original name).",
            code="invalid_test_model",
        )
    return name


def _public(
    services: Services, provider: Provider, total: int, active: int, facts: ActiveModelFacts | None
) -> ProviderPublic:
    facts = facts or ActiveModelFacts(0, None)
    return ProviderPublic(
        id=provider.id,
        name=provider.name,
        base_url=provider.base_url,
        channel_type=provider.channel_type,
        api_keys_masked=[mask(k) for k in provider_keys(services, provider)],
        api_key_fingerprints=[key_fingerprint(k) for k in provider_keys(services, provider)],
        model_count=total,
        active_model_count=active,
        duplicate_count=facts.duplicates,
        test_model=provider.test_model,
        gptload_test_model=facts.test_model,
        last_fetched_at=provider.last_fetched_at,
        last_tested_at=provider.last_tested_at,
        last_test_ok=provider.last_test_ok,
        last_test_latency_ms=provider.last_test_latency_ms,
        last_test_error=provider.last_test_error,
        created_at=provider.created_at,
        updated_at=provider.updated_at,
    )


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("Provider name must be 1 to 100 characters.", code="invalid_name")
    if CONTROL_CHARS.search(name):
        raise InvalidInput("Provider name must not contain control characters.", code="invalid_name")
    return name


def clean_keys(keys: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(k.strip() for k in keys if k and k.strip()))
    if not cleaned:
        raise InvalidInput("At least one API key is required.", code="invalid_keys")
    if not all(k.isascii() and k.isprintable() and " " not in k for k in cleaned):
        raise InvalidInput("API keys must be printable ASCII without spaces.", code="invalid_keys")
    return cleaned
