"""Facts the registry's numbers say, read in a few queries: counts, duplicates, GPT-Load's test model."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pydantic import BaseModel
from tortoise.functions import Count

from core.model_kinds import choose_test_model
from core.models import Model, Provider
from core.naming import exposed_name
from core.topology import duplicates_in_one_provider


async def model_counts(**filters: object) -> dict[int, int]:
    rows = await Model.filter(**filters).annotate(n=Count("id")).group_by("provider_id").values("provider_id", "n")
    return {row["provider_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class ActiveModelFacts:
    duplicates: int  # exposed names that more than one active model of the provider serves (split on sync)
    test_model: str | None  # what GPT-Load would validate keys with, by core.model_kinds' rule


async def active_model_facts(provider_id: int | None = None) -> dict[int, ActiveModelFacts]:
    """Per provider, from one read of its active models: its duplicates and its GPT-Load test model."""
    query = Model.filter(is_active=True)
    if provider_id is not None:
        query = query.filter(provider_id=provider_id)
    pairs: dict[int, list[tuple[str, str]]] = defaultdict(list)
    passed: dict[int, set[str]] = defaultdict(set)
    rows = await query.values_list("provider_id", "original_name", "normalized_name", "last_test_ok")
    for pid, original, normalized, ok in rows:
        pairs[pid].append((original, exposed_name(original, normalized)))
        if ok:
            passed[pid].add(original)
    preferred = dict(await Provider.filter(id__in=list(pairs)).values_list("id", "test_model")) if pairs else {}
    return {
        pid: ActiveModelFacts(
            duplicates=len(duplicates_in_one_provider(p)),
            test_model=choose_test_model([o for o, _ in p], preferred.get(pid), passed[pid]),
        )
        for pid, p in pairs.items()
    }


class RegistryStats(BaseModel):
    providers: int
    models: int
    active_models: int
    deleted_models: int
    renamed_models: int
    upstream_missing_models: int
    exposed_names: int


async def registry_stats() -> RegistryStats:
    active = Model.filter(is_active=True)
    exposed = {exposed_name(o, n) for o, n in await active.values_list("original_name", "normalized_name")}
    return RegistryStats(
        providers=await Provider.all().count(),
        models=await Model.all().count(),
        active_models=await active.count(),
        deleted_models=await Model.filter(is_active=False).count(),
        renamed_models=await active.filter(normalized_name__isnull=False).count(),
        upstream_missing_models=await Model.filter(upstream_missing=True).count(),
        exposed_names=len(exposed),
    )
