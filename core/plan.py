"""Desired vs actual GPT-Load state -> an ordered Plan of changes (pure; DESIGN §6, octoDNS's plan/apply).

Only the fields the manager owns are compared, so server-side extras never cause endless drift.
Groups the manager does not own are never changed; a desired name held by one is a conflict.
Public change data never holds a secret: keys appear masked and as short hashes, which also
make the checksum tell two different keys with the same mask apart.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.changes import (
    AddKeys,
    AddMembers,
    Change,
    CreateGroup,
    DeleteGroup,
    RemoveKeys,
    RemoveMember,
    ReplaceGroup,
    SetWeight,
    TrimRedirects,
    UpdateGroup,
    WriteUniapi,
    group_stage,
    sort_changes,
)
from core.crypto import key_fingerprint, mask
from core.phrases import Phrase
from core.route_warnings import RouteWarning

if TYPE_CHECKING:
    from core.client_names import EntryChange

# Fields whose change GPT-Load refuses on an aggregate member, or ignores on an aggregate: recreate instead.
REPLACE_ON = ("channel_type", "validation_endpoint")
OWNED_FIELDS = {
    "standard": (
        "display_name",
        "description",
        "upstreams",
        "test_model",
        "validation_endpoint",
        "model_redirect_rules",
        "model_redirect_strict",
        "proxy_keys",
    ),
    "aggregate": ("display_name", "description", "proxy_keys"),
}
SECRET_FIELDS = ("proxy_keys",)


@dataclass(frozen=True)
class GroupSpec:
    """A group as the manager wants it. ``fields`` are GPT-Load's own field names and shapes."""

    name: str
    group_type: str
    channel_type: str
    fields: dict[str, Any] = field(hash=False)
    keys: frozenset[str] = frozenset()
    members: dict[str, int] = field(default_factory=dict, hash=False)
    # What the group serves (the topology's identity): remembered so the group keeps its name.
    identity: str = field(default="", compare=False)


@dataclass
class ActualGroup:
    """A group as GPT-Load has it; ``keys`` and ``members`` are read for managed groups only."""

    id: int
    name: str
    group_type: str
    channel_type: str
    fields: dict[str, Any]
    managed: bool
    keys: set[str] | None = None
    members: dict[str, int] | None = None
    invalid_keys: int = 0  # keys GPT-Load has blacklisted (read with the keys)


@dataclass(frozen=True)
class Conflict:
    name: str
    said: Phrase  # why it is one

    @property
    def reason(self) -> str:
        return str(self.said)


FOREIGN_GROUP = Phrase("foreign_group")


@dataclass(frozen=True)
class Drift:
    """A group whose keys or members GPT-Load no longer holds as the last sync left them (changed by hand)."""

    group: str
    summary: str


@dataclass(frozen=True)
class Safety:
    """octoDNS's safety check: does the plan delete or replace too much of what the manager owns?"""

    unsafe: bool
    removals: int  # managed groups the plan deletes or replaces
    managed: int  # managed groups GPT-Load holds now
    said: Phrase | None = None  # why it is unsafe

    @property
    def reason(self) -> str | None:
        return str(self.said) if self.said else None

    def public(self) -> dict[str, Any]:
        return {"unsafe": self.unsafe, "removals": self.removals, "managed": self.managed, "reason": self.reason}


SAFE = Safety(unsafe=False, removals=0, managed=0)


def safety_of(changes: list[Change], managed: int, *, max_percent: float, max_count: int, empty: bool) -> Safety:
    """Unsafe: every managed group removed, or more than ``max_percent`` % of them and more than ``max_count``."""
    removals = sum(isinstance(c, DeleteGroup | ReplaceGroup) for c in changes)
    everything = managed > 0 and removals >= managed
    too_many = removals * 100 > max_percent * managed and removals > max_count
    if not removals or not (everything or too_many):
        return Safety(unsafe=False, removals=removals, managed=managed)
    if empty:
        said = Phrase("unsafe_empty_registry", {"managed": managed})
    else:
        said = Phrase("unsafe_removals", {"removals": removals, "managed": managed})
    return Safety(unsafe=True, removals=removals, managed=managed, said=said)


