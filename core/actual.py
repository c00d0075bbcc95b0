"""What GPT-Load holds, read as cheaply as the plan allows, and what the last sync left there (issue 12 §4).

GPT-Load lists every group with its fields in one ``GET /api/groups``, but keys and aggregate members
take one or more reads per group: 12,000 reads at 12,000 groups. After a successful sync the manager
remembers, per group, the fingerprints of the keys and the members it left and GPT-Load's ``updated_at``
then (``ManagedGroup.applied``). A *normal* plan reads keys or members only where that memory cannot
answer: the group is new to the manager, its desired keys or members differ from what was applied, or
GPT-Load's ``updated_at`` moved (someone edited the group). A *verify* plan reads everything and reports
where GPT-Load no longer holds what was applied (drift: keys or members changed by hand).

What a normal plan cannot see: keys added, removed or blacklisted and members changed in GPT-Load by
hand when that edit did not move the group's ``updated_at`` (GPT-Load keeps keys and members in their
own tables). A verify plan sees them; so does any plan once the group's desired state changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import datetime
from typing import Any

from core.clients.gptload import GptLoadClient
from core.crypto import key_fingerprint
from core.models import ManagedGroup
from core.naming import carries_marker
from core.plan import ActualGroup, Drift, GroupSpec

VALIDATION_LAG = 300  # seconds between the cron's two stamps that still count as one write (its own period)


async def read_actual(
    gptload: GptLoadClient, specs: list[GroupSpec], *, verify: bool
) -> tuple[list[ActualGroup], list[Drift]]:
    """Every group GPT-Load holds; keys and members of the managed ones where needed (all of them to verify)."""
    groups = await gptload.list_groups()
    applied = {gid: state for gid, state in await ManagedGroup.all().values_list("gptload_id", "applied")}
    by_id = {g["id"]: g["name"] for g in groups}
    wanted = {s.name: s for s in specs}
    actual = [_actual(g, managed=is_managed(g, applied.keys())) for g in groups]
    drift: list[Drift] = []

    async def details(group: ActualGroup) -> None:
        if group.group_type == "aggregate":
            members = await gptload.list_sub_groups(group.id)
            group.members = {by_id.get(gid, f"#{gid}"): weight for gid, weight in members.items()}
        else:
            statuses = await gptload.list_keys(group.id)
            group.keys = set(statuses)
            group.invalid_keys = sum(status == "invalid" for status in statuses.values())
        found = drift_of(group, applied.get(group.id))
        if found is not None:
            drift.append(found)

    reads = []
    for group in actual:
        if not group.managed:
            continue
        known = None if verify else trusted(group, wanted.get(group.name), applied.get(group.id))
        if known is None:
            reads.append(details(group))
        else:
            group.keys, group.members = known
    await asyncio.gather(*reads)
    return actual, sorted(drift, key=lambda d: d.group)


def is_managed(group: dict[str, Any], known_ids: Collection[int]) -> bool:
    """The manager's: recorded in its table, or carrying its marker (a restored or lost database)."""
    return group["id"] in known_ids or carries_marker(group.get("description"))


def trusted(
    group: ActualGroup, spec: GroupSpec | None, applied: dict[str, Any] | None
) -> tuple[set[str] | None, dict[str, int] | None] | None:
    """(keys, members) the group holds for sure without asking GPT-Load, or None when they must be read.

    A standard group the plan deletes needs neither; an aggregate it deletes still tells what clients
    reach through it now (``core.client_names``). One whose ``updated_at`` moved or whose desired keys or
    members differ from what was applied must be read: removing keys needs their text.
    """
    if spec is None and group.group_type != "aggregate":
        return None, None
    if not applied or not (applied.get("updated_at") == group.fields.get("updated_at") or _validated(group, applied)):
        return None
    if spec is None:
        members = applied.get("members")
        return (None, dict(members)) if members is not None else None
    if spec.group_type == "aggregate":
        return (None, dict(spec.members)) if applied.get("members") == spec.members else None
    if applied.get("keys") == fingerprints(spec.keys):
        return set(spec.keys), None
    return None


