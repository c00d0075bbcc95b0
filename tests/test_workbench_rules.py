"""The workbench's pure rules: AG Grid's quick filter and the status filter as Python mirrors them, Find/Replace,
and pending restores with the "how many rows would change" count every bulk action asks with."""

from __future__ import annotations

import pytest

from core.catalog import ModelPublic
from core.impact import ModelRow, ProviderRow, Registry
from ui.i18n import text_in
from ui.pending import STATUS_WORDS, PendingChanges
from ui.row_rules import (
    STATUS_FILTERS,
    InvalidFind,
    quick_filter_matches,
    replacer,
    row_state,
    status_filter_matches,
    status_filter_model,
)

ROW = {"original_name": "moonshot/Kimi-K2", "normalized_name": "", "exposed_name": "moonshot/Kimi-K2",
       "status": "active, to rename", "_inactive": False, "_pending": True, "_deleted": True}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (None, True),
        ("", True),
        ("kimi", True),  # case-insensitive
        ("KIMI-k2", True),
        ("kimi rename", True),  # every space-separated part, each in some shown column
        ("kimi gpt", False),
        ("kimi  k2", True),  # an empty part (two spaces) matches, as in AG Grid
        ("k2\nactive", False),  # parts are matched per column, never across two columns' values
        ("true", False),  # _deleted is no shown column
        ("moonshot/kimi-k2", True),
    ],
)
def test_quick_filter_matches_like_ag_grid(text, shown):
    assert quick_filter_matches(ROW, text) is shown


def test_quick_filter_reads_the_status_as_the_grid_shows_it():
    """On a Chinese page the Status column shows Chinese words; the quick filter reads what is shown."""
    words = {"active, to rename": "可用，待重命名"}
    assert quick_filter_matches(ROW, "待重命名", words) and quick_filter_matches(ROW, "kimi 可用", words)
    assert not quick_filter_matches(ROW, "rename", words)
    assert quick_filter_matches(ROW, "rename", {}) and not quick_filter_matches(ROW, "待重命名", {})


@pytest.mark.parametrize(
    ("inactive", "pending", "state", "shown_by"),
    [
        (False, False, "active", {"all", "active"}),
        (False, True, "active pending", {"all", "active", "pending"}),
        (True, False, "deleted", {"all", "deleted"}),
        (True, True, "deleted pending", {"all", "deleted", "pending"}),
    ],
)
def test_status_filter_shows_saved_state_and_pending(inactive, pending, state, shown_by):
    row = {**ROW, "_inactive": inactive, "_pending": pending}
    assert row_state(row) == state
    assert {s for s in ("all", "active", "deleted", "pending") if status_filter_matches(row, s)} == shown_by


def test_status_filter_model_is_a_text_filter_on_the_hidden_state_column():
    assert status_filter_model("all") is None
    assert status_filter_model("deleted") == {"filterType": "text", "type": "contains", "filter": "deleted"}


@pytest.mark.parametrize(
    ("find", "replacement", "regex", "name", "result"),
    [
        ("-", "_", False, "gpt-4o-mini", "gpt_4o_mini"),
        ("(", "", False, "a(b", "ab"),  # literal: special characters are plain text
        ("4o", None, False, "gpt-4o", "gpt-"),
        (r"^openai/(.*)$", r"oa-\1", True, "openai/gpt-4o", "oa-gpt-4o"),
        (r"\d+", "N", True, "llama-3.1-70b", "llama-N.N-Nb"),
        (r"^openai/", "", True, "meta/llama", "meta/llama"),
    ],
)
def test_replacer_literal_and_regex(find, replacement, regex, name, result):
    assert replacer(find, replacement, regex=regex)(name) == result


