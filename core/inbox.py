"""The upstream churn inbox (issue 14 §4): what fetches found that the operator has not reviewed yet.

``core.catalog.store_listing`` marks the models a fetch adds ("new"), the ones the provider stopped listing
("vanished") and the ones it lists again ("reappeared"); a model the operator ignored is never marked again.
This module lists them across providers with the name accepting gives them, counts them for the header's badge
(one COUNT query) and resolves them:

- accept: active, under the suggested name (or the name the operator typed);
- ignore: inactive, out of the inbox, never offered again;
- delete: a vanished model deactivated, as every deletion is.

A resolve is one transaction under the registry lock. Its restores, renames and deletions go through
``core.catalog``, so duplicates inside a provider and deleting every active model need the same confirmation
flags as every other batch (409 ``confirm_duplicates`` / ``confirm_delete_all``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from core import normalization_suggestions
from core.catalog import Changes, apply_changes_locked, clean_model_name
from core.errors import InvalidResolution, NotFound
from core.models import Model
from core.naming import suggest_name
from core.services import Services
from core.shapes import MAX_BATCH_ITEMS, Body, DbId, IdList, chunks

log = logging.getLogger(__name__)

Kind = Literal["new", "vanished", "reappeared"]
KINDS: tuple[Kind, ...] = ("new", "vanished", "reappeared")
FIELDS = ("id", "provider_id", "provider__name", "original_name", "normalized_name", "inbox", "is_active")
ORDER = ("provider__name", "original_name", "id")


class InboxItem(BaseModel):
    model_id: int
    provider_id: int
    provider_name: str
    original_name: str
    kind: Kind
    suggested_name: str  # what accepting makes it exposed as
    is_active: bool


class InboxPage(BaseModel):
    total: int
    items: list[InboxItem]


@dataclass(frozen=True)
class InboxQuery:
    kind: Kind | None = None
    provider_id: int | None = None


class Resolution(Body):
    accept: IdList = Field(default_factory=list)
    ignore: IdList = Field(default_factory=list)
    delete: IdList = Field(default_factory=list)
    # The name an accepted model gets instead of its suggestion ("" = its original name).
    names: Annotated[dict[DbId, str], Field(max_length=MAX_BATCH_ITEMS)] = Field(default_factory=dict)
    confirm_duplicates: bool = False
    confirm_delete_all: bool = False


class ResolveResult(BaseModel):
    accepted: int
    ignored: int
    deleted: int
    remaining: int  # the inbox count afterwards (the badge)


def can_delete(kind: str) -> bool:
    """Only a model the provider stopped listing is deleted from the inbox; new ones are ignored instead."""
    return kind == "vanished"


def suggested_name(kind: str, original: str, normalized: str | None, suggestion: str) -> str:
    """The name accepting gives a model (pure): a name the operator chose stays; a new model takes the
    suggestion; a vanished or reappeared one keeps the name clients know it by."""
    if normalized:
        return normalized
    return (suggestion or original) if kind == "new" else original


async def suggestions(originals: list[str]) -> dict[str, str]:
    """Suggested normalized names for newly fetched models: the operator's saved normalization rules
    (``core.normalization_suggestions``) once any is enabled, else ``core.naming.suggest_name`` (no ``org/``
    prefix, lowercase), so a registry without rules still gets a suggestion."""
    if not originals:
        return {}
    if any(rule.enabled for rule in await normalization_suggestions.list_rules()):
        return await normalization_suggestions.suggest_for_fetched(originals)
    return {name: suggest_name(name) for name in originals}


async def inbox_count() -> int:
    """How many models wait in the inbox: one COUNT query, for the header's badge."""
    return await Model.filter(inbox__isnull=False).count()


async def list_inbox(query: InboxQuery, *, page: int = 1, page_size: int = 50) -> InboxPage:
    """One page of the inbox across providers, by provider name and original name."""
    rows = _filtered(query)
    total = await rows.count()
    page_rows = await rows.order_by(*ORDER).offset((page - 1) * page_size).limit(page_size).values(*FIELDS)
    return InboxPage(total=total, items=await _items(page_rows))


async def inbox_items(query: InboxQuery) -> list[InboxItem]:
    """The whole inbox (or one kind, one provider), for a page that pages it itself."""
    return await _items(await _filtered(query).order_by(*ORDER).values(*FIELDS))


def _filtered(query: InboxQuery) -> QuerySet[Model]:
    filters: dict[str, Any] = {"inbox__isnull": False}
    if query.kind is not None:
        filters["inbox"] = query.kind
    if query.provider_id is not None:
        filters["provider_id"] = query.provider_id
    return Model.filter(**filters)


