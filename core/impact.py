"""What pending model edits would do, before anything is saved (DESIGN §5: "the UI must show this before it happens").

Given the registry and a set of renames / deletions / restores, ``edit_impact`` answers, exactly as the
next sync's topology will treat them: which exposed names become (or stay) served by more than one
(provider, original name) pair inside a compatibility class and involve an edited model, which of those
sit inside one provider (the case the operator must confirm), which providers would be left without an
active model, and the aggregates the split would build for those names (named by the topology's own
drafting, ``core.topology.draft_groups``, without building every group). It decrypts no key: the
registry it reads holds names only. The workbench's save dialog renders it, REST 409 bodies carry it,
and ``core.catalog`` asks it before it writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel
from tortoise import Tortoise

from core.gc_pause import without_gc
from core.naming import exposed_name
from core.topology import ProviderInput, classes_of, draft_groups, settle_names, shared_names


@dataclass(frozen=True, slots=True)  # slots: a registry holds 30,000 of them, built for every read
class ModelRow:
    id: int
    provider_id: int
    original_name: str
    normalized_name: str | None
    is_active: bool
    last_test_ok: bool | None = None

    @property
    def exposed(self) -> str:
        return exposed_name(self.original_name, self.normalized_name)


@dataclass(frozen=True)
class ProviderRow:
    id: int
    name: str
    channel_type: str
    base_url: str
    test_model: str | None = None


@dataclass(frozen=True)
class Registry:
    """The names side of the registry: providers and models, never a key."""

    providers: Mapping[int, ProviderRow]
    models: Mapping[int, ModelRow]

    def provider_inputs(self, provider_ids: Iterable[int] | None = None) -> list[ProviderInput]:
        """The topology's input for these providers (all when None); providers without an active model drop out."""
        wanted = set(self.providers) if provider_ids is None else set(provider_ids)
        pairs: dict[int, list[tuple[str, str]]] = {pid: [] for pid in wanted}
        passed: dict[int, set[str]] = {pid: set() for pid in wanted}
        for m in sorted(self.models.values(), key=lambda m: m.id):
            if m.is_active and m.provider_id in pairs:
                pairs[m.provider_id].append((m.original_name, m.exposed))
                if m.last_test_ok:
                    passed[m.provider_id].add(m.original_name)
        return [
            ProviderInput(
                p.id, p.name, p.channel_type, p.base_url, tuple(pairs[p.id]), p.test_model, frozenset(passed[p.id])
            )
            for p in sorted((self.providers[pid] for pid in wanted if pid in self.providers), key=lambda p: p.id)
            if pairs[p.id]
        ]


@dataclass(frozen=True)
class Edits:
    """Pending changes by model id; a rename to None (or to the original name) goes back to the original."""

    renames: Mapping[int, str | None] = field(default_factory=dict)
    deletions: frozenset[int] = frozenset()
    restores: frozenset[int] = frozenset()

    @property
    def model_ids(self) -> set[int]:
        return set(self.renames) | set(self.deletions) | set(self.restores)


class ServingModel(BaseModel):
    model_id: int
    provider_id: int
    provider_name: str
    original_name: str


class Duplicate(BaseModel):
    """An exposed name that more than one model serves after the edits, inside one compatibility class."""

    name: str
    channel_type: str
    within_provider: bool  # two models of one provider: the split the operator must confirm
    serving: list[ServingModel]


class SplitGroup(BaseModel):
    """An aggregate the next sync would build, with its single-model member groups."""

    aggregate: str
    exposed_name: str
    members: list[str]


class Impact(BaseModel):
    duplicates: list[Duplicate]
    emptied_provider_ids: list[int]
    split: list[SplitGroup]

    @property
    def within_provider(self) -> dict[str, list[str]]:
        """``{name: [original names]}`` of the duplicates inside one provider (the 409 body's ``duplicates``)."""
        return {d.name: [s.original_name for s in d.serving] for d in self.duplicates if d.within_provider}


def apply_edits(registry: Registry, edits: Edits) -> Registry:
    """The registry as it would be after the edits (pure)."""
    models = dict(registry.models)
    for model_id, name in edits.renames.items():
        model = models[model_id]
        models[model_id] = _changed(model, None if name == model.original_name else name, model.is_active)
    for model_id in edits.restores:
        models[model_id] = _changed(models[model_id], None, True)
    for model_id in edits.deletions:
        model = models[model_id]
        models[model_id] = _changed(model, model.normalized_name, False)
    return Registry(registry.providers, models)


def _changed(model: ModelRow, normalized_name: str | None, is_active: bool) -> ModelRow:
    """``dataclasses.replace`` of these two fields, without its cost (a suggestion renames 10,000 models)."""
    return ModelRow(model.id, model.provider_id, model.original_name, normalized_name, is_active, model.last_test_ok)


@without_gc  # 30,000 models: most of the time went to the collector walking the heap (core/gc_pause.py)
def edit_impact(registry: Registry, edits: Edits) -> Impact:
    """Duplicates the edits take part in, providers they empty, and the split preview (pure)."""
    after = apply_edits(registry, edits)
    changed = {i for i in edits.model_ids if _state(registry.models[i]) != _state(after.models[i])}
    touched = {registry.models[i].provider_id for i in changed}
    emptied = sorted(touched & _with_active_models(registry) - _with_active_models(after))
    if not changed:
        return Impact(duplicates=[], emptied_provider_ids=emptied, split=[])
    classes = _Classes(after.provider_inputs())
    duplicates = _duplicates(after, touched, classes, involving=changed)
    return Impact(duplicates=duplicates, emptied_provider_ids=emptied, split=_split(classes, duplicates))


