"""The fake uni-api (Rust runtime) behaves as shared/reference/uniapi-config.md says, in front of the fake GPT-Load."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import GPTLOAD_ADMIN_KEY
from tests.fakes.server import loopback_server
from tests.fakes.uniapi import FakeUniApi

INTERVAL = 0.2
ADMIN, USER = "client-admin", "client-user"  # client keys without the leak marker: they travel in headers only
GPTLOAD = "http://gptload.test/proxy"


def provider(group: str, models: list | None = None, **fields) -> dict:
    entry = {"provider": group, "base_url": f"{GPTLOAD}/{group}/v1/chat/completions", "engine": "gpt"}
    return entry | {"api": f"pk-{group}", "model": models if models is not None else ["gpt-4o"]} | fields


def config(*providers: dict, keys: list | None = None) -> dict:
    api_keys = keys or [{"api": ADMIN, "role": "admin", "model": ["all"]}, {"api": USER, "model": ["all"]}]
    return {"providers": list(providers), "api_keys": api_keys, "preferences": {"cooldown_period": 300}}


@pytest.fixture
def api_yaml(tmp_path: Path) -> Path:
    path = tmp_path / "api.yaml"
    write(path, config(provider("oa")))
    return path


def write(path: Path, content: dict | str) -> None:
    path.write_text(content if isinstance(content, str) else json.dumps(content))  # JSON is YAML


@pytest.fixture
def uniapi(api_yaml, gptload) -> FakeUniApi:
    return FakeUniApi(api_yaml, interval=INTERVAL, upstream_transport=httpx.ASGITransport(app=gptload.app))


@pytest.fixture
async def running(uniapi):
    async with uniapi.running():
        yield uniapi


@pytest.fixture
async def client(uniapi):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=uniapi.app), base_url="http://uni-api") as client:
        yield client


@pytest.fixture
async def admin(gptload):
    headers = {"Authorization": f"Bearer {GPTLOAD_ADMIN_KEY}"}
    transport = httpx.ASGITransport(app=gptload.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gptload.test", headers=headers) as client:
        yield client


async def make_group(admin, name: str, account) -> int:
    """A GPT-Load group in front of ``account`` (its dialect), holding its keys; its proxy key is pk-<name>."""
    body = {"name": name, "channel_type": account.dialect, "test_model": account.models[0], "proxy_keys": f"pk-{name}"}
    body["upstreams"] = [{"url": f"https://{account.host}", "weight": 1}]
    group = (await admin.post("/api/groups", json=body)).json()["data"]
    keys = {"group_id": group["id"], "keys_text": json.dumps(account.keys)}
    assert (await admin.post("/api/keys/add-multiple", json=keys)).status_code == 200
    return group["id"]


@pytest.fixture
async def groups(admin, openai_account) -> dict[str, int]:
    """Groups "oa" and "ob" in front of the same fake OpenAI account (gpt-4o, gpt-4o-mini, o3)."""
    return {name: await make_group(admin, name, openai_account) for name in ("oa", "ob")}


async def chat(client, model: str = "gpt-4o", key: str = USER) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    return await client.post("/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"})


async def api_config(client, key: str = ADMIN) -> httpx.Response:
    return await client.get("/v1/api_config", headers={"Authorization": f"Bearer {key}"})


async def change(uniapi: FakeUniApi, content: dict | str) -> None:
    """Rewrite api.yaml in place and wait (with a deadline) until the fake has read it."""
    write(uniapi.config_path, content)
    await uniapi.wait_for_reload(within=INTERVAL * 5)


# ----- loading and reloading


async def test_before_the_first_load_everything_answers_not_ready(uniapi, client):
    assert (await api_config(client)).status_code == 503
    assert (await chat(client)).json() == {"error": {"message": "Runtime configuration is not ready"}}
    assert (await client.get("/v1/api_config")).status_code == 403  # the key is checked before readiness


async def test_loads_the_file_on_start_and_serves_it_as_api_config(running, client, api_yaml):
    assert running.loads == 1 and running.last_load_at is not None and running.reload_errors == 0
    response = await api_config(client)
    assert response.status_code == 200
    assert response.json() == {"api_config": json.loads(api_yaml.read_text())}


async def test_a_changed_file_is_served_after_the_next_poll(running, client):
    write(running.config_path, config(provider("oa"), provider("ob", ["o3"])))
    await running.wait_for_load(within=INTERVAL * 3)
    names = [p["provider"] for p in (await api_config(client)).json()["api_config"]["providers"]]
    assert names == ["oa", "ob"] and running.loads == 2


async def test_an_unchanged_file_is_read_again_but_not_published_again(running):
    await running.wait_for_reload(within=INTERVAL * 5)
    await running.wait_for_reload(within=INTERVAL * 5)
    assert running.loads == 1 and running.polls >= 3


@pytest.mark.parametrize(
    "broken",
    [
        "providers: [oops\n",  # YAML syntax error
        "",  # empty file
        "- just a list\n",
        config(provider("oa"), keys=[{"api": ""}]),  # no usable api key
        config(provider("oa", [])),  # no usable provider: discovery fails (no GPT-Load group)
        {**config(provider("oa")), "preferences": None},  # a bare top-level `preferences:`
    ],
    ids=["syntax", "empty", "not-a-mapping", "no-api-keys", "no-providers", "null-preferences"],
)
async def test_a_broken_file_is_counted_and_the_old_config_stays(running, client, broken):
    before = (await api_config(client)).json()
    await change(running, broken)
    assert running.reload_errors >= 1 and running.last_error
    assert running.loads == 1
    assert (await api_config(client)).json() == before


async def test_env_references_are_expanded(running, client, monkeypatch):
    monkeypatch.setenv("OA_PROXY_KEY", "pk-from-env")
    await change(running, config(provider("oa", api="${OA_PROXY_KEY}", notes="${UNSET_VAR:-fallback}")))
    served = (await api_config(client)).json()["api_config"]["providers"][0]
    assert served["api"] == "pk-from-env" and served["notes"] == "fallback"


# ----- api_config and model listing


async def test_api_config_needs_an_admin_key(running, client):
    assert (await api_config(client, USER)).json() == {"error": {"message": "Permission denied"}}
    assert (await api_config(client, USER)).status_code == 403
    assert (await api_config(client, "not-a-key")).json() == {"error": {"message": "Invalid or missing API Key"}}
    assert (await client.get("/v1/api_config", headers={"x-api-key": ADMIN})).status_code == 200


async def test_the_only_key_is_admin_even_without_a_role(running, client):
    await change(running, config(provider("oa"), keys=[{"api": USER}]))
    assert (await api_config(client, USER)).status_code == 200


async def test_models_lists_what_the_key_may_use_sorted(running, client):
    keys = [{"api": ADMIN, "role": "admin"}, {"api": USER, "model": ["ob/*", "gpt-4o"]}]
    await change(running, config(provider("oa", ["o3", "gpt-4o"]), provider("ob", ["b2", "b1"]), keys=keys))
    listed = {key: (await client.get("/v1/models", headers={"Authorization": f"Bearer {key}"})).json()["data"]
              for key in (ADMIN, USER)}  # fmt: skip
    assert [m["id"] for m in listed[ADMIN]] == ["b1", "b2", "gpt-4o", "o3"]
    assert [m["id"] for m in listed[USER]] == ["b1", "b2", "gpt-4o"]
    assert listed[USER][0] == {"id": "b1", "object": "model", "created": 0, "owned_by": "uni-api"}


# ----- routing


async def test_chat_goes_to_the_entry_base_url_with_the_entry_key(running, client, gptload, groups):
    response = await chat(client)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "p"
    sent = running.forwarded[-1]
    assert (sent.provider, sent.url, sent.key, sent.status) == ("oa", f"{GPTLOAD}/oa/v1/chat/completions", "pk-oa", 200)
    assert gptload.proxy_log[-1].group == "oa"


async def test_an_unknown_model_gets_no_available_providers(running, client, groups):
    response = await chat(client, "no-such-model")
    assert response.status_code == 404
    assert response.json() == {"error": {"message": "No available providers at the moment: no-such-model"}}
    assert running.forwarded == []


async def test_a_bad_client_key_is_refused(running, client):
    assert (await chat(client, key="wrong")).status_code == 403
    assert (await client.post("/v1/chat/completions", json={"model": "gpt-4o"})).status_code == 403


async def test_an_upstream_404_reaches_the_client(running, client, groups):
    await change(running, config(provider("oa", ["gpt-5-not-there"])))
    response = await chat(client, "gpt-5-not-there")
    assert response.status_code == 404 and "does not exist" in response.text


async def test_a_deleted_gptload_group_is_a_failure_for_the_client(running, client, admin, groups):
    assert (await admin.delete(f"/api/groups/{groups['oa']}")).status_code == 200
    response = await chat(client)
    assert response.status_code == 500
    assert response.json()["message"] == "Failed to retrieve proxy group"


async def test_a_failing_first_provider_falls_through_to_the_next(running, client, admin, groups):
    await change(running, config(provider("oa"), provider("ob")))
    assert (await admin.delete(f"/api/groups/{groups['oa']}")).status_code == 200
    assert (await chat(client)).status_code == 200
    assert [(f.provider, f.status) for f in running.forwarded] == [("oa", 500), ("ob", 200)]


async def test_auto_retry_off_stops_at_the_first_failure(running, client, admin, groups):
    keys = [{"api": USER, "preferences": {"AUTO_RETRY": False}}]
    await change(running, config(provider("oa"), provider("ob"), keys=keys))
    assert (await admin.delete(f"/api/groups/{groups['oa']}")).status_code == 200
    assert (await chat(client)).status_code == 500
    assert [f.provider for f in running.forwarded] == ["oa"]


async def test_an_alias_is_routed_under_its_exposed_name_only(running, client, groups):
    await change(running, config(provider("oa", [{"gpt-4o": "fast"}])))
    assert (await chat(client, "fast")).status_code == 200
    assert running.forwarded[-1].model == "gpt-4o"
    assert (await chat(client, "gpt-4o")).status_code == 404


# ----- discovery


async def test_an_empty_model_list_is_discovered_from_the_group_once(running, client, gptload, groups):
    await change(running, config(provider("oa", [])))
    assert running.discovery_log == [f"{GPTLOAD}/oa/v1/models"]
    served = (await api_config(client)).json()["api_config"]["providers"][0]
    assert served["model"] == ["gpt-4o", "gpt-4o-mini", "o3"]  # sorted, as Rust does
    assert (await chat(client, "o3")).status_code == 200
    await running.wait_for_reload(within=INTERVAL * 5)
    assert len(running.discovery_log) == 1  # cached per entry


async def test_a_failed_discovery_drops_the_provider_until_a_later_poll_succeeds(
    running, client, admin, openai_account
):
    await make_group(admin, "oa", openai_account)
    await change(running, config(provider("oa"), provider("ob", [], base_url=f"{GPTLOAD}/ob/v1")))
    assert running.discovery_errors == ["ob: model discovery returned HTTP 500"]  # GPT-Load has no group "ob" yet
    assert (await chat(client, "o3")).status_code == 404  # "ob" is dropped; "oa" still serves gpt-4o
    assert (await chat(client)).status_code == 200
    await make_group(admin, "ob", openai_account)
    await running.wait_for_load(within=INTERVAL * 5)
    assert running.discovery_log[-1] == f"{GPTLOAD}/ob/v1/models"  # base_url .../v1 → .../v1/models
    assert (await chat(client, "o3")).status_code == 200


# ----- engines and transports


async def test_claude_engine_sends_messages_and_answers_in_chat_shape(running, client, admin, fake, anthropic_account):
    await make_group(admin, "an", anthropic_account)
    entry = provider("an", ["claude-sonnet-4-5"], base_url=f"{GPTLOAD}/an/v1/messages", engine="claude")
    await change(running, config(entry))
    response = await chat(client, "claude-sonnet-4-5")
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"] == {"role": "assistant", "content": "p"}
    assert running.forwarded[-1].url == f"{GPTLOAD}/an/v1/messages"
    assert fake.calls[-1].body["messages"] == [{"role": "user", "content": "hi"}]


async def test_gemini_engine_calls_generate_content_with_the_key_in_the_query(
    running, client, admin, gptload, gemini_account
):
    await make_group(admin, "gm", gemini_account)
    entry = provider("gm", ["gemini-2.5-pro"], base_url=f"{GPTLOAD}/gm/v1beta", engine="gemini")
    await change(running, config(entry))
    response = await chat(client, "gemini-2.5-pro")
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == "p"
    assert running.forwarded[-1].url == f"{GPTLOAD}/gm/v1beta/models/gemini-2.5-pro:generateContent"
    assert gptload.proxy_log[-1].group == "gm"


async def test_provider_keys_take_turns(running, client, groups):
    await change(running, config(provider("oa", api=["pk-oa", "pk-ob"])))
    for _ in range(3):
        await chat(client)
    assert [f.key for f in running.forwarded] == ["pk-oa", "pk-ob", "pk-oa"]


async def test_forwards_to_a_loopback_server_through_upstream_base(api_yaml, gptload, groups):
    with loopback_server(gptload.app) as url:
        uniapi = FakeUniApi(api_yaml, interval=INTERVAL, upstream_base=url)
        transport = httpx.ASGITransport(app=uniapi.app)
        async with uniapi.running(), httpx.AsyncClient(transport=transport, base_url="http://uni-api") as client:
            assert (await chat(client)).status_code == 200
    assert uniapi.forwarded[-1].url == f"{GPTLOAD}/oa/v1/chat/completions"
