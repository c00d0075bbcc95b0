"""Desired GPT-Load groups and uni-api routes from the registry (pure; DESIGN §5, the split rule).

Inside a compatibility class (same channel type, same effective validation endpoint), an exposed
name served by more than one (provider, original name) pair is *shared*: each pair gets a
single-model standard group behind one aggregate. Every provider's other models go into one strict
standard group. Names are deterministic, so the same registry always yields the same topology.
Groups and their names are drafted in one place, ``draft_groups``, for ``build_topology`` and for the split
preview of ``core.impact``, which names aggregates without building every group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from core.channels import CHANNELS
from core.model_kinds import choose_test_model
from core.naming import fit, short_hash, unique_slugs

MEMBER_WEIGHT = 100


@dataclass(frozen=True)
class ProviderInput:
    id: int
    name: str
    channel_type: str
    base_url: str
    # (original name, exposed name) of every ACTIVE model
    models: tuple[tuple[str, str], ...]
    test_model: str | None = None  # the operator's pick for GPT-Load's key checks
    tested_ok: frozenset[str] = frozenset()  # originals whose last model test succeeded


@dataclass(frozen=True)
class StandardGroup:
    name: str
    # What the group serves, independent of names: "rest:{provider id}" or "single:{provider id}:{original}:{exposed}".
    identity: str
    provider_id: int
    provider_name: str
    channel_type: str
    upstream: str
    validation_endpoint: str
    client_prefix: str
    # exposed name -> original name (GPT-Load's direction: what clients send -> what the provider gets)
    rules: dict[str, str] = field(hash=False)
    single: bool  # a single-model member of an aggregate (no uni-api route of its own)
    test_model: str  # what GPT-Load validates keys with (core.model_kinds.choose_test_model)


@dataclass(frozen=True)
class AggregateGroup:
    name: str
    identity: str  # "aggregate:{channel type}:{effective endpoint}:{exposed name}"
    channel_type: str
    validation_endpoint: str
    client_prefix: str
    exposed_name: str
    members: dict[str, int] = field(hash=False)


@dataclass(frozen=True)
class Route:
    """One uni-api provider entry: a GPT-Load group and the exposed names clients reach through it."""

    group: str
    channel_type: str
    client_prefix: str
    models: tuple[str, ...]


@dataclass
class Topology:
    standard: list[StandardGroup]
    aggregates: list[AggregateGroup]
    routes: list[Route]

    def group_names(self) -> list[str]:
        return [g.name for g in self.standard] + [a.name for a in self.aggregates]


# The drafts are named tuples: the split preview drafts thousands for a suggestion, and a frozen dataclass
# pays a setattr per field.
class RestDraft(NamedTuple):
    """One provider's unshared models: its ``-no-aggregate-models`` group, not yet named."""

    identity: str
    provider: ProviderInput
    rules: dict[str, str]  # exposed -> original


class AggregateDraft(NamedTuple):
    """A name shared inside one class: its aggregate and one single-model member per serving pair, not yet named."""

    identity: str
    class_key: tuple[str, str]
    exposed: str
    members: list[tuple[str, ProviderInput, str]]  # (identity, provider, original)


@dataclass(frozen=True)
class Draft:
    """The split rule's groups before they are built (``draft_groups``): what serves what, and the names."""

    names: dict[str, str]  # identity -> fresh name: final unless it collides (``settle_names``)
    groups: list[RestDraft | AggregateDraft]  # the topology's order: per class, its rest groups, then its shared names

    @property
    def aggregates(self) -> list[AggregateDraft]:
        return [g for g in self.groups if isinstance(g, AggregateDraft)]


def class_key(channel_type: str, validation_endpoint: str) -> tuple[str, str]:
    """Providers GPT-Load lets one aggregate hold: same channel type and same *effective* endpoint."""
    return channel_type, CHANNELS[channel_type].effective_validation_endpoint(validation_endpoint)


def provider_class(provider: ProviderInput) -> tuple[str, str]:
    """The compatibility class of a provider, from its channel type and base URL."""
    _, endpoint, _ = CHANNELS[provider.channel_type].gptload_upstream(provider.base_url)
    return class_key(provider.channel_type, endpoint)


