"""From candidates to a proposal: providers, conflicts and every option's effect, and what may be adopted (pure)."""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidChoice
from core.import_proposal import Proposal, Registered, adoptable_now, check_choices, propose
from core.import_sources import (
    Candidate,
    ModelCandidate,
    SourceRead,
    Unmappable,
    backup_source,
    entry_source,
    from_gptload,
    group_source,
)
from core.import_uniapi import from_uniapi
from core.naming import GROUP_MARKER
from core.phrases import Phrase
from core.rest.errors import STATUS
from tests.conftest import fake_key
from tests.test_import_sources import KEYS, aggregate, group, layout_of, proxied

K0, K1, K2 = fake_key("prop-k0"), fake_key("prop-k1"), fake_key("prop-k2")
URL = "https://openai.example/v1"


def source_of(text: str) -> Phrase:
    """``group g``, ``api.yaml entry e`` or ``backup b``: the source core makes for it."""
    kind, name = text.rsplit(" ", 1)
    return {"group": group_source, "api.yaml entry": entry_source, "backup": backup_source}[kind](name)


def candidate(source: str, *models: ModelCandidate, keys=(K0,), url: str = URL, **fields: Any) -> Candidate:
    name = fields.pop("name", source.split()[-1])
    channel = fields.pop("channel_type", "openai")
    return Candidate(source_of(source), name, url, channel, frozenset(keys), list(models), **fields)


def texts(phrases) -> list[str]:
    return [str(p) for p in phrases]


def read_of(*candidates: Candidate, **more: Any) -> SourceRead:
    return SourceRead(candidates=list(candidates), **more)


def mine(*models: tuple[str, str | None], keys=(K0,), url: str = URL) -> Registered:
    return Registered(7, "mine", url, "openai", frozenset(keys), dict(models))


def sources(groups: list[dict], entries: list[dict], members=None, owned=frozenset()) -> SourceRead:
    """What importing.preview reads from GPT-Load and the configured api.yaml."""
    layout = layout_of(*groups, members=members)
    read, by_name = from_gptload(layout, set(owned))
    entries_read = from_uniapi({"providers": entries}, by_name, layout, adoptable=True)
    read.candidates += entries_read.candidates
    read.entries += entries_read.entries
    read.unmappable += entries_read.unmappable
    return read


def only(proposal: Proposal, kind: str):
    (conflict,) = [c for c in proposal.conflicts if c.kind == kind]
    return conflict


def named(proposal: Proposal) -> dict[str, dict[str, str | None]]:
    """provider name -> {original: client name}."""
    return {p.name: {m.original: m.client for m in p.models} for p in proposal.providers}


def finding(proposal: Proposal, name: str):
    return next(f for f in (*proposal.groups, *proposal.entries) if f.name == name)


# --- one upstream, one provider --------------------------------------------------------------------------------


def test_a_group_and_an_entry_of_one_upstream_and_key_set_are_one_provider_named_after_the_group():
    entry = {"provider": "direct", "base_url": f"{URL}/chat/completions", "api": KEYS, "model": [{"o3": "reasoner"}]}
    proposal = propose(sources([group(1, "openai-main", upstream="https://OpenAI.example/")], [entry]), [])
    (provider,) = proposal.providers
    assert (provider.name, provider.base_url, provider.keys) == ("openai-main", "https://OpenAI.example/v1", set(KEYS))
    assert texts(provider.sources) == ["group openai-main", "api.yaml entry direct"]
    assert proposal.conflicts == [] and proposal.skippable == ["openai-main"]
    assert named(proposal) == {"openai-main": {"o3": "reasoner"}}
    assert adoptable_now(proposal, finding(proposal, "openai-main"))
    assert adoptable_now(proposal, finding(proposal, "direct"))


