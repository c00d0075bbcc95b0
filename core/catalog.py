"""Model use-cases: list, add by hand, and every rename / reset / delete, all through one batch path.

Single edits are batches of one, so the rules (duplicate confirmation, delete-all confirmation,
all-or-nothing) hold the same for the REST endpoints, the pending-changes save and the UI.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from tortoise.transactions import in_transaction

from core.errors import AlreadyExists, ConfirmationRequired, InvalidInput, NotFound
from core.impact import Edits, Impact, ModelRow, Registry, apply_edits, edit_impact, load_registry
from core.models import Model, Provider
from core.naming import exposed_name
from core.phrases import Phrase
from core.services import Services
from core.shapes import CONTROL_CHARS, Body, DbId, chunks
from core.topology import duplicates_in_one_provider

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


def new_duplicates(existing: Iterable[dict[str, Any]], added: list[str]) -> dict[str, list[str]]:
    """Added names that another active model of the provider already serves (pure): ``{name: [originals]}``."""
    active = [r for r in existing if r["is_active"]]
    pairs = [(r["original_name"], exposed_name(r["original_name"], r["normalized_name"])) for r in active]
    fresh = set(added)
    duplicates = duplicates_in_one_provider([*pairs, *((name, name) for name in added)])
    return {name: originals for name, originals in duplicates.items() if fresh & set(originals)}


async def list_models(provider_id: int) -> list[ModelPublic]:
    if not await Provider.filter(id=provider_id).exists():
        raise NotFound(f"Provider {provider_id} does not exist.")
    # Plain rows, not Model objects: building thousands of objects dominated the listing time.
    rows = await Model.filter(provider_id=provider_id).order_by("id").values(*PUBLIC_FIELDS)
    return [_public_row(row) for row in rows]


def _public_row(row: dict[str, Any]) -> ModelPublic:
    return ModelPublic(**row, exposed_name=exposed_name(row["original_name"], row["normalized_name"]))


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
        # A hand-added model is a restore of a (maybe new) inactive row: the impact rule decides on duplicates.
        row = ModelRow(existing.id if existing else 0, provider_id, name, None, False)
        edits = Edits(restores=frozenset({row.id}))
        impact = edit_impact(_with_row(await load_registry({provider_id}), row), edits)
        if impact.within_provider and not confirm_duplicates:
            full = edit_impact(_with_row(await load_registry(), row), edits)
            raise _duplicates_error(impact, full.model_dump())
        if existing is not None:
            existing.normalized_name, existing.is_active = None, True
            await existing.save(update_fields=["normalized_name", "is_active", "updated_at"])
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


async def apply_changes_locked(changes: Changes) -> BatchResult:
    """``apply_changes`` for a caller that holds ``services.registry_lock`` already: ``core.inbox`` runs a restore
    batch, a rename / delete batch and its own writes as one transaction."""
    return await _apply_locked(changes, {model_id: clean_model_name(n) for model_id, n in changes.renames.items()})


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
    # Whether to ask for a confirmation depends on the touched providers alone; the whole registry is read
    # only to show the operator everything the edit would do (cross-provider aggregates included).
    touched = set(owners.values())
    edits = Edits(renames, frozenset(changes.deletions), frozenset(changes.restores))
    registry = await load_registry(touched)
    impact = edit_impact(registry, edits)
    if impact.emptied_provider_ids and not changes.confirm_delete_all:
        raise ConfirmationRequired(
            "This would delete every active model of the provider; send confirm_delete_all=true to do it.",
            code="confirm_delete_all",
            extra={"provider_ids": impact.emptied_provider_ids, "impact": await _full_impact(edits)},
        )
    if impact.within_provider and not changes.confirm_duplicates:
        raise _duplicates_error(impact, await _full_impact(edits))
    after = apply_edits(registry, edits)
    changed = [after.models[i] for i in sorted(ids) if after.models[i] != registry.models[i]]
    await _store(changed)
    log.info("models: renamed=%d deleted=%d restored=%d", len(renames), len(changes.deletions), len(changes.restores))
    provider_ids = sorted(set(owners.values()) | ({changes.provider_id} - {None}))
    return BatchResult(
        renamed=len(renames),
        deleted=len(changes.deletions),
        restored=len(changes.restores),
        models=await _models_of(provider_ids),
    )


async def _store(changed: list[ModelRow]) -> None:
    """Write the changed rows in one transaction (bulk: thousands of renames are one save)."""
    if not changed:
        return
    now = datetime.now(UTC)
    rows = [
        Model(id=m.id, normalized_name=m.normalized_name, is_active=m.is_active, updated_at=now, _saved_in_db=True)
        for m in changed
    ]
    async with in_transaction():
        await Model.bulk_update(rows, fields=["normalized_name", "is_active", "updated_at"], batch_size=500)


async def _models_of(provider_ids: list[int]) -> list[ModelPublic]:
    rows = await Model.filter(provider_id__in=provider_ids).order_by("provider_id", "id").values(*PUBLIC_FIELDS)
    return [_public_row(row) for row in rows]


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


def _with_row(registry: Registry, row: ModelRow) -> Registry:
    return Registry(registry.providers, {**registry.models, row.id: row})


async def _full_impact(edits: Edits) -> dict[str, Any]:
    return edit_impact(await load_registry(), edits).model_dump()


def _duplicates_error(impact: Impact, full_impact: dict[str, Any]) -> ConfirmationRequired:
    found = impact.within_provider
    names = ", ".join(sorted(found))
    return ConfirmationRequired(
        f"More than one model of the provider would be exposed as: {names}. The next sync splits them into one "
        "group per model behind an aggregate; send confirm_duplicates=true to keep them.",
        code="confirm_duplicates",
        extra={"duplicates": found, "impact": full_impact},
    )


async def _owners(ids: set[int]) -> dict[int, int]:
    """``{model_id: provider_id}`` for the ids that exist (ids only: cheap even for thousands)."""
    owners: dict[int, int] = {}
    for chunk in chunks(sorted(ids)):
        owners.update(await Model.filter(id__in=chunk).values_list("id", "provider_id"))
    return owners


@dataclass(frozen=True)
class UsableListing:
    names: list[str]  # as GPT-Load will store them: outer blanks trimmed, each once
    skipped: list[str]  # what could not be stored, described for people (cut short, escapes shown)


def usable_listing(listed: list[str]) -> UsableListing:
    """A provider's listing as the registry can hold it (pure): names trimmed the way GPT-Load trims a
    test_model, and the ones too long or with control characters skipped with a description, never fatal."""
    names: list[str] = []
    skipped: list[str] = []
    for raw in listed:
        name = raw.strip()
        if not name:
            continue
        if len(name) > MAX_NAME or CONTROL_CHARS.search(name):
            reason = f"{len(name)} characters" if len(name) > MAX_NAME else "control characters"
            skipped.append(f"{ascii(name[:60])[1:-1]}{'…' if len(name) > 60 else ''} ({reason})")
            continue
        names.append(name)
    return UsableListing(list(dict.fromkeys(names)), skipped)


def skipped_note(skipped: list[str]) -> Phrase:
    """The names a listing skipped (``UsableListing.skipped``), the first five of them shown."""
    values = {"count": len(skipped), "names": "; ".join(skipped[:5])}
    if len(skipped) > 5:
        return Phrase("listing_skipped_more", values | {"more": len(skipped) - 5})
    return Phrase("listing_skipped", values)


def skipped_warning(skipped: list[str]) -> str:
    return str(skipped_note(skipped))


def fetch_notes(base_url: str, listed: int, skipped: list[str]) -> list[Phrase]:
    """What a fetch warns of, from what its result carries (``core.fetching.FetchResult``: the names listed, the ones
    skipped), for a page to say in its language: ``FetchResult.warning`` says the same in English. Nothing usable
    was listed when every listed name was skipped (a listing of blank names aside)."""
    nothing = [] if listed > len(skipped) else [empty_listing_note(base_url)]
    return nothing + ([skipped_note(skipped)] if skipped else [])


async def store_listing(provider: Provider, listed: list[str]) -> tuple[MergeResult, dict[str, list[str]]]:
    """Merge a usable listing into the stored models (the caller holds the registry lock); returns new duplicates.

    What changed goes to the churn inbox (``core.inbox``): added models as "new", disappeared ones as "vanished",
    listed-again ones as "reappeared"; a model the operator ignored never returns there.
    """
    existing = await Model.filter(provider_id=provider.id).values(
        "original_name", "normalized_name", "is_active", "is_manual", "upstream_missing", "ignored"
    )
    merge = merge_listing(existing, listed)
    ignored = {r["original_name"] for r in existing if r["ignored"]}
    now = datetime.now(UTC)
    async with in_transaction():
        await Model.bulk_create(
            [Model(provider=provider, original_name=n, fetched_at=now, inbox="new") for n in merge.added]
        )
        for kind, names in (("vanished", merge.disappeared), ("reappeared", merge.reappeared)):
            for chunk in chunks([n for n in names if n not in ignored]):
                await Model.filter(provider_id=provider.id, original_name__in=chunk).update(inbox=kind)
        added = set(merge.added)
        known = [n for n in listed if n not in added]
        for chunk in chunks(known):
            await Model.filter(provider_id=provider.id, original_name__in=chunk).update(
                fetched_at=now, upstream_missing=False
            )
        for chunk in chunks(merge.disappeared):
            await Model.filter(provider_id=provider.id, original_name__in=chunk).update(upstream_missing=True)
        provider.last_fetched_at = now
        await provider.save(update_fields=["last_fetched_at", "updated_at"])
    return merge, new_duplicates(existing, merge.added)


def empty_listing_note(base_url: str) -> Phrase:
    return Phrase("listing_empty", {"url": base_url})


def empty_listing_warning(base_url: str) -> str:
    return str(empty_listing_note(base_url))
