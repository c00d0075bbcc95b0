"""Import routes (issue 13): preview what an existing setup or a backup holds, then apply it by checksum."""

from __future__ import annotations

from fastapi import APIRouter

from core import importing
from core.import_shapes import ImportApplyRequest, ImportPreview, ImportPreviewRequest, ImportResult
from core.rest.deps import ServicesDep

router = APIRouter(tags=["import"])


@router.post("/import/preview")
async def preview_import(services: ServicesDep, data: ImportPreviewRequest) -> ImportPreview:
    """Read GPT-Load, an api.yaml or a backup bundle and propose providers, conflicts and adoptions; stores nothing."""
    return await importing.preview(services, data)


@router.post("/import/apply")
async def apply_import(services: ServicesDep, data: ImportApplyRequest) -> ImportResult:
    """Store the preview named by its checksum with these choices, all or nothing (409 when anything changed)."""
    return await importing.apply(services, data)
