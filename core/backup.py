"""Backups (issue 13): the registry as a sealed bundle, and a bundle as an import source.

A bundle holds what another instance needs to take over: providers with their keys, models and their
states, the proxy and client keys the manager generated, the settings that are not secrets (for the
record; the new instance keeps its own), the format version and the time it was made. Sealing is
``core.backup_bundle``'s job; restoring goes through the import's preview, conflicts and apply.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core import backup_bundle
from core.errors import InvalidInput
from core.import_sources import Candidate, ModelCandidate, SourceRead, backup_source
from core.known_secrets import SECRET_SETTINGS
from core.models import AppSetting, Model, Provider
from core.phrases import Phrase, refusal

if TYPE_CHECKING:
    from core.services import Services

FORMAT = "llm-provider-manager-backup"
FORMAT_VERSION = 1
# Settings that say how the instance was set up and hold no secret (the others never enter a bundle).
RECORDED_SETTINGS = (
    "gptload_url",
    "uniapi_gptload_url",
    "uniapi_config_path",
    "uniapi_model_lists",
    "uniapi_write_mode",
    "gptload_concurrency",
    "sync_max_delete_percent",
    "sync_max_delete_count",
    "upstream_timeout",
)


async def make_backup(services: Services, passphrase: str) -> bytes:
    """The sealed bundle of the whole registry."""
    backup_bundle.check_passphrase(passphrase)
    payload = json.dumps(await backup_payload(services)).encode()
    # scrypt takes a tenth of a second of CPU: off the event loop, which serves every page and request meanwhile.
    return await asyncio.to_thread(backup_bundle.seal, payload, passphrase)


async def backup_payload(services: Services) -> dict[str, Any]:
    box = services.box
    models: dict[int, list[dict[str, Any]]] = {}
    rows = (
        await Model.all()
        .order_by("id")
        .values("provider_id", "original_name", "normalized_name", "is_active", "is_manual")
    )
    for row in rows:
        models.setdefault(row.pop("provider_id"), []).append(row)
    providers = [
        {
            "name": p.name,
            "base_url": p.base_url,
            "channel_type": p.channel_type,
            "test_model": p.test_model,
            "api_keys": box.decrypt_list(p.api_keys_token),
            "models": models.get(p.id, []),
        }
        for p in await Provider.all().order_by("name")
    ]
    secrets = {row.key: box.decrypt(row.value) for row in await AppSetting.filter(key__in=SECRET_SETTINGS)}
    settings = {name: str(getattr(services.settings, name)) for name in RECORDED_SETTINGS}
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "providers": providers,
        "manager_secrets": secrets,
        "settings": settings,
    }


def read_bundle(bundle: bytes, passphrase: str) -> SourceRead:
    """A bundle as an import source; ``InvalidInput`` (backup_invalid / backup_unreadable) when it cannot be."""
    payload = _payload(backup_bundle.unseal(bundle, passphrase))
    read = SourceRead(manager_secrets={k: v for k, v in payload["manager_secrets"].items() if k in SECRET_SETTINGS})
    for p in payload["providers"]:
        models = [
            ModelCandidate(
                m["original_name"],
                m.get("normalized_name"),
                bool(m.get("is_active", True)),
                bool(m.get("is_manual", False)),
            )
            for m in p.get("models", [])
        ]
        read.candidates.append(
            Candidate(
                backup_source(p["name"]),
                p["name"],
                p["base_url"],
                p["channel_type"],
                frozenset(p["api_keys"]),
                models,
                test_model=p.get("test_model"),
            )
        )
    return read


def _payload(plain: bytes) -> dict[str, Any]:
    """The decrypted payload, checked for the shape this version writes (a sealed bundle is ours, but maybe newer)."""
    try:
        payload = json.loads(plain)
        ok = payload.get("format") == FORMAT and isinstance(payload.get("providers"), list)
    except (ValueError, AttributeError):
        ok = False
    if not ok:
        raise refusal(InvalidInput, Phrase("not_our_content"), code="backup_invalid")
    if payload.get("version") != FORMAT_VERSION:
        versions = {"version": str(payload.get("version")), "supported": FORMAT_VERSION}
        raise refusal(InvalidInput, Phrase("payload_version", versions), code="backup_invalid")
    payload.setdefault("manager_secrets", {})
    return payload
