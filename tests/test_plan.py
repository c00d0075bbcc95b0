"""Desired vs actual -> changes (pure, table-driven): only owned fields count, order is by dependency."""

from __future__ import annotations

import pytest

from core.changes import Change, DeleteGroup
from core.crypto import redact
from core.naming import GROUP_MARKER as MARKER
from core.phrases import Phrase
from core.plan import ActualGroup, GroupSpec, Plan, diff_groups, find_conflicts, safety_of, uniapi_change

KEY_A, KEY_B = "sk-aaaaaaaaaaaaaaaa-1111", "sk-bbbbbbbbbbbbbbbb-2222"


def standard(name: str = "p-no-aggregate-models", keys=(KEY_A,), **overrides) -> GroupSpec:
    fields = {
        "display_name": name,
        "description": f"{MARKER} {name}",
        "upstreams": [{"url": "https://p.test", "weight": 1}],
        "test_model": "m",
        "validation_endpoint": "",
        "model_redirect_rules": {"m": "m"},
        "model_redirect_strict": True,
        "proxy_keys": "lpm-proxy-key-0123456789",
    }
    return GroupSpec(
        name, "standard", overrides.pop("channel_type", "openai"), {**fields, **overrides}, frozenset(keys)
    )


def aggregate(name: str, members: dict[str, int]) -> GroupSpec:
    fields = {"display_name": name, "description": f"{MARKER} {name}", "proxy_keys": "lpm-proxy-key-0123456789"}
    return GroupSpec(name, "aggregate", "openai", fields, members=members)


def actual_of(spec: GroupSpec, gid: int, *, managed: bool = True, **field_overrides) -> ActualGroup:
    # GPT-Load spells "nothing" its own way and adds fields we do not own.
    fields = {**spec.fields, "sort": 0, "config": None, "header_rules": None, **field_overrides}
    return ActualGroup(gid, spec.name, spec.group_type, spec.channel_type, fields, managed,
                       keys=set(spec.keys) if spec.group_type == "standard" else None,
                       members=dict(spec.members) if spec.group_type == "aggregate" else None)  # fmt: skip


def kinds(changes: list[Change]) -> list[tuple[str, str]]:
    return [(c.kind, c.target) for c in changes]


def test_empty_desired_and_actual_is_an_empty_plan():
    assert diff_groups([], []) == []


def test_everything_new_is_created_in_dependency_order():
    m1, m2 = standard("a-1-x"), standard("b-1-x")
    agg = aggregate("x-aggregate", {"a-1-x": 100, "b-1-x": 100})
    changes = diff_groups([agg, m2, m1], [])
    assert kinds(changes) == [
        ("create_group", "a-1-x"),
        ("create_group", "b-1-x"),
        ("add_keys", "a-1-x"),
        ("add_keys", "b-1-x"),
        ("create_group", "x-aggregate"),
        ("add_members", "x-aggregate"),
    ]


def test_identical_state_with_server_extras_is_an_empty_plan():
    spec = standard()
    assert diff_groups([spec], [actual_of(spec, 1, model_redirect_rules={"m": "m"}, extra="ignored")]) == []


@pytest.mark.parametrize(
    ("actual_overrides", "changed"),
    [
        ({"test_model": "other"}, "test_model"),
        ({"model_redirect_rules": {}}, "model_redirect_rules"),
        ({"model_redirect_rules": {"m": "other-original"}}, "model_redirect_rules"),
        ({"model_redirect_strict": False}, "model_redirect_strict"),
        ({"upstreams": [{"url": "https://old.test", "weight": 1}]}, "upstreams"),
        ({"proxy_keys": "someone-else-1234567"}, "proxy_keys"),
        ({"description": "edited by hand"}, "description"),
    ],
)
def test_a_drifted_owned_field_is_one_update_of_that_field(actual_overrides, changed):
    spec = standard()
    (change,) = diff_groups([spec], [actual_of(spec, 7, **actual_overrides)])
    assert (change.kind, change.data["id"], list(change.data["fields"])) == ("update_group", 7, [changed])


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # a rename: the old name stays served (keep_redirects) until the removals stage trims it
        (
            {"old": "o"},
            {"new": "o"},
            [("update_group", "standards", {"old": "o"}), ("trim_redirects", "removals", None)],
        ),
        # a name dropped alone: nothing to do before the second phase
        ({"m": "m", "z": "z"}, {"m": "m"}, [("trim_redirects", "removals", None)]),
        # names added or re-pointed: one update, nothing to trim
        ({"m": "m"}, {"m": "m", "n": "n"}, [("update_group", "standards", None)]),
        ({"m": "x"}, {"m": "y"}, [("update_group", "standards", None)]),
    ],
)
def test_redirect_names_a_plan_drops_are_removed_only_in_the_second_phase(before, after, expected):
    spec = standard(model_redirect_rules=after)
    changes = diff_groups([spec], [actual_of(spec, 7, model_redirect_rules=before)])
    stage = {"standards": "standard", "removals": "removals"}
    assert [(c.kind, c.stage, c.data.get("keep_redirects")) for c in changes] == [
        (kind, stage[where], keep) for kind, where, keep in expected
    ]
    trims = [c for c in changes if c.kind == "trim_redirects"]
    assert all(c.data["names"] == sorted(set(before) - set(after)) for c in trims)