def _validated(group: ActualGroup, applied: dict[str, Any]) -> bool:
    """Whether ``updated_at`` moved only because GPT-Load's key-validation cron stamped ``last_validated_at``.

    The cron (every 5 minutes; each standard group once an interval, a new one at its first pass) writes
    ``last_validated_at = time.Now()`` through gorm, which sets ``updated_at`` as well when the write gets
    through: on a busy SQLite up to seconds later (measured: 0.2-3.8 s at 12,100 groups). That changes nothing
    a plan compares: the owned fields are in the list, and keys and members never move ``updated_at``.
    """
    stamp, validated = group.fields.get("updated_at"), group.fields.get("last_validated_at")
    if not stamp or not validated or validated == applied.get("last_validated_at"):
        return False
    stamped, checked = _seconds(stamp), _seconds(validated)
    return stamped is not None and checked is not None and 0 <= stamped - checked <= VALIDATION_LAG


def _seconds(stamp: Any) -> float | None:
    """A GPT-Load time to the second (both stamps come from one server in one format and zone)."""
    try:
        return datetime.fromisoformat(str(stamp)[:19]).timestamp()
    except ValueError:
        return None


def drift_of(group: ActualGroup, applied: dict[str, Any] | None) -> Drift | None:
    """What changed in GPT-Load since the last sync applied this group, when it knows what it applied."""
    if not applied:
        return None
    if group.keys is not None and "keys" in applied:
        now, then = set(fingerprints(group.keys)), set(applied["keys"])
        if now != then:
            summary = f"keys changed in GPT-Load: {len(now - then)} added, {len(then - now)} removed"
            return Drift(group.name, summary)
    if group.members is not None and "members" in applied and group.members != applied["members"]:
        now, then = group.members, applied["members"]
        parts = [
            _names(label, names)
            for label, names in (
                ("added", set(now) - set(then)),
                ("removed", set(then) - set(now)),
                ("weight changed", {m for m in set(now) & set(then) if now[m] != then[m]}),
            )
            if names
        ]
        return Drift(group.name, "members changed in GPT-Load; " + "; ".join(parts))
    return None


def _names(label: str, names: set[str], shown: int = 5) -> str:
    listed = ", ".join(sorted(names)[:shown])
    return f"{label}: {listed}{f' and {len(names) - shown} more' if len(names) > shown else ''}"


def fingerprints(keys: set[str] | frozenset[str]) -> list[str]:
    return sorted(key_fingerprint(k) for k in keys)


async def forget_applied(names: set[str]) -> None:
    """Before a run changes these groups: until it succeeds, what they hold is unknown (read at the next plan)."""
    if names:
        await ManagedGroup.filter(name__in=sorted(names)).update(applied=None)


async def remember_applied(groups: list[dict[str, Any]], specs: list[GroupSpec]) -> None:
    """After a successful run: GPT-Load holds the desired keys and members; note them with its ``updated_at``."""
    wanted = {s.name: s for s in specs}
    stamps = {g["name"]: (g["id"], g.get("updated_at"), g.get("last_validated_at")) for g in groups}
    states: dict[int, dict[str, Any]] = {}
    for id_, name, gptload_id, applied in await ManagedGroup.all().values_list("id", "name", "gptload_id", "applied"):
        spec, (gid, stamp, validated) = wanted.get(name), stamps.get(name, (None, None, None))
        if spec is None or gid != gptload_id or stamp is None:
            continue
        state: dict[str, Any] = {"updated_at": stamp, "last_validated_at": validated}
        if spec.group_type == "aggregate":
            state["members"] = dict(spec.members)
        else:
            state["keys"] = fingerprints(spec.keys)
        if applied != state:
            states[id_] = state
    # Only the rows whose state changed become objects: a no-op sync at 12,000 groups loads none.
    changed = await ManagedGroup.filter(id__in=list(states))
    for row in changed:
        row.applied = states[row.id]
    if changed:
        await ManagedGroup.bulk_update(changed, fields=["applied"], batch_size=500)


def _actual(group: dict[str, Any], *, managed: bool) -> ActualGroup:
    return ActualGroup(
        id=group["id"],
        name=group["name"],
        group_type=group.get("group_type") or "standard",
        channel_type=group.get("channel_type") or "",
        fields=group,
        managed=managed,
    )