async def _items(rows: list[dict[str, Any]]) -> list[InboxItem]:
    fresh = [r["original_name"] for r in rows if r["inbox"] == "new" and not r["normalized_name"]]
    suggested = await suggestions(list(dict.fromkeys(fresh)))
    return [
        InboxItem(
            model_id=r["id"],
            provider_id=r["provider_id"],
            provider_name=r["provider__name"],
            original_name=r["original_name"],
            kind=r["inbox"],
            suggested_name=suggested_name(
                r["inbox"], r["original_name"], r["normalized_name"], suggested.get(r["original_name"], "")
            ),
            is_active=r["is_active"],
        )
        for r in rows
    ]


async def resolve(services: Services, resolution: Resolution) -> ResolveResult:
    """Accept, ignore and delete inbox models in one transaction; nothing changes when anything is refused.

    Raises:
        NotFound: an unknown model id (``model_ids``). InvalidResolution: a model the inbox does not hold
        (``not_in_inbox``), a delete of one that did not vanish (``not_vanished``), one model in two lists or a
        name for a model not accepted (``conflicting_actions``). InvalidInput: a bad name.
        ConfirmationRequired: as ``core.catalog.apply_changes``.
    """
    accept, ignore, delete = set(resolution.accept), set(resolution.ignore), set(resolution.delete)
    _check_disjoint(accept, ignore, delete, set(resolution.names))
    typed = {model_id: clean_model_name(name) for model_id, name in resolution.names.items()}
    ids = accept | ignore | delete
    async with services.registry_lock:
        rows = await _rows_by_id(ids)
        _check_resolvable(ids, delete, rows)
        items = {item.model_id: item for item in await _items([rows[i] for i in sorted(accept)])}
        names = {i: typed[i] if i in typed else items[i].suggested_name for i in accept}
        restores = {i for i in accept if not rows[i]["is_active"]}
        flags = {"confirm_duplicates": resolution.confirm_duplicates,
                 "confirm_delete_all": resolution.confirm_delete_all}  # fmt: skip
        async with in_transaction():
            # A restore goes back to the original name (core.catalog's rule), so it comes first and the accepted
            # name after it; each batch checks duplicates and emptied providers as every batch does.
            if restores:
                await apply_changes_locked(Changes(restores=restores, **flags))
            if names or ignore or delete:
                await apply_changes_locked(Changes(renames=names, deletions=ignore | delete, **flags))
            for chunk in chunks(sorted(ids)):
                await Model.filter(id__in=chunk).update(inbox=None)
            for chunk in chunks(sorted(ignore)):
                await Model.filter(id__in=chunk).update(ignored=True)
    log.info("inbox: accepted=%d ignored=%d deleted=%d", len(accept), len(ignore), len(delete))
    return ResolveResult(accepted=len(accept), ignored=len(ignore), deleted=len(delete), remaining=await inbox_count())


def _check_disjoint(accept: set[int], ignore: set[int], delete: set[int], named: set[int]) -> None:
    twice = sorted((accept & ignore) | (accept & delete) | (ignore & delete))
    if twice:
        raise InvalidResolution(
            f"A model can be accepted, ignored or deleted, not two of these: {', '.join(map(str, twice))}.",
            code="conflicting_actions",
            extra={"model_ids": twice},
        )
    unaccepted = sorted(named - accept)
    if unaccepted:
        raise InvalidResolution(
            f"Names are for accepted models only: {', '.join(map(str, unaccepted))} are not accepted.",
            code="conflicting_actions",
            extra={"model_ids": unaccepted},
        )


async def _rows_by_id(ids: set[int]) -> dict[int, dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for chunk in chunks(sorted(ids)):
        rows.update({r["id"]: r for r in await Model.filter(id__in=chunk).values(*FIELDS)})
    return rows


def _check_resolvable(ids: set[int], delete: set[int], rows: dict[int, dict[str, Any]]) -> None:
    missing = sorted(ids - set(rows))
    if missing:
        raise NotFound(f"Model ids do not exist: {', '.join(map(str, missing))}.", extra={"model_ids": missing})
    resolved = sorted(i for i in ids if rows[i]["inbox"] is None)
    if resolved:
        raise InvalidResolution(
            f"These models are not in the inbox (resolved already, or never fetched as new): "
            f"{', '.join(map(str, resolved))}.",
            code="not_in_inbox",
            extra={"model_ids": resolved},
        )
    kept = sorted(i for i in delete if not can_delete(rows[i]["inbox"]))
    if kept:
        raise InvalidResolution(
            f"Only models that vanished upstream are deleted from the inbox; ignore the others: "
            f"{', '.join(map(str, kept))}.",
            code="not_vanished",
            extra={"model_ids": kept},
        )
