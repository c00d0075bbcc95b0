"""The topology as table rows (pure): table-driven cases for the rows, the key counts and the search."""

from __future__ import annotations

import pytest

from core.plan import GroupSpec
from core.topology import ProviderInput, build_topology
from core.topology_rows import SEARCHED, keys_per_provider, search_rows, topology_rows


def provider(pid: int, name: str, models: dict[str, str], channel: str = "openai", base: str | None = None):
    """``models``: original name -> exposed name."""
    return ProviderInput(pid, name, channel, base or f"https://{name}.example/v1", tuple(models.items()))


def chains(providers: list[ProviderInput], keys: dict[str, int] | None = None) -> list[tuple]:
    rows = topology_rows(build_topology(providers), keys or {})
    assert [r["id"] for r in rows] == list(range(len(rows)))
    columns = ("exposed", "entry", "aggregate", "group", "provider", "original", "keys")
    return [tuple(row[c] for c in columns) for row in rows]


ROW_CASES = {
    "an unshared model: its provider's group is the entry, no aggregate": (
        [provider(1, "acme", {"org/Model-X": "model-x"})],
        {"acme": 2},
        [("model-x", "acme-no-aggregate-models", "", "acme-no-aggregate-models", "acme", "org/Model-X", 2)],
    ),
    "a shared name: one row per member behind the aggregate's entry, each with its own original": (
        [provider(1, "a", {"m": "m"}), provider(2, "b", {"b/M": "m"})],
        {"a": 1, "b": 3},
        [
            ("m", "m-aggregate", "m-aggregate", "a-1-m", "a", "m", 1),
            ("m", "m-aggregate", "m-aggregate", "b-1-m", "b", "b/M", 3),
        ],
    ),
    "two originals renamed to one name inside one provider: two members, both of that provider": (
        [provider(1, "acme", {"ds-v3": "deepseek-v3", "DS-V3-preview": "deepseek-v3"})],
        {"acme": 1},
        [
            (
                "deepseek-v3",
                "deepseek-v3-aggregate",
                "deepseek-v3-aggregate",
                "acme-1-deepseek-v3",
                "acme",
                "DS-V3-preview",
                1,
            ),
            ("deepseek-v3", "deepseek-v3-aggregate", "deepseek-v3-aggregate", "acme-2-deepseek-v3", "acme", "ds-v3", 1),
        ],
    ),
    "rows are sorted by exposed name across entries": (
        [provider(1, "a", {"z": "z", "m": "m"}), provider(2, "b", {"m": "m"})],
        {},
        [
            ("m", "m-aggregate", "m-aggregate", "a-1-m", "a", "m", 0),
            ("m", "m-aggregate", "m-aggregate", "b-1-m", "b", "m", 0),
            ("z", "a-no-aggregate-models", "", "a-no-aggregate-models", "a", "z", 0),
        ],
    ),
    "a provider without a key count shows 0 keys": (
        [provider(1, "acme", {"m": "m"})],
        {"other": 5},
        [("m", "acme-no-aggregate-models", "", "acme-no-aggregate-models", "acme", "m", 0)],
    ),
    "no providers, no rows": ([], {}, []),
}


@pytest.mark.parametrize(("providers", "keys", "expected"), ROW_CASES.values(), ids=ROW_CASES.keys())
def test_rows_follow_each_name_from_its_entry_to_the_provider(providers, keys, expected):
    assert chains(providers, keys) == expected


def test_every_active_model_of_the_registry_is_one_row():
    providers = [provider(p, f"p{p}", {f"m{j}": f"m{(j + p) % 7}" for j in range(10)}) for p in range(1, 6)]
    rows = topology_rows(build_topology(providers), {})
    pairs = {(r["provider"], r["original"]) for r in rows}
    assert len(rows) == len(pairs) == sum(len(p.models) for p in providers)


def test_key_counts_come_from_each_providers_standard_groups():
    topology = build_topology([provider(1, "a", {"m": "m", "x": "x"}), provider(2, "b", {"m": "m"})])
    specs = [GroupSpec(g.name, "standard", "openai", {}, frozenset({"k1", "k2"} if g.provider_name == "a" else {"k"}))
             for g in topology.standard]  # fmt: skip
    specs += [GroupSpec(a.name, "aggregate", "openai", {}) for a in topology.aggregates]
    assert keys_per_provider(topology, specs) == {"a": 2, "b": 1}


ROWS = [
    {"exposed": "gpt-4o", "entry": "gpt-4o-aggregate", "aggregate": "gpt-4o-aggregate", "group": "acme-1-gpt-4o",
     "provider": "acme", "original": "openai/GPT-4o"},
    {"exposed": "gpt-4o", "entry": "gpt-4o-aggregate", "aggregate": "gpt-4o-aggregate", "group": "beta-1-gpt-4o",
     "provider": "beta", "original": "gpt-4o"},
    {"exposed": "o3", "entry": "acme-no-aggregate-models", "aggregate": "", "group": "acme-no-aggregate-models",
     "provider": "acme", "original": "o3"},
]  # fmt: skip
SEARCH_CASES = {
    "an empty search shows every row": ("", SEARCHED, [0, 1, 2]),
    "blank space is an empty search": ("   ", SEARCHED, [0, 1, 2]),
    "a name matches in any column": ("acme", SEARCHED, [0, 2]),
    "case does not matter": ("GPT-4O", SEARCHED, [0, 1]),
    "the original name is searched too": ("openai/", SEARCHED, [0]),
    "every word must match, in any column": ("gpt-4o beta", SEARCHED, [1]),
    "a word does not run on from one column into the next": ("o3acme", SEARCHED, []),
    "only the columns asked for are searched": ("acme", ("group",), [0, 2]),
    "nothing matches": ("claude", SEARCHED, []),
}


@pytest.mark.parametrize(("text", "columns", "shown"), SEARCH_CASES.values(), ids=SEARCH_CASES.keys())
def test_search_finds_rows_with_every_word_in_some_column(text, columns, shown):
    assert [ROWS.index(r) for r in search_rows(ROWS, text, columns)] == shown
