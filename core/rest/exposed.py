"""``/api/models/exposed`` and ``/api/models/rename-exposed``: every exposed name, and renaming one everywhere.

The paths are literal segments; the ``/models/{model_id:int}`` routes only match digits, so they never meet.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from core import exposed_models
from core.exposed_models import ExposedPage, ExposedQuery, RenameResult
from core.rest.deps import ServicesDep
from core.shapes import Body, NameList

router = APIRouter(prefix="/models", tags=["models"])

MAX_PAGE_SIZE = 500
MAX_QUERY_TEXT = 500  # a search or a name: as long as a model name may be (core.catalog.MAX_NAME)


class RenameExposed(Body):
    from_: Annotated[NameList, Field(alias="from", min_length=1)]
    to: Annotated[str, Field(max_length=MAX_QUERY_TEXT)]
    confirm_duplicates: bool = False


@router.get("/exposed")
async def list_exposed(
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    search: Annotated[str, Query(max_length=MAX_QUERY_TEXT)] = "",
    only_single_provider: bool = False,
    variants_of: Annotated[str | None, Query(max_length=MAX_QUERY_TEXT)] = None,
    only_variants: bool = False,
) -> ExposedPage:
    """Every exposed name with the providers and original names serving it, whether it becomes an aggregate,
    active or deleted; by name, or spelling variants together with ``only_variants``."""
    query = ExposedQuery(search, only_single_provider, variants_of, only_variants)
    return await exposed_models.exposed_page(query, page=page, page_size=page_size)


@router.post("/rename-exposed")
async def rename_exposed(services: ServicesDep, data: RenameExposed) -> RenameResult:
    """Rename every model exposed under one of ``from`` to ``to`` (several names: a merge), all or nothing."""
    mapping = dict.fromkeys(data.from_, data.to)
    return await exposed_models.rename_exposed(services, mapping, confirm_duplicates=data.confirm_duplicates)
