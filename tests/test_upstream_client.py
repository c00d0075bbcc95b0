"""UpstreamClient against the fake providers: dialects, pagination, and every failure class."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import StreamingResponse
from starlette.routing import Route

from core.clients.upstream import UpstreamClient
from core.errors import UpstreamAuthError, UpstreamResponseError, UpstreamTimeout, UpstreamUnreachable
from tests.conftest import fake_key
from tests.fakes.providers import FakeProviders
from tests.fakes.server import free_port, loopback_server

MODELS = [f"model-{i}" for i in range(7)]


@pytest.fixture
async def client(fake):
    client = UpstreamClient(timeout=0.5, transport=httpx.ASGITransport(app=fake.app))
    yield client
    await client.aclose()


@pytest.mark.parametrize("dialect", ["openai", "gemini", "anthropic"])
async def test_list_models_follows_every_page(client, fake, dialect):
    account = fake.add(dialect, f"{dialect}.test", [fake_key("k")], MODELS, page_size=3)
    listing = await client.list_models(dialect, account.base_url, account.keys[0])
    assert listing.names == MODELS
    pages = [c for c in fake.calls if c.path.endswith("/models")]
    assert len(pages) == (1 if dialect == "openai" else 3)


@pytest.mark.parametrize(
    ("dialect", "base_url", "expected_path"),
    [
        ("openai", "https://p.test", "/v1/models"),
        ("openai", "https://p.test/v1", "/v1/models"),
        ("openai", "https://p.test/api/paas/v4", "/api/paas/v4/models"),
        ("gemini", "https://p.test", "/v1beta/models"),
        ("gemini", "https://p.test/v1beta", "/v1beta/models"),
        ("anthropic", "https://p.test/v1", "/v1/models"),
        ("anthropic", "https://p.test/proxy", "/proxy/v1/models"),
    ],
)
async def test_list_models_url_per_dialect_and_base_path(client, fake, dialect, base_url, expected_path):
    fake.add(dialect, "p.test", [fake_key("k")], ["m"], prefix="/proxy" if "proxy" in base_url else "",
             api_path="/api/paas/v4" if "paas" in base_url else "/v1")  # fmt: skip
    await client.list_models(dialect, base_url, fake_key("k"))
    assert fake.calls[0].path == expected_path


async def test_list_models_sends_each_dialects_auth(client, fake):
    for dialect in ("openai", "gemini", "anthropic"):
        account = fake.add(dialect, f"{dialect}.test", [fake_key(dialect)], ["m"])
        await client.list_models(dialect, account.base_url, account.keys[0])
    assert [c.key for c in fake.calls] == [fake_key("openai"), fake_key("gemini"), fake_key("anthropic")]


async def test_gemini_names_lose_their_models_prefix(client, fake):
    account = fake.add("gemini", "g.test", [fake_key("k")], ["gemini-2.5-pro"])
    assert (await client.list_models("gemini", account.base_url, account.keys[0])).names == ["gemini-2.5-pro"]


@pytest.mark.parametrize("dialect", ["openai", "gemini", "anthropic"])
async def test_wrong_key_is_invalid_auth_and_never_echoed(client, fake, dialect):
    account = fake.add(dialect, "x.test", [fake_key("right")], ["m"])
    wrong = fake_key("wrong")
    with pytest.raises(UpstreamAuthError) as caught:
        await client.list_models(dialect, account.base_url, wrong)
    assert caught.value.code == "invalid_auth"
    assert wrong not in caught.value.detail and "SECRET" not in caught.value.detail


async def test_openai_error_text_is_the_providers_own_with_key_masked(client, fake):
    account = fake.add("openai", "x.test", [fake_key("right")], ["m"])
    with pytest.raises(UpstreamAuthError) as caught:
        await client.list_models("openai", account.base_url, fake_key("wrong"))
    assert "Incorrect API key provided: sk-…cdef." in caught.value.detail


@pytest.mark.parametrize(
    ("failure", "error", "words"),
    [
        ("500", UpstreamResponseError, "HTTP 500: The server is overloaded"),
        ("html", UpstreamResponseError, "non-JSON (text/html"),
        ("wrong_shape", UpstreamResponseError, "without a 'data' list"),
        ("garbage_items", UpstreamResponseError, "without a string 'id'"),
        ("timeout", UpstreamTimeout, "did not answer within 0.5 s"),
    ],
)
async def test_failures_become_our_errors(client, fake, failure, error, words):
    account = fake.add("openai", "x.test", [fake_key("k")], ["m"], failure=failure)
    with pytest.raises(error) as caught:
        await client.list_models("openai", account.base_url, account.keys[0])
    assert words in caught.value.detail


async def test_gemini_error_texts_never_show_the_query_key(client, fake):
    account = fake.add("gemini", "g.test", [fake_key("k")], ["m"], failure="500")
    with pytest.raises(UpstreamResponseError) as caught:
        await client.list_models("gemini", account.base_url, account.keys[0])
    assert "key=" not in caught.value.detail and "https://g.test/v1beta/models" in caught.value.detail


async def test_refused_connection_is_cannot_connect():
    client = UpstreamClient(timeout=2)
    with pytest.raises(UpstreamUnreachable) as caught:
        await client.list_models("openai", f"http://127.0.0.1:{free_port()}/v1", fake_key("k"))
    await client.aclose()
    assert caught.value.code == "cannot_connect"


async def test_slow_dripping_server_hits_the_overall_deadline_on_real_sockets():
    """httpx's read timeout resets on every byte; the client's overall deadline does not."""

    async def drip(request):
        async def body():
            yield b'{"data": ['
            for _ in range(100):
                await asyncio.sleep(0.1)
                yield b" "

        return StreamingResponse(body(), media_type="application/json")

    with loopback_server(Starlette(routes=[Route("/v1/models", drip)])) as url:
        client = UpstreamClient(timeout=0.5)
        with pytest.raises(UpstreamTimeout):
            await client.list_models("openai", f"{url}/v1", fake_key("k"))
        await client.aclose()


async def test_list_models_on_a_loopback_server_with_a_path_prefix():
    fake = FakeProviders()
    with loopback_server(fake.app) as url:
        host = url.removeprefix("http://")
        account = fake.add("openai", host, [fake_key("k")], ["a", "b"], prefix="/acme")
        client = UpstreamClient(timeout=2)
        listing = await client.list_models("openai", account.base_url, account.keys[0])
        await client.aclose()
    assert listing.names == ["a", "b"] and account.base_url == f"{url}/acme/v1"


@pytest.mark.parametrize(
    ("dialect", "path"),
    [
        ("openai", "/v1/chat/completions"),
        ("gemini", "/v1beta/models/the-model:generateContent"),
        ("anthropic", "/v1/messages"),
    ],
)
async def test_probe_chat_sends_the_smallest_request(client, fake, dialect, path):
    account = fake.add(dialect, "c.test", [fake_key("k")], ["the-model"])
    probe = await client.probe_chat(dialect, account.base_url, account.keys[0], "the-model")
    call = fake.calls[-1]
    assert call.path == path and probe.reply == "p"
    if dialect == "gemini":
        assert call.body["generationConfig"]["maxOutputTokens"] == 1
    else:
        assert (call.body["model"], call.body["max_tokens"]) == ("the-model", 1)
