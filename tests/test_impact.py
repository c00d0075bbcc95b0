"""What pending edits do, as the topology will treat them: duplicates per class, emptied providers, split preview."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.impact import Edits, ModelRow, ProviderRow, Registry, apply_edits, edit_impact
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
