"""A hand-made GPT-Load + uni-api setup, as an operator builds one without the manager (issue 13's tests).

GPT-Load (through its admin API, on the fake): one multi-model group per provider with non-strict redirect
rules, an aggregate over two multi-model groups, and an operator group with its own proxy key. api.yaml,
written by hand with comments: entries through GPT-Load's proxy, direct providers with aliases, a list of keys,
an ``engine`` per dialect, and an operator entry that stays the operator's.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import GPTLOAD_ADMIN_KEY, fake_key

# Secrets too: the leak guards of tests/conftest.py look for every key fake_key() made.
OPERATOR_PROXY_KEY = fake_key("operator-proxy")
OPS_PROXY_KEY = fake_key("ops-only-proxy")
CLIENT_KEY = fake_key("client")


@dataclass
class Layout:
    accounts: dict[str, object]  # label -> tests.fakes.providers.Account
    api_yaml: str
    # client name -> (account label, original name the provider must receive)
    routes: dict[str, tuple[str, str]]


API_YAML = """\
# Hand-written by the operator. Keep these comments.
providers:
  # Two upstreams behind one GPT-Load aggregate
  - provider: pool
    base_url: http://gptload.test/proxy/gpt4o-pool/v1/chat/completions
    api: {operator}
    model:
      - gpt4o
  - provider: openai-via-gptload
    base_url: http://gptload.test/proxy/openai-main/v1/chat/completions
    api: {operator}
    model:
      - gpt-4o-mini
      - o3: reasoner   # alias: clients say reasoner
  - provider: gemini-via-gptload
    base_url: http://gptload.test/proxy/gemini-main/v1beta
    engine: gemini
    api: {operator}
    model:
      - gemini-2.5-pro
  - provider: deepseek
    base_url: https://deepseek.test/v1/chat/completions
    engine: gpt
    api:
      - {ds1}
      - {ds2}
    model:
      - deepseek-chat
      - deepseek-reasoner: r1
  - provider: claude-direct
    base_url: https://anthropic.test/v1/messages
    engine: claude
    api: {an1}
    model:
      - claude-sonnet-4-5: sonnet
  # The operator's own tools: never touched
  - provider: ops
    base_url: http://gptload.test/proxy/ops-tools/v1/chat/completions
    api: {ops}
    model:
      - ops-model
api_keys:
  - api: {client}
    model:
      - all
"""


async def admin(gptload, method: str, path: str, body: dict | None = None):
    transport = httpx.ASGITransport(app=gptload.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gptload.test") as client:
        headers = {"Authorization": f"Bearer {GPTLOAD_ADMIN_KEY}"}
        response = await client.request(method, path, json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json().get("data")


async def _group(gptload, name: str, channel: str, upstream: str, keys: list[str], **fields) -> int:
    body = {"name": name, "channel_type": channel, "upstreams": [{"url": upstream, "weight": 1}],
            "test_model": fields.pop("test_model", "x"), **fields}  # fmt: skip
    group = await admin(gptload, "POST", "/api/groups", body)
    if keys:
        await admin(gptload, "POST", "/api/keys/add-multiple", {"group_id": group["id"], "keys_text": ",".join(keys)})
    return group["id"]


async def build_layout(fake, gptload, settings) -> Layout:
    accounts = {
        "openai": fake.add("openai", "openai.test", [fake_key("hm-oa1"), fake_key("hm-oa2")],
                           ["gpt-4o", "gpt-4o-mini", "o3"]),
        "mirror": fake.add("openai", "mirror.test", [fake_key("hm-mr1")], ["gpt-4o", "gpt-4o-2024"]),
        "gemini": fake.add("gemini", "gemini.test", [fake_key("hm-gm1")], ["gemini-2.5-pro"]),
        "deepseek": fake.add("openai", "deepseek.test", [fake_key("hm-ds1"), fake_key("hm-ds2")],
                             ["deepseek-chat", "deepseek-reasoner"]),
        "anthropic": fake.add("anthropic", "anthropic.test", [fake_key("hm-an1")], ["claude-sonnet-4-5"]),
        "ops": fake.add("openai", "ops.test", [fake_key("hm-op1")], ["ops-model"]),
    }  # fmt: skip
    openai = await _group(gptload, "openai-main", "openai", "https://openai.test", accounts["openai"].keys,
                          model_redirect_rules={"gpt4o": "gpt-4o"}, proxy_keys=OPERATOR_PROXY_KEY)  # fmt: skip
    mirror = await _group(gptload, "mirror-main", "openai", "https://mirror.test", accounts["mirror"].keys,
                          model_redirect_rules={"gpt4o": "gpt-4o-2024"}, proxy_keys=OPERATOR_PROXY_KEY)  # fmt: skip
    await _group(gptload, "gemini-main", "gemini", "https://gemini.test", accounts["gemini"].keys,
                 proxy_keys=OPERATOR_PROXY_KEY)  # fmt: skip
    await _group(gptload, "ops-tools", "openai", "https://ops.test", accounts["ops"].keys, proxy_keys=OPS_PROXY_KEY)
    pool = await admin(gptload, "POST", "/api/groups", {"name": "gpt4o-pool", "group_type": "aggregate",
                        "channel_type": "openai", "proxy_keys": OPERATOR_PROXY_KEY})  # fmt: skip
    members = {"sub_groups": [{"group_id": openai, "weight": 100}, {"group_id": mirror, "weight": 100}]}
    await admin(gptload, "POST", f"/api/groups/{pool['id']}/sub-groups", members)
    text = API_YAML.format(
        operator=OPERATOR_PROXY_KEY, ops=OPS_PROXY_KEY, client=CLIENT_KEY, an1=accounts["anthropic"].keys[0],
        ds1=accounts["deepseek"].keys[0], ds2=accounts["deepseek"].keys[1],
    )  # fmt: skip
    settings.uniapi_config_path.parent.mkdir(parents=True, exist_ok=True)
    settings.uniapi_config_path.write_text(text)
    routes = {
        "gpt-4o-mini": ("openai", "gpt-4o-mini"),
        "reasoner": ("openai", "o3"),
        "gemini-2.5-pro": ("gemini", "gemini-2.5-pro"),
        "deepseek-chat": ("deepseek", "deepseek-chat"),
        "r1": ("deepseek", "deepseek-reasoner"),
        "sonnet": ("anthropic", "claude-sonnet-4-5"),
        "ops-model": ("ops", "ops-model"),
    }
    return Layout(accounts, text, routes)


@pytest.fixture
async def layout(fake, gptload, settings) -> Layout:
    return await build_layout(fake, gptload, settings)
