"""End to end on the real stack: the app process syncs fake providers into the real GPT-Load, then every exposed
model is requested through the real uni-api (Rust runtime) and must reach its provider under its original name."""

from __future__ import annotations

import httpx
from ruamel.yaml import YAML

from core.crypto import generate_key
from tests.conftest import GPTLOAD_ADMIN_KEY, SECRET_MARKER
from tests.e2e.app_process import app_process, clean_env
from tests.e2e.test_sync_routing import add_accounts, first_sync, register
from tests.fakes.providers import FakeProviders
from tests.fakes.server import free_port, loopback_server
from tests.real import servers


def test_every_exposed_model_reaches_its_provider_through_real_gptload_and_uniapi(tmp_path, real_gptload, uniapi_bin):
    providers = FakeProviders()
    config_path = tmp_path / "uni-api" / "api.yaml"
    with loopback_server(providers.app) as providers_url:
        accounts = add_accounts(providers, providers_url)
        env = clean_env(
            tmp_path,
            ENCRYPTION_KEY=generate_key(),
            GPTLOAD_URL=real_gptload.url,
            GPTLOAD_AUTH_KEY=GPTLOAD_ADMIN_KEY,
            UNIAPI_CONFIG_PATH=str(config_path),
        )
        with app_process(env, free_port()) as app, httpx.Client(base_url=app.url, timeout=30) as api:
            expected = register(api, accounts)
            first_sync(api)

            config = YAML(typ="safe").load(config_path.read_text())
            client_key = config["api_keys"][0]["api"]
            with servers.uniapi(uniapi_bin, config_path) as uniapi:
                headers = {"Authorization": f"Bearer {client_key}"}
                listed = httpx.get(f"{uniapi.url}/v1/models", headers=headers, timeout=30)
                assert listed.status_code == 200, listed.text
                assert {m["id"] for m in listed.json()["data"]} == set(expected), uniapi.output()
                failures = []
                for model in sorted(expected):
                    before = len(providers.calls)
                    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
                    answer = httpx.post(f"{uniapi.url}/v1/chat/completions", headers=headers, json=body, timeout=30)
                    if answer.status_code != 200:
                        failures.append((model, answer.status_code, answer.text[:300]))
                        continue
                    call = providers.calls[-1]
                    assert len(providers.calls) > before, model
                    account = next(n for n in accounts if call.path.startswith(f"/{n}/"))
                    original = call.body.get("model") if call.body and "model" in call.body else gemini_model(call)
                    assert (account, original) in expected[model], (model, account, original)
                    assert call.key in accounts[account].keys
                assert not failures, f"{failures}\n{uniapi.output()}"
    assert SECRET_MARKER not in app.output


def gemini_model(call) -> str:
    return call.path.split("/models/", 1)[1].split(":", 1)[0]
