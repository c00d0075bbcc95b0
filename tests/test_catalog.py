"""Pure registry logic: merging a fresh listing, and finding duplicate exposed names."""

from __future__ import annotations

import pytest

from core.catalog import duplicate_names, merge_listing


def row(name: str, *, manual: bool = False, missing: bool = False) -> dict:
    return {"original_name": name, "is_manual": manual, "upstream_missing": missing}


@pytest.mark.parametrize(
    ("existing", "listed", "added", "disappeared", "reappeared"),
    [
        ([], ["a", "b"], ["a", "b"], [], []),
        ([row("a"), row("b")], ["a", "b"], [], [], []),
        ([row("a"), row("b")], ["b", "c"], ["c"], ["a"], []),
        ([row("a", missing=True)], ["a"], [], [], ["a"]),
        ([row("a", missing=True)], [], [], [], []),  # already reported once
        ([row("hand", manual=True)], ["x"], ["x"], [], []),  # manual models never disappear
        ([row("a")], [], [], ["a"], []),
    ],
)
def test_merge_listing(existing, listed, added, disappeared, reappeared):
    merge = merge_listing(existing, listed)
    assert (merge.added, merge.disappeared, merge.reappeared) == (added, disappeared, reappeared)


@pytest.mark.parametrize(
    ("models", "expected"),
    [
        ([(1, "a", True), (2, "b", True)], {}),
        ([(1, "a", True), (2, "a", True)], {"a": [1, 2]}),
        ([(1, "a", True), (2, "a", False)], {}),  # an inactive model serves nothing
        ([(1, "A", True), (2, "a", True)], {}),  # names are exact, case included
        ([(1, "x", True), (2, "x", True), (3, "x", True)], {"x": [1, 2, 3]}),
    ],
)
def test_duplicate_names(models, expected):
    assert duplicate_names(models) == expected
