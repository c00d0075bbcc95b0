"""Storing an import (issue 13): providers created or merged, adopted groups and entries, in one transaction.

Adopted GPT-Load groups are only recorded here (``ManagedGroup``); the next sync adds the marker and
restructures them as ordinary changes of its plan. Adopted api.yaml entries get the marker in the file, last,
inside the transaction: a failed write rolls everything back.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from core.import_proposal import Proposal, ProposedProvider
from core.import_shapes import ImportResult
from core.known_secrets import SECRET_SETTINGS
from core.models import AppSetting, ManagedGroup, Model, Provider
from core.naming import OWNER_MARKER
from core.uniapi import config_file, yamlio

if TYPE_CHECKING:
    from core.services import Services


async def store(
    services: Services, proposal: Proposal, manager_secrets: dict[str, str], adopt: list[str]
) -> ImportResult:
    """Create and merge providers, record adoptions, mark adopted entries: one transaction, the file last."""
    box = services.box
    counts = dict(providers_created=0, providers_merged=0, keys_added=0, models_added=0)
    ids = dict(proposal.registered_names)
    async with in_transaction():
        for item in proposal.providers:
            if item.existing_id is None:
                provider = await Provider.create(
                    name=item.name,
                    base_url=item.base_url,
                    channel_type=item.channel_type,
                    api_keys_token=box.encrypt_list(sorted(item.keys)),
                    test_model=item.test_model,
                )
                counts["providers_created"] += 1
            else:
                provider = await Provider.get(id=item.existing_id)
                keys = box.decrypt_list(provider.api_keys_token)
                provider.api_keys_token = box.encrypt_list(keys + sorted(item.keys - set(keys)))
                await provider.save(update_fields=["api_keys_token", "updated_at"])
                counts["providers_merged"] += 1
            ids[item.name] = provider.id
            counts["keys_added"] += len(item.keys)
            counts["models_added"] += await _add_models(provider.id, item)
        adopted_groups = await _adopt_groups(proposal, ids, set(adopt))
        if not await AppSetting.filter(key__in=SECRET_SETTINGS).exists():
            for setting, secret in manager_secrets.items():
                await AppSetting.create(key=setting, value=box.encrypt(secret))
        entries = sorted({e.name for e in proposal.entries} & set(adopt))
        if entries:
            await asyncio.to_thread(_mark_entries, services, entries)
    skipped = sum(c.kind == "unmappable" for c in proposal.conflicts)
    return ImportResult(**counts, groups_adopted=adopted_groups, entries_adopted=len(entries), skipped=skipped)


async def _add_models(provider_id: int, item: ProposedProvider) -> int:
    have = set(await Model.filter(provider_id=provider_id).values_list("original_name", flat=True))
    rows = [
        Model(
            provider_id=provider_id,
            original_name=m.original,
            normalized_name=m.client,
            is_active=m.is_active,
            is_manual=m.is_manual,
        )
        for m in item.models
        if m.original not in have
    ]
    await Model.bulk_create(rows)
    return len(rows)


async def _adopt_groups(proposal: Proposal, ids: dict[str, int], adopt: set[str]) -> int:
    """Record adopted groups as the manager's. The first standard group of a provider keeps its name for the
    provider's own group (identity ``rest:{id}``, core.topology); the others go when the sync restructures."""
    rested = set(await ManagedGroup.filter(identity__startswith="rest:").values_list("identity", flat=True))
    adopted = 0
    for group in sorted(proposal.groups, key=lambda g: g.name):
        if group.name not in adopt:
            continue
        provider_id = None
        if group.kind == "standard" and len(group.sources) == 1:
            provider_id = ids.get(proposal.provider_of.get(group.sources[0], ""))
        identity = f"rest:{provider_id}" if provider_id is not None else None
        if identity in rested:
            identity = None
        rested.add(identity)
        await ManagedGroup.create(
            name=group.name,
            gptload_id=group.gptload_id,
            group_type=group.kind,
            provider_id=provider_id,
            identity=identity,
        )
        adopted += 1
    return adopted


def _mark_entries(services: Services, names: list[str]) -> None:
    """Give the adopted entries the ownership marker, so the next sync replaces them with its own."""
    settings = services.settings
    path = settings.uniapi_config_path
    yaml, data = yamlio.load(config_file.read_config(path) or "")
    for entry in data.get("providers") or []:
        if isinstance(entry, dict) and str(entry.get("provider")) in names:
            # Right after ``provider``: a comment after the entry's last line stays where the operator put it.
            entry.pop("notes", None)
            entry.insert(1, "notes", OWNER_MARKER)
    in_place = None if settings.uniapi_write_mode == "auto" else settings.uniapi_write_mode == "in-place"
    # Not validated as the manager's: its stricter schema applies once the sync has rewritten the entries.
    config_file.write_config(
        path, yamlio.dump(yaml, data), in_place=in_place, group=settings.uniapi_config_group or None, validated=True
    )
