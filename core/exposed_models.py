"""Every exposed name in one place (issue 14 §2): who serves it, its class, whether it becomes an aggregate.

A name is what clients ask for (``core.naming.exposed_name``). The listing groups one read of the registry
(``core.impact.load_registry``: the provider and model tables, names only, never a key) in Python: each name
with the (provider, original name) pairs behind it, their compatibility classes (``core.topology.provider_class``)
and whether the split rule makes it an aggregate (``core.topology.shared_names`` per class, active models only,
exactly as the next sync does). Renaming a name everywhere, or merging several names into one, is one batch of
model renames through ``core.catalog.apply_changes``: the same duplicate / split confirmation as every batch.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from core.catalog import Changes, apply_changes, clean_model_name
from core.errors import InvalidInput, NotFound
from core.gc_pause import without_gc
from core.impact import Edits, Impact, Registry, edit_impact, load_registry
from core.services import Services
from core.topology import ProviderInput, provider_class, shared_names

# What two spellings of one name may differ in, besides case and an ``org/`` prefix.
VARIANT_SEPARATORS = re.compile(r"[-_./:]")


@dataclass(frozen=True, slots=True)
class ExposedServing:
    """One model behind a name (``core.impact.ServingModel`` and whether it is active); a deleted one still
    shows who served the name."""

    provider_id: int
    provider_name: str
    original_name: str
    model_id: int
    active: bool


# Dataclasses, not pydantic models: building 40,000 pydantic objects took most of a 30,000-model listing.
@dataclass(frozen=True, slots=True)
class ExposedName:
    name: str
    providers: list[ExposedServing]  # by provider name, then original name
    classes: list[str]  # the compatibility classes of the providers that serve it
    aggregate: bool  # more than one (provider, original) pair of one class serves it: the sync splits it
    active: bool  # at least one active model serves it

    @property
    def provider_count(self) -> int:
        """Providers that serve the name: the active ones, or (a deleted name) the ones that served it."""
        return len({p.provider_id for p in self.providers if p.active or not self.active})


@dataclass(frozen=True, slots=True)
class ExposedPage:
    total: int
    items: list[ExposedName]


class RenameResult(BaseModel):
    renamed: int  # models whose exposed name changed
    model_ids: list[int]


@dataclass(frozen=True)
class ExposedQuery:
    search: str = ""  # in the name, an original name or a provider name, ignoring case
    only_single_provider: bool = False
    variants_of: str | None = None  # the names that are spelling variants of this one (itself included)
    only_variants: bool = False  # the names that have a spelling variant, variants next to each other


def variant_key(name: str) -> str:
    """What spelling variants of one name share (pure): no ``org/`` prefix, case folded, no ``-_./:``.

    ``deepseek-ai/DeepSeek-V3.1``, ``DeepSeek-V3.1`` and ``deepseek_v3_1`` share ``deepseekv31``; ``gpt-4o`` and
    ``gpt-4`` do not. A name with nothing left (``--``) is only a variant of itself.
    """
    tail = name.rsplit("/", 1)[-1] or name
    return VARIANT_SEPARATORS.sub("", tail.casefold()) or name.casefold()


def class_label(channel_type: str, base_url: str) -> str:
    """A provider's compatibility class for people: channel type and effective validation endpoint."""
    channel, endpoint = provider_class(ProviderInput(0, "", channel_type, base_url, ()))
    return f"{channel} {endpoint}".strip()


def aggregated_names(registry: Registry) -> set[str]:
    """The names the next sync serves through an aggregate: THE duplicate rule, per class, on active models."""
    classes: dict[tuple[str, str], list[ProviderInput]] = defaultdict(list)
    for provider in registry.provider_inputs():
        classes[provider_class(provider)].append(provider)
    return {name for members in classes.values() for name in shared_names(members)}


@without_gc  # 30,000 models: 0.35 s instead of 0.75 s in the running app (core/gc_pause.py)
def group_exposed(registry: Registry) -> list[ExposedName]:
    """Every exposed name of the registry, deleted models included, by name ignoring case (pure)."""
    label = {p.id: class_label(p.channel_type, p.base_url) for p in registry.providers.values()}
    names = {p.id: p.name for p in registry.providers.values()}
    aggregated = aggregated_names(registry)
    serving: dict[str, list[ExposedServing]] = defaultdict(list)
    for m in registry.models.values():
        serving[m.exposed].append(
            ExposedServing(m.provider_id, names[m.provider_id], m.original_name, m.id, m.is_active)
        )
    items = []
    for name in sorted(serving, key=lambda n: (n.casefold(), n)):
        rows = serving[name]
        if len(rows) == 1:  # most names: no sorting, no sets (a 30,000-model listing spends its time here)
            only = rows[0]
            items.append(ExposedName(name, rows, [label[only.provider_id]], name in aggregated, only.active))
            continue
        rows.sort(key=lambda s: (s.provider_name, s.original_name, s.model_id))
        active = any(s.active for s in rows)
        classes = sorted({label[s.provider_id] for s in rows if s.active or not active})
        items.append(ExposedName(name, rows, classes, name in aggregated, active))
    return items


