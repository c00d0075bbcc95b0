"""Pending changes of the provider workbench, held in Python until Save (no NiceGUI, no I/O).

Edits and delete marks change only this state; ``rows()`` is what the grid shows, ``changes()`` the one
batch request Save sends. Revert restores a row exactly as it was loaded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.catalog import ModelPublic


@dataclass
class PendingChanges:
    models: dict[int, ModelPublic]
    # exposed names served by other providers (for the "also at other providers" highlight)
    elsewhere: set[str] = field(default_factory=set)
    renames: dict[int, str | None] = field(default_factory=dict)
    deletions: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, models: list[ModelPublic], elsewhere: set[str] | None = None) -> PendingChanges:
        return cls({m.id: m for m in models}, set(elsewhere or ()))

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
        normalized = self.renames.get(model_id, model.normalized_name)
        return normalized or model.original_name

    def active(self, model_id: int) -> bool:
        return self.models[model_id].is_active and model_id not in self.deletions

    def duplicates(self) -> dict[str, list[int]]:
        """Exposed names that more than one active model of this provider would serve after Save."""
        counts = Counter(self.exposed(i) for i in self.models if self.active(i))
        return {
            name: sorted(i for i in self.models if self.active(i) and self.exposed(i) == name)
            for name, n in counts.items()
            if n > 1
        }

    def deletes_everything(self) -> bool:
        return bool(self.deletions) and not any(self.active(i) for i in self.models)

    def rows(self) -> list[dict[str, Any]]:
        dupes = {i for ids in self.duplicates().values() for i in ids}
        rows = []
        for model_id, model in self.models.items():
            exposed = self.exposed(model_id)
            rows.append(
                {
                    "id": model_id,
                    "original_name": model.original_name,
                    "normalized_name": self.renames.get(model_id, model.normalized_name) or "",
                    "exposed_name": exposed,
                    "status": _status(model, model_id in self.deletions),
                    "_deleted": model_id in self.deletions,
                    "_pending": model_id in self.renames or model_id in self.deletions,
                    "_duplicate": model_id in dupes,
                    "_shared": self.active(model_id) and exposed in self.elsewhere,
                }
            )
        return rows

    def changes(self) -> dict[str, Any]:
        """The body of ``POST /api/providers/{id}/models/batch`` (also what the UI's Save calls)."""
        renames = [{"model_id": i, "normalized_name": n} for i, n in sorted(self.renames.items())]
        return {"renames": renames, "deletions": sorted(self.deletions)}


def _status(model: ModelPublic, marked: bool) -> str:
    if marked:
        return "to delete"
    if not model.is_active:
        return "deleted"
    return "missing upstream" if model.upstream_missing else "active"
