"""What edits would do, as the impact rule answers it: shown below the grid and in the save dialog."""

from __future__ import annotations

from nicegui import ui

from core.impact import Duplicate, Impact
from ui.i18n import t


def impact_view(impact: Impact, provider_id: int, *, prefix: str) -> None:
    """Duplicates inside a provider, names shared across providers, the aggregates the next sync builds, and the
    delete-everything warning. Lines are marked ``{prefix}-duplicates``, ``-shared``, ``-split``, ``-delete-all``."""
    within = [d for d in impact.duplicates if d.within_provider]
    across = [d for d in impact.duplicates if not d.within_provider]
    if within:
        ui.label(t("wb.within_heading")).classes("font-bold")
        for duplicate in within:
            ui.label(duplicate_text(duplicate, provider_id)).mark(f"{prefix}-duplicates")
    if across:
        ui.label(t("wb.across_heading")).classes("font-bold")
        for duplicate in across:
            ui.label(duplicate_text(duplicate, provider_id)).mark(f"{prefix}-shared")
    if impact.split:
        ui.label(t("wb.split_heading")).classes("font-bold")
        for group in impact.split:
            ui.label(f"{group.aggregate} → {', '.join(group.members)}").mark(f"{prefix}-split")
    if provider_id in impact.emptied_provider_ids:
        ui.label(t("wb.delete_all")).classes("text-negative").mark(f"{prefix}-delete-all")


def duplicate_text(duplicate: Duplicate, provider_id: int) -> str:
    """``a ← a, b`` inside this provider; each model with its provider's name once another provider takes part."""
    if all(s.provider_id == provider_id for s in duplicate.serving):
        serving = [s.original_name for s in duplicate.serving]
    else:
        serving = [f"{s.provider_name}: {s.original_name}" for s in duplicate.serving]
    return f"{duplicate.name} ← {', '.join(serving)}"
