"""Pending changes of the provider workbench, held in Python until Save (no NiceGUI, no I/O).

Edits, delete marks and restore marks (of models a save deleted) change only this state; ``rows()`` is what
the grid shows, ``edits()`` what Save sends. Revert restores a row exactly as it was loaded. Bulk actions ask
``would_change()`` first, so the operator is told how many rows an action changes before it changes them.
What the edits would do is the impact rule's answer (``core.impact``), asked of the registry snapshot the page
loaded: the same rule the save itself applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from core.catalog import ModelPublic
from core.impact import Duplicate, Edits, Impact, Registry, apply_edits, edit_impact, provider_outlook
from core.naming import exposed_name

# Every value of the Status column (data: code, tests and the quick filter branch on it) and the key of the words
# a page shows for it (``ui/locales/workbench.py``).
STATUS_WORDS = {
    "active": "wb.status_active",
    "missing upstream": "wb.status_missing",
    "active, to rename": "wb.status_active_rename",
    "missing upstream, to rename": "wb.status_missing_rename",
    "to delete": "wb.status_to_delete",
    "to restore": "wb.status_to_restore",
    "deleted": "wb.status_deleted",
}


@dataclass
class PendingChanges:
    provider_id: int
    models: dict[int, ModelPublic]
    # Every provider's model names, as loaded with the page: what duplicates and aggregates are computed on.
    registry: Registry
    renames: dict[int, str | None] = field(default_factory=dict)
    deletions: set[int] = field(default_factory=set)
    # Models deleted by an earlier save, to be made active again.
    restores: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, provider_id: int, models: list[ModelPublic], registry: Registry) -> PendingChanges:
        return cls(provider_id, {m.id: m for m in models}, registry)

    @property
    def count(self) -> int:
        return len(self.renames) + len(self.deletions) + len(self.restores)

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

    def mark_restored(self, model_id: int) -> None:
        if not self.models[model_id].is_active:
            self.restores.add(model_id)

    def revert(self, model_id: int) -> None:
        self.renames.pop(model_id, None)
        self.deletions.discard(model_id)
        self.restores.discard(model_id)

    def row_action(self, model_id: int) -> None:
        """The row's own button: Revert a pending delete or restore, else Delete (active) or Restore (deleted)."""
        if model_id in self.deletions or model_id in self.restores:
            self.revert(model_id)
        elif self.models[model_id].is_active:
            self.mark_deleted(model_id)
        else:
            self.mark_restored(model_id)

    def would_change(self, model_ids: Iterable[int], action: Callable[[PendingChanges, int], None]) -> list[int]:
        """The models whose pending state ``action`` changes, tried on a copy: nothing here changes."""
        trial = replace(self, renames=dict(self.renames), deletions=set(self.deletions), restores=set(self.restores))
        ids = list(model_ids)
        for model_id in ids:
            action(trial, model_id)
        return [i for i in ids if trial._state(i) != self._state(i)]

    def exposed(self, model_id: int) -> str:
        model = self.models[model_id]
        return exposed_name(model.original_name, self.renames.get(model_id, model.normalized_name))

    def active(self, model_id: int) -> bool:
        model = self.models[model_id]
        return (model.is_active and model_id not in self.deletions) or model_id in self.restores

    def edits(self) -> Edits:
        return Edits(renames=dict(self.renames), deletions=frozenset(self.deletions), restores=frozenset(self.restores))

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
        """Grid rows; ``duplicates`` (from ``outlook()``) set the highlights. ``_deleted``: marked for deletion,
        ``_inactive``: deleted by a save, ``_restore``: marked for restoring, ``_pending``: any unsaved change."""
        within, shared = self._highlights(duplicates)
        return [
            {
                "id": model_id,
                "original_name": model.original_name,
                "normalized_name": self.renames.get(model_id, model.normalized_name) or "",
                "exposed_name": self.exposed(model_id),
                "status": self._status(model_id),
                "_deleted": model_id in self.deletions,
                "_inactive": not model.is_active,
                "_restore": model_id in self.restores,
                "_pending": self._state(model_id) != (None, False, False),
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
        self.restores.clear()

    def saved(self, models: list[ModelPublic]) -> None:
        """After a successful save: the models it returned, the snapshot with the saved edits in it."""
        self.reset(models, apply_edits(self.registry, self.edits()))

    def _state(self, model_id: int) -> tuple[Any, bool, bool]:
        """Everything pending for one model; ``(None, False, False)`` when nothing is."""
        rename = (self.renames[model_id],) if model_id in self.renames else None
        return rename, model_id in self.deletions, model_id in self.restores

    def _status(self, model_id: int) -> str:
        """What the Status column holds (one of ``STATUS_WORDS``); pending changes read "to …"."""
        model = self.models[model_id]
        if model_id in self.deletions:
            return "to delete"
        if model_id in self.restores:
            return "to restore"
        if not model.is_active:
            return "deleted"
        base = "missing upstream" if model.upstream_missing else "active"
        return f"{base}, to rename" if model_id in self.renames else base

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
