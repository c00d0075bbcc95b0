"""End to end: the real app process syncs fake providers into a fake GPT-Load on loopback ports, then every
exposed model is called the way uni-api would call it, through the group its api.yaml entry points at."""

from __future__ import annotations

import time

import httpx
import pytest
from ruamel.yaml import YAML

from core.crypto import generate_key
from tests.conftest import GPTLOAD_ADMIN_KEY, SECRET_MARKER, fake_key
from tests.e2e.app_process import app_process, clean_env
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import FakeProviders
from tests.fakes.server import free_port, loopback_server

pytestmark = pytest.mark.slow  # the real app process, syncing into a fake GPT-Load

PROVIDERS = [
    # name, dialect, models, renames (original -> exposed)
    ("alpha", "openai", ["shared-model", "alpha-only", "org/Alpha-Big"], {"org/Alpha-Big": "alpha-big"}),
    ("beta", "openai", ["vendor/Shared-Model", "beta-only"], {"vendor/Shared-Model": "shared-model"}),
    ("gamma", "gemini", ["gemini-pro", "gemini-pro-preview", "flash"], {"gemini-pro-preview": "gemini-pro"}),
    ("delta", "anthropic", ["claude-x", "claude-y"], {}),
]


def test_every_exposed_model_reaches_its_provider_under_the_original_name(tmp_path):
    providers = FakeProviders()
    gptload = FakeGptLoad(GPTLOAD_ADMIN_KEY)
    with loopback_server(providers.app) as providers_url, loopback_server(gptload.app) as gptload_url:
        accounts = add_accounts(providers, providers_url)
        env = clean_env(
            tmp_path,
            ENCRYPTION_KEY=generate_key(),
            GPTLOAD_URL=gptload_url,
            GPTLOAD_AUTH_KEY=GPTLOAD_ADMIN_KEY,
        )
        with app_process(env, free_port()) as app, httpx.Client(base_url=app.url, timeout=30) as api:
            expected = register(api, accounts)
            first_sync(api)

            config = YAML(typ="safe").load((tmp_path / "data" / "uni-api" / "api.yaml").read_text())
            entries = [e for e in config["providers"] if e.get("notes") == "managed by llm-provider-manager"]
            reached = set()
            for entry in entries:
                assert GPTLOAD_ADMIN_KEY not in str(entry)
                for model in entry["model"] or discover(entry):
                    before = len(providers.calls)
                    answer = chat(entry, model)
                    assert answer.status_code == 200, (entry["provider"], model, answer.text)
                    call = providers.calls[before]
                    account = next(n for n in accounts if call.path.startswith(f"/{n}/"))
                    original = call.body.get("model") if call.body and "model" in call.body else gemini_model(call)
                    assert (account, original) in expected[model], (model, account, original)
                    assert call.key in accounts[account].keys
                    reached.add(model)
            assert reached == set(expected)
            assert SECRET_MARKER not in api.get("/api/config/uni-api/download").text
    assert SECRET_MARKER not in app.output


def add_accounts(providers: FakeProviders, providers_url: str) -> dict:
    """One fake upstream account per entry of PROVIDERS, two keys each, on the loopback server at providers_url."""
    host = providers_url.removeprefix("http://")
    return {
        name: providers.add(dialect, host, [fake_key(f"{name}1"), fake_key(f"{name}2")], models, prefix=f"/{name}")
        for name, dialect, models, _ in PROVIDERS
    }


def first_sync(api: httpx.Client) -> None:
    """Preview, apply with the checksum, wait: the sync succeeds and leaves nothing to do."""
    started = api.post("/api/config/sync", json={"checksum": api.get("/api/config/plan").json()["checksum"]})
    assert started.status_code == 202, started.text
    record = wait_for_sync(api, started.json()["sync_id"])
    assert record["status"] == "succeeded", record
    assert api.get("/api/config/plan").json()["empty"] is True


def register(api: httpx.Client, accounts) -> dict[str, set[tuple[str, str]]]:
    """Add the providers over REST, apply the renames; return exposed name -> {(provider, original)}."""
    expected: dict[str, set[tuple[str, str]]] = {}
    for name, dialect, models, renames in PROVIDERS:
        body = {
            "name": name,
            "base_url": accounts[name].base_url,
            "channel_type": dialect,
            "api_keys": accounts[name].keys,
        }
        created = api.post("/api/providers", json=body)
        assert created.status_code == 201, created.text
        ids = {m["original_name"]: m["id"] for m in api.get(f"/api/providers/{created.json()['id']}/models").json()}
        batch = {
            "renames": [{"model_id": ids[o], "normalized_name": n} for o, n in renames.items()],
            "confirm_duplicates": True,
        }
        assert api.post(f"/api/providers/{created.json()['id']}/models/batch", json=batch).status_code == 200
        for original in models:
            expected.setdefault(renames.get(original, original), set()).add((name, original))
    return expected


def wait_for_sync(api: httpx.Client, sync_id: int) -> dict:
    deadline = time.monotonic() + 60
    while api.get("/api/config/sync/status").json()["running"]:
        assert time.monotonic() < deadline, "sync did not finish within 60 s"
        time.sleep(0.05)
    return api.get(f"/api/config/sync/{sync_id}").json()


def discover(entry: dict) -> list[str]:
    """What uni-api does for an empty model list: ask the group for its models."""
    base, key = entry["base_url"], entry["api"]
    if entry["engine"] == "gemini":
        listed = httpx.get(f"{base}/models", params={"key": key}).json()
        return [m["name"].removeprefix("models/") for m in listed["models"]]
    listed = httpx.get(base.removesuffix("/chat/completions") + "/models", headers={"Authorization": f"Bearer {key}"})
    return [m["id"] for m in listed.json()["data"]]


def chat(entry: dict, model: str) -> httpx.Response:
    """The request uni-api sends for each engine, with the entry's GPT-Load proxy key."""
    base, key = entry["base_url"], entry["api"]
    message = [{"role": "user", "content": "hi"}]
    if entry["engine"] == "gemini":
        body = {"contents": [{"parts": [{"text": "hi"}]}]}
        return httpx.post(f"{base}/models/{model}:generateContent", params={"key": key}, json=body)
    if entry["engine"] == "claude":
        headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
        return httpx.post(base, headers=headers, json={"model": model, "max_tokens": 1, "messages": message})
    return httpx.post(base, headers={"Authorization": f"Bearer {key}"}, json={"model": model, "messages": message})


def gemini_model(call) -> str:
    return call.path.split("/models/", 1)[1].removesuffix(":generateContent")