@pytest.mark.parametrize(
    ("nothing", "field"),
    [
        (None, "model_redirect_rules"),
        ({}, "model_redirect_rules"),
        (None, "validation_endpoint"),
        ("", "validation_endpoint"),
    ],
)
def test_gptload_spellings_of_nothing_are_equal(nothing, field):
    spec = standard(model_redirect_rules={}, validation_endpoint="")
    assert diff_groups([spec], [actual_of(spec, 1, **{field: nothing})]) == []


@pytest.mark.parametrize("overrides", [{"channel_type": "gemini"}, {"validation_endpoint": "/chat/completions"}])
def test_channel_type_or_endpoint_change_replaces_the_group_and_resends_keys(overrides):
    old = standard()
    new = standard(**overrides)
    changes = diff_groups([new], [actual_of(old, 3)])
    assert kinds(changes) == [("replace_group", old.name), ("add_keys", old.name)]
    assert changes[0].data["id"] == 3


def test_replaced_member_is_added_back_to_its_aggregate():
    old_member = standard("a-1-x")
    new_member = standard("a-1-x", channel_type="openai", validation_endpoint="/chat/completions")
    agg = aggregate("x-aggregate", {"a-1-x": 100})
    changes = diff_groups([new_member, agg], [actual_of(old_member, 1), actual_of(agg, 2)])
    assert ("add_members", "x-aggregate") in kinds(changes)


def test_keys_are_diffed_both_ways_and_never_shown_unmasked():
    spec = standard(keys=(KEY_B,))
    changes = diff_groups([spec], [actual_of(standard(keys=(KEY_A,)), 1)])
    assert kinds(changes) == [("add_keys", spec.name), ("remove_keys", spec.name)]
    assert changes[0].payload == [KEY_B] and changes[1].payload == [KEY_A]
    public = str([c.public() for c in changes])
    assert KEY_A not in public and KEY_B not in public and "sk-…2222" in public


def test_members_are_added_reweighted_and_removed_but_deleted_groups_cascade():
    keep, gone, extra = standard("k-1-x"), standard("g-1-x"), standard("e-1-x")
    desired_agg = aggregate("x-aggregate", {"k-1-x": 50, "n-1-x": 100})
    actual_agg = aggregate("x-aggregate", {"k-1-x": 100, "g-1-x": 100, "e-1-x": 100})
    new = standard("n-1-x")
    changes = diff_groups(
        [keep, new, extra, desired_agg],
        [actual_of(keep, 1), actual_of(gone, 2), actual_of(extra, 3), actual_of(actual_agg, 4)],
    )
    by_kind = {(c.kind, c.target): c.data for c in changes}
    assert by_kind[("add_members", "x-aggregate")] == {"members": {"n-1-x": 100}}
    assert by_kind[("set_weight", "x-aggregate")] == {"member": "k-1-x", "before": 100, "after": 50}
    assert by_kind[("remove_member", "x-aggregate")] == {"member": "e-1-x"}
    assert ("delete_group", "g-1-x") in by_kind  # its link goes with it: no remove_member for it


