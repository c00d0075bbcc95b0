"""``/api/models`` and ``/api/providers/{id}/models``: the catalog of models (renames, deletions, tests).

Every write goes through ``catalog.apply_changes``, all or nothing; the bodies below only say which changes.
Batch deletion has one spelling, ``POST /api/models/batch-delete`` (``DELETE`` and ``bulk-delete`` were removed in 0.2).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import Field

from core import catalog, probes
from core.catalog import BatchResult, Changes, ModelPublic, Rename
from core.probes import ModelTestResult
from core.rest.deps import PathId, ServicesDep
from core.shapes import MAX_BATCH_ITEMS, IdList
from core.shapes import Body as RequestBody

router = APIRouter(tags=["models"])


class ModelIds(RequestBody):
    model_ids: IdList


class ModelDeletion(ModelIds):
    confirm_delete_all: bool = False


class ManualModel(RequestBody):
    original_name: str
    confirm_duplicates: bool = False


class NormalizeRequest(RequestBody):
    normalized_name: str | None
    confirm_duplicates: bool = False


class ConfirmDuplicates(RequestBody):
    confirm_duplicates: bool = False


class BatchNormalize(RequestBody):
    changes: Annotated[list[Rename], Field(max_length=MAX_BATCH_ITEMS)]
    confirm_duplicates: bool = False


class ProviderBatch(RequestBody):
    renames: Annotated[list[Rename], Field(max_length=MAX_BATCH_ITEMS)] = Field(default_factory=list)
    deletions: IdList = Field(default_factory=list)
    confirm_duplicates: bool = False
    confirm_delete_all: bool = False


@router.get("/providers/{provider_id:int}/models")
async def list_models(provider_id: PathId) -> list[ModelPublic]:
    """The provider's models, deleted ones included."""
    return await catalog.list_models(provider_id)


@router.post("/providers/{provider_id:int}/models", status_code=201)
async def add_model(services: ServicesDep, provider_id: PathId, data: ManualModel) -> ModelPublic:
    """Add a model by hand."""
    confirm = data.confirm_duplicates
    return await catalog.add_model(services, provider_id, data.original_name, confirm_duplicates=confirm)


@router.post("/providers/{provider_id:int}/models/batch")
async def save_pending_changes(services: ServicesDep, provider_id: PathId, data: ProviderBatch) -> BatchResult:
    """Apply any number of renames and deletions of one provider's models, all or nothing."""
    changes = Changes(
        renames={r.model_id: r.normalized_name for r in data.renames},
        deletions=set(data.deletions),
        confirm_duplicates=data.confirm_duplicates,
        confirm_delete_all=data.confirm_delete_all,
        provider_id=provider_id,
    )
    return await catalog.apply_changes(services, changes)


@router.put("/models/batch-normalize")
async def batch_normalize(services: ServicesDep, data: BatchNormalize) -> BatchResult:
    """Rename many models (of any providers) at once, all or nothing."""
    renames = {c.model_id: c.normalized_name for c in data.changes}
    return await catalog.apply_changes(services, Changes(renames=renames, confirm_duplicates=data.confirm_duplicates))


@router.post("/models/batch-delete")
async def batch_delete(services: ServicesDep, data: ModelDeletion) -> BatchResult:
    """Mark many models deleted at once, all or nothing."""
    changes = Changes(deletions=set(data.model_ids), confirm_delete_all=data.confirm_delete_all)
    return await catalog.apply_changes(services, changes)


@router.post("/models/test")
async def test_models(services: ServicesDep, data: ModelIds) -> list[ModelTestResult]:
    """Test many models in parallel, one result each."""
    return await probes.probe_models(services, data.model_ids)


@router.put("/models/{model_id:int}/normalize")
async def normalize_model(services: ServicesDep, model_id: PathId, data: NormalizeRequest) -> ModelPublic:
    """Set the normalized name; empty or the original name resets it."""
    changes = Changes(renames={model_id: data.normalized_name}, confirm_duplicates=data.confirm_duplicates)
    return _only(await catalog.apply_changes(services, changes), model_id)


@router.post("/models/{model_id:int}/reset")
async def reset_model(
    services: ServicesDep, model_id: PathId, data: Annotated[ConfirmDuplicates | None, Body()] = None
) -> ModelPublic:
    """Back to the original name and active again."""
    changes = Changes(restores={model_id}, confirm_duplicates=data.confirm_duplicates if data else False)
    return _only(await catalog.apply_changes(services, changes), model_id)


@router.delete("/models/{model_id:int}")
async def delete_model(
    services: ServicesDep, model_id: PathId, confirm_delete_all: Annotated[bool, Query()] = False
) -> ModelPublic:
    """Mark the model deleted (inactive); a reset or the batch endpoints bring it back."""
    changes = Changes(deletions={model_id}, confirm_delete_all=confirm_delete_all)
    return _only(await catalog.apply_changes(services, changes), model_id)


@router.post("/models/{model_id:int}/test")
async def test_model(services: ServicesDep, model_id: PathId) -> ModelTestResult:
    """The smallest chat request (one output token) to this model, under its original name."""
    return await probes.probe_model(services, model_id)


def _only(result: BatchResult, model_id: int) -> ModelPublic:
    """The one model a single-model route changed, out of the provider's whole new list."""
    return next(m for m in result.models if m.id == model_id)