def filter_exposed(items: list[ExposedName], query: ExposedQuery) -> list[ExposedName]:
    """The names the query asks for, in listing order; spelling variants next to each other when asked (pure).

    Variants are found among all ``items``, so a search never hides that a name has a variant.
    """
    variants = query.variants_of is not None or query.only_variants
    keys = {i.name: variant_key(i.name) for i in items} if variants else {}  # a search alone needs none
    found = items
    if query.variants_of is not None:
        wanted = variant_key(query.variants_of)
        found = [i for i in found if keys[i.name] == wanted]
    if query.only_variants:
        counts = Counter(keys.values())
        found = sorted((i for i in found if counts[keys[i.name]] > 1), key=lambda i: keys[i.name])
    if query.only_single_provider:
        found = [i for i in found if i.provider_count == 1]
    text = query.search.strip().casefold()
    if text:
        found = [i for i in found if _matches(i, text)]
    return found


def _matches(item: ExposedName, text: str) -> bool:
    return text in item.name.casefold() or any(
        text in s.original_name.casefold() or text in s.provider_name.casefold() for s in item.providers
    )


def page_of(items: list[ExposedName], page: int, page_size: int) -> ExposedPage:
    start = (page - 1) * page_size
    return ExposedPage(len(items), items[start : start + page_size])


async def exposed_page(query: ExposedQuery, *, page: int = 1, page_size: int = 50) -> ExposedPage:
    """One page of the exposed names the query asks for (one read of the registry)."""
    return page_of(filter_exposed(group_exposed(await load_registry()), query), page, page_size)


def with_rename(pending: Mapping[str, str], names: Iterable[str], to: str) -> dict[str, str]:
    """Pending ``{saved name: new name}`` after renaming ``names`` (saved names) to ``to``; a name renamed back
    to itself drops out (pure)."""
    result = {**pending, **dict.fromkeys(names, to)}
    return {name: target for name, target in result.items() if name != target}


def renames_for(registry: Registry, mapping: Mapping[str, str]) -> dict[int, str]:
    """``{model_id: new name}`` for every model whose exposed name ``mapping`` renames (pure); a model that is
    already exposed under its new name is left out."""
    return {
        m.id: mapping[m.exposed]
        for m in sorted(registry.models.values(), key=lambda m: m.id)
        if m.exposed in mapping and mapping[m.exposed] != m.exposed
    }


def rename_impact(registry: Registry, mapping: Mapping[str, str]) -> Impact:
    """What renaming these names does: the impact rule's answer (duplicates, the split), before any write."""
    return edit_impact(registry, Edits(renames=renames_for(registry, mapping)))


async def rename_exposed(
    services: Services, mapping: Mapping[str, str], *, confirm_duplicates: bool = False
) -> RenameResult:
    """Rename exposed names everywhere (``{old: new}``; several olds to one new is a merge): one all-or-nothing
    batch through ``catalog.apply_changes``, which asks for ``confirm_duplicates`` like every batch.

    Raises:
        InvalidInput: no names, or an empty or invalid new name. NotFound: a name no model is exposed as.
        ConfirmationRequired: two models of one provider would share a name (``confirm_duplicates``).
    """
    if not mapping:
        raise InvalidInput("Name at least one exposed name to rename.")
    cleaned = {}
    for old, new in mapping.items():
        name = clean_model_name(new)
        if name is None:
            raise InvalidInput("The new name must not be empty.", code="invalid_name")
        cleaned[old] = name
    registry = await load_registry()
    unknown = sorted(set(cleaned) - {m.exposed for m in registry.models.values()})
    if unknown:
        raise NotFound(f"No model is exposed as: {', '.join(unknown[:20])}.", extra={"names": unknown})
    renames = renames_for(registry, cleaned)
    changes = Changes(renames=dict(renames), confirm_duplicates=confirm_duplicates)
    result = await apply_changes(services, changes)
    return RenameResult(renamed=result.renamed, model_ids=sorted(renames))
