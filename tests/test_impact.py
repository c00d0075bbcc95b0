"""What pending edits do, as the topology will treat them: duplicates per class, emptied providers, split preview."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.impact import (
    Duplicate,
    Edits,
    ModelRow,
    ProviderRow,
    Registry,
    ServingModel,
    SplitGroup,
    apply_edits,
    edit_impact,
    load_registry,
    provider_outlook,
    split_of,
)
from core.models import Model, Provider
from core.topology import build_topology
from tests.conftest import fake_key, provider_body

PROVIDERS = {
    1: ProviderRow(1, "alpha", "openai", "https://a.test/v1"),
    2: ProviderRow(2, "beta", "openai", "https://b.test/v1"),
    3: ProviderRow(3, "gemma", "gemini", "https://g.test/v1beta"),
    4: ProviderRow(4, "zhipu", "openai", "https://z.test/api/paas/v4"),  # own class: custom validation endpoint
}


def registry(*models: tuple[int, int, str, str | None, bool]) -> Registry:
    return Registry(PROVIDERS, {m[0]: ModelRow(*m) for m in models})


BASE = registry(
    (1, 1, "gpt-4o", None, True),
    (2, 1, "gpt-4o-mini", None, True),
    (3, 2, "openai/gpt-4o", None, True),
    (4, 3, "gemini-pro", None, True),
    (5, 4, "glm-4", None, True),
    (6, 2, "only", None, True),
)


@pytest.mark.parametrize(
    ("edits", "duplicates", "emptied"),
    [
        # a rename inside one provider onto a sibling's name: a duplicate the operator must confirm
        (Edits(renames={2: "gpt-4o"}), [("gpt-4o", True, ["alpha/gpt-4o", "alpha/gpt-4o-mini"])], []),
        # the same name at another provider of the class: an aggregate, not a confirmation
        (Edits(renames={3: "gpt-4o"}), [("gpt-4o", False, ["alpha/gpt-4o", "beta/openai/gpt-4o"])], []),
        # another class (gemini, or a kept custom path) never shares a name with openai /v1 providers
        (Edits(renames={4: "gpt-4o"}), [], []),
        (Edits(renames={5: "gpt-4o"}), [], []),
        # a deletion creates no duplicate; deleting a provider's last active model empties it
        (Edits(deletions=frozenset({6, 3})), [], [2]),
        (Edits(deletions=frozenset({6})), [], []),
        # an edit that changes nothing is not reported
        (Edits(renames={1: "gpt-4o"}), [], []),
        # restoring brings back the original name
        (Edits(restores=frozenset({3})), [], []),
    ],
)
def test_edit_impact_reports_what_the_topology_will_do(edits, duplicates, emptied):
    impact = edit_impact(BASE, edits)
    found = [
        (d.name, d.within_provider, sorted(f"{s.provider_name}/{s.original_name}" for s in d.serving))
        for d in impact.duplicates
    ]
    assert found == duplicates
    assert impact.emptied_provider_ids == emptied


def test_a_duplicate_that_exists_already_is_reported_only_when_an_edit_takes_part():
    shared = registry((1, 1, "a", None, True), (2, 1, "b", "a", True), (3, 1, "c", None, True))
    assert edit_impact(shared, Edits(renames={3: "d"})).duplicates == []
    assert [d.name for d in edit_impact(shared, Edits(renames={3: "a"})).duplicates] == ["a"]


def test_the_split_preview_is_the_aggregate_the_topology_builds():
    impact = edit_impact(BASE, Edits(renames={2: "gpt-4o"}))
    after = apply_edits(BASE, Edits(renames={2: "gpt-4o"}))
    aggregate = next(a for a in build_topology(after.provider_inputs()).aggregates if a.exposed_name == "gpt-4o")
    assert [(s.aggregate, s.members) for s in impact.split] == [(aggregate.name, sorted(aggregate.members))]
    assert impact.within_provider == {"gpt-4o": ["gpt-4o", "gpt-4o-mini"]}


names = st.sampled_from(["a", "b", "c", "A", "a-1"])


@given(
    models=st.lists(st.tuples(st.sampled_from([1, 2, 3]), names, st.booleans()), min_size=1, max_size=8),
    renames=st.dictionaries(st.integers(1, 8), st.one_of(st.none(), names), max_size=4),
)
def test_every_reported_duplicate_is_an_aggregate_of_the_topology(models, renames):
    base = registry(*((i, pid, f"{name}{i}", None, active) for i, (pid, name, active) in enumerate(models, 1)))
    edits = Edits(renames={i: n for i, n in renames.items() if i in base.models})
    impact = edit_impact(base, edits)
    aggregates = {a.exposed_name for a in build_topology(apply_edits(base, edits).provider_inputs()).aggregates}
    assert {d.name for d in impact.duplicates} <= aggregates
    assert {s.exposed_name for s in impact.split} == {d.name for d in impact.duplicates}


async def test_a_refused_rest_batch_carries_the_whole_impact(api, fake, openai_account):
    """The 409 body shows what the edit would do across providers: the aggregate and every member it splits into."""
    reseller = fake.add("openai", "reseller.test", [fake_key("rs1")], ["gpt-4o"])
    acme = (await api.post("/api/providers", json=provider_body(openai_account, "acme"))).json()
    await api.post("/api/providers", json=provider_body(reseller, "reseller"))
    models = {m["original_name"]: m for m in (await api.get(f"/api/providers/{acme['id']}/models")).json()}
    body = {"renames": [{"model_id": models["gpt-4o-mini"]["id"], "normalized_name": "gpt-4o"}]}

    refused = await api.post(f"/api/providers/{acme['id']}/models/batch", json=body)

    assert (refused.status_code, refused.json()["code"]) == (409, "confirm_duplicates")
    (duplicate,) = refused.json()["impact"]["duplicates"]
    serving = sorted((s["provider_name"], s["original_name"]) for s in duplicate["serving"])
    assert (duplicate["name"], duplicate["within_provider"]) == ("gpt-4o", True)
    assert serving == [("acme", "gpt-4o"), ("acme", "gpt-4o-mini"), ("reseller", "gpt-4o")]
    (split,) = refused.json()["impact"]["split"]
    assert (split["aggregate"], len(split["members"])) == ("gpt-4o-aggregate", 3)
    confirmed = await api.post(f"/api/providers/{acme['id']}/models/batch", json={**body, "confirm_duplicates": True})
    assert confirmed.status_code == 200


# ----- the impact's duplicates and split preview are the whole topology's

CLASSES = [
    ("openai", "https://x.test/v1"),
    ("openai", "https://z.test/api/paas/v4"),
    ("gemini", "https://g.test/v1beta"),
]
# Provider and model names whose slugs collide (``a`` / ``A``, ``a-1`` + ``1-b``), and names cut at 100 characters.
PROVIDER_NAMES = ["a", "A", "a-1", "b", "a 1", "p" * 99, "p" * 98 + "q"]
MODEL_NAMES = ["a", "A", "b", "1-b", "a-1", "gpt-4o", "GPT-4o", "x" * 120, "x" * 119 + "y"]


def topology_answer(registry: Registry, wanted: set[int], changed: set[int] | None) -> tuple[list, list]:
    """The duplicates and the split read off ``build_topology`` of the whole registry (the full path): every
    aggregate with a member of ``wanted``'s providers (and of ``changed``'s models, when given)."""
    topology = build_topology(registry.provider_inputs())
    groups = {g.name: g for g in topology.standard}
    by_pair = {(m.provider_id, m.original_name): m for m in registry.models.values()}
    duplicates, split = [], []
    for a in topology.aggregates:
        rows = [by_pair[(groups[m].provider_id, groups[m].rules[a.exposed_name])] for m in a.members]
        pids = [m.provider_id for m in rows]
        if wanted.isdisjoint(pids) or (changed is not None and changed.isdisjoint(m.id for m in rows)):
            continue
        serving = [
            ServingModel(model_id=m.id, provider_id=m.provider_id, provider_name=registry.providers[m.provider_id].name,
                         original_name=m.original_name)
            for m in rows
        ]  # fmt: skip
        within = len(set(pids)) < len(pids)
        duplicates.append(Duplicate(name=a.exposed_name, channel_type=a.channel_type, within_provider=within,
                                    serving=serving))  # fmt: skip
        split.append((a.channel_type, a.exposed_name))
    names = set(split)
    aggregates = [
        SplitGroup(aggregate=a.name, exposed_name=a.exposed_name, members=sorted(a.members))
        for a in topology.aggregates
        if (a.channel_type, a.exposed_name) in names
    ]
    return duplicates, aggregates


@st.composite
def registries_and_edits(draw):
    names = draw(st.lists(st.sampled_from(PROVIDER_NAMES), min_size=1, max_size=4, unique=True))
    classes = [draw(st.sampled_from(CLASSES[:1] * 4 + CLASSES[1:])) for _ in names]  # mostly one class
    providers = {i: ProviderRow(i, name, *cls) for i, (name, cls) in enumerate(zip(names, classes, strict=True), 1)}
    pool = st.sampled_from(MODEL_NAMES)
    targets = st.sampled_from(MODEL_NAMES[:4] + MODEL_NAMES[-2:])  # fewer names to rename to: more duplicates
    row = st.tuples(st.sampled_from(sorted(providers)), pool, st.one_of(st.none(), targets), st.booleans())
    rows = draw(st.lists(row, min_size=3, max_size=16, unique_by=lambda r: (r[0], r[1])))
    models = {i: ModelRow(i, pid, original, normalized, active) for i, (pid, original, normalized, active) in
              enumerate(rows, 1)}  # fmt: skip
    ids = st.sampled_from(sorted(models))
    edits = Edits(
        renames=draw(st.dictionaries(ids, st.one_of(st.none(), targets), max_size=8)),
        deletions=frozenset(draw(st.sets(ids, max_size=3))),
        restores=frozenset(draw(st.sets(ids, max_size=3))),
    )
    return Registry(providers, models), edits


@settings(max_examples=300)  # about one in six generated edits makes a duplicate: check a few dozen of those
@given(registries_and_edits())
def test_the_impact_equals_the_whole_topologys(case):
    registry, edits = case
    after = apply_edits(registry, edits)
    changed = {i for i in edits.model_ids if registry.models[i] != after.models[i]}
    touched = {registry.models[i].provider_id for i in changed}

    impact = edit_impact(registry, edits)

    expected = topology_answer(after, touched, changed) if changed else ([], [])
    assert (impact.duplicates, impact.split) == expected
    for provider_id in registry.providers:
        outlook = provider_outlook(registry, edits, provider_id)
        assert (outlook.duplicates, outlook.split) == topology_answer(after, {provider_id}, None)


@pytest.mark.parametrize(
    ("providers", "models", "aggregates"),
    [
        # ``a`` + member 1 of ``1-b`` and ``a-1`` + member 1 of ``b`` both draft ``a-1-1-b``: the topology's settling
        # keeps it for the first identity and gives the other its hash, and so does the preview
        ([("a", "openai", "/v1"), ("a-1", "openai", "/v1"), ("b", "openai", "/v1")],
         [(1, "1-b"), (3, "1-b"), (2, "b"), (3, "b")],
         {"1-b-aggregate": ["a-1-1-b", "b-1-1-b"], "b-aggregate": ["a-1-1-b-e7d061", "b-1-b"]}),
        # one name shared in two classes: the aggregate of the later class (gemini < openai) carries its channel type
        ([("a", "openai", "/v1"), ("b", "openai", "/v1"), ("c", "gemini", "/v1beta"), ("d", "gemini", "/v1beta")],
         [(1, "m"), (2, "m"), (3, "m"), (4, "m")],
         {"m-aggregate": ["c-1-m", "d-1-m"], "m-openai-aggregate": ["a-1-m", "b-1-m"]}),
        # a name too long for a group name: cut, with its identity's hash
        ([("a", "openai", "/v1"), ("b", "openai", "/v1")], [(1, "x" * 120), (2, "x" * 120)],
         {"x" * 83 + "-429beb-aggregate": ["a-1-" + "x" * 89 + "-ab9e6e", "b-1-" + "x" * 89 + "-420b3a"]}),
    ],
)  # fmt: skip
def test_the_split_preview_names_aggregates_as_the_topology_does(providers, models, aggregates):
    rows = {i: ProviderRow(i, name, channel, f"https://{name}.test{path}") for i, (name, channel, path) in
            enumerate(providers, 1)}  # fmt: skip
    registry = Registry(rows, {i: ModelRow(i, pid, name, None, True) for i, (pid, name) in enumerate(models, 1)})
    duplicates, split = topology_answer(registry, set(rows), None)

    preview = split_of(registry.provider_inputs(), duplicates)

    assert preview == split
    assert {s.aggregate: s.members for s in preview} == aggregates


async def test_the_registry_is_read_with_every_field_as_stored(services):
    alpha = await Provider.create(name="alpha", base_url="https://a.test/v1", channel_type="openai",
                                  api_keys_token="x", test_model="gpt-4o")  # fmt: skip
    beta = await Provider.create(name="beta", base_url="https://b.test/v1", channel_type="gemini", api_keys_token="x")
    rows = [(alpha, "gpt-4o", None, True, None), (alpha, "o1", "gpt-o1", False, True), (beta, "gemini", "g", True,
            False)]  # fmt: skip
    made = [await Model.create(provider=p, original_name=o, normalized_name=n, is_active=a, last_test_ok=t)
            for p, o, n, a, t in rows]  # fmt: skip

    everything = await load_registry()
    only_beta = await load_registry([beta.id])

    assert everything.providers == {
        alpha.id: ProviderRow(alpha.id, "alpha", "openai", "https://a.test/v1", "gpt-4o"),
        beta.id: ProviderRow(beta.id, "beta", "gemini", "https://b.test/v1", None),
    }
    expected = {m.id: ModelRow(m.id, p.id, o, n, a, t) for m, (p, o, n, a, t) in zip(made, rows, strict=True)}
    assert everything.models == expected
    assert [type(m.is_active) for m in everything.models.values()] == [bool, bool, bool]
    assert (set(only_beta.providers), set(only_beta.models)) == ({beta.id}, {made[2].id})
    assert await load_registry([]) == Registry({}, {})