def test_the_managers_split_groups_of_one_provider_are_one_provider_and_never_adoptable():
    rest = group(
        1,
        "p-no-aggregate-models",
        description=GROUP_MARKER,
        upstream="https://p.example",
        model_redirect_rules={"a": "a", "b": "b"},
        model_redirect_strict=True,
    )
    single = group(
        2,
        "p-1-c",
        description=GROUP_MARKER,
        upstream="https://p.example",
        model_redirect_rules={"c": "c"},
        model_redirect_strict=True,
    )
    pool = aggregate(3, "c-aggregate", description=GROUP_MARKER)
    proposal = propose(sources([rest, single, pool], [], members={3: {2: 100}}), [])
    (provider,) = proposal.providers
    assert {m.original for m in provider.models} == {"a", "b", "c"}
    assert sorted(texts(provider.sources)) == ["group p-1-c", "group p-no-aggregate-models"]
    assert not any(adoptable_now(proposal, f) for f in proposal.groups)


def test_hosts_differing_in_case_are_one_upstream_but_paths_differing_in_case_are_two():
    read = read_of(
        candidate("group a", url="https://API.example/v4"),
        candidate("group b", url="https://api.EXAMPLE/v4"),
        candidate("group c", url="https://api.example/V4"),
    )
    assert [texts(p.sources) for p in propose(read, []).providers] == [["group c"], ["group a", "group b"]]


def test_the_test_model_is_kept_only_when_it_is_one_of_the_providers_models():
    with_it = candidate("group g", ModelCandidate("gpt-4o"), test_model="gpt-4o")
    without = candidate("group h", ModelCandidate("gpt-4o"), test_model="x", url="https://h.example/v1")
    assert {p.name: p.test_model for p in propose(read_of(with_it, without), []).providers} == {
        "g": "gpt-4o",
        "h": None,
    }


# --- provider_exists -------------------------------------------------------------------------------------------

REGISTERED = mine(("gpt-4o", "fast"), ("o1", None), keys=(KEYS[0],))


def upstream_already_registered() -> SourceRead:
    g = group(
        1,
        "openai-main",
        upstream="https://openai.example",
        model_redirect_rules={"gpt4o": "gpt-4o", "mini": "gpt-4o-mini"},
    )
    return sources([g], [proxied("via", "openai-main", "o1", {"o3": "reasoner"})])


@pytest.mark.parametrize(
    ("option", "providers", "provider_of", "adoptable"),
    [
        (None, {"mine": {"gpt-4o-mini": "mini", "o3": "reasoner"}}, "mine", True),
        ("merge", {"mine": {"gpt-4o-mini": "mini", "o3": "reasoner"}}, "mine", True),
        ("keep_mine", {}, "mine", True),
        ("skip", {}, None, False),
    ],
    ids=["no-choice-merges", "merge", "keep-mine", "skip"],
)
def test_each_option_of_an_upstream_already_registered(option, providers, provider_of, adoptable):
    read = upstream_already_registered()
    conflict = only(propose(read, [REGISTERED]), "provider_exists")
    assert conflict.options == ["merge", "keep_mine", "skip"]
    assert "registered provider mine" in str(conflict.detail) and "Merge adds 1 key(s)" in str(conflict.detail)
    assert (conflict.detail.code, conflict.detail.values["name"], conflict.detail.values["keys"]) == (
        "provider_exists",
        "mine",
        1,
    )
    proposal = propose(read, [REGISTERED], {conflict.id: option} if option else {})
    assert named(proposal) == providers, "merge adds only new models; gpt-4o keeps the registered name 'fast'"
    if providers:
        (merged,) = proposal.providers
        assert (merged.existing_id, merged.keys) == (7, frozenset({KEYS[1]})), "only the keys the registry lacks"
    assert proposal.skippable == [] and proposal.registered_names == {"mine": 7}
    assert proposal.provider_of.get("group openai-main") == provider_of
    assert adoptable_now(proposal, finding(proposal, "openai-main")) is adoptable
    assert adoptable_now(proposal, finding(proposal, "via")) is adoptable, "the entry follows its group"


# --- keys_differ -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "providers"),
    [
        (None, {"x": {K0}, "x-2": {K1}}),
        ("separate", {"x": {K0}, "x-2": {K1}}),
        ("merge", {"x": {K0, K1}}),
    ],
    ids=["no-choice-keeps-them-apart", "separate", "merge"],
)
def test_each_option_of_one_upstream_with_different_key_sets(option, providers):
    read = read_of(candidate("group x", ModelCandidate("a")), candidate("api.yaml entry x", keys=(K1,)))
    conflict = only(propose(read, []), "keys_differ")
    assert conflict.options == ["separate", "merge"] and "2 different key sets" in str(conflict.detail)
    assert conflict.detail.values["sources"] == (group_source("x"), entry_source("x"))
    proposal = propose(read, [], {conflict.id: option} if option else {})
    assert {p.name: p.keys for p in proposal.providers} == providers
    assert set(proposal.provider_of.values()) == set(providers)


