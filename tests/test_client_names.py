"""What clients of uni-api see change, per entry: names gained, lost, renamed (pure, table-driven)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.client_names import client_name_changes, entry_names
from core.topology import identity_provider
from tests.test_sync import add_provider, rename, sync


def names(**entries: dict[str, str]) -> dict:
    """entry -> {exposed: original}, all served by provider 1."""
    return {entry: entry_names([(1, rules)]) for entry, rules in entries.items()}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (names(a={"m": "m"}), names(a={"m": "m"}), []),
        (names(a={"m": "m"}), names(a={"m": "m", "n": "n"}), [("a", ["n"], [], [])]),
        (names(a={"m": "m", "n": "n"}), names(a={"m": "m"}), [("a", [], ["n"], [])]),
        # the same pair under a new name is a rename, not a loss and a gain
        (names(a={"m": "org/M"}), names(a={"m2": "org/M"}), [("a", [], [], [("m", "m2")])]),
        # a rename that moves the name to another entry (an aggregate formed) shows there
        (
            names(a={"m": "org/M", "x": "x"}),
            names(a={"x": "x"}, m_aggregate={"shared": "org/M"}),
            [("a", [], ["m"], []), ("m_aggregate", [], [], [("m", "shared")])],
        ),
        # a name that keeps being served but through another entry is lost there and gained here
        (names(a={"m": "m"}), names(b={"m": "m"}), [("a", [], ["m"], []), ("b", ["m"], [], [])]),
        # an entry that goes away loses all it served
        (names(a={"m": "m"}, b={"n": "n"}), names(a={"m": "m"}), [("b", [], ["n"], [])]),
    ],
)
def test_client_name_changes(before, after, expected):
    found = [
        (c.entry, c.gained, c.lost, [(r.before, r.after) for r in c.renamed])
        for c in client_name_changes(before, after)
    ]
    assert found == expected


@pytest.mark.parametrize(
    ("identity", "provider"),
    [("rest:7", 7), ("single:7:org/M:m", 7), ("aggregate:openai:/v1/chat/completions:m", None), (None, None)],
)
def test_identity_names_its_provider(identity, provider):
    assert identity_provider(identity) == provider


async def test_the_plan_tells_what_clients_will_see_after_a_rename(services, fake, api):
    provider_id = await add_provider(services, fake.add("openai", "n.test", ["sk-n-0123456789abcdef"], ["a", "b"]), "n")
    await sync(services)
    await rename(services, provider_id, "a", "a-renamed")
    plan = (await api.get("/api/config/plan")).json()
    assert plan["client_changes"] == [
        {"entry": "n-no-aggregate-models", "gained": [], "lost": [], "renamed": [{"before": "a", "after": "a-renamed"}]}
    ]


def _reference_changes(before, after):
    """The definition, written plainly over every entry: the oracle for the faster client_name_changes."""
    merged_old, merged_new = {}, {}
    for names, merged in ((before, merged_old), (after, merged_new)):
        for entry_names_ in names.values():
            for name, pairs in entry_names_.items():
                merged.setdefault(name, set()).update(pairs)
    lost = merged_old.keys() - merged_new.keys()
    renamed_to = {}
    for name in sorted(merged_new.keys() - merged_old.keys()):
        olds = sorted(old for old in lost if merged_old[old] & merged_new[name])
        if olds:
            renamed_to[name] = olds[0]
    out = []
    for entry in sorted(before.keys() | after.keys()):
        had, has = set(before.get(entry, {})), set(after.get(entry, {}))
        renamed = [(renamed_to[n], n) for n in sorted(has - had) if n in renamed_to]
        hidden = {b for b, _ in renamed} | {a for _, a in renamed}
        gained, lost_ = sorted(has - had - hidden), sorted(had - has - hidden)
        if gained or lost_ or renamed:
            out.append((entry, gained, lost_, renamed))
    return out


_pairs = st.frozensets(st.tuples(st.integers(1, 3), st.sampled_from(["o1", "o2", "o3"])), min_size=1, max_size=2)
_entry = st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), _pairs, max_size=3)
_entries = st.dictionaries(st.sampled_from(["e1", "e2", "e3", "e4"]), _entry, max_size=4)


@settings(max_examples=300, deadline=None)
@given(before=_entries, after=_entries)
def test_client_name_changes_match_the_plain_definition(before, after):
    got = [(c.entry, c.gained, c.lost, [(r.before, r.after) for r in c.renamed])
           for c in client_name_changes(before, after)]  # fmt: skip
    assert got == _reference_changes(before, after)