def classes_of(providers: Iterable[ProviderInput]) -> dict[tuple[str, str], list[ProviderInput]]:
    """The providers of each compatibility class, in the order given."""
    classes: dict[tuple[str, str], list[ProviderInput]] = defaultdict(list)
    for p in providers:
        classes[provider_class(p)].append(p)
    return dict(classes)


def build_topology(providers: list[ProviderInput], existing: Mapping[str, str] | None = None) -> Topology:
    """The split rule of DESIGN §5: single-model members behind aggregates for shared names, one group for the rest.

    ``existing`` maps the identity of every group the manager already made to its name: such a group keeps
    its name for as long as it serves the same thing, whatever providers are added or renamed; only
    newcomers are named afresh, and a newcomer whose name is taken gets the suffix.
    """
    layout = {p.id: CHANNELS[p.channel_type].gptload_upstream(p.base_url) for p in providers}
    classes = classes_of(providers)
    draft = draft_groups(classes, {key: shared_names(members) for key, members in classes.items()})
    final = settle_names(draft.names, existing or {})  # only once every group is drafted: collisions are global
    topology = Topology(standard=[], aggregates=[], routes=[])
    for group in draft.groups:
        if isinstance(group, RestDraft):
            _add_rest(topology, group, final[group.identity], layout[group.provider.id])
        else:
            _add_aggregate(topology, group, final, layout)
    return topology


def _add_rest(topology: Topology, group: RestDraft, name: str, layout: tuple[str, str, str]) -> None:
    """A provider's unshared models: one strict standard group with a route of its own."""
    p = group.provider
    topology.standard.append(_standard(name, group.identity, p, layout, group.rules, single=False))
    topology.routes.append(Route(name, p.channel_type, layout[2], tuple(sorted(group.rules))))


def _add_aggregate(
    topology: Topology, group: AggregateDraft, final: Mapping[str, str], layout: Mapping[int, tuple[str, str, str]]
) -> None:
    """A shared name: its single-model members (no route of their own), the aggregate over them and its route."""
    for identity, p, original in group.members:
        rules = {group.exposed: original}
        topology.standard.append(_standard(final[identity], identity, p, layout[p.id], rules, single=True))
    name, channel = final[group.identity], group.class_key[0]
    _, endpoint, prefix = layout[group.members[0][1].id]
    topology.aggregates.append(
        AggregateGroup(
            name=name,
            identity=group.identity,
            channel_type=channel,
            validation_endpoint=endpoint,
            client_prefix=prefix,
            exposed_name=group.exposed,
            members={final[identity]: MEMBER_WEIGHT for identity, _, _ in group.members},
        )
    )
    topology.routes.append(Route(name, channel, prefix, (group.exposed,)))


def draft_groups(
    classes: Mapping[tuple[str, str], list[ProviderInput]],
    shared_by_class: Mapping[tuple[str, str], dict[str, list[tuple[ProviderInput, int, str]]]],
) -> Draft:
    """Every group of the split rule under its stable identity, with its fresh name: THE one drafting of groups.

    ``shared_by_class`` is ``shared_names`` of each class, passed in so that a caller who needs it too (the split
    preview of ``core.impact``) computes it once. Leaves out what only the topology needs (upstreams, test
    models, routes), so the preview can name aggregates at 30,000 models without building every group.
    """
    provider_slug = unique_slugs(p.name for members in classes.values() for p in members)
    name_slug = unique_slugs(sorted({n for shared in shared_by_class.values() for n in shared}))
    names: dict[str, str] = {}
    groups: list[RestDraft | AggregateDraft] = []
    aggregate_seen: set[str] = set()
    for key in sorted(classes):
        shared = shared_by_class[key]
        for p in sorted(classes[key], key=lambda p: p.name):
            rest = {exposed: original for original, exposed in p.models if exposed not in shared}
            if rest:
                identity = f"rest:{p.id}"
                names[identity] = fit(provider_slug[p.name], suffix="-no-aggregate-models", identity=identity)
                groups.append(RestDraft(identity, p, rest))
        for exposed in sorted(shared):
            members = []
            for p, index, original in shared[exposed]:
                identity = f"single:{p.id}:{original}:{exposed}"
                names[identity] = fit(f"{provider_slug[p.name]}-{index}-{name_slug[exposed]}", identity=identity)
                members.append((identity, p, original))
            # A name with aggregates in two classes: the later class carries its channel type in the name.
            suffix = "-aggregate" if exposed not in aggregate_seen else f"-{key[0]}-aggregate"
            aggregate_seen.add(exposed)
            identity = f"aggregate:{key[0]}:{key[1]}:{exposed}"
            names[identity] = fit(name_slug[exposed], suffix=suffix, identity=identity)
            groups.append(AggregateDraft(identity, key, exposed, members))
    return Draft(names, groups)


