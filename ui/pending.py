"""Pending changes of the provider workbench, held in Python until Save (no NiceGUI, no I/O).

Edits and delete marks change only this state; ``rows()`` is what the grid shows, ``edits()`` what Save
sends. Revert restores a row exactly as it was loaded. What the edits would do is the impact rule's answer
(``core.impact``), asked of the registry snapshot the page loaded: the same rule the save itself applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.catalog import ModelPublic
from core.impact import Duplicate, Edits, Impact, Registry, apply_edits, edit_impact, provider_outlook
from core.naming import exposed_name


@dataclass
class PendingChanges:
    provider_id: int
    models: dict[int, ModelPublic]
    # Every provider's model names, as loaded with the page: what duplicates and aggregates are computed on.
    registry: Registry
    renames: dict[int, str | None] = field(default_factory=dict)
    deletions: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, provider_id: int, models: list[ModelPublic], registry: Registry) -> PendingChanges:
        return cls(provider_id, {m.id: m for m in models}, registry)

    @property
    def count(self) -> int:
        return len(self.renames) + len(self.deletions)

    def rename(self, model_id: int, name: str | None) -> None:
        """Set a pending normalized name; typing the saved value back removes the pending change."""
        model = self.models[model_id]
        wanted = (name or "").strip() or None
        if wanted == model.original_name:
            wanted = None
        if wanted == model.normalized_name:
            self.renames.pop(model_id, None)
        else:
            self.renames[model_id] = wanted

    def mark_deleted(self, model_id: int) -> None:
        if self.models[model_id].is_active:
            self.deletions.add(model_id)

    def revert(self, model_id: int) -> None:
        self.renames.pop(model_id, None)
        self.deletions.discard(model_id)

    def exposed(self, model_id: int) -> str:
        model = self.models[model_id]
        return exposed_name(model.original_name, self.renames.get(model_id, model.normalized_name))

    def active(self, model_id: int) -> bool:
        return self.models[model_id].is_active and model_id not in self.deletions

    def edits(self) -> Edits:
        return Edits(renames=dict(self.renames), deletions=frozenset(self.deletions))

    def impact(self) -> Impact:
        """What saving the pending edits does: the duplicates they take part in, whether they empty the provider."""
        return edit_impact(self.registry, self.edits())

    def outlook(self) -> Impact:
        """This provider after the edits: every duplicate its models are in (saved ones too), the aggregates the
        next sync builds for them, and whether no active model is left (the split preview below the grid)."""
        outlook = provider_outlook(self.registry, self.edits(), self.provider_id)
        # "Deletes everything" is about the pending deletions; a provider that had no active model shows nothing.
        return outlook if self.deletions else outlook.model_copy(update={"emptied_provider_ids": []})

    def rows(self, duplicates: list[Duplicate]) -> list[dict[str, Any]]:
        """Grid rows; ``duplicates`` (from ``outlook()``) set the highlights."""
        within, shared = self._highlights(duplicates)
        return [
            {
                "id": model_id,
                "original_name": model.original_name,
                "normalized_name": self.renames.get(model_id, model.normalized_name) or "",
                "exposed_name": self.exposed(model_id),
                "status": _status(model, model_id in self.deletions),
                "_deleted": model_id in self.deletions,
                "_pending": model_id in self.renames or model_id in self.deletions,
                "_duplicate": model_id in within,
                "_shared": model_id in shared,
            }
            for model_id, model in self.models.items()
        ]

    def reset(self, models: list[ModelPublic], registry: Registry) -> None:
        """Start over from freshly loaded models and registry, with nothing pending (in place: the page's
        parts hold this object)."""
        self.models = {m.id: m for m in models}
        self.registry = registry
        self.renames.clear()
        self.deletions.clear()

    def saved(self, models: list[ModelPublic]) -> None:
        """After a successful save: the models it returned, the snapshot with the saved edits in it."""
        self.reset(models, apply_edits(self.registry, self.edits()))

    def _highlights(self, duplicates: list[Duplicate]) -> tuple[set[int], set[int]]:
        """Models serving a name twice inside this provider, and models whose name a provider of the same
        class serves too (a duplicate lists only its own class, so other classes never count)."""
        within: set[int] = set()
        shared: set[int] = set()
        for duplicate in duplicates:
            mine = [s.model_id for s in duplicate.serving if s.provider_id == self.provider_id]
            if len(mine) > 1:
                within.update(mine)
            if len(mine) < len(duplicate.serving):
                shared.update(mine)
        return within, shared


def _status(model: ModelPublic, marked: bool) -> str:
    if marked:
        return "to delete"
    if not model.is_active:
        return "deleted"
    return "missing upstream" if model.upstream_missing else "active"
