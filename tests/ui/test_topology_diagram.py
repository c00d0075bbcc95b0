"""The diagram of selected names (pure): each chain drawn once, members capped per name, names kept as text."""

from __future__ import annotations

from ui.topology_view import MEMBERS_PER_NAME, diagram_source, escaped


def row(exposed: str, group: str, provider: str, original: str, aggregate: str = "") -> dict:
    entry = aggregate or group
    return {"exposed": exposed, "entry": entry, "aggregate": aggregate, "group": group, "provider": provider,
            "original": original, "keys": 1}  # fmt: skip


def test_a_shared_name_is_drawn_through_its_aggregate_to_each_provider():
    source = diagram_source([row("m", "a-1-m", "a", "m", "m-aggregate"), row("m", "b-1-m", "b", "B/M", "m-aggregate")])
    lines = source.splitlines()
    assert lines[0] == "graph LR"
    for label in ("name: m", "uni-api: m-aggregate", "aggregate: m-aggregate", "group: a-1-m", "provider: b"):
        assert sum(f'["{label}"]' in line for line in lines) == 1, label  # one node each
    assert sum("-->" in line for line in lines) == 2 + 2 * 2  # name→entry→aggregate, then group and provider twice
    assert '-->|"B/M"|' in source  # the provider's own name on the edge into it


def test_an_unshared_name_goes_from_its_entry_straight_to_its_group():
    source = diagram_source([row("x", "a-no-aggregate-models", "a", "x")])
    assert "aggregate:" not in source
    assert source.count("-->") == 3


def test_an_aggregate_with_many_members_draws_some_and_counts_the_rest():
    members = [row("m", f"p{i}-1-m", f"p{i}", "m", "m-aggregate") for i in range(MEMBERS_PER_NAME + 3)]
    source = diagram_source(members)
    assert source.count('["group: ') == MEMBERS_PER_NAME
    assert '["more: m: 3 more groups"]' in source


def test_names_are_text_not_mermaid_syntax_or_markup():
    assert escaped('a"b') == "a#34;b"
    assert escaped("<img src=x onerror=alert(1)>") == "#60;img src=x onerror=alert(1)#62;"
    assert escaped("#1 & co") == "#35;1 #38; co"
    source = diagram_source([row('evil"]; click n0 call x("', "g", "p", "o")])
    assert '"]; click' not in source