def _standard(
    name: str, identity: str, p: ProviderInput, layout: tuple[str, str, str], rules: dict[str, str], *, single: bool
) -> StandardGroup:
    upstream, endpoint, prefix = layout
    return StandardGroup(
        name=name,
        identity=identity,
        provider_id=p.id,
        provider_name=p.name,
        channel_type=p.channel_type,
        upstream=upstream,
        validation_endpoint=endpoint,
        client_prefix=prefix,
        rules=rules,
        single=single,
        test_model=choose_test_model(rules.values(), p.test_model, p.tested_ok),
    )


def shared_names(providers: list[ProviderInput]) -> dict[str, list[tuple[ProviderInput, int, str]]]:
    """THE duplicate rule: exposed names that more than one (provider, original name) pair of ``providers`` serves.

    Given one compatibility class this is what the split rule splits; given one provider, its duplicates.
    Returns ``{exposed: [(provider, index within that provider, original)]}``.
    """
    pairs: dict[str, list[tuple[ProviderInput, str]]] = defaultdict(list)
    for p in providers:
        for original, exposed in p.models:
            pairs[exposed].append((p, original))
    shared: dict[str, list[tuple[ProviderInput, int, str]]] = {}
    for exposed, serving in pairs.items():
        if len(serving) < 2:
            continue
        counters: dict[int, int] = defaultdict(int)
        shared[exposed] = []
        for p, original in sorted(serving, key=lambda pair: (pair[0].name, pair[1])):
            counters[p.id] += 1
            shared[exposed].append((p, counters[p.id], original))
    return shared


def identity_provider(identity: str | None) -> int | None:
    """The provider a standard group's identity names (``rest:7``, ``single:7:...``); None for aggregates."""
    kind, _, rest = (identity or "").partition(":")
    head = rest.split(":", 1)[0]
    return int(head) if kind in ("rest", "single") and head.isdigit() else None


def duplicates_in_one_provider(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """``(original, exposed)`` pairs of one provider -> ``{exposed: [originals]}`` for names several pairs serve."""
    provider = ProviderInput(0, "", "openai", "", tuple(pairs))  # one provider is always one class
    return {name: [original for _, _, original in serving] for name, serving in shared_names([provider]).items()}


def settle_names(fresh: dict[str, str], existing: Mapping[str, str]) -> dict[str, str]:
    """Existing groups keep their names; newcomers take their fresh name unless it is taken.

    A newcomer that meets a kept name, or another newcomer's (``a`` + ``1-b`` vs ``a-1`` + ``b``), gets its
    identity's hash: all but the first of colliding newcomers, in identity order, so the result is stable.
    """
    kept = {identity: existing[identity] for identity in fresh if identity in existing} if existing else {}
    names = dict(fresh)  # copied whole, then the kept removed: the split preview keeps none
    for identity in kept:
        del names[identity]
    taken = set(kept.values())
    while True:
        distinct = set(names.values())
        if len(distinct) == len(names) and distinct.isdisjoint(taken):
            # Nothing collides (nearly always): one set instead of the pass below, which the split preview
            # of core.impact would otherwise pay on the tens of thousands of groups of a suggestion.
            return {**names, **kept}
        by_name: dict[str, list[str]] = defaultdict(list)
        for identity, name in names.items():
            by_name[name].append(identity)
        for name, identities in by_name.items():
            identities.sort()
            movers = identities if name in taken else identities[1:]
            for identity in movers:
                names[identity] = fit(name, suffix=f"-{short_hash(identity)}")