# --- two_names -------------------------------------------------------------------------------------------------


def one_original_under_two_names() -> SourceRead:
    g = group(1, "g", model_redirect_rules={"gpt4o": "gpt-4o"})
    return sources([g], [proxied("via", "g", {"gpt-4o": "4o"})])


@pytest.mark.parametrize(
    ("option", "client"),
    [(None, "gpt4o"), ("name:gpt4o", "gpt4o"), ("name:4o", "4o")],
    ids=["no-choice", "first", "second"],
)
def test_each_option_of_one_original_reached_under_two_names(option, client):
    read = one_original_under_two_names()
    conflict = only(propose(read, []), "two_names")
    assert conflict.options == ["name:gpt4o", "name:4o"] and "'gpt-4o'" in str(conflict.detail)
    proposal = propose(read, [], {conflict.id: option} if option else {})
    assert named(proposal) == {"g": {"gpt-4o": client}}


# --- name_clash ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("models", "registered", "options", "option", "expected"),
    [
        ([("a", "n"), ("b", "n")], None, ["split", "keep:a", "keep:b"], None, {"a": "n", "b": "n"}),
        ([("a", "n"), ("b", "n")], None, ["split", "keep:a", "keep:b"], "keep:a", {"a": "n", "b": None}),
        ([("a", "n"), ("b", "n")], None, ["split", "keep:a", "keep:b"], "keep:b", {"a": None, "b": "n"}),
        ([("n", None), ("a", "n")], None, ["split", "keep:n"], "keep:n", {"n": None, "a": None}),
        ([("a", "n"), ("b", "n"), ("c", "a")], None, ["split", "keep:a"], "keep:a", {"a": "n", "b": None, "c": "a"}),
        ([("i", "n")], mine(("r", "n")), ["split", "keep:r"], None, {"i": "n"}),
        ([("i", "n")], mine(("r", "n")), ["split", "keep:r"], "keep:r", {"i": None}),
        ([("n", None)], mine(("r", "n")), ["split"], "split", {"n": None}),
    ],
    ids=[
        "no-choice-splits",
        "keep-one-the-other-takes-its-own-name",
        "keep-the-other",
        "only-the-one-named-so-can-keep-it",
        "no-keep-that-would-move-a-name-onto-another",
        "registered-one-no-choice-splits",
        "registered-one-keeps-it",
        "nothing-to-keep-when-the-imported-one-is-named-so",
    ],
)
def test_each_option_of_several_originals_answering_to_one_name(models, registered, options, option, expected):
    read = read_of(candidate("group g", *(ModelCandidate(o, c) for o, c in models)))
    conflict = only(propose(read, [registered] if registered else []), "name_clash")
    assert conflict.options == options and "all answer to 'n'" in str(conflict.detail)
    proposal = propose(read, [registered] if registered else [], {conflict.id: option} if option else {})
    assert named(proposal) == {"mine" if registered else "g": expected}


# --- unmappable, ids, defaults ---------------------------------------------------------------------------------


def test_what_cannot_be_mapped_is_a_conflict_whose_only_option_is_skip():
    reason = Phrase("group_unmappable", {"name": "odd", "reason": Phrase("no_keys")})
    proposal = propose(read_of(unmappable=[Unmappable("group odd", reason)]), [])
    conflict = only(proposal, "unmappable")
    assert (conflict.detail, conflict.options) == (reason, ["skip"]) and proposal.providers == []
    assert str(conflict.detail) == "Group odd cannot be imported: it holds no keys."


