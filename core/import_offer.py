"""Whether there is an existing setup to import (issue 13): GPT-Load groups and api.yaml entries that are not
the manager's, while the registry is empty.

The dashboard asks on every visit of an empty registry, so nothing here may fail or wait long on the outside
world: a GPT-Load that cannot be reached holds no groups to offer, and a missing or unreadable api.yaml no
entries. Counting reads GPT-Load's group list once and the configured file once; no keys are read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.actual import is_managed
from core.errors import LpmError
from core.models import ManagedGroup, Provider
from core.naming import OWNER_MARKER
from core.uniapi import config_file, yamlio

if TYPE_CHECKING:
    from core.services import Services


@dataclass(frozen=True)
class ExistingSetup:
    providers: int  # registered
    gptload_groups: int  # GPT-Load groups that are not the manager's
    uniapi_entries: int  # operator entries of the configured api.yaml

    @property
    def offered(self) -> bool:
        """Offer the import: nothing registered yet, and something made by hand to bring in."""
        return self.providers == 0 and (self.gptload_groups > 0 or self.uniapi_entries > 0)


async def existing_setup(services: Services) -> ExistingSetup:
    providers = await Provider.all().count()
    groups = await foreign_groups(services)
    entries = await asyncio.to_thread(operator_entries, services.settings.uniapi_config_path)
    return ExistingSetup(providers=providers, gptload_groups=groups, uniapi_entries=entries)


async def registry_empty() -> bool:
    return not await Provider.exists()


async def foreign_groups(services: Services) -> int:
    """GPT-Load's groups the manager does not own; 0 when GPT-Load cannot be reached."""
    try:
        groups = await services.gptload.list_groups()
    except LpmError:
        return 0
    known = set(await ManagedGroup.all().values_list("gptload_id", flat=True))
    return sum(not is_managed(group, known) for group in groups)


def operator_entries(path: Path) -> int:
    """Provider entries of the api.yaml at ``path`` without the manager's marker; 0 when it is missing or
    cannot be read as YAML."""
    try:
        data: Any = yamlio.parse(config_file.read_config(path) or "")
    except (LpmError, yamlio.YamlProblem):
        return 0
    entries = data.get("providers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return 0
    return sum(isinstance(entry, dict) and entry.get("notes") != OWNER_MARKER for entry in entries)