@dataclass
class Plan:
    changes: list[Change]
    conflicts: list[Conflict]
    # Providers it routes to although they look broken; not part of the checksum (they change nothing).
    warnings: list[RouteWarning] = field(default_factory=list)
    # What clients of uni-api will see: names gained, lost, renamed per entry (informational, like warnings).
    client_changes: list[EntryChange] = field(default_factory=list)
    safety: Safety = SAFE
    # Whether every managed group's keys and members were read (a verify plan), and what it found changed.
    verified: bool = False
    drift: list[Drift] = field(default_factory=list)
    # False: GPT-Load was not read (core.gptload_offline) and the plan is a preview against an empty GPT-Load.
    gptload_reachable: bool = True
    gptload_error: str | None = None
    # The reason when it is core's own (GPT-Load not configured); an unreachable one is the connection's error text.
    gptload_unconfigured: Phrase | None = None

    @property
    def is_empty(self) -> bool:
        return not self.changes

    def checksum(self) -> str:
        """Of the changes; a preview made without GPT-Load hashes differently, so it never matches a plan to apply."""
        canonical = json.dumps([c.public() for c in self.changes], sort_keys=True, default=str)
        if not self.gptload_reachable:
            canonical = "preview without GPT-Load: " + canonical
        return hashlib.sha256(canonical.encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.kind] = counts.get(change.kind, 0) + 1
        return counts

    def public(self) -> dict[str, Any]:
        return {
            "checksum": self.checksum(),
            "empty": self.is_empty,
            "counts": self.counts(),
            "changes": [c.public() for c in self.changes],
            "conflicts": [{"name": c.name, "reason": c.reason} for c in self.conflicts],
            "warnings": [w.model_dump() for w in self.warnings],
            "client_changes": [c.model_dump() for c in self.client_changes],
            "safety": self.safety.public(),
            "verified": self.verified,
            "drift": [{"group": d.group, "summary": d.summary} for d in self.drift],
            "gptload_reachable": self.gptload_reachable,
            "gptload_error": self.gptload_error,
        }


def find_conflicts(desired: list[str], actual: list[ActualGroup]) -> list[Conflict]:
    """Desired names that GPT-Load already has under a group the manager does not own."""
    foreign = {g.name for g in actual if not g.managed}
    return [Conflict(name, FOREIGN_GROUP) for name in sorted(set(desired) & foreign)]


def diff_groups(desired: list[GroupSpec], actual: list[ActualGroup]) -> list[Change]:
    """Ordered changes that turn ``actual`` (managed groups only) into ``desired`` (conflicts already removed)."""
    mine = {g.name: g for g in actual if g.managed}
    changes: list[Change] = []
    recreated: set[str] = set()
    for spec in sorted(desired, key=lambda s: (s.group_type != "standard", s.name)):
        stage = group_stage(spec.group_type)
        current = mine.get(spec.name)
        if current is None:
            changes.append(CreateGroup(spec.name, stage, _create_data(spec)))
            recreated.add(spec.name)
        elif _must_replace(spec, current):
            data = {"id": current.id, **_create_data(spec)}
            changes.append(ReplaceGroup(spec.name, stage, data))
            recreated.add(spec.name)
        else:
            changes += _updates(spec, current, stage)
        if spec.group_type == "standard":
            changes += _key_changes(spec, None if spec.name in recreated else current)
    wanted = {s.name for s in desired}
    removed = {name for name in mine if name not in wanted}
    for spec in desired:
        if spec.group_type == "aggregate":
            current = mine.get(spec.name)
            have = {} if current is None or spec.name in recreated else dict(current.members or {})
            have = {m: w for m, w in have.items() if m not in recreated}
            changes += _member_changes(spec, have, removed)
    for name in sorted(removed, key=lambda n: (mine[n].group_type != "aggregate", n)):
        data = {"id": mine[name].id, "group_type": mine[name].group_type}
        changes.append(DeleteGroup(name, "removals", data))
    return sort_changes(changes)


def uniapi_change(path: str, before: str | None, after: str, mask_text: Callable[[str], str]) -> WriteUniapi | None:
    """The api.yaml rewrite as a change, with a unified diff of the texts as ``mask_text`` shows them: every
    secret masked, the operator's own keys in the file included (``core.uniapi.masked``)."""
    if before == after:
        return None
    lines = difflib.unified_diff(
        mask_text(before or "").splitlines(keepends=True),
        mask_text(after).splitlines(keepends=True),
        fromfile=f"{path} (current)",
        tofile=f"{path} (new)",
    )
    digest = hashlib.sha256(after.encode()).hexdigest()[:16]
    return WriteUniapi(path, data={"diff": "".join(lines), "sha256": digest, "new_file": before is None})


def _create_data(spec: GroupSpec) -> dict[str, Any]:
    return {"group_type": spec.group_type, "channel_type": spec.channel_type, "fields": _public_fields(spec.fields)}