def every_kind() -> tuple[SourceRead, list[Registered]]:
    read = read_of(
        candidate("group g", ModelCandidate("a", "n"), ModelCandidate("b", "n"), ModelCandidate("c", "x")),
        candidate("api.yaml entry e", ModelCandidate("c", "y"), keys=(K1,)),
        candidate("group r", ModelCandidate("o"), url="https://r.example/v1", keys=(K2,)),
        unmappable=[Unmappable("group odd", Phrase("group_unmappable", {"name": "odd", "reason": Phrase("no_keys")}))],
    )
    return read, [mine(url="https://r.example/v1")]


def test_no_choice_is_every_first_option_and_ids_are_stable_and_independent_of_the_candidates_order():
    read, registered = every_kind()
    proposal = propose(read, registered)
    assert {c.kind for c in proposal.conflicts} == {"unmappable", "provider_exists", "keys_differ", "name_clash"}
    firsts = propose(read, registered, {c.id: c.options[0] for c in proposal.conflicts})
    assert firsts == proposal
    assert propose(read, registered) == proposal, "same input, same proposal and ids"
    shuffled = copy.deepcopy(read)
    shuffled.candidates.reverse()
    assert propose(shuffled, registered) == proposal
    assert len({c.id for c in proposal.conflicts}) == len(proposal.conflicts)


def test_the_same_question_about_two_providers_of_one_upstream_has_two_ids():
    read = read_of(
        candidate("group g", ModelCandidate("o3", "a"), ModelCandidate("o3", "b")),
        candidate("group h", ModelCandidate("o3", "a"), ModelCandidate("o3", "b"), keys=(K1,)),
    )
    first, second = [c for c in propose(read, []).conflicts if c.kind == "two_names"]
    assert first.id != second.id
    proposal = propose(read, [], {second.id: "name:b"})
    assert named(proposal) == {"g": {"o3": "a"}, "h": {"o3": "b"}}


def test_a_skipped_new_provider_is_not_proposed_keeps_its_name_and_leaves_its_group_alone():
    read = sources(
        [group(1, "a-main"), group(2, "b-main", upstream="https://b.example")], [proxied("via-b", "b-main", "m")]
    )
    proposal = propose(read, [], skip=["b-main"])
    assert [p.name for p in proposal.providers] == ["a-main"] and proposal.skippable == ["a-main", "b-main"]
    assert "group b-main" not in proposal.provider_of
    assert not adoptable_now(proposal, finding(proposal, "b-main"))
    assert not adoptable_now(proposal, finding(proposal, "via-b")), "its names would be lost with the entry"
    assert adoptable_now(proposal, finding(proposal, "a-main"))


# --- check_choices ---------------------------------------------------------------------------------------------


def operator_layout() -> Proposal:
    groups = [
        group(1, "a-main"),
        group(2, "b-main", upstream="https://b.example"),
        aggregate(3, "pool"),
        group(4, "ops", upstream="https://ops.example"),
        group(5, "owned", upstream="https://owned.example"),
        group(6, "marked", upstream="https://marked.example", description=f"{GROUP_MARKER} x"),
        group(7, "bare-odd", upstream="https://odd.example"),
        group(8, "solo", upstream="https://solo.example"),
        aggregate(9, "solo-aggregate", description=GROUP_MARKER),
        group(10, "twin", upstream="https://twin.example"),
    ]
    entries = [
        proxied("via-pool", "pool", "m"),
        proxied("ops-entry", "ops", "m"),
        {"provider": "twin", "base_url": "https://twin.example/v1", "engine": "vertex", "api": KEYS[0]},
    ]
    return propose(sources(groups, entries, members={3: {1: 100, 2: 100}, 9: {8: 100}}, owned={5}), [])


def test_a_complete_adoption_is_accepted():
    proposal = operator_layout()
    adopt = ["a-main", "b-main", "pool", "via-pool", "ops", "ops-entry", "solo"]
    check_choices(proposal, {}, adopt)  # solo: a member of the manager's aggregate, which is no one's to keep