@without_gc
def provider_outlook(registry: Registry, edits: Edits, provider_id: int) -> Impact:
    """One provider after the edits: every duplicate its models are in (saved ones too), the aggregates the
    next sync builds for them, and whether it is left without an active model (the workbench's preview)."""
    after = apply_edits(registry, edits)
    classes = _Classes(after.provider_inputs())  # once: the duplicates and the split both read it
    duplicates = _duplicates(after, {provider_id}, classes)
    emptied = [] if provider_id in _with_active_models(after) else [provider_id]
    return Impact(duplicates=duplicates, emptied_provider_ids=emptied, split=_split(classes, duplicates))


def duplicates_of(
    registry: Registry, provider_ids: Iterable[int], inputs: list[ProviderInput] | None = None
) -> list[Duplicate]:
    """Every exposed name that a model of these providers shares with another pair of its class (pure)."""
    classes = _Classes(registry.provider_inputs() if inputs is None else inputs)
    return _duplicates(registry, set(provider_ids), classes)


def split_of(inputs: list[ProviderInput], duplicates: list[Duplicate]) -> list[SplitGroup]:
    """The aggregates the next sync builds for these duplicates, named as ``build_topology`` names them (pure)."""
    return _split(_Classes(inputs), duplicates)


class _Classes:
    """The providers of each compatibility class and, asked once per class, its shared names (THE duplicate rule,
    ``core.topology.shared_names``), so the duplicates and the split preview read them once."""

    def __init__(self, inputs: list[ProviderInput]) -> None:
        self.inputs = inputs
        self.members = classes_of(inputs)  # once: the workbench asks on every edit
        self.class_of = {p.id: key for key, members in self.members.items() for p in members}
        self._shared: dict[tuple[str, str], dict[str, list[tuple[ProviderInput, int, str]]]] = {}

    def shared(self, key: tuple[str, str]) -> dict[str, list[tuple[ProviderInput, int, str]]]:
        if key not in self._shared:
            self._shared[key] = shared_names(self.members[key])
        return self._shared[key]


def _duplicates(
    registry: Registry, wanted: set[int], classes: _Classes, involving: set[int] | None = None
) -> list[Duplicate]:
    """``duplicates_of``; with ``involving``, only the duplicates one of those models serves (built only then)."""
    # Only the classes of these providers can hold their duplicates.
    keys = {classes.class_of[p.id] for p in classes.inputs if p.id in wanted}
    by_pair = {(m.provider_id, m.original_name): m for m in registry.models.values()}
    found = []
    for key in sorted(keys):
        for name, serving in sorted(classes.shared(key).items()):
            rows = [by_pair[(p.id, original)] for p, _, original in serving]
            pids = [m.provider_id for m in rows]
            if wanted.isdisjoint(pids) or (involving is not None and involving.isdisjoint(m.id for m in rows)):
                continue
            found.append(
                Duplicate(
                    name=name,
                    channel_type=key[0],
                    within_provider=len(set(pids)) < len(pids),
                    serving=[_serving(registry, m) for m in rows],
                )
            )
    return found


def _split(classes: _Classes, duplicates: list[Duplicate]) -> list[SplitGroup]:
    """The topology's names for these duplicates' aggregates: its own drafting and settling, without building the
    groups themselves (each member's rules and test model, the routes: 30,000 models took 0.5 s a suggestion)."""
    if not duplicates:
        return []
    names = {(d.channel_type, d.name) for d in duplicates}
    # Every class is drafted, not just these names': a name anywhere can collide with theirs and move it.
    draft = draft_groups(classes.members, {key: classes.shared(key) for key in classes.members})
    final = settle_names(draft.names, {})
    return [
        SplitGroup(
            aggregate=final[group.identity],
            exposed_name=group.exposed,
            members=sorted([final[identity] for identity, _, _ in group.members]),
        )
        for group in draft.aggregates
        if (group.class_key[0], group.exposed) in names
    ]


def _serving(registry: Registry, model: ModelRow) -> ServingModel:
    provider = registry.providers[model.provider_id]
    return ServingModel(
        model_id=model.id, provider_id=provider.id, provider_name=provider.name, original_name=model.original_name
    )


def _state(model: ModelRow) -> tuple[str | None, bool]:
    return model.normalized_name, model.is_active


def _with_active_models(registry: Registry) -> set[int]:
    return {m.provider_id for m in registry.models.values() if m.is_active}


async def load_registry(provider_ids: Iterable[int] | None = None) -> Registry:
    """Providers and their models (all, or only these providers'), names only: no key is read or decrypted.

    Two plain queries (as ``core.desired`` reads its input): through the ORM's ``values_list`` reading 30,000
    models took twice as long. SQLite stores the booleans as 0 / 1; they are read back as ``bool``."""
    connection = Tortoise.get_connection("default")
    providers_where = models_where = ""
    if provider_ids is not None:
        ids = ", ".join(str(int(i)) for i in sorted(set(provider_ids)))  # integers only: nothing to quote
        if not ids:
            return Registry({}, {})  # `IN ()` is SQLite's dialect: a syntax error on PostgreSQL
        providers_where, models_where = f" WHERE id IN ({ids})", f" WHERE provider_id IN ({ids})"
    _, providers = await connection.execute_query(
        f"SELECT id, name, channel_type, base_url, test_model FROM provider{providers_where}"
    )
    _, models = await connection.execute_query(
        "SELECT id, provider_id, original_name, normalized_name, is_active, last_test_ok FROM model" + models_where
    )
    return Registry(
        {row[0]: ProviderRow(row[0], row[1], row[2], row[3], row[4]) for row in providers},
        {
            row[0]: ModelRow(row[0], row[1], row[2], row[3], bool(row[4]), None if row[5] is None else bool(row[5]))
            for row in models
        },
    )
