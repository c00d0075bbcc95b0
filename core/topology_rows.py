"""The topology as table rows (pure): one row per GPT-Load group that serves an exposed name.

A row follows a client's request down the chain: the exposed name, the uni-api entry that offers it, the
aggregate (when the name is shared), the standard group that answers, and the provider behind it with the
original name it receives and how many keys rotate there. The sync page shows these rows in a searchable
table; at 100 providers x 300 models that is 30,000 rows, so search runs here, over all of them, and the
browser gets one page of matches at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.plan import GroupSpec
from core.topology import Topology

Row = dict[str, Any]
SEARCHED = ("exposed", "entry", "aggregate", "group", "provider", "original")


def topology_rows(topology: Topology, keys_per_provider: Mapping[str, int]) -> list[Row]:
    """Rows sorted by exposed name, then group; ``keys_per_provider``: provider name -> its key count."""
    standard = {g.name: g for g in topology.standard}
    aggregates = {a.name: a for a in topology.aggregates}
    found: list[tuple[str, str, str, str]] = []  # exposed, entry, aggregate, group
    for route in topology.routes:
        aggregate = aggregates.get(route.group)
        if aggregate is not None:
            found += [(aggregate.exposed_name, route.group, aggregate.name, m) for m in sorted(aggregate.members)]
        else:
            found += [(exposed, route.group, "", route.group) for exposed in route.models]
    rows = []
    for exposed, entry, aggregate_name, group_name in sorted(found):
        group = standard[group_name]
        rows.append(
            {
                "id": len(rows),
                "exposed": exposed,
                "entry": entry,
                "aggregate": aggregate_name,
                "group": group_name,
                "provider": group.provider_name,
                "original": group.rules[exposed],
                "keys": keys_per_provider.get(group.provider_name, 0),
            }
        )
    return rows


def keys_per_provider(topology: Topology, specs: Iterable[GroupSpec]) -> dict[str, int]:
    """How many keys each provider's groups carry (every group of a provider carries all of its keys)."""
    provider_of = {g.name: g.provider_name for g in topology.standard}
    return {provider_of[s.name]: len(s.keys) for s in specs if s.name in provider_of}


def search_rows(rows: list[Row], text: str, columns: Iterable[str] = SEARCHED) -> list[Row]:
    """The rows with every word of ``text`` in one of ``columns`` (any case); all rows for a blank ``text``."""
    words = text.lower().split()
    if not words:
        return rows
    columns = tuple(columns)
    return [row for row in rows if _matches(row, words, columns)]


def _matches(row: Row, words: list[str], columns: tuple[str, ...]) -> bool:
    haystack = "\n".join(str(row[column]) for column in columns).lower()
    return all(word in haystack for word in words)
