"""The split rule of DESIGN §5 (pure): table-driven cases and properties over random registries."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.naming import GROUP_NAME
from core.topology import (
    AggregateDraft,
    ProviderInput,
    RestDraft,
    build_topology,
    class_key,
    classes_of,
    draft_groups,
    provider_class,
    settle_names,
    shared_names,
)


def provider(pid: int, name: str, models: dict[str, str], channel: str = "openai", base: str | None = None):
    base = base or f"https://{name}.example/v1"
    return ProviderInput(pid, name, channel, base, tuple(models.items()))


def summary(providers):
    t = build_topology(providers)
    return (
        {g.name: g.rules for g in t.standard},
        {a.name: sorted(a.members) for a in t.aggregates},
        {r.group: r.models for r in t.routes},
    )


CASES = {
    "unshared models share one strict group with identity rules": (
        [provider(1, "acme", {"gpt-4o": "gpt-4o", "org/Model-X": "model-x"})],
        {"acme-no-aggregate-models": {"gpt-4o": "gpt-4o", "model-x": "org/Model-X"}},
        {},
        {"acme-no-aggregate-models": ("gpt-4o", "model-x")},
    ),
    "one provider with two originals renamed to one name splits behind an aggregate": (
        [provider(1, "acme", {"ds-v3": "deepseek-v3", "DS-V3-preview": "deepseek-v3", "o3": "o3"})],
        {
            "acme-no-aggregate-models": {"o3": "o3"},
            "acme-1-deepseek-v3": {"deepseek-v3": "DS-V3-preview"},
            "acme-2-deepseek-v3": {"deepseek-v3": "ds-v3"},
        },
        {"deepseek-v3-aggregate": ["acme-1-deepseek-v3", "acme-2-deepseek-v3"]},
        {"acme-no-aggregate-models": ("o3",), "deepseek-v3-aggregate": ("deepseek-v3",)},
    ),
    "the same name at several providers gets one member per provider": (
        [provider(1, "a", {"m": "m"}), provider(2, "b", {"b/M": "m", "x": "x"}), provider(3, "c", {"m": "m"})],
        {
            "a-1-m": {"m": "m"},
            "b-1-m": {"m": "b/M"},
            "c-1-m": {"m": "m"},
            "b-no-aggregate-models": {"x": "x"},
        },
        {"m-aggregate": ["a-1-m", "b-1-m", "c-1-m"]},
        {"b-no-aggregate-models": ("x",), "m-aggregate": ("m",)},
    ),
    "a name at providers of different channel types is not shared": (
        [provider(1, "a", {"m": "m"}), provider(2, "g", {"m": "m"}, channel="gemini", base="https://g.example")],
        {"a-no-aggregate-models": {"m": "m"}, "g-no-aggregate-models": {"m": "m"}},
        {},
        {"a-no-aggregate-models": ("m",), "g-no-aggregate-models": ("m",)},
    ),
    "a name shared in two classes names its second aggregate after the channel": (
        [
            provider(1, "a", {"m": "m"}),
            provider(2, "b", {"m": "m"}),
            provider(3, "g", {"m": "m"}, channel="gemini", base="https://g.example"),
            provider(4, "h", {"m": "m"}, channel="gemini", base="https://h.example/v1beta"),
        ],
        {"a-1-m": {"m": "m"}, "b-1-m": {"m": "m"}, "g-1-m": {"m": "m"}, "h-1-m": {"m": "m"}},
        {"m-aggregate": ["g-1-m", "h-1-m"], "m-openai-aggregate": ["a-1-m", "b-1-m"]},
        {"m-aggregate": ("m",), "m-openai-aggregate": ("m",)},
    ),
    "a non-/v1 path is its own class": (
        [provider(1, "a", {"m": "m"}), provider(2, "z", {"m": "m"}, base="https://z.example/api/paas/v4")],
        {"a-no-aggregate-models": {"m": "m"}, "z-no-aggregate-models": {"m": "m"}},
        {},
        {"a-no-aggregate-models": ("m",), "z-no-aggregate-models": ("m",)},
    ),
}


@pytest.mark.parametrize(("providers", "standard", "aggregates", "routes"), CASES.values(), ids=CASES.keys())
def test_split_rule(providers, standard, aggregates, routes):
    assert summary(providers) == (standard, aggregates, routes)


@pytest.mark.parametrize(
    ("channel", "base", "upstream", "endpoint", "prefix"),
    [
        ("openai", "https://api.x.com/v1", "https://api.x.com", "", "/v1"),
        ("openai", "https://api.x.com", "https://api.x.com", "", "/v1"),
        ("openai", "https://openrouter.ai/api/v1", "https://openrouter.ai/api", "", "/v1"),
        ("openai", "https://z.cn/api/paas/v4", "https://z.cn/api/paas/v4", "/chat/completions", ""),
        ("gemini", "https://g.com/v1beta", "https://g.com", "", "/v1beta"),
        ("anthropic", "https://a.com/v1", "https://a.com", "", "/v1"),
    ],
)
def test_upstream_url_rule(channel, base, upstream, endpoint, prefix):
    group = build_topology([provider(1, "p", {"m": "m"}, channel=channel, base=base)]).standard[0]
    assert (group.upstream, group.validation_endpoint, group.client_prefix) == (upstream, endpoint, prefix)
    assert group.test_model == "m"


def test_colliding_composed_names_are_told_apart():
    t = build_topology(
        [provider(1, "a", {"1-b": "1-b"}), provider(2, "a-1", {"b": "b"}), provider(3, "z", {"1-b": "1-b", "b": "b"})]
    )
    names = [g.name for g in t.standard] + [a.name for a in t.aggregates]
    assert len(names) == len(set(names))


# --- properties -------------------------------------------------------------------------------------------------

NAMES = st.sampled_from(["gpt-4o", "GPT-4o", "gpt.4o", "deepseek-v3.1", "m", "org/M", "x" * 120, "Qwen 3", "o3"])
CHANNELS = st.sampled_from(
    [("openai", "https://{}.ex/v1"), ("openai", "https://{}.ex/api/v4"), ("gemini", "https://{}.ex")]
)


@st.composite
def registries(draw):
    count = draw(st.integers(1, 5))
    names = draw(st.lists(st.sampled_from(["acme", "Acme", "b.c", "b-c", "p" * 110, "z"]), min_size=count,
                          max_size=count, unique=True))  # fmt: skip
    providers = []
    for pid, name in enumerate(names, start=1):
        channel, base = draw(CHANNELS)
        originals = draw(st.lists(NAMES, max_size=6, unique=True))
        models = {o: draw(st.one_of(st.just(o), NAMES)) for o in originals}
        providers.append(provider(pid, name, models, channel=channel, base=base.format(pid)))
    return providers


@settings(max_examples=300, deadline=None)
@given(registries())
def test_topology_properties(providers):
    t = build_topology(providers)
    names = t.group_names()
    # every group name is valid, unique and deterministic
    assert all(GROUP_NAME.match(n) for n in names)
    assert len(names) == len(set(names))
    assert build_topology(providers) == t
    assert sorted(build_topology(list(reversed(providers))).group_names()) == sorted(names)
    groups = {g.name: g for g in t.standard}
    # aggregates hold only compatible single-model standard members
    for a in t.aggregates:
        members = [groups[m] for m in a.members]
        assert len(members) >= 2
        assert all(m.single and len(m.rules) == 1 and set(m.rules) == {a.exposed_name} for m in members)
        assert len({class_key(m.channel_type, m.validation_endpoint) for m in members}) == 1
    # every active (provider, original) is routable under its exposed name through exactly one route of its class
    route_groups = {r.group: r for r in t.routes}
    served = defaultdict(list)
    for route in t.routes:
        targets = (
            [groups[m] for m in next(a for a in t.aggregates if a.name == route.group).members]
            if route.group not in groups
            else [groups[route.group]]
        )
        for exposed in route.models:
            for g in targets:
                served[(g.provider_id, g.rules[exposed])].append(exposed)
    expected = {(p.id, o): [e] for p in providers for o, e in p.models}
    assert dict(served) == expected
    # single-model members get no route of their own; rest groups and aggregates do
    assert all((g.name in route_groups) != g.single for g in t.standard)


def draft_of(providers):
    classes = classes_of(providers)
    return draft_groups(classes, {key: shared_names(members) for key, members in classes.items()})


@settings(max_examples=300, deadline=None)
@given(registries())
def test_the_draft_places_every_pair_once_and_names_every_group_as_the_topology(providers):
    """``draft_groups`` is the one drafting of groups and names: the topology and the split preview
    (``core.impact``) both read it, so what it places and names is what both say."""
    draft = draft_of(providers)
    placed = defaultdict(list)  # (provider id, original) -> where the draft put it
    identities = []
    for group in draft.groups:
        if isinstance(group, RestDraft):
            identities.append(group.identity)
            for exposed, original in group.rules.items():
                placed[(group.provider.id, original)].append(("rest", exposed))
        else:
            assert isinstance(group, AggregateDraft) and len(group.members) >= 2
            identities += [group.identity, *(identity for identity, _, _ in group.members)]
            for _, p, original in group.members:
                assert provider_class(p) == group.class_key
                placed[(p.id, original)].append(("aggregate", group.exposed))
    # every active (provider, original) pair once, under its exposed name: behind an aggregate when more than one
    # pair of its class serves that name, in its provider's rest group otherwise
    pairs_serving = Counter((provider_class(p), e) for p in providers for _, e in p.models)
    kind = {True: "aggregate", False: "rest"}
    expected = {
        (p.id, o): [(kind[pairs_serving[(provider_class(p), e)] > 1], e)] for p in providers for o, e in p.models
    }
    assert dict(placed) == expected
    assert sorted(draft.names) == sorted(identities) and len(identities) == len(set(identities))
    assert all(GROUP_NAME.match(name) for name in draft.names.values())
    # the same draft whatever the providers' order
    assert draft_of(list(reversed(providers))) == draft
    # the topology's names are the draft's, settled
    settled, t = settle_names(draft.names, {}), build_topology(providers)
    assert {g.identity: g.name for g in [*t.standard, *t.aggregates]} == settled


# --- names that stay ---------------------------------------------------------------------------------------------


def names_by_identity(t) -> dict[str, str]:
    return {g.identity: g.name for g in [*t.standard, *t.aggregates]}


def test_a_newcomer_spelling_never_renames_an_existing_aggregate():
    """36 resellers added a second spelling of deepseek-v3.1: only the newcomer's aggregate gets a suffix."""
    before = [
        provider(1, "a", {"deepseek-v3.1": "deepseek-v3.1"}),
        provider(2, "b", {"deepseek-v3.1": "deepseek-v3.1"}),
    ]
    first = build_topology(before)
    assert [a.name for a in first.aggregates] == ["deepseek-v3-1-aggregate"]
    resellers = [
        provider(3, "c", {"DeepSeek-V3.1": "DeepSeek-V3.1"}),
        provider(4, "d", {"DeepSeek-V3.1": "DeepSeek-V3.1"}),
    ]

    fresh = build_topology([*before, *resellers])
    kept = build_topology([*before, *resellers], names_by_identity(first))

    assert "deepseek-v3-1-aggregate" not in {a.name for a in fresh.aggregates}  # what happened without memory
    by_exposed = {a.exposed_name: a.name for a in kept.aggregates}
    assert by_exposed["deepseek-v3.1"] == "deepseek-v3-1-aggregate"
    assert by_exposed["DeepSeek-V3.1"].startswith("deepseek-v3-1-") and by_exposed["DeepSeek-V3.1"].endswith(
        "-aggregate"
    )


