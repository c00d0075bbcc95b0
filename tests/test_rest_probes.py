"""Testing providers and models: real calls, latency, the provider's own error text, bounded parallelism."""

from __future__ import annotations

import pytest

from tests.conftest import fake_key, provider_body


async def add(api, account, name: str) -> dict:
    response = await api.post("/api/providers", json=provider_body(account, name=name))
    assert response.status_code == 201, response.text
    return response.json()


async def test_provider_test_reports_latency_and_is_remembered(api, fake, openai_account):
    provider = await add(api, openai_account, "p")
    openai_account.latency = 0.02
    result = (await api.post(f"/api/providers/{provider['id']}/test")).json()
    assert result["ok"] is True and result["latency_ms"] >= 20
    assert [k["ok"] for k in result["keys"]] == [True, True]
    stored = (await api.get(f"/api/providers/{provider['id']}")).json()
    assert (stored["last_test_ok"], stored["last_test_latency_ms"]) == (True, result["latency_ms"])


async def test_provider_test_failure_carries_the_providers_words(api, fake, anthropic_account):
    provider = await add(api, anthropic_account, "p")
    anthropic_account.keys.clear()
    result = (await api.post(f"/api/providers/{provider['id']}/test")).json()
    assert (result["ok"], result["code"]) == (False, "invalid_auth")
    assert "invalid x-api-key" in result["detail"]
    assert (await api.get(f"/api/providers/{provider['id']}")).json()["last_test_error"] == result["detail"]


async def test_check_connection_stores_nothing(api, fake, gemini_account):
    body = {
        "base_url": gemini_account.base_url,
        "channel_type": "gemini",
        "api_keys": [*gemini_account.keys, "bad-key-123"],
    }
    checks = (await api.post("/api/providers/check", json=body)).json()
    assert [(c["ok"], c["code"], c["model_count"]) for c in checks] == [(True, None, 3), (False, "invalid_auth", None)]
    assert (await api.get("/api/providers")).json() == []


async def test_batch_provider_test_runs_in_parallel_within_the_limit(api, fake, settings):
    accounts = [fake.add("openai", f"p{i}.test", [fake_key(f"k{i}")], ["m"]) for i in range(10)]
    for i, account in enumerate(accounts):
        await add(api, account, f"p{i}")
        account.latency = 0.05
    accounts[3].failure = "500"
    fake.max_in_flight = 0
    results = (await api.post("/api/providers/test", json={})).json()
    assert len(results) == 10
    assert [r["name"] for r in results if not r["ok"]] == ["p3"]
    assert 1 < fake.max_in_flight <= settings.test_concurrency


async def test_batch_provider_test_reports_unknown_ids_as_results(api, openai_account):
    provider = await add(api, openai_account, "p")
    results = (await api.post("/api/providers/test", json={"provider_ids": [provider["id"], 404]})).json()
    assert [(r["provider_id"], r["ok"], r["code"]) for r in results] == [
        (provider["id"], True, None),
        (404, False, "not_found"),
    ]


@pytest.mark.parametrize("dialect", ["openai", "gemini", "anthropic"])
async def test_model_test_sends_one_token_under_the_original_name(api, fake, dialect, request):
    account = request.getfixturevalue(f"{dialect}_account")
    provider = await add(api, account, "p")
    model = (await api.get(f"/api/providers/{provider['id']}/models")).json()[0]
    await api.put(f"/api/models/{model['id']}/normalize", json={"normalized_name": "renamed-for-clients"})
    result = (await api.post(f"/api/models/{model['id']}/test")).json()
    assert result["ok"] is True and result["latency_ms"] is not None
    call = fake.calls[-1]
    sent_model = call.body.get("model") or call.path.split("/models/")[1].removesuffix(":generateContent")
    assert sent_model == model["original_name"]


async def test_model_test_failure_says_why(api, fake, openai_account):
    openai_account.broken_models.add("o3")
    provider = await add(api, openai_account, "p")
    models = {m["original_name"]: m for m in (await api.get(f"/api/providers/{provider['id']}/models")).json()}
    result = (await api.post(f"/api/models/{models['o3']['id']}/test")).json()
    assert (result["ok"], result["code"]) == (False, "bad_response")
    assert "The model `o3` does not exist" in result["detail"]


async def test_batch_model_test_returns_one_result_per_model(api, fake, openai_account):
    openai_account.broken_models.add("o3")
    provider = await add(api, openai_account, "p")
    ids = [m["id"] for m in (await api.get(f"/api/providers/{provider['id']}/models")).json()]
    results = (await api.post("/api/models/test", json={"model_ids": [*ids, 999]})).json()
    assert [(r["model"], r["ok"]) for r in results] == [
        ("gpt-4o", True),
        ("gpt-4o-mini", True),
        ("o3", False),
        (None, False),
    ]
