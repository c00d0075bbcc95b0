"""Import and backup routes (issue 13): preview and apply an import; the backup behind a second password."""

from __future__ import annotations

from fastapi import APIRouter

from core import importing
from core.rest.deps import ServicesDep

router = APIRouter(tags=["import"])


@router.post("/import/preview")
async def preview_import(services: ServicesDep, data: importing.ImportPreviewRequest) -> importing.ImportPreview:
    """Read GPT-Load, an api.yaml or a backup bundle and propose providers, conflicts and adoptions; stores nothing."""
    return await importing.preview(services, data)


@router.post("/import/apply")
async def apply_import(services: ServicesDep, data: importing.ImportApplyRequest) -> importing.ImportResult:
    """Store the preview named by its checksum with these choices, all or nothing (409 when anything changed)."""
    return await importing.apply(services, data)
