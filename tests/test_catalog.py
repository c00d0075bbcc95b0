"""Pure registry logic: merging a fresh listing into the stored models."""

from __future__ import annotations

import pytest

from core.catalog import merge_listing, new_duplicates


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


def test_new_duplicates_names_the_stored_models_a_fetched_name_collides_with():
    existing = [
        {"original_name": "o3", "normalized_name": "o4", "is_active": True},
        {"original_name": "old", "normalized_name": "gone", "is_active": False},
    ]
    assert new_duplicates(existing, ["o4", "gone", "fresh"]) == {"o4": ["o3", "o4"]}
