"""The dashboard's summary strip (issue 14 §1): providers, active models, exposed names, the manager's GPT-Load
groups, the last sync, and how many changes a sync would make now, all without asking GPT-Load.

The count compares the desired state (``core.desired``, built again only when the registry changed) with what the
last sync left, through the plan's own diff (``core.plan.diff_groups``): each group as the manager recorded it
(``ManagedGroup``: the fields it sent, the key fingerprints and members the last successful sync applied, as
``core.actual.trusted`` reads them), and the api.yaml entries against what the last sync settled
(``core.uniapi_state``: the file's hash and the entries' digest; the file is hashed, never parsed).

What it cannot see, and the preview on /sync can (it reads GPT-Load): anything changed in GPT-Load by hand
(fields, keys, members, a group deleted there), a desired name held by a group the manager does not own (a
conflict: counted as a change here), groups carrying the manager's marker that its table lacks (a restored
database), a group's channel type (not recorded; changing it also changes the validation endpoint, which shows),
and the keys or members of groups a sync changed without finishing (``unsure``: assumed as desired).
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from core import uniapi
from core.actual import fingerprints
from core.changes import Change
from core.crypto import key_fingerprint
from core.desired import DesiredMemo, remembered_desired_state
from core.errors import LpmError
from core.models import ManagedGroup, SyncRecord
from core.plan import ActualGroup, GroupSpec, diff_groups
from core.registry_facts import registry_stats
from core.sync import SyncEngine, SyncRecordPublic, public
from core.uniapi_state import entries_digest, file_hash, settled

if TYPE_CHECKING:
    from core.services import Services


class Overview(BaseModel):
    providers: int
    active_models: int
    exposed_names: int
    managed_groups: int  # the groups the manager owns, as its table records them
    last_sync: SyncRecordPublic | None
    pending_changes: int  # what a sync would change now, as far as the registry and the last sync tell
    pending_counts: dict[str, int]  # the same by kind (create_group, add_keys, write_uniapi, ...)
    unsure_groups: int  # groups whose keys or members a sync left unknown (it did not finish): assumed as desired
    note: str | None = None  # why api.yaml counts as a change without a comparison (unreadable)


@dataclass(frozen=True)
class RecordedGroup:
    """A managed group as the manager last left it (``ManagedGroup``)."""

    name: str
    gptload_id: int | None
    group_type: str
    spec: dict[str, Any]  # the owned fields it sent, without the proxy key
    applied: dict[str, Any] | None  # key fingerprints or members after the last successful sync; None: unknown


_memos: weakref.WeakKeyDictionary[SyncEngine, DesiredMemo] = weakref.WeakKeyDictionary()


async def overview(services: Services) -> Overview:
    stats = await registry_stats()
    desired = await remembered_desired_state(services, _memos.setdefault(services.sync, DesiredMemo()))
    rows = await ManagedGroup.all().values_list("name", "gptload_id", "group_type", "spec", "applied")
    recorded = [RecordedGroup(*row) for row in rows]
    changes, unsure = group_changes(desired.specs, recorded, desired.proxy_key)
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.kind] = counts.get(change.kind, 0) + 1
    note = None
    try:
        if await uniapi_changed(services.settings.uniapi_config_path, desired.entries):
            counts["write_uniapi"] = 1
    except LpmError as exc:
        counts["write_uniapi"], note = 1, exc.detail
    last = await SyncRecord.all().order_by("-id").first()
    return Overview(
        providers=stats.providers,
        active_models=stats.active_models,
        exposed_names=stats.exposed_names,
        managed_groups=len(recorded),
        last_sync=public(last) if last else None,
        pending_changes=sum(counts.values()),
        pending_counts=counts,
        unsure_groups=unsure,
        note=note,
    )


def group_changes(specs: list[GroupSpec], recorded: list[RecordedGroup], proxy_key: str) -> tuple[list[Change], int]:
    """The plan's changes against the groups as recorded, and how many groups' keys or members are unknown (pure)."""
    wanted = {s.name: s for s in specs}
    actual, unsure = [], 0
    for row in recorded:
        spec = wanted.get(row.name)
        group = ActualGroup(
            id=row.gptload_id or 0,
            name=row.name,
            group_type=row.group_type,
            channel_type=spec.channel_type if spec else "",
            fields={**row.spec, "proxy_keys": proxy_key},
            managed=True,
        )
        if spec is not None:
            known = _holdings(spec, row.applied)
            unsure += known is None
            group.keys, group.members = known or (set(spec.keys), dict(spec.members))
        actual.append(group)
    return diff_groups(specs, actual), unsure


def _holdings(spec: GroupSpec, applied: dict[str, Any] | None) -> tuple[set[str], dict[str, int]] | None:
    """(keys, members) the group holds after the last successful sync; a key it holds that the registry no longer
    has stands in as its fingerprint (enough to count a removal). None when no finished sync recorded them."""
    if spec.group_type == "aggregate":
        members = (applied or {}).get("members")
        return (set(), dict(members)) if members is not None else None
    held = (applied or {}).get("keys")
    if held is None:
        return None
    if held == fingerprints(spec.keys):
        return set(spec.keys), {}
    have = set(held)
    kept = {k for k in spec.keys if key_fingerprint(k) in have}
    gone = have - {key_fingerprint(k) for k in spec.keys}
    return kept | {f"fingerprint:{fp}" for fp in gone}, {}


async def uniapi_changed(path: Path, entries: list[uniapi.UniapiEntry]) -> bool:
    """Whether a sync would write api.yaml: unless the file is still the one the last sync settled, for the same
    entries. Raises ConfigWriteError when the file cannot be read."""
    current = file_hash(await asyncio.to_thread(uniapi.read_config, path))
    return current is None or await settled() != (current, entries_digest(entries))
