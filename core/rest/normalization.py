"""``/api/normalization``: the normalization assistant's suggestions and the saved rules.

Suggestions change nothing: accepting one is a batch rename, ``PUT /api/models/batch-normalize`` with its
``changes`` (``{model_id, normalized_name: to}``) and the duplicate / split confirmation of every batch.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from core import normalization_suggestions as assistant
from core.normalization_suggestions import (
    IMPACT_LIMIT,
    MAX_IMPACT_LIMIT,
    MAX_PAGE,
    RuleCreate,
    RulePublic,
    RuleUpdate,
    SuggestionPage,
)
from core.rest.deps import PathId, ServicesDep
from core.shapes import MAX_BATCH_ITEMS, DbId

router = APIRouter(prefix="/normalization", tags=["normalization"])


@router.get("/suggestions")
async def list_suggestions(
    provider_ids: Annotated[list[DbId] | None, Query(max_length=MAX_BATCH_ITEMS)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    impact_limit: Annotated[int, Query(ge=0, le=MAX_IMPACT_LIMIT)] = IMPACT_LIMIT,
) -> SuggestionPage:
    """Per rule, the active models it would rename (`from` -> `to`) and the duplicates and aggregates that would
    create (the first `impact_limit` of each; `impact_counts` has all); only models of `provider_ids` when given
    (every provider's names still count)."""
    return await assistant.list_suggestions(provider_ids, offset=offset, limit=limit, impact_limit=impact_limit)


@router.get("/rules")
async def list_rules() -> list[RulePublic]:
    """The saved rules in the order they apply."""
    return await assistant.list_rules()


@router.post("/rules", status_code=201)
async def create_rule(services: ServicesDep, data: RuleCreate) -> RulePublic:
    """Save a rule (`kind`, `params`); it is suggested first and names newly fetched models."""
    return await assistant.create_rule(services, data)


@router.put("/rules/{rule_id}")
async def update_rule(services: ServicesDep, rule_id: PathId, data: RuleUpdate) -> RulePublic:
    """Change a rule, enable or disable it, or move it to `position` (the others keep their order)."""
    return await assistant.update_rule(services, rule_id, data)


@router.delete("/rules/{rule_id}", status_code=204)
async def delete_rule(services: ServicesDep, rule_id: PathId) -> None:
    """Delete a saved rule."""
    await assistant.delete_rule(services, rule_id)