@pytest.mark.parametrize(
    ("choices", "adopt", "skip", "named"),
    [
        ({"nope-123": "skip"}, [], [], "nope-123"),
        ({"unmappable": "merge"}, [], [], "merge"),
        ({}, ["no-such-group"], [], "no-such-group"),
        ({}, ["owned"], [], "owned"),
        ({}, ["marked"], [], "marked"),
        ({}, ["bare-odd"], [], "bare-odd"),
        ({}, ["a-main"], [], "pool"),
        ({}, ["a-main", "b-main", "pool"], [], "via-pool"),
        ({}, ["ops"], [], "ops-entry"),
        ({}, [], ["nobody"], "nobody"),
        ({}, ["twin"], [], "'twin' also names an entry that cannot be adopted"),
    ],
    ids=[
        "unknown-conflict",
        "unknown-option",
        "unknown-adopt-name",
        "group-the-manager-owns",
        "group-carrying-the-marker",
        "group-nothing-maps",
        "member-of-an-aggregate-left-alone",
        "aggregate-while-its-entry-stays",
        "group-while-its-entry-stays",
        "skip-an-unknown-provider",
        "group-whose-name-an-entry-that-stays-shares",
    ],
)
def test_a_choice_the_preview_did_not_offer_is_refused_naming_it(choices, adopt, skip, named):
    proposal = operator_layout()
    if "unmappable" in choices:
        choices = {next(c.id for c in proposal.conflicts if c.kind == "unmappable"): choices["unmappable"]}
    with pytest.raises(InvalidChoice, match=named) as refused:
        check_choices(proposal, choices, adopt, skip)
    assert refused.value.code == "invalid_choice" and STATUS[InvalidChoice] == 422


# --- properties ------------------------------------------------------------------------------------------------

KEY_POOL = [fake_key(f"prop-pool-{i}") for i in range(3)]
EXPOSED = ["a", "b", "m1", "z"]
ORIGINALS = ["m1", "m2", "m3"]
rules_st = st.dictionaries(st.sampled_from(EXPOSED), st.sampled_from(ORIGINALS), max_size=3)
group_st = st.fixed_dictionaries(
    {"host": st.sampled_from(["h1", "h2", "h3"]), "rules": rules_st, "strict": st.booleans()}
)
# The key set of each group by position: groups of one host with different key sets are a keys_differ.
key_sets = st.lists(st.sampled_from([(0,), (1,), (0, 2)]), min_size=5, max_size=5)
item_st = st.tuples(st.sampled_from([*EXPOSED, "m2"]), st.sampled_from(["", "k1", "k2", "a"]))
entry_st = st.tuples(st.integers(0, 4), st.lists(item_st, max_size=4))


@st.composite
def layouts(draw) -> tuple[list[dict], list[dict], dict[int, dict[int, int]]]:
    specs = draw(st.lists(group_st, min_size=1, max_size=4))
    groups = [
        group(
            i + 1,
            f"g{i}",
            upstream=f"https://{s['host']}.example",
            model_redirect_rules=s["rules"] or None,
            model_redirect_strict=s["strict"],
        )
        for i, s in enumerate(specs)
    ]
    members = {}
    if draw(st.booleans()):
        groups.append(aggregate(99, "pool"))
        members[99] = {g["id"]: draw(st.sampled_from([0, 100])) for g in groups[:-1] if draw(st.booleans())}
    names = [g["name"] for g in groups]
    entries = []
    for i, (target, items) in enumerate(draw(st.lists(entry_st, max_size=4))):
        model = [up if not alias else {up: alias} for up, alias in items]
        entries.append(proxied(f"e{i}", names[target % len(names)], *model))
    entries.append({"provider": "odd", "base_url": "https://x.example/v1", "engine": "vertex", "api": KEY_POOL[0]})
    return groups, entries, members


def layout_sources(groups, entries, members, specs_keys) -> SourceRead:
    layout = layout_of(*groups, members=members)
    for g, keys in zip(groups, specs_keys, strict=False):
        layout.keys[g["id"]] = [KEY_POOL[k] for k in keys]
    read, by_name = from_gptload(layout, set())
    more = from_uniapi({"providers": entries}, by_name, layout, adoptable=True)
    read.candidates += more.candidates
    read.entries += more.entries
    read.unmappable += more.unmappable
    return read


