"""``/api/providers``: the provider registry (CRUD, key checks, model listing and tests)."""

from __future__ import annotations

from fastapi import APIRouter

from core import fetching, probes, providers
from core.fetching import FetchOutcome, FetchResult
from core.probes import ConnectionCheckRequest, KeyCheck, ProviderTestResult
from core.providers import ProviderCreate, ProviderCreated, ProviderPublic, ProviderUpdate
from core.rest.deps import PathId, ServicesDep
from core.shapes import Body, IdList

router = APIRouter(prefix="/providers", tags=["providers"])


class ProviderIds(Body):
    """Which providers a batch action covers; null means all of them."""

    provider_ids: IdList | None = None


@router.get("")
async def list_providers(services: ServicesDep) -> list[ProviderPublic]:
    """All providers, keys masked."""
    return await providers.list_providers(services)


@router.post("", status_code=201)
async def create_provider(services: ServicesDep, data: ProviderCreate) -> ProviderCreated:
    """Check every key by listing models, then store the provider and its models. Fails without storing."""
    return await providers.create_provider(services, data)


@router.post("/check")
async def check_connection(services: ServicesDep, data: ConnectionCheckRequest) -> list[KeyCheck]:
    """Test a URL and keys without storing anything (the add dialog's "Test connection")."""
    return await probes.check_unsaved(services, data)


@router.post("/test")
async def test_providers(services: ServicesDep, data: ProviderIds) -> list[ProviderTestResult]:
    """Test many providers in parallel (all when `provider_ids` is null)."""
    return await probes.probe_providers(services, data.provider_ids)


@router.post("/fetch-models")
async def fetch_all_models(services: ServicesDep, data: ProviderIds) -> list[FetchOutcome]:
    """Fetch models for many providers in parallel (all when `provider_ids` is null)."""
    return await fetching.fetch_many(services, data.provider_ids)


@router.get("/{provider_id:int}")
async def get_provider(services: ServicesDep, provider_id: PathId) -> ProviderPublic:
    """One provider, keys masked."""
    return await providers.get_provider(services, provider_id)


@router.put("/{provider_id:int}")
async def update_provider(services: ServicesDep, provider_id: PathId, data: ProviderUpdate) -> ProviderPublic:
    """Change any field; `api_keys` replaces the keys, `add_api_keys` adds to them."""
    return await providers.update_provider(services, provider_id, data)


@router.delete("/{provider_id:int}", status_code=204)
async def delete_provider(services: ServicesDep, provider_id: PathId) -> None:
    """Delete the provider and all its models."""
    await providers.delete_provider(services, provider_id)


@router.post("/{provider_id:int}/fetch-models")
async def fetch_models(services: ServicesDep, provider_id: PathId) -> FetchResult:
    """Re-fetch the provider's model list: new models are added, vanished ones marked missing upstream."""
    return await fetching.fetch_models(services, provider_id)


@router.post("/{provider_id:int}/test")
async def test_provider(services: ServicesDep, provider_id: PathId) -> ProviderTestResult:
    """Test every key of the provider, with latency."""
    return await probes.probe_provider(services, provider_id)
