"""What GPT-Load's groups and a uni-api api.yaml hold, read into candidate providers and findings (pure).

Groups are plain dicts shaped like GPT-Load's ``GET /api/groups`` answer; api.yaml is its parsed data.
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.channels import CHANNELS
from core.import_sources import (
    Candidate,
    GptLoadLayout,
    ModelCandidate,
    from_gptload,
    group_base_url,
    group_source,
    group_sources,
)
from core.import_uniapi import from_uniapi, merge_routed, route_through
from core.naming import GROUP_MARKER, OWNER_MARKER
from core.phrases import Phrase
from tests.conftest import fake_key

KEYS = [fake_key("src-a"), fake_key("src-b")]
PROXY_KEY = fake_key("src-proxy")


def group(gid: int, name: str, **fields: Any) -> dict[str, Any]:
    """A group as GPT-Load lists it (GroupResponse), standard and non-strict unless told otherwise."""
    upstream = fields.pop("upstream", f"https://{name}.example.com")
    return {
        "id": gid,
        "name": name,
        "display_name": name,
        "description": "",
        "group_type": "standard",
        "channel_type": "openai",
        "upstreams": [{"url": upstream, "weight": 1}],
        "validation_endpoint": "",
        "test_model": "",
        "model_redirect_rules": None,
        "model_redirect_strict": False,
        "proxy_keys": PROXY_KEY,
        **fields,
    }


def aggregate(gid: int, name: str, **fields: Any) -> dict[str, Any]:
    return group(gid, name, group_type="aggregate", upstreams=[], test_model="-", **fields)


def layout_of(*groups: dict[str, Any], members: dict[int, dict[int, int]] | None = None) -> GptLoadLayout:
    """Every standard group holds KEYS unless it is named ``bare-...``."""
    keys = {
        g["id"]: [] if g["name"].startswith("bare") else list(KEYS) for g in groups if g["group_type"] == "standard"
    }
    return GptLoadLayout(list(groups), keys, members or {})


def proxied(name: str, target: str, *models: Any, **fields: Any) -> dict[str, Any]:
    """An api.yaml entry that reaches a GPT-Load group through its proxy."""
    url = f"http://gptload:3001/proxy/{target}/v1/chat/completions"
    return {"provider": name, "base_url": url, "api": PROXY_KEY, "model": list(models), **fields}


def uniapi(*entries: Any, gptload: GptLoadLayout | None = None, adoptable: bool = True):
    by_name = {g["name"]: g for g in gptload.groups} if gptload else None
    return from_uniapi({"providers": list(entries)}, by_name, gptload, adoptable=adoptable)


# --- base URLs -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "upstream", "endpoint", "base_url"),
    [
        ("openai", "https://api.openai.com", "", "https://api.openai.com/v1"),
        ("openai", "https://api.openai.com/", "", "https://api.openai.com/v1"),
        ("openai", "https://api.openai.com/v1", "/chat/completions", "https://api.openai.com/v1"),
        ("openai", "https://open.bigmodel.cn/api/paas/v4", "/chat/completions", "https://open.bigmodel.cn/api/paas/v4"),
        ("openai", "https://mirror.example/openai", "", "https://mirror.example/openai/v1"),
        ("gemini", "https://generativelanguage.googleapis.com", "", "https://generativelanguage.googleapis.com/v1beta"),
        ("gemini", "https://gemini.example/v1beta", "", "https://gemini.example/v1beta"),
        ("gemini", "https://gemini.example/google", "/chat/completions", "https://gemini.example/google/v1beta"),
        ("anthropic", "https://api.anthropic.com", "", "https://api.anthropic.com/v1"),
        ("anthropic", "https://claude.example/v1", "", "https://claude.example/v1"),
    ],
    ids=[
        "openai-root",
        "openai-trailing-slash",
        "openai-upstream-ending-in-v1",
        "openai-compatible-custom-path-validated-at-chat-completions",
        "openai-path-with-default-validation-gets-v1",
        "gemini-root",
        "gemini-upstream-ending-in-v1beta",
        "gemini-never-keeps-a-custom-path",
        "anthropic-root",
        "anthropic-upstream-ending-in-v1",
    ],
)
def test_a_group_upstream_becomes_the_base_url_the_topology_would_give_it(channel, upstream, endpoint, base_url):
    assert group_base_url(channel, upstream, endpoint) == base_url
    assert (
        CHANNELS[channel].gptload_upstream(base_url)[:2]
        == CHANNELS[channel].gptload_upstream(group_base_url(channel, upstream, endpoint))[:2]
    )


segments = st.lists(st.sampled_from(["api", "v1", "v1beta", "paas", "v4", "openai", "x-y"]), max_size=3)
hosts = st.sampled_from(["api.example.com", "mirror.example:8443", "10.0.0.7"])


@settings(max_examples=300, deadline=None)
@given(
    channel=st.sampled_from(sorted(CHANNELS)),
    scheme=st.sampled_from(["http", "https"]),
    host=hosts,
    path=segments,
    slash=st.booleans(),
)
def test_group_base_url_inverts_the_upstream_the_topology_computes(channel, scheme, host, path, slash):
    base_url = f"{scheme}://{host}" + "".join(f"/{p}" for p in path) + ("/" if slash else "")
    segment = CHANNELS[channel].version_segment
    assume(not base_url.rstrip("/").endswith(segment * 2))  # .../v1/v1: no upstream tells it from .../v1
    upstream, endpoint, _ = CHANNELS[channel].gptload_upstream(base_url)
    recovered = group_base_url(channel, upstream, endpoint)
    assert CHANNELS[channel].gptload_upstream(recovered)[:2] == (upstream, endpoint), "same group again"
    if base_url.rstrip("/").endswith(CHANNELS[channel].version_segment) or endpoint == "/chat/completions":
        assert recovered == base_url.rstrip("/"), "a base URL in its usual form comes back unchanged"


# --- GPT-Load groups -------------------------------------------------------------------------------------------


def test_a_standard_group_becomes_one_candidate_with_its_rules_as_models():
    rules = {"fast": "gpt-4o-mini", "gpt-4o": "gpt-4o"}
    read, by_name = from_gptload(
        layout_of(group(1, "openai-main", model_redirect_rules=rules, test_model="gpt-4o-mini")), set()
    )
    (candidate,) = read.candidates
    assert (str(candidate.source), candidate.name, candidate.base_url) == (
        "group openai-main",
        "openai-main",
        "https://openai-main.example.com/v1",
    )
    assert candidate.keys == frozenset(KEYS) and candidate.channel_type == "openai"
    assert candidate.models == [ModelCandidate("gpt-4o-mini", "fast"), ModelCandidate("gpt-4o")]
    assert candidate.test_model == "gpt-4o-mini", "GPT-Load's test model comes along"
    (finding,) = read.groups
    assert (finding.kind, finding.managed, finding.adoptable, finding.gptload_id) == ("standard", False, True, 1)
    assert finding.sources == ["group openai-main"] and "2 non-strict redirect rules" in str(finding.proposal)
    assert finding.proposal == Phrase("group_loose", {"upstreams": 1, "keys": 2, "rules": 2})
    assert set(by_name) == {"openai-main"}


def test_each_enabled_upstream_of_a_group_is_its_own_candidate_and_a_disabled_one_is_none():
    upstreams = [
        {"url": "https://a.example", "weight": 5},
        {"url": "https://b.example/v1", "weight": 1},
        {"url": "https://off.example", "weight": 0},
    ]
    read, _ = from_gptload(layout_of(group(1, "pool-main", upstreams=upstreams)), set())
    assert [(str(c.source), c.name, c.base_url) for c in read.candidates] == [
        ("group pool-main (https://a.example)", "pool-main-1", "https://a.example/v1"),
        ("group pool-main (https://b.example/v1)", "pool-main-2", "https://b.example/v1"),
    ]
    assert read.groups[0].sources == [str(c.source) for c in read.candidates]
    assert group_sources(group(1, "pool-main", upstreams=upstreams)) == [c.source for c in read.candidates]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"channel_type": "openai-response"}, "channel type 'openai-response' is not one the manager speaks"),
        ({"upstreams": []}, "it has no enabled upstream"),
        ({"upstreams": [{"url": "https://off.example", "weight": 0}]}, "it has no enabled upstream"),
        ({"name": "bare-group"}, "it holds no keys"),
    ],
    ids=["unknown-channel-type", "no-upstream", "only-a-disabled-upstream", "no-keys"],
)
def test_a_group_that_cannot_be_mapped_says_why_and_makes_no_candidate(fields, reason):
    g = group(3, fields.pop("name", "odd"), **fields)
    read, _ = from_gptload(layout_of(g), set())
    assert read.candidates == []
    (item,) = read.unmappable
    assert item.source == f"group {g['name']}"
    assert str(item.reason) == f"Group {g['name']} cannot be imported: {reason}."
    (finding,) = read.groups
    assert str(finding.proposal) == f"cannot map: {reason}" and not finding.adoptable
    assert finding.proposal.values["reason"] == item.reason.values["reason"], "one reason, said in both"


def test_the_managers_own_groups_are_recognised_by_id_or_marker_and_never_adoptable():
    owned = group(1, "owned-rest", model_redirect_rules={"a": "a"})
    marked = group(2, "marked-rest", description=f"{GROUP_MARKER} provider x", model_redirect_rules={"b": "b"})
    marked_pool = aggregate(3, "b-aggregate", description=GROUP_MARKER)
    layout = layout_of(owned, marked, marked_pool, members={3: {2: 100}})
    read, _ = from_gptload(layout, owned_ids={1})
    findings = {f.name: f for f in read.groups}
    assert all(f.managed and not f.adoptable for f in findings.values())
    assert str(findings["owned-rest"].proposal) == "already in this registry; nothing to import"
    assert [str(c.source) for c in read.candidates] == ["group marked-rest"], "an owned group is not proposed again"


def test_an_aggregate_lists_its_members_and_stands_for_what_its_enabled_members_import():
    a, b, off = group(1, "a-main"), group(2, "b-main"), group(3, "off-main")
    pool = aggregate(4, "pool")
    read, _ = from_gptload(layout_of(a, b, off, pool, members={4: {2: 100, 1: 50, 3: 0}}), set())
    finding = next(f for f in read.groups if f.name == "pool")
    assert (finding.kind, finding.adoptable) == ("aggregate", True)
    assert finding.members == ["a-main", "b-main", "off-main"]
    assert finding.sources == ["group a-main", "group b-main"]
    assert str(finding.proposal) == "aggregate over 3 member(s): a-main, b-main, off-main"


# --- api.yaml entries ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "channel", "base_url"),
    [
        (
            {"base_url": "https://api.deepseek.com/v1/chat/completions", "engine": "gpt"},
            "openai",
            "https://api.deepseek.com/v1",
        ),
        ({"base_url": "https://api.deepseek.com/v1/chat/completions"}, "openai", "https://api.deepseek.com/v1"),
        (
            {"base_url": "https://open.bigmodel.cn/api/paas/v4/chat/completions", "engine": "openai"},
            "openai",
            "https://open.bigmodel.cn/api/paas/v4",
        ),
        (
            {"base_url": "https://api.anthropic.com/v1/messages", "engine": "claude"},
            "anthropic",
            "https://api.anthropic.com/v1",
        ),
        ({"base_url": "https://claude.example/v1/messages"}, "anthropic", "https://claude.example/v1"),
        ({"base_url": "https://api.anthropic.com/v1"}, "anthropic", "https://api.anthropic.com/v1"),
        (
            {"base_url": "https://generativelanguage.googleapis.com/v1beta", "engine": "gemini"},
            "gemini",
            "https://generativelanguage.googleapis.com/v1beta",
        ),
        ({"base_url": "https://gemini.example/v1beta"}, "gemini", "https://gemini.example/v1beta"),
        (
            {"base_url": "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"},
            "openai",
            "https://generativelanguage.googleapis.com/v1beta/openai",
        ),
    ],
    ids=[
        "engine-gpt",
        "openai-inferred",
        "engine-spelled-openai-with-custom-path",
        "engine-claude",
        "anthropic-inferred-from-messages",
        "anthropic-inferred-from-its-host",
        "engine-gemini",
        "gemini-inferred-from-v1beta",
        "gemini-openai-compatible-is-openai",
    ],
)
def test_a_direct_entry_becomes_a_candidate_of_its_dialect_without_the_chat_suffix(entry, channel, base_url):
    read = uniapi({"provider": "direct", "api": KEYS[0], "model": ["m"], **entry})
    (candidate,) = read.candidates
    assert (str(candidate.source), candidate.channel_type, candidate.base_url) == (
        "api.yaml entry direct",
        channel,
        base_url,
    )
    (finding,) = read.entries
    assert finding.adoptable and finding.sources == ["api.yaml entry direct"] and read.unmappable == []


def test_a_direct_entry_takes_a_list_of_keys_and_its_aliases_as_client_names():
    entry = {
        "provider": "deepseek",
        "base_url": "https://api.deepseek.com/v1/chat/completions",
        "api": [KEYS[0], f"  {KEYS[1]} ", 7, ""],
        "model": ["deepseek-chat", {"deepseek-reasoner": "r1"}, {"a": "b", "c": "d"}, {"x": 3}, "  "],
    }
    (candidate,) = uniapi(entry).candidates
    assert candidate.keys == frozenset(KEYS)
    assert candidate.models == [ModelCandidate("deepseek-chat"), ModelCandidate("deepseek-reasoner", "r1")]
    assert str(uniapi(entry).entries[0].proposal) == "direct provider, 2 key(s), 2 model(s)"


GPTLOAD = layout_of(group(1, "openai-main"))


@pytest.mark.parametrize(
    ("entry", "gptload", "reason"),
    [
        (
            {"provider": "e", "base_url": "https://x.example/v1", "engine": "openrouter", "api": KEYS[0]},
            None,
            "engine 'openrouter' is not a dialect the manager speaks",
        ),
        (
            {"provider": "e", "base_url": "https://x.openai.azure.com/openai", "api": KEYS[0]},
            None,
            "uni-api reads it as engine 'azure', not a dialect the manager speaks",
        ),
        ({"provider": "e", "base_url": "https://x.example/v1/chat/completions"}, None, "it has no API key"),
        (
            {"provider": "e", "base_url": "https://x.example/v1/chat/completions", "api": ["", None]},
            None,
            "it has no API key",
        ),
        ({"provider": "e", "api": KEYS[0]}, None, "it has no http(s) base_url"),
        ({"provider": "e", "base_url": "ftp://x.example", "api": KEYS[0]}, None, "it has no http(s) base_url"),
        (proxied("e", "nowhere", "m"), GPTLOAD, "it points at GPT-Load group nowhere, but GPT-Load has no such group"),
        (
            proxied("e", "openai-main", "m"),
            None,
            "it points at GPT-Load group openai-main, but GPT-Load is not a source of this import",
        ),
    ],
    ids=[
        "unknown-engine",
        "engine-inferred-from-a-foreign-host",
        "no-key",
        "only-blank-keys",
        "no-base-url",
        "not-http",
        "group-gptload-does-not-have",
        "gptload-not-a-source",
    ],
)
def test_an_entry_that_cannot_be_mapped_says_why_and_makes_no_candidate(entry, gptload, reason):
    read = uniapi(entry, gptload=gptload)
    assert read.candidates == []
    (item,) = read.unmappable
    assert item.source == "api.yaml entry e" and str(item.reason) == f"Entry e cannot be imported: {reason}."
    (finding,) = read.entries
    assert (finding.name, str(finding.proposal), finding.adoptable) == ("e", f"cannot map: {reason}", False)


@pytest.mark.parametrize(
    ("entries", "source", "reason"),
    [
        (["just a string"], "api.yaml entry #1", "it is not a mapping"),
        (
            [{"base_url": "https://x.example/v1", "api": KEYS[0]}],
            "api.yaml entry #1",
            "Entry #1 cannot be imported: it has no provider name.",
        ),
        (
            [
                {"provider": "d", "base_url": "https://x.example/v1", "api": KEYS[0]},
                {"provider": "d", "base_url": "https://y.example/v1", "api": KEYS[1]},
            ],
            "api.yaml entry d #2",
            "Entry d cannot be imported: an earlier entry has the same provider name.",
        ),
    ],
    ids=["not-a-mapping", "no-provider-name", "second-entry-of-one-name"],
)
def test_an_entry_the_file_does_not_describe_properly_is_unmappable(entries, source, reason):
    read = uniapi(*entries)
    (item,) = read.unmappable
    assert (item.source, str(item.reason)) == (source, reason)
    assert len(read.candidates) == len(entries) - 1


def test_the_managers_own_entries_are_recognised_and_never_imported():
    read = uniapi(
        {"provider": "mine", "base_url": "https://x.example/v1", "api": KEYS[0], "notes": OWNER_MARKER},
        proxied("mine-too", "openai-main", "gpt-4o", notes=OWNER_MARKER),
        gptload=GPTLOAD,
    )
    assert read.candidates == [] and read.unmappable == []
    assert [(e.name, e.managed, e.adoptable) for e in read.entries] == [
        ("mine", True, False),
        ("mine-too", True, False),
    ]


def test_entries_of_an_uploaded_file_are_never_adoptable():
    read = uniapi({"provider": "d", "base_url": "https://x.example/v1", "api": KEYS[0]}, adoptable=False)
    assert read.candidates and not read.entries[0].adoptable


# --- client names through GPT-Load -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "strict", "item", "expected"),
    [
        (None, False, ("gpt-4o", "gpt-4o"), ModelCandidate("gpt-4o")),
        (None, False, ("o3", "reasoner"), ModelCandidate("o3", "reasoner")),
        ({"fast": "gpt-4o-mini"}, False, ("fast", "fast"), ModelCandidate("gpt-4o-mini", "fast")),
        ({"fast": "gpt-4o-mini"}, False, ("fast", "quick"), ModelCandidate("gpt-4o-mini", "quick")),
        ({"fast": "gpt-4o-mini"}, False, ("gpt-4o-mini", "gpt-4o-mini"), ModelCandidate("gpt-4o-mini")),
        ({"fast": "gpt-4o-mini"}, True, ("fast", "quick"), ModelCandidate("gpt-4o-mini", "quick")),
        ({"fast": "gpt-4o-mini"}, True, ("gpt-4o-mini", "gpt-4o-mini"), None),
        ({"m": "m"}, True, ("m", "alias"), ModelCandidate("m", "alias")),
        ({}, True, ("o3", "o3"), ModelCandidate("o3")),
    ],
    ids=[
        "non-strict-passes-a-name-unchanged",
        "non-strict-alias",
        "rule",
        "rule-behind-an-alias",
        "non-strict-passes-a-rule-target-unchanged",
        "strict-with-a-rule",
        "strict-refuses-a-name-without-a-rule",
        "strict-identity-rule-whitelists",
        "strict-without-rules-blocks-nothing",
    ],
)
def test_a_client_name_is_followed_through_the_entry_alias_and_the_groups_rules(rules, strict, item, expected):
    g = group(1, "g", model_redirect_rules=rules, model_redirect_strict=strict)
    (routed,) = route_through(g, [item], {"g": g}, layout_of(g))
    assert (routed.source, routed.base_url, routed.keys) == (group_source("g"), "", frozenset())
    assert routed.models == ([expected] if expected else [])


def test_names_sent_to_an_aggregate_go_to_every_enabled_member_through_its_own_rules():
    a = group(1, "a-main", model_redirect_rules={"gpt4o": "gpt-4o"})
    b = group(2, "b-main", model_redirect_rules={"gpt4o": "gpt-4o-2024"}, model_redirect_strict=True)
    off = group(3, "off-main")
    pool = aggregate(4, "pool")
    layout = layout_of(a, b, off, pool, members={4: {1: 100, 2: 100, 3: 0}})
    routed = route_through(
        pool, [("gpt4o", "gpt4o"), ("extra", "extra")], {g["name"]: g for g in layout.groups}, layout
    )
    assert {str(c.source): c.models for c in routed} == {
        "group a-main": [ModelCandidate("gpt-4o", "gpt4o"), ModelCandidate("extra")],
        "group b-main": [ModelCandidate("gpt-4o-2024", "gpt4o")],
    }


def test_an_entry_through_a_group_is_folded_into_that_groups_candidate_never_a_second_provider():
    g = group(
        1,
        "openai-main",
        model_redirect_rules={"gpt4o": "gpt-4o"},
        upstreams=[{"url": "https://a.example", "weight": 1}, {"url": "https://b.example", "weight": 1}],
    )
    gptload = layout_of(g)
    read, _ = from_gptload(gptload, set())
    through = uniapi(proxied("via", "openai-main", "gpt4o", {"o3": "reasoner"}), gptload=gptload)
    (entry,) = through.entries
    assert (entry.target, entry.adoptable, entry.managed) == ("openai-main", True, False)
    assert entry.sources == read.groups[0].sources, "adoptable while both upstreams' providers are kept"
    before = copy.deepcopy([asdict(c) for c in read.candidates + through.candidates])
    merged = merge_routed(read.candidates + through.candidates)
    assert [c.source for c in merged] == [c.source for c in read.candidates], "no candidate of the entry's own"
    for candidate in merged:
        assert candidate.models == [ModelCandidate("gpt-4o", "gpt4o"), ModelCandidate("o3", "reasoner")]
    assert [asdict(c) for c in read.candidates + through.candidates] == before, "the inputs are left as they were"


def test_routed_names_follow_the_groups_own_in_an_order_independent_of_the_entries():
    g, elsewhere = group_source("g"), group_source("elsewhere")
    real = Candidate(g, "g", "https://g.example/v1", "openai", frozenset(KEYS), [ModelCandidate("z")])
    one = Candidate(g, "g", "", "", frozenset(), [ModelCandidate("o3", "r1"), ModelCandidate("a")])
    two = Candidate(g, "g", "", "", frozenset(), [ModelCandidate("o3", "r0")])
    lost = Candidate(elsewhere, "elsewhere", "", "", frozenset(), [ModelCandidate("m")])
    expected = [ModelCandidate("z"), ModelCandidate("a"), ModelCandidate("o3", "r0"), ModelCandidate("o3", "r1")]
    assert [c.models for c in merge_routed([real, one, two, lost])] == [expected]
    assert [c.models for c in merge_routed(iter([two, lost, one, real]))] == [expected]


def test_an_entry_is_adoptable_only_through_groups_that_import_something():
    owned, bare = group(1, "owned"), group(2, "bare-main")
    pool = aggregate(3, "owned-pool")
    gptload = layout_of(owned, bare, pool)
    entries = [
        proxied("via-owned", "owned", "m"),
        proxied("via-bare", "bare-main", "m"),
        proxied("via-pool", "owned-pool"),
    ]
    read = uniapi(*entries, gptload=gptload)
    assert {e.name: e.sources for e in read.entries} == {
        "via-owned": ["group owned"],
        "via-bare": ["group bare-main"],
        "via-pool": ["group owned-pool"],
    }
    imported, _ = from_gptload(gptload, owned_ids={1, 3})
    assert not {s for e in read.entries for s in e.sources} & {str(c.source) for c in imported.candidates}