def test_unmanaged_groups_are_never_touched_and_desired_names_they_hold_conflict():
    spec = standard("taken")
    foreign = actual_of(spec, 9, managed=False)
    other_foreign = actual_of(standard("theirs"), 10, managed=False)
    [conflict] = find_conflicts(["taken", "free"], [foreign, other_foreign])
    assert conflict.name == "taken" and conflict.said == Phrase("foreign_group")  # why, as a code for the pages
    assert conflict.reason.startswith("a group with this name exists in GPT-Load and is not managed")  # REST's
    assert kinds(diff_groups([], [foreign, other_foreign])) == []


def test_managed_groups_no_longer_desired_are_deleted_last():
    gone = standard("gone")
    changes = diff_groups([standard("new")], [actual_of(gone, 5)])
    assert kinds(changes)[-1] == ("delete_group", "gone")


def test_checksum_changes_with_any_change_and_only_then():
    first = Plan(diff_groups([standard(keys=(KEY_A,))], []), [])
    same = Plan(diff_groups([standard(keys=(KEY_A,))], []), [])
    other = Plan(diff_groups([standard(keys=(KEY_B,))], []), [])
    assert first.checksum() == same.checksum() != other.checksum()


def test_uniapi_change_masks_secrets_in_its_diff():
    secret = "lpm-proxy-abcdefghijklmnop"
    change = uniapi_change("api.yaml", "providers: []\n", f"api: {secret}\n", lambda text: redact(text, [secret]))
    assert secret not in change.data["diff"] and "lpm…mnop" in change.data["diff"]
    assert uniapi_change("api.yaml", "same\n", "same\n", lambda text: text) is None


def test_each_change_type_names_its_kind_and_stage_and_keeps_the_public_shape():
    """The typed changes serialize exactly as the documented plan JSON: kind, stage, target, then their data."""
    spec = standard("acme-no-aggregate-models", keys=("sk-a-0123456789abcdef",))
    changes = diff_groups([spec, aggregate("gpt-4o-aggregate", {"acme-no-aggregate-models": 100})], [])
    shapes = {(type(c).__name__, c.kind, c.stage) for c in changes}
    assert shapes == {
        ("CreateGroup", "create_group", "standard"),
        ("AddKeys", "add_keys", "keys"),
        ("CreateGroup", "create_group", "aggregates"),
        ("AddMembers", "add_members", "members"),
    }
    add_keys = next(c for c in changes if c.kind == "add_keys")
    assert list(add_keys.public())[:3] == ["kind", "stage", "target"]
    assert "sk-a-0123456789abcdef" not in str(add_keys.public())
    assert add_keys.payload == ["sk-a-0123456789abcdef"]


@pytest.mark.parametrize(
    ("removals", "managed", "unsafe"),
    [
        (0, 0, False),
        (0, 50, False),
        (5, 10, False),  # half, but not more than 10 groups
        (11, 20, True),  # more than 30 % and more than 10
        (11, 100, False),  # more than 10, but 11 %
        (40, 100, True),
        (3, 3, True),  # every managed group: always unsafe
        (1, 1, True),
    ],
)
def test_a_plan_that_removes_too_much_of_what_the_manager_owns_is_unsafe(removals, managed, unsafe):
    deletes = [DeleteGroup(f"g{i}", "removals", {"id": i, "group_type": "standard"}) for i in range(removals)]
    safety = safety_of(deletes, managed, max_percent=30, max_count=10, empty=False)
    assert (safety.unsafe, safety.removals, safety.managed) == (unsafe, removals, managed)
    assert (safety.reason is not None) is unsafe
    if unsafe:  # the verdict as core's sentence (a page says it by its code), and in English for REST
        assert safety.said == Phrase("unsafe_removals", {"removals": removals, "managed": managed})
        english = f"This plan deletes or replaces {removals} of the {managed} groups this manager owns in GPT-Load."
        assert safety.reason == english
        assert safety.public()["reason"] == safety.reason


def test_an_empty_registry_deleting_everything_says_to_restore_the_backup():
    deletes = [DeleteGroup("g", "removals", {"id": 1, "group_type": "standard"})]
    safety = safety_of(deletes, 1, max_percent=30, max_count=10, empty=True)
    assert safety.unsafe and "registry is empty" in safety.reason and "backup" in safety.reason
    assert safety.said == Phrase("unsafe_empty_registry", {"managed": 1})
