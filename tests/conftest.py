"""Shared fixtures: a real SQLite file, fake providers behind httpx.ASGITransport, the REST API in-process.

Every fake API key contains ``SECRET_MARKER``, and masking keeps only a key's first three and last
four characters, so the marker showing up in a response body or a log record means a key leaked.
Two autouse guards check exactly that for every test.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from core.crypto import generate_key
from core.db import open_database
from core.rest import install_api
from core.services import Services
from core.settings import Settings
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import FakeProviders

SECRET_MARKER = "SECRET"
GPTLOAD_ADMIN_KEY = "gptload-admin-SECRET-0123456789"
_responses: list[str] = []


def fake_key(label: str) -> str:
    """A key whose visible parts after masking (first 3, last 4 characters) never contain the marker."""
    return f"sk-{SECRET_MARKER}-{label}-0123456789abcdef"


def make_settings(tmp_path: Path, **overrides: str) -> Settings:
    env = {
        "ENCRYPTION_KEY": generate_key(),
        "DATA_DIR": str(tmp_path),
        "UPSTREAM_TIMEOUT": "0.5",
        "TEST_CONCURRENCY": "4",
        "GPTLOAD_URL": "http://gptload.test",
        "GPTLOAD_AUTH_KEY": GPTLOAD_ADMIN_KEY,
        "UNIAPI_GPTLOAD_URL": "http://gptload.test",
        "GPTLOAD_CACHE_WAIT": "2",
        **overrides,
    }
    return Settings.from_env(env)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def fake() -> FakeProviders:
    return FakeProviders()


@pytest.fixture
def gptload(fake: FakeProviders) -> FakeGptLoad:
    """A fake GPT-Load whose proxy forwards to the fake providers."""
    return FakeGptLoad(GPTLOAD_ADMIN_KEY, upstream_transport=httpx.ASGITransport(app=fake.app))


@pytest.fixture
async def services(settings: Settings, fake: FakeProviders, gptload: FakeGptLoad) -> AsyncIterator[Services]:
    services = Services.build(
        settings,
        transport=httpx.ASGITransport(app=fake.app),
        gptload_transport=httpx.ASGITransport(app=gptload.app),
    )
    async with open_database(settings.database_url, services.box):
        yield services
    await services.aclose()


@asynccontextmanager
async def api_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The REST API on a bare FastAPI app (same install_api as main.py), every response body recorded."""
    app = FastAPI()
    install_api(app, services)

    async def record(response: httpx.Response) -> None:
        await response.aread()
        _responses.append(response.text)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    hooks = {"response": [record]}
    async with httpx.AsyncClient(transport=transport, base_url="http://lpm.test", event_hooks=hooks) as client:
        yield client


@pytest.fixture
async def api(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(services) as client:
        yield client


@pytest.fixture
def openai_account(fake: FakeProviders):
    return fake.add("openai", "openai.test", [fake_key("oa1"), fake_key("oa2")], ["gpt-4o", "gpt-4o-mini", "o3"])


@pytest.fixture
def gemini_account(fake: FakeProviders):
    return fake.add("gemini", "gemini.test", [fake_key("gm1")], ["gemini-2.5-pro", "gemini-2.5-flash", "embedding-001"])


@pytest.fixture
def anthropic_account(fake: FakeProviders):
    return fake.add("anthropic", "anthropic.test", [fake_key("an1")], ["claude-sonnet-4-5", "claude-opus-4-1", "c-3"])


def provider_body(account, name: str = "acme", **changes) -> dict:
    body = {"name": name, "base_url": account.base_url, "channel_type": account.dialect, "api_keys": account.keys}
    return {**body, **changes}


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every log record of every test, at every level, is free of unmasked keys."""
    caplog.set_level(logging.DEBUG)
    yield
    leaked = [r.getMessage() for r in caplog.records if SECRET_MARKER in r.getMessage()]
    assert not leaked, f"an API key reached the log: {leaked[:3]}"


@pytest.fixture(autouse=True)
def no_secret_in_responses() -> Iterator[None]:
    """Every REST response body of every test is free of unmasked keys."""
    _responses.clear()
    yield
    leaked = [text[:300] for text in _responses if SECRET_MARKER in text]
    assert not leaked, f"an API key reached a response body: {leaked[:3]}"
