"""The registry as YAML without any secret (issue 13): for review and for diffing two points in time.

Keys appear only as fingerprints (``core.crypto.key_fingerprint``), so an export can be mailed, committed or
pasted into a ticket. Everything is sorted in Python (not by the database, whose collation differs between
SQLite and PostgreSQL) and nothing time-dependent is written, so two exports of one registry are identical
and a diff of two exports shows exactly what changed.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML

from core.crypto import key_fingerprint
from core.models import ManagedGroup, Model, Provider

if TYPE_CHECKING:
    from core.services import Services

FORMAT = "llm-provider-manager-export"
FORMAT_VERSION = 1
HEADER = (
    "# LLM Provider Manager registry, without secrets: each key is its fingerprint (first 12 hex digits of its\n"
    "# SHA-256). A model's `normalized: null` means clients see its original name. Groups are the GPT-Load\n"
    "# groups the manager owns.\n"
)


async def registry_yaml(services: Services) -> str:
    """The whole registry as YAML text (see ``registry_description``)."""
    return HEADER + _dump(await registry_description(services))


async def registry_description(services: Services) -> dict[str, Any]:
    """Providers with key fingerprints and models, and the managed groups; plain data in a stable order."""
    models: dict[int, list[dict[str, Any]]] = {}
    rows = await Model.all().values(
        "provider_id", "original_name", "normalized_name", "is_active", "is_manual", "upstream_missing"
    )
    for row in sorted(rows, key=lambda r: r["original_name"]):
        models.setdefault(row["provider_id"], []).append(
            {
                "original": row["original_name"],
                "normalized": row["normalized_name"],
                "active": row["is_active"],
                "manual": row["is_manual"],
                "upstream_missing": row["upstream_missing"],
            }
        )
    providers = [
        {
            "name": p.name,
            "base_url": p.base_url,
            "channel_type": p.channel_type,
            "test_model": p.test_model,
            # Sorted: the stored order of keys means nothing, and must not show up as a change.
            "keys": sorted(key_fingerprint(k) for k in services.box.decrypt_list(p.api_keys_token)),
            "models": models.get(p.id, []),
        }
        for p in sorted(await Provider.all(), key=lambda p: p.name)
    ]
    groups = [
        {"name": g["name"], "type": g["group_type"], "provider": g["provider__name"]}
        for g in sorted(
            await ManagedGroup.all().values("name", "group_type", "provider__name"), key=lambda g: g["name"]
        )
    ]
    return {"format": FORMAT, "version": FORMAT_VERSION, "providers": providers, "groups": groups}


def _dump(data: dict[str, Any]) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.sort_base_mapping_type_on_output = False  # keep the order written above: name first, then the rest
    yaml.width = 4096  # one line per value, however long the URL or name: line-based diffs stay exact
    yaml.allow_unicode = True
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()
