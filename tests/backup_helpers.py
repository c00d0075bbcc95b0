"""What the backup, export and restore tests share: a registry with every model state, instances, file digests."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from tortoise import Tortoise

from core.db import open_database, sqlite_path
from core.services import Services
from core.settings import Settings
from tests.conftest import api_client, fake_key, make_settings
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import FakeProviders
from tests.postgres import databases

PASSPHRASE = "correct horse battery staple"


@asynccontextmanager
async def instance(
    path: Path, fake: FakeProviders, gptload: FakeGptLoad, **env: str
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    """A manager of its own (database under ``path``, its own ENCRYPTION_KEY) and its REST API; one at a time."""
    async with instance_of(make_settings(path, **env), fake, gptload) as opened:
        yield opened


@asynccontextmanager
async def instance_of(
    settings: Settings, fake: FakeProviders, gptload: FakeGptLoad | None = None
) -> AsyncIterator[tuple[Services, httpx.AsyncClient]]:
    services = Services.build(
        settings,
        transport=httpx.ASGITransport(app=fake.app),
        gptload_transport=httpx.ASGITransport(app=gptload.app) if gptload else None,
    )
    async with open_database(settings.database_url, services.box):
        # Open the connection now, as the server's lifespan does: opening creates the -wal and -shm files,
        # which must not pass for a change made by the first request.
        await Tortoise.get_connection("default").execute_query("SELECT 1")
        try:
            async with api_client(services) as api:
                if settings.admin_password:
                    api.headers["Authorization"] = f"Bearer {settings.admin_password}"
                yield services, api
        finally:
            await services.aclose()


async def seed_registry(api: httpx.AsyncClient, fake: FakeProviders) -> dict[str, int]:
    """Two providers (openai with two keys and a chosen test model, gemini) with a renamed, a deleted and a
    hand-added model; their ids."""
    openai = fake.add(
        "openai", "openai.test", [fake_key("bk-oa1"), fake_key("bk-oa2")], ["gpt-4o", "gpt-4o-mini", "o3"]
    )
    gemini = fake.add("gemini", "gemini.test", [fake_key("bk-gm1")], ["gemini-2.5-pro", "gemini-2.5-flash"])
    ids = {}
    for name, account in (("acme", openai), ("gem", gemini)):
        body = {"name": name, "base_url": account.base_url, "channel_type": account.dialect, "api_keys": account.keys}
        response = await api.post("/api/providers", json=body)
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    models = {m["original_name"]: m["id"] for m in (await api.get(f"/api/providers/{ids['acme']}/models")).json()}
    batch = {"renames": [{"model_id": models["gpt-4o-mini"], "normalized_name": "mini"}], "deletions": [models["o3"]]}
    response = await api.post(f"/api/providers/{ids['acme']}/models/batch", json=batch)
    assert response.status_code == 200, response.text
    response = await api.post(f"/api/providers/{ids['gem']}/models", json={"original_name": "gemini-exp"})
    assert response.status_code == 201, response.text
    response = await api.put(f"/api/providers/{ids['acme']}", json={"test_model": "gpt-4o"})
    assert response.status_code == 200, response.text
    return ids


async def registry_state(api: httpx.AsyncClient) -> list[tuple]:
    """What a restore must bring back: each provider's fields, masked keys and models with their states."""
    state = []
    for provider in sorted((await api.get("/api/providers")).json(), key=lambda p: p["name"]):
        models = (await api.get(f"/api/providers/{provider['id']}/models")).json()
        rows = sorted(
            (m["original_name"], m["normalized_name"], m["exposed_name"], m["is_active"], m["is_manual"])
            for m in models
        )
        fields = (provider["name"], provider["base_url"], provider["channel_type"], provider["test_model"])
        state.append((*fields, sorted(provider["api_keys_masked"]), rows))
    return state


def seeded(env: dict[str, str], fake: FakeProviders) -> list[tuple]:
    """Seed the manager of ``env`` (outside any event loop, for tests of the command line); its state."""

    async def seed() -> list[tuple]:
        async with instance_of(Settings.from_env(env), fake) as (_, api):
            await seed_registry(api, fake)
            return await registry_state(api)

    return asyncio.run(seed())


def state_of(env: dict[str, str], fake: FakeProviders) -> list[tuple]:
    """The registry state of the manager of ``env`` (outside any event loop)."""

    async def read() -> list[tuple]:
        async with instance_of(Settings.from_env(env), fake) as (_, api):
            return await registry_state(api)

    return asyncio.run(read())


def database_digest(settings: Settings) -> dict[str, str]:
    """SHA-256 of the SQLite file and its -wal / -shm siblings: equal digests, byte-identical database. On
    PostgreSQL (tests/postgres), of every table's rows and every sequence: equal digests, unchanged data."""
    if databases.on_postgres():
        rows = databases.table_rows(settings.database_url)
        return {table: hashlib.sha256("\n".join(lines).encode()).hexdigest() for table, lines in rows.items()}
    path = sqlite_path(settings.database_url)
    assert path is not None and path.exists()
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.parent.glob(f"{path.name}*"))}


def stored_bytes(settings: Settings) -> bytes:
    """Everything the database holds as the disk sees it: the SQLite file and its -wal, or on PostgreSQL every
    row of every table in the server's text form (its files are the server's, not ours to read)."""
    if databases.on_postgres():
        rows = databases.table_rows(settings.database_url)
        return "\n".join(line for lines in rows.values() for line in lines).encode()
    raw = settings.data_dir.joinpath("manager.db").read_bytes()
    for wal in settings.data_dir.glob("manager.db-wal"):
        raw += wal.read_bytes()
    return raw