def test_a_provider_rename_keeps_every_group_name():
    before = [provider(1, "acme", {"m": "m", "x": "x"}), provider(2, "beta", {"m": "m"})]
    first = build_topology(before)
    renamed = [provider(1, "Acme Cloud", {"m": "m", "x": "x"}), provider(2, "beta", {"m": "m"})]
    again = build_topology(renamed, names_by_identity(first))
    assert names_by_identity(again) == names_by_identity(first)
    assert {g.provider_name for g in again.standard if g.provider_id == 1} == {"Acme Cloud"}


@settings(max_examples=200, deadline=None)
@given(registries(), registries(), st.data())
def test_adding_or_renaming_providers_never_renames_a_group_that_serves_the_same_thing(providers, extra, data):
    first = build_topology(providers)
    newcomers = [replace(p, id=p.id + 100, name=f"new-{p.name}") for p in extra]
    renamed = [replace(p, name=data.draw(st.sampled_from([p.name, f"{p.name} renamed", "Z"]))) for p in providers]
    renamed = list({p.name: p for p in renamed}.values())  # provider names stay unique
    later = build_topology([*renamed, *newcomers], names_by_identity(first))
    before, after = names_by_identity(first), names_by_identity(later)
    assert all(after[i] == before[i] for i in before.keys() & after.keys())
    names = later.group_names()
    assert len(names) == len(set(names)) and all(GROUP_NAME.match(n) for n in names)