def _public_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (mask(v) if k in SECRET_FIELDS and isinstance(v, str) else v) for k, v in fields.items()}


def _must_replace(spec: GroupSpec, current: ActualGroup) -> bool:
    if (spec.group_type, spec.channel_type) != (current.group_type, current.channel_type):
        return True
    wanted = spec.fields.get("validation_endpoint", "")
    return spec.group_type == "standard" and wanted != (current.fields.get("validation_endpoint") or "")


def _field_delta(spec: GroupSpec, current: ActualGroup) -> dict[str, Any]:
    delta = {}
    for name in OWNED_FIELDS[spec.group_type]:
        if spec.fields.get(name) == current.fields.get(name):
            continue  # the usual case, as GPT-Load stores what it was sent: no canonical forms needed
        want, have = _comparable(name, spec.fields.get(name)), _comparable(name, current.fields.get(name))
        if want != have:
            before, after = current.fields.get(name), spec.fields.get(name)
            if name in SECRET_FIELDS:
                before, after = _mask_text(before), _mask_text(after)
            delta[name] = {"before": before, "after": after}
    return delta


def _updates(spec: GroupSpec, current: ActualGroup, stage: str) -> list[Change]:
    """The owned-field update; redirect names it drops stay served until uni-api has moved on (two phases)."""
    delta = _field_delta(spec, current)
    if "model_redirect_rules" not in delta:
        return [UpdateGroup(spec.name, stage, {"id": current.id, "fields": delta})] if delta else []
    old = {str(k).strip(): str(v).strip() for k, v in (current.fields.get("model_redirect_rules") or {}).items()}
    new = _comparable("model_redirect_rules", spec.fields.get("model_redirect_rules"))
    dropped = {name: original for name, original in old.items() if name not in new}
    if not dropped:
        return [UpdateGroup(spec.name, stage, {"id": current.id, "fields": delta})]
    changes: list[Change] = []
    first = {**dropped, **new}
    if first != old or len(delta) > 1:  # a drop alone changes nothing until the second phase
        data = {"id": current.id, "fields": delta, "keep_redirects": dict(sorted(dropped.items()))}
        changes.append(UpdateGroup(spec.name, stage, data))
    changes.append(TrimRedirects(spec.name, "removals", {"id": current.id, "names": sorted(dropped)}))
    return changes


def _comparable(name: str, value: Any) -> Any:
    """One canonical form per owned field, the one GPT-Load stores: it trims texts, and its 'nothing' varies
    by field (null, {}, ""); compare meanings, not spellings."""
    if name == "model_redirect_rules":
        return {str(k).strip(): str(v).strip() for k, v in (value or {}).items()}
    if name == "upstreams":
        return sorted((u.get("url", "").strip().rstrip("/"), u.get("weight", 1)) for u in value or [])
    if name == "model_redirect_strict":
        return bool(value)
    if name == "proxy_keys":
        return sorted(k.strip() for k in (value or "").split(",") if k.strip())
    # GPT-Load trims every text field it stores (test_model, display_name, description, validation_endpoint).
    return str(value or "").strip()


def _mask_text(value: Any) -> str:
    return ",".join(mask(k.strip()) for k in str(value or "").split(",") if k.strip())


def _key_changes(spec: GroupSpec, current: ActualGroup | None) -> list[Change]:
    have = set(current.keys or set()) if current is not None else set()
    add, remove = sorted(spec.keys - have), sorted(have - spec.keys)
    changes = []
    if add:
        changes.append(AddKeys(spec.name, data=_key_data(add), payload=add))
    if remove:
        changes.append(RemoveKeys(spec.name, data=_key_data(remove), payload=remove))
    return changes


def _key_data(keys: list[str]) -> dict[str, Any]:
    return {"count": len(keys), "keys": [mask(k) for k in keys], "fingerprints": [key_fingerprint(k) for k in keys]}


def _member_changes(spec: GroupSpec, have: dict[str, int], removed: set[str]) -> list[Change]:
    add = {m: w for m, w in spec.members.items() if m not in have}
    changes = []
    if add:
        changes.append(AddMembers(spec.name, data={"members": dict(sorted(add.items()))}))
    for member, weight in sorted(spec.members.items()):
        if member in have and have[member] != weight:
            data = {"member": member, "before": have[member], "after": weight}
            changes.append(SetWeight(spec.name, data=data))
    for member in sorted(set(have) - set(spec.members) - removed):
        changes.append(RemoveMember(spec.name, data={"member": member}))
    return changes
