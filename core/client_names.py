"""What clients of uni-api will see change: per entry, the model names gained, lost or renamed (pure).

A name is served by (provider id, original name) pairs. Before a sync they come from the groups GPT-Load
holds behind the managed entries of the current api.yaml; after it, from the desired topology. A name that
disappears while a new one appears for the same pair is a rename, not a loss and a gain: that is what the
operator did in the workbench, and what clients must be told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel

from core.plan import ActualGroup
from core.topology import Topology, identity_provider

Pair = tuple[int, str]
# entry name -> exposed name -> the pairs serving it through that entry
EntryNames = Mapping[str, Mapping[str, frozenset[Pair]]]


class Renamed(BaseModel):
    before: str
    after: str


class EntryChange(BaseModel):
    entry: str
    gained: list[str]
    lost: list[str]
    renamed: list[Renamed]


def client_name_changes(before: EntryNames, after: EntryNames) -> list[EntryChange]:
    """Per entry, sorted, only entries where clients see a difference."""
    # Entries that serve the same before and after change nothing; their names only count as still served.
    # (At 3,000 entries a sync usually touches a few: merging all of them took most of this function's time.)
    changed = {e for e in before.keys() | after.keys() if before.get(e) != after.get(e)}
    still_served = {name for e in before.keys() - changed for name in before[e]}
    old_names = _serving({e: before[e] for e in changed if e in before})
    new_names = _serving({e: after[e] for e in changed if e in after})
    lost_everywhere = old_names.keys() - new_names.keys() - still_served
    renamed_to: dict[str, str] = {}  # new name -> old name
    for name in sorted(new_names.keys() - old_names.keys() - still_served):
        olds = sorted(old for old in lost_everywhere if old_names[old] & new_names[name])
        if olds:
            renamed_to[name] = olds[0]
    changes = []
    for entry in sorted(changed):
        had, has = set(before.get(entry, {})), set(after.get(entry, {}))
        renamed = [Renamed(before=renamed_to[n], after=n) for n in sorted(has - had) if n in renamed_to]
        hidden = {r.before for r in renamed} | {r.after for r in renamed}
        gained, lost = sorted(has - had - hidden), sorted(had - has - hidden)
        if gained or lost or renamed:
            changes.append(EntryChange(entry=entry, gained=gained, lost=lost, renamed=renamed))
    return changes


def topology_names(topology: Topology) -> dict[str, dict[str, frozenset[Pair]]]:
    """What each uni-api entry of a topology serves."""
    groups = {g.name: g for g in topology.standard}
    members = {a.name: a.members for a in topology.aggregates}
    return {
        route.group: entry_names(
            (groups[m].provider_id, groups[m].rules) for m in members.get(route.group, [route.group])
        )
        for route in topology.routes
    }


def current_names(
    entries: Iterable[str], actual: Iterable[ActualGroup], identities: Mapping[str, str]
) -> dict[str, dict[str, frozenset[Pair]]]:
    """What the managed ``entries`` of the current api.yaml serve through the groups GPT-Load holds now.

    ``identities`` maps group names to the identities remembered for them (the provider id is part of it).
    """
    groups = {g.name: g for g in actual if g.managed}
    served = {}
    for entry in entries:
        group = groups.get(entry)
        if group is None:
            continue  # an entry whose group is gone serves nothing today
        behind = [groups[m] for m in group.members or {} if m in groups] if group.group_type == "aggregate" else [group]
        served[entry] = entry_names(
            (identity_provider(identities.get(g.name)), g.fields.get("model_redirect_rules") or {}) for g in behind
        )
    return served


def entry_names(groups: Iterable[tuple[int | None, Mapping[str, str]]]) -> dict[str, frozenset[Pair]]:
    """The names an entry serves, from its groups' ``(provider id, redirect rules {exposed: original})``."""
    names: dict[str, set[Pair]] = {}
    for provider_id, rules in groups:
        for exposed, original in rules.items():
            names.setdefault(exposed, set()).add((provider_id if provider_id is not None else -1, original))
    return {name: frozenset(pairs) for name, pairs in names.items()}


def _serving(entries: EntryNames) -> dict[str, frozenset[Pair]]:
    merged: dict[str, set[Pair]] = {}
    for names in entries.values():
        for name, pairs in names.items():
            merged.setdefault(name, set()).update(pairs)
    return {name: frozenset(pairs) for name, pairs in merged.items()}
