"""Shared fixtures: a real SQLite file (a PostgreSQL database with tests/postgres's switch), fake providers behind
httpx.ASGITransport, the REST API in-process.

Every fake API key contains ``SECRET_MARKER``, and masking keeps only a key's first three and last
four characters, so the marker showing up in a response body or a log record means a key leaked.
Two autouse guards check exactly that for every test, and more: every key ``fake_key()`` made (and
GPT-Load's admin key) in every spelling a server, a log or a page may give it (``key_spellings``).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote, quote_plus

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
from tests.postgres import databases

SECRET_MARKER = "SECRET"
GPTLOAD_ADMIN_KEY = "gptload-admin-SECRET-0123456789"
_responses: list[str] = []
_made_keys: set[str] = {GPTLOAD_ADMIN_KEY}  # what the guards look for in every spelling


def fake_key(label: str) -> str:
    """A key whose visible parts after masking (first 3, last 4 characters) never contain the marker."""
    key = f"sk-{SECRET_MARKER}-{label}-0123456789abcdef"
    _made_keys.add(key)
    return key


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
        # No uni-api reads the file in most tests; the two-phase tests (test_sync_two_phase.py) set their own.
        "UNIAPI_RELOAD_WAIT": "0.05",
        **overrides,
    }
    if databases.on_postgres() and "DATABASE_URL" not in overrides:
        env["DATABASE_URL"] = databases.database_url_for(Path(env["DATA_DIR"]))
    return Settings.from_env(env)


@pytest.fixture(autouse=True)
def drop_test_databases() -> Iterator[None]:
    """With LPM_TEST_DATABASE_URL, the PostgreSQL databases ``make_settings`` created for this test go with it."""
    yield
    if databases.on_postgres():
        databases.drop_created()


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
        await services.aclose()  # a sync still running finishes while its database is open (then it closes)


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
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", event_hooks=hooks) as client:
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


# ----- the leak guards
#
# The oracle is written here, apart from core.crypto.secret_forms (the code under test): each spelling a
# careless server, a log line or a page can give a key, derived from the key itself.


def _inner_base64(raw: bytes) -> set[str]:
    """Base64 (standard and URL-safe) of ``raw`` at each of the 3 alignments it can have inside a longer
    encoded text (``Basic base64(user:key)``): only the characters of whole 3-byte groups inside ``raw``."""
    found = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for offset in range(3):
            encoded = encode(bytes(offset) + raw).decode()
            first, end = -(-offset // 3), (offset + len(raw)) // 3  # whole groups [first, end)
            if end - first >= 2:
                found.add(encoded[4 * first : 4 * end])
    return found


@functools.cache
def key_spellings(secret: str) -> frozenset[str]:
    """``secret`` plain, JSON-escaped (also with ``\\/`` and all ``\\uXXXX``), URL-encoded (partly or fully,
    either case), as HTML (escaped, decimal or hex entities) and in base64 at any alignment; each of these also
    of the secret JSON-escaped once and twice (a key in ``keys_text``, a JSON string inside a JSON body). A key
    split by blanks or escaped line breaks is found by ``secret_leaks`` squeezing those out of the text."""
    once = json.dumps(secret)[1:-1]
    return frozenset(form for base in (secret, once, json.dumps(once)[1:-1]) for form in _spellings(base))


def _spellings(secret: str) -> set[str]:
    raw = secret.encode()
    url = quote(secret, safe="")
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(c):04x}" for c in secret),
        "".join(f"\\u{ord(c):04X}" for c in secret),
        url,
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), url),
        quote(secret),
        quote_plus(secret),
        "".join(f"%{b:02X}" for b in raw),
        "".join(f"%{b:02x}" for b in raw),
        html.escape(secret),
        html.escape(secret, quote=False),
        "".join(f"&#{ord(c)};" for c in secret),
        "".join(f"&#x{ord(c):x};" for c in secret),
        "".join(f"&#X{ord(c):X};" for c in secret),
    }
    return forms | _inner_base64(raw)


# Every fake key and the admin key hold "-SECRET-": each spelling of a key holds a spelling of it (8 bytes give
# two whole base64 groups at every alignment), so a text without any of these holds no key (a cheap pre-check).
_NEEDLES = tuple(key_spellings(f"-{SECRET_MARKER}-"))
_SQUEEZE = re.compile(r"(?:\s|\\[nrt])+")  # blanks and JSON's escaped line breaks inside a split key


def secret_leaks(texts: Iterable[str], secrets: Iterable[str] | None = None) -> list[str]:
    """An excerpt of every text that holds one of ``secrets`` (default: every fake key and the admin key) in
    any spelling of ``key_spellings`` or split by blanks; [] when there is none."""
    wanted = None if secrets is None else [s for s in secrets if s]
    found = []
    for text in texts:
        squeezed = _SQUEEZE.sub("", text)
        if wanted is None and not any(n in text for n in _NEEDLES) and f"-{SECRET_MARKER}-" not in squeezed:
            continue
        for secret in sorted(_made_keys) if wanted is None else wanted:
            hit = next((form for form in key_spellings(secret) if form in text), None)
            if hit is None and secret in squeezed:
                hit = secret
            if hit is not None:
                at = max(text.find(hit), 0)
                found.append(f"{mask_for_report(secret)} as {text[max(0, at - 60) : at + len(hit) + 60]!r}")
                break
    return found


def mask_for_report(secret: str) -> str:
    return f"{secret[:3]}…{secret[-4:]}"


def check_log_messages(messages: list[str]) -> None:
    leaked = [m for m in messages if SECRET_MARKER in m]
    assert not leaked, f"an API key reached the log: {leaked[:3]}"
    encoded = secret_leaks(messages)
    assert not encoded, f"an API key reached the log in another spelling: {encoded[:3]}"


def check_response_bodies(bodies: list[str]) -> None:
    leaked = [text[:300] for text in bodies if SECRET_MARKER in text]
    assert not leaked, f"an API key reached a response body: {leaked[:3]}"
    encoded = secret_leaks(bodies)
    assert not encoded, f"an API key reached a response body in another spelling: {encoded[:3]}"


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every log record of every test, at every level, is free of unmasked keys, in any spelling."""
    caplog.set_level(logging.DEBUG)
    yield
    check_log_messages([r.getMessage() for r in caplog.records])


@pytest.fixture(autouse=True)
def no_secret_in_responses() -> Iterator[None]:
    """Every REST response body of every test is free of unmasked keys, in any spelling."""
    _responses.clear()
    yield
    check_response_bodies(_responses)