def canonical(proposal: Proposal):
    findings = sorted(
        (f.name, f.kind, str(f.proposal), f.adoptable, tuple(f.sources), f.target)
        for f in (*proposal.groups, *proposal.entries)
    )
    return proposal.providers, proposal.conflicts, proposal.provider_of, proposal.skippable, findings


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(layout=layouts(), keys=key_sets, data=st.data())
def test_propose_is_deterministic_and_independent_of_the_order_of_groups_and_entries(layout, keys, data):
    groups, entries, members = layout
    read = layout_sources(groups, entries, members, keys)
    registered = [mine(url="https://h1.example/v1", keys=(KEY_POOL[1],))] if data.draw(st.booleans()) else []
    before = copy.deepcopy(asdict(read))
    proposal = propose(read, registered)
    assert asdict(read) == before, "proposing leaves what was read as it was"
    assert canonical(propose(read, registered)) == canonical(proposal)
    by_id = {g["id"]: k for g, k in zip(groups, keys, strict=False)}
    shuffled = data.draw(st.permutations(groups))
    read_again = layout_sources(
        shuffled, data.draw(st.permutations(entries)), members, [by_id[g["id"]] for g in shuffled]
    )
    assert canonical(propose(read_again, registered)) == canonical(proposal)
    everything = {c.id: c.options for c in proposal.conflicts}
    assert canonical(propose(read, registered, {i: o[0] for i, o in everything.items()})) == canonical(proposal)


def routed_paths(groups, entries, members):
    """(member group, original, client name) of every item an entry sends, as GPT-Load would route it."""
    by_name = {g["name"]: g for g in groups}
    for entry in entries:
        target = entry["base_url"].split("/proxy/")[-1].split("/")[0] if "/proxy/" in entry["base_url"] else None
        if target is None:
            continue
        if by_name[target]["group_type"] == "aggregate":
            reached = [g for g in groups if members.get(99, {}).get(g["id"], 0) > 0]
        else:
            reached = [by_name[target]]
        for item in entry["model"]:
            up, client = next(iter(item.items())) if isinstance(item, dict) else (item, item)
            for g in reached:
                rules = g["model_redirect_rules"] or {}
                strict = g["model_redirect_strict"] and rules
                original = rules.get(up) or (None if strict else up)
                if original is not None:
                    yield g["name"], original, client


@PROPERTY
@given(layout=layouts(), keys=key_sets)
def test_every_name_an_entry_routes_is_one_model_of_the_provider_its_group_becomes(layout, keys):
    groups, entries, members = layout
    proposal = propose(layout_sources(groups, entries, members, keys), [])
    providers = {p.name: p for p in proposal.providers}
    asked = {o.removeprefix("name:") for c in proposal.conflicts if c.kind == "two_names" for o in c.options}
    for name, original, client in routed_paths(groups, entries, members):
        provider = providers[proposal.provider_of[f"group {name}"]]
        (model,) = [m for m in provider.models if m.original == original]
        assert (model.client or model.original) == client or client in asked, (name, original, client)


@PROPERTY
@given(layout=layouts(), keys=key_sets, data=st.data())
def test_no_key_appears_in_a_conflict_a_proposal_text_or_a_finding(layout, keys, data):
    groups, entries, members = layout
    read = layout_sources(groups, entries, members, keys)
    entries_with_keys = [{**e, "api": KEY_POOL[2]} for e in entries]  # as if the proxy key were a provider key
    read.unmappable += from_uniapi({"providers": entries_with_keys}, None, None, adoptable=True).unmappable
    registered = [
        mine(("m1", "z"), url=f"https://{data.draw(st.sampled_from(['h1', 'h2']))}.example/v1", keys=KEY_POOL[1:])
    ]
    proposal = propose(read, registered)
    shown = [f"{c.id}{c.kind}{c.detail}{c.detail.public()}{c.options}" for c in proposal.conflicts]
    shown += [
        f"{f.name}{f.proposal}{f.proposal.public()}{f.sources}{f.target}" for f in (*proposal.groups, *proposal.entries)
    ]
    shown += [f"{u.reason}{u.reason.public()}{u.source}" for u in read.unmappable]
    shown += [f"{p.name}{p.base_url}{texts(p.sources)}{p.models!r}" for p in proposal.providers]
    shown += list(proposal.provider_of) + list(proposal.provider_of.values())
    leaked = [(key, text) for key in KEY_POOL for text in shown if key in text]
    assert leaked == []