@pytest.mark.parametrize(
    ("find", "replacement", "message"),
    [
        ("", "x", "Type what to find first."),
        (None, "x", "Type what to find first."),
        ("(", "", "Invalid regular expression: missing ), unterminated subpattern at position 0."),
        ("a", r"\2", "Invalid regular expression: invalid group reference 2 at position 1."),
    ],
)
def test_replacer_explains_what_is_wrong(find, replacement, message):
    """The rule names the sentence (a key of the translation table) and its values; the page shows it."""
    with pytest.raises(InvalidFind) as caught:
        replacer(find, replacement, regex=True)
    assert text_in("en", caught.value.key, **caught.value.values) == message
    assert text_in("zh", caught.value.key, **caught.value.values).startswith(("请先输入", "无效的正则表达式"))


def pending_of(*models: tuple[int, str, bool]) -> PendingChanges:
    """Provider 1's models as (id, original name, active)."""
    public = [
        ModelPublic(id=i, provider_id=1, original_name=n, normalized_name=None, exposed_name=n, is_active=a,
                    is_manual=False, upstream_missing=False, fetched_at=None)
        for i, n, a in models
    ]  # fmt: skip
    registry = Registry(
        {1: ProviderRow(1, "acme", "openai", "https://a.test/v1")},
        {i: ModelRow(i, 1, n, None, a) for i, n, a in models},
    )
    return PendingChanges.load(1, public, registry)


def test_a_saved_deletion_is_restored_through_a_pending_restore():
    pending = pending_of((1, "m-1", False), (2, "m-2", True))
    pending.row_action(1)  # the row's button on a deleted model: Restore
    assert pending.restores == {1} and pending.count == 1 and pending.active(1)
    row = pending.rows([])[0]
    assert (row["status"], row["_inactive"], row["_restore"], row["_pending"]) == ("to restore", True, True, True)
    assert pending.edits().restores == frozenset({1})
    pending.row_action(1)  # Revert
    assert pending.count == 0 and pending.rows([])[0]["status"] == "deleted"
    pending.mark_restored(2)  # an active model has nothing to restore
    assert pending.count == 0


@pytest.mark.parametrize(
    ("action", "ids", "changing"),
    [
        (PendingChanges.mark_deleted, [1, 2, 3], [2, 3]),  # 1 is deleted already
        (PendingChanges.mark_restored, [1, 2, 3], [1]),
        (lambda p, i: p.rename(i, p.exposed(i).lower()), [1, 2, 3], [1, 2]),  # "m-3" is lowercase already
        (PendingChanges.revert, [1, 2, 3], []),
    ],
)
def test_would_change_counts_without_changing_anything(action, ids, changing):
    pending = pending_of((1, "M-1", False), (2, "M-2", True), (3, "m-3", True))
    assert pending.would_change(ids, action) == changing
    assert pending.count == 0


@pytest.mark.parametrize(
    ("active", "missing", "renamed", "marked", "status"),
    [
        (True, False, False, False, "active"),
        (True, True, False, False, "missing upstream"),
        (True, False, True, False, "active, to rename"),
        (True, True, True, False, "missing upstream, to rename"),
        (True, False, False, True, "to delete"),
        (False, False, False, False, "deleted"),
        (False, False, False, True, "to restore"),
    ],
)
def test_every_status_the_grid_holds_has_words_in_both_languages(active, missing, renamed, marked, status):
    """The Status column holds English data (code and tests branch on it); each value has its words on a page."""
    model = ModelPublic(id=1, provider_id=1, original_name="m", normalized_name=None, exposed_name="m",
                        is_active=active, is_manual=False, upstream_missing=missing, fetched_at=None)  # fmt: skip
    registry = Registry(
        {1: ProviderRow(1, "acme", "openai", "https://a.test/v1")}, {1: ModelRow(1, 1, "m", None, active)}
    )
    pending = PendingChanges.load(1, [model], registry)
    if renamed:
        pending.rename(1, "n")
    if marked:
        pending.row_action(1)
    assert pending.rows([])[0]["status"] == status
    assert text_in("en", STATUS_WORDS[status]) == status  # English pages show the data as it is
    assert text_in("zh", STATUS_WORDS[status]) != status


def test_the_status_filter_labels_are_keys():
    assert {text_in("en", key) for key in STATUS_FILTERS.values()} == {"All", "Active", "Deleted", "Pending"}
