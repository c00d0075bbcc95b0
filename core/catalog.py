"""Model use-cases: list, add by hand, and every rename / reset / delete, all through one batch path.

Single edits are batches of one, so the rules (duplicate confirmation, delete-all confirmation,
all-or-nothing) hold the same for the REST endpoints, the pending-changes save and the UI.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from tortoise.transactions import in_transaction

from core.errors import AlreadyExists, ConfirmationRequired, InvalidInput, NotFound
from core.models import Model, Provider
from core.services import Services
from core.shapes import CONTROL_CHARS, Body, DbId, chunks

log = logging.getLogger(__name__)

MAX_NAME = 500


class ModelPublic(BaseModel):
    id: int
    provider_id: int
    original_name: str
    normalized_name: str | None
    exposed_name: str
    is_active: bool
    is_manual: bool
    upstream_missing: bool
    fetched_at: datetime | None


PUBLIC_FIELDS = tuple(f for f in ModelPublic.model_fields if f != "exposed_name")
STATE_FIELDS = ("provider_id", *PUBLIC_FIELDS)


class Rename(Body):
    model_id: DbId
    normalized_name: str | None


class BatchResult(BaseModel):
    renamed: int
    deleted: int
    restored: int
    models: list[ModelPublic]


@dataclass
class Changes:
    """What one request asks for; model ids only, names as the user typed them."""

    renames: dict[int, str | None] = field(default_factory=dict)
    deletions: set[int] = field(default_factory=set)
    restores: set[int] = field(default_factory=set)
    confirm_duplicates: bool = False
    confirm_delete_all: bool = False
    provider_id: int | None = None


@dataclass(frozen=True)
class MergeResult:
    added: list[str]
    disappeared: list[str]
    reappeared: list[str]


def merge_listing(existing: Iterable[dict[str, Any]], listed: list[str]) -> MergeResult:
    """Compare stored models with a fresh listing (pure). Manual models never count as disappeared."""
    rows = {row["original_name"]: row for row in existing}
    listed_set = set(listed)
    return MergeResult(
        added=[n for n in listed if n not in rows],
        disappeared=[
            n for n, r in rows.items() if n not in listed_set and not r["is_manual"] and not r["upstream_missing"]
        ],
        reappeared=[n for n, r in rows.items() if n in listed_set and r["upstream_missing"]],
    )


def exposed_name(original: str, normalized: str | None) -> str:
    return normalized or original


def duplicate_names(models: Iterable[tuple[int, str, bool]]) -> dict[str, list[int]]:
    """Exposed names served by more than one active model: ``(id, exposed, active)`` -> ``{name: [ids]}``."""
    by_name: dict[str, list[int]] = defaultdict(list)
    for model_id, name, active in models:
        if active:
            by_name[name].append(model_id)
    return {name: ids for name, ids in by_name.items() if len(ids) > 1}


def new_duplicates(existing: Iterable[dict[str, Any]], added: list[str]) -> dict[str, list[str]]:
    """Added names that equal the exposed name of an active stored model (pure): ``{name: [originals]}``."""
    exposed: dict[str, list[str]] = defaultdict(list)
    for row in existing:
        if row["is_active"]:
            exposed[exposed_name(row["original_name"], row["normalized_name"])].append(row["original_name"])
    return {name: [*exposed[name], name] for name in added if name in exposed}


async def exposed_names_elsewhere(provider_id: int) -> set[str]:
    """Exposed names that other providers' active models serve (the workbench's cross-provider highlight)."""
    rows = (
        await Model.filter(is_active=True)
        .exclude(provider_id=provider_id)
        .values_list("original_name", "normalized_name")
    )
    return {exposed_name(o, n) for o, n in rows}


async def list_models(provider_id: int) -> list[ModelPublic]:
    if not await Provider.filter(id=provider_id).exists():
        raise NotFound(f"Provider {provider_id} does not exist.")
    # Plain rows, not Model objects: building thousands of objects dominated the listing time.
    rows = await Model.filter(provider_id=provider_id).order_by("id").values(*PUBLIC_FIELDS)
    return [ModelPublic(**row, exposed_name=exposed_name(row["original_name"], row["normalized_name"])) for row in rows]


async def add_model(
    services: Services, provider_id: int, original_name: str, *, confirm_duplicates: bool = False
) -> ModelPublic:
    """Add a model by hand (for providers whose listing is empty or incomplete)."""
    name = clean_model_name(original_name)
    if name is None:
        raise InvalidInput("Model name must not be empty.", code="invalid_name")
    async with services.registry_lock:
        if not await Provider.filter(id=provider_id).exists():
            raise NotFound(f"Provider {provider_id} does not exist.")
        existing = await Model.get_or_none(provider_id=provider_id, original_name=name)
        if existing is not None and existing.is_active:
            raise AlreadyExists(f"Model {name!r} already exists for this provider.")
        siblings = await Model.filter(provider_id=provider_id, is_active=True).values_list(
            "original_name", "normalized_name"
        )
        clashes = [o for o, n in siblings if exposed_name(o, n) == name]
        if clashes and not confirm_duplicates:
            raise _duplicates_error({name: [*clashes, name]})
        if existing is not None:
            existing.is_active = True
            await existing.save(update_fields=["is_active", "updated_at"])
            return public(existing)
        return public(await Model.create(provider_id=provider_id, original_name=name, is_manual=True))


async def apply_changes(services: Services, changes: Changes) -> BatchResult:
    """Validate the whole request against the resulting state, then write it in one transaction.

    Raises:
        NotFound: an unknown provider or model id. InvalidInput: a bad name, or a model of another provider.
        ConfirmationRequired: ``confirm_duplicates`` / ``confirm_delete_all`` needed (``extra`` says which).
    """
    renames = {model_id: clean_model_name(name) for model_id, name in changes.renames.items()}
    async with services.registry_lock:
        return await _apply_locked(changes, renames)


async def _apply_locked(changes: Changes, renames: dict[int, str | None]) -> BatchResult:
    if changes.provider_id is not None and not await Provider.filter(id=changes.provider_id).exists():
        raise NotFound(f"Provider {changes.provider_id} does not exist.")
    ids = set(renames) | changes.deletions | changes.restores
    owners = await _owners(ids)
    missing = sorted(ids - set(owners))
    if missing:
        raise NotFound(f"Model ids do not exist: {', '.join(map(str, missing))}.", extra={"model_ids": missing})
    if changes.provider_id is not None and any(pid != changes.provider_id for pid in owners.values()):
        raise InvalidInput(f"Every model in this request must belong to provider {changes.provider_id}.")
    provider_ids = set(owners.values()) | ({changes.provider_id} - {None})
    # Only the columns the checks and the answer need: parsing timestamps dominated large batches.
    loaded = await Model.filter(provider_id__in=provider_ids).only(*STATE_FIELDS) if provider_ids else []
    state = {m.id: m for m in loaded}
    before = {mid: (m.normalized_name, m.is_active) for mid, m in state.items()}
    for model_id, name in renames.items():
        state[model_id].normalized_name = None if name == state[model_id].original_name else name
    for model_id in changes.restores:
        state[model_id].normalized_name, state[model_id].is_active = None, True
    for model_id in changes.deletions:
        state[model_id].is_active = False
    changed = [m for mid, m in state.items() if (m.normalized_name, m.is_active) != before[mid]]
    _check_delete_all(state.values(), before, changes)
    _check_duplicates(state.values(), {m.id for m in changed}, changes)
    if changed:
        now = datetime.now(UTC)
        for m in changed:
            m.updated_at = now  # bulk_update does not touch auto_now fields by itself
        async with in_transaction():
            await Model.bulk_update(changed, fields=["normalized_name", "is_active", "updated_at"], batch_size=500)
    log.info("models: renamed=%d deleted=%d restored=%d", len(renames), len(changes.deletions), len(changes.restores))
    models = sorted(state.values(), key=lambda m: (m.provider_id, m.id))
    return BatchResult(
        renamed=len(renames), deleted=len(changes.deletions), restored=len(changes.restores), models=map_public(models)
    )


def clean_model_name(name: str | None) -> str | None:
    """A normalized or manual name: exact characters kept, only outer blanks trimmed; empty means none."""
    name = (name or "").strip()
    if not name:
        return None
    if len(name) > MAX_NAME:
        raise InvalidInput(f"Model names are at most {MAX_NAME} characters.", code="invalid_name")
    if CONTROL_CHARS.search(name):
        raise InvalidInput("Model names must not contain control characters.", code="invalid_name")
    return name


def public(model: Model) -> ModelPublic:
    return ModelPublic(
        id=model.id,
        provider_id=model.provider_id,
        original_name=model.original_name,
        normalized_name=model.normalized_name,
        exposed_name=exposed_name(model.original_name, model.normalized_name),
        is_active=model.is_active,
        is_manual=model.is_manual,
        upstream_missing=model.upstream_missing,
        fetched_at=model.fetched_at,
    )


def map_public(models: Iterable[Model]) -> list[ModelPublic]:
    return [public(m) for m in models]


def _check_delete_all(models: Iterable[Model], before: dict[int, tuple[str | None, bool]], changes: Changes) -> None:
    if changes.confirm_delete_all or not changes.deletions:
        return
    active_before: dict[int, int] = defaultdict(int)
    active_after: dict[int, int] = defaultdict(int)
    for m in models:
        active_before[m.provider_id] += before[m.id][1]
        active_after[m.provider_id] += m.is_active
    emptied = sorted(pid for pid, n in active_before.items() if n and not active_after[pid])
    if emptied:
        raise ConfirmationRequired(
            "This would delete every active model of the provider; send confirm_delete_all=true to do it.",
            code="confirm_delete_all",
            extra={"provider_ids": emptied},
        )


def _check_duplicates(models: Iterable[Model], changed: set[int], changes: Changes) -> None:
    """Refuse a change that makes two models of one provider share a name, unless confirmed."""
    if changes.confirm_duplicates:
        return
    by_provider: dict[int, list[Model]] = defaultdict(list)
    for m in models:
        by_provider[m.provider_id].append(m)
    found: dict[str, list[str]] = {}
    for group in by_provider.values():
        originals = {m.id: m.original_name for m in group}
        dupes = duplicate_names((m.id, exposed_name(m.original_name, m.normalized_name), m.is_active) for m in group)
        for name, ids in dupes.items():
            if changed & set(ids):
                found[name] = [originals[i] for i in ids]
    if found:
        raise _duplicates_error(found)


def _duplicates_error(found: dict[str, list[str]]) -> ConfirmationRequired:
    names = ", ".join(sorted(found))
    return ConfirmationRequired(
        f"More than one model of the provider would be exposed as: {names}. The next sync splits them into one "
        "group per model behind an aggregate; send confirm_duplicates=true to keep them.",
        code="confirm_duplicates",
        extra={"duplicates": found},
    )


async def _owners(ids: set[int]) -> dict[int, int]:
    """``{model_id: provider_id}`` for the ids that exist (ids only: cheap even for thousands)."""
    owners: dict[int, int] = {}
    for chunk in chunks(sorted(ids)):
        owners.update(await Model.filter(id__in=chunk).values_list("id", "provider_id"))
    return owners
