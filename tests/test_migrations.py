"""Schema changes go through committed migrations, and restarting keeps every row."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from core.db import MIGRATIONS_CONFIG, open_database
from core.models import Model, Provider


async def test_models_and_committed_migrations_agree():
    """A model change without `make migration` fails here, before it can reach a user's database."""
    context = await Tortoise.init(config=MIGRATIONS_CONFIG, _enable_global_fallback=True)
    try:
        pending = await MigrationAutodetector(context.apps, MIGRATIONS_CONFIG["apps"]).changes()
    finally:
        await Tortoise.close_connections()
    assert [(w.name, [type(op).__name__ for op in w.operations]) for w in pending] == []


async def test_restart_migrates_nothing_and_keeps_the_data(settings, services):
    provider = await Provider.create(name="p", base_url="https://x.test", channel_type="openai", api_keys_token="t")
    await Model.create(provider=provider, original_name="m", normalized_name="n")
    await Tortoise.close_connections()
    async with open_database(settings.database_url, services.box):
        stored = await Model.get(original_name="m").prefetch_related("provider")
        assert (stored.normalized_name, stored.provider.name) == ("n", "p")
