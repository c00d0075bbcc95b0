"""splice (the line-level fast way) writes exactly what render (the ruamel round trip) writes, or declines."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.uniapi import UniapiEntry, render
from core.uniapi.splice import splice

KEY = "lpm-proxy-0123456789abcdefghij"
OPERATOR_HEAD = """\
# my own notes on top
providers:
  # my own provider first
  - provider: mine
    base_url: https://api.example.com/v1/chat/completions
    api: sk-operator-0000000000000000
    model:
      - gpt-4o
"""
OPERATOR_TAIL = """\

# keys for my clients
api_keys:
  - api: sk-client-00000000000000000000
    role: admin
    model:
      - all

preferences:
  rate_limit: 999999/min
"""

names = st.sampled_from([f"g{i}" for i in range(8)])
models = st.lists(st.sampled_from(["a", "b", "c-1", "d.2", "e/f"]), max_size=3, unique=True)
entry_sets = st.lists(st.tuples(names, models, st.sampled_from(["gpt", "gemini", "claude"])), max_size=6).map(
    lambda rows: list({name: (name, m, engine) for name, m, engine in rows}.values())
)


def entries(rows) -> list[UniapiEntry]:
    return [
        UniapiEntry(name, f"http://gptload:3001/proxy/{name}/v1/chat/completions", engine, KEY, tuple(m) or None)
        for name, m, engine in rows
    ]


def rendered(existing: str | None, rows) -> str:
    return render(existing, entries(rows), client_key=lambda: "sk-new-client-0000000000")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=entry_sets, second=entry_sets, operator=st.booleans())
def test_splice_writes_what_render_writes(first, second, operator):
    base = OPERATOR_HEAD + OPERATOR_TAIL if operator else None
    before = rendered(base, first)
    spliced = splice(before, entries(second))
    expected = rendered(before, second)
    if spliced is None:
        # Declining is allowed only where the file shows no managed entry to copy the shape from, no model
        # list to copy its indentation from, or would end up with an empty list.
        no_shape = not first or (not any(m for _, m, _ in first) and any(m for _, m, _ in second))
        assert no_shape or not (operator or second), (first, second, operator)
        return
    text, managed_before = spliced
    assert text == expected
    assert managed_before == {name for name, _, _ in first}


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("\n", "\r\n"),  # Windows line ends
        lambda t: t.replace("    engine: gpt\n", "    # a comment inside the entry\n    engine: gpt\n", 1),
        lambda t: t.replace('  - provider: "g1"', "  - provider: g1", 1),  # unquoted by hand
        lambda t: t.replace("providers:\n", "providers:  # inline\n", 1),
    ],
)
def test_splice_declines_a_shape_it_does_not_know(edit):
    before = rendered(OPERATOR_HEAD + OPERATOR_TAIL, [("g1", ["a"], "gpt"), ("g2", [], "gpt")])
    assert splice(edit(before), entries([("g1", ["b"], "gpt")])) is None


def test_splice_declines_values_render_would_quote_or_escape():
    before = rendered(None, [("g1", ["a"], "gpt")])
    odd = UniapiEntry("g1", "http://gptload:3001/proxy/g1/v1", "gpt", KEY, ('say "hi"',))
    assert splice(before, [odd]) is None
    unicode = UniapiEntry("g1", "http://gptload:3001/proxy/g1/v1", "gpt", KEY, ("模型",))
    assert splice(before, [unicode]) is None


def test_splice_keeps_an_operators_extra_keys_in_a_managed_entry():
    before = rendered(None, [("g1", ["a"], "gpt")])
    extra = before.replace(
        "    notes: managed by llm-provider-manager\n",
        "    notes: managed by llm-provider-manager\n    preferences:\n      api_key_rate_limit: 10/min\n",
    )
    text, _ = splice(extra, entries([("g1", ["b"], "gpt")]))
    assert text == rendered(extra, [("g1", ["b"], "gpt")])
    assert "api_key_rate_limit: 10/min" in text


def test_splice_refuses_a_name_an_operator_entry_holds():
    before = rendered(OPERATOR_HEAD + OPERATOR_TAIL, [("g1", ["a"], "gpt")])
    assert splice(before, entries([("mine", ["a"], "gpt")])) is None


HOSTILE = ['a"b', "a\\b", "a\nb", "模型", "a #b", "a: b", "- a", "*a", "&a", "!a", "%a", "@a", "`a", "{a}", "[a]",
           "'a'", "a\tb", "\u2028", "a\x00b", "yes", "null", "~", "1e3", "0x10", " a", "a "]  # fmt: skip


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_model_name_is_spliced_exactly_as_render_writes_it_or_not_at_all(name):
    before = rendered(OPERATOR_HEAD + OPERATOR_TAIL, [("g1", ["a"], "gpt")])
    wanted = [UniapiEntry("g1", "http://gptload:3001/proxy/g1/v1/chat/completions", "gpt", KEY, ("a", name))]
    spliced = splice(before, wanted)
    if spliced is not None:
        assert spliced[0] == render(before, wanted, client_key=lambda: "unused")
