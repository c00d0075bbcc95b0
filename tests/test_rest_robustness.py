"""Bad input, hostile providers and concurrent requests: clear errors, nothing lost, no key leaked."""

from __future__ import annotations

import asyncio

import pytest

from core.models import Model
from tests.conftest import SECRET_MARKER, fake_key, provider_body


async def add(api, account, name: str = "p") -> dict:
    response = await api.post("/api/providers", json=provider_body(account, name=name))
    assert response.status_code == 201, response.text
    return response.json()


async def names(api, provider_id: int) -> dict[str, dict]:
    return {m["original_name"]: m for m in (await api.get(f"/api/providers/{provider_id}/models")).json()}


async def test_key_echoed_at_the_excerpt_limit_is_still_masked(api, fake):
    account = fake.add("gemini", "echo.test", [fake_key("g")], ["m"], failure="echo_key_long")
    response = await api.post("/api/providers", json=provider_body(account))
    assert response.status_code == 502
    assert SECRET_MARKER not in response.text and "auth=sk-…cdef" in response.json()["detail"]


async def test_redirects_are_refused_and_never_followed(api, fake):
    account = fake.add("anthropic", "moved.test", [fake_key("a")], ["m"], failure="redirect")
    fake.add("anthropic", "elsewhere.test", [fake_key("a")], ["m"])
    response = await api.post("/api/providers", json=provider_body(account))
    assert (response.status_code, response.json()["code"]) == (502, "bad_response")
    assert "redirected (HTTP 307) to https://elsewhere.test/v1/models" in response.json()["detail"]
    assert "key=" not in response.json()["detail"]
    assert [c.path for c in fake.calls] == ["/v1/models"]  # moved.test only; elsewhere.test never called


@pytest.mark.parametrize("dialect", ["gemini", "anthropic"])
async def test_refetch_with_a_wrong_shape_changes_nothing(api, dialect, request):
    account = request.getfixturevalue(f"{dialect}_account")
    provider = await add(api, account)
    before = await names(api, provider["id"])
    account.failure = "wrong_shape"
    response = await api.post(f"/api/providers/{provider['id']}/fetch-models")
    assert (response.status_code, response.json()["code"]) == (502, "bad_response")
    assert await names(api, provider["id"]) == before


async def test_refetch_with_every_key_rejected_changes_nothing(api, openai_account):
    provider = await add(api, openai_account)
    before = await names(api, provider["id"])
    openai_account.keys.clear()
    response = await api.post(f"/api/providers/{provider['id']}/fetch-models")
    assert (response.status_code, response.json()["code"]) == (502, "invalid_auth")
    assert "Every key was rejected" in response.json()["detail"]
    assert await names(api, provider["id"]) == before


async def test_update_channel_type_and_url_merges_the_new_listing(api, fake, openai_account):
    provider = await add(api, openai_account)
    gemini = fake.add("gemini", "g.test", openai_account.keys, ["gpt-4o", "gemini-2.5-pro"])
    body = {"channel_type": "gemini", "base_url": gemini.base_url}
    updated = await api.put(f"/api/providers/{provider['id']}", json=body)
    assert updated.status_code == 200, updated.text
    assert updated.json()["channel_type"] == "gemini"
    models = await names(api, provider["id"])
    assert models["gemini-2.5-pro"]["upstream_missing"] is False
    assert models["o3"]["upstream_missing"] is True and models["gpt-4o"]["upstream_missing"] is False


async def test_update_with_an_empty_channel_type_is_refused(api, openai_account):
    provider = await add(api, openai_account)
    response = await api.put(f"/api/providers/{provider['id']}", json={"channel_type": ""})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_channel")


async def test_unknown_fields_are_refused_not_ignored(api, openai_account):
    provider = await add(api, openai_account)
    response = await api.put(f"/api/providers/{provider['id']}", json={"apikeys": ["x"]})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert "apikeys" in response.json()["detail"]


async def test_wrong_method_on_a_known_path_is_405(api):
    response = await api.patch("/api/providers")
    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")
    assert response.headers["allow"] == "GET, POST"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/api/providers/{2**70}", None),
        ("POST", "/api/models/batch-delete", {"model_ids": [2**70]}),
        ("POST", "/api/providers/test", {"provider_ids": [0]}),
    ],
)
async def test_out_of_range_ids_are_422_not_500(api, method, path, body):
    response = await api.request(method, path, json=body)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")


async def test_non_ascii_key_is_refused_before_any_request(api, fake, openai_account):
    response = await api.post("/api/providers", json=provider_body(openai_account, api_keys=["sk-ключ-123456789"]))
    assert (response.status_code, response.json()["code"]) == (400, "invalid_keys")
    assert fake.calls == []


async def test_empty_batch_answers_with_the_whole_model_list(api, openai_account):
    provider = await add(api, openai_account)
    response = await api.post(f"/api/providers/{provider['id']}/models/batch", json={})
    assert [m["original_name"] for m in response.json()["models"]] == openai_account.models
    unknown = await api.post("/api/providers/999/models/batch", json={})
    assert unknown.status_code == 404


async def test_manual_add_onto_an_exposed_name_needs_confirmation(api, openai_account):
    provider = await add(api, openai_account)
    url = f"/api/providers/{provider['id']}/models"
    refused = await api.post(url, json={"original_name": "gpt-4o "})
    assert refused.json()["code"] == "already_configured"
    models = await names(api, provider["id"])
    await api.put(f"/api/models/{models['o3']['id']}/normalize", json={"normalized_name": "reasoner"})
    clash = await api.post(url, json={"original_name": "reasoner"})
    assert (clash.status_code, clash.json()["code"]) == (409, "confirm_duplicates")
    assert (await api.post(url, json={"original_name": "reasoner", "confirm_duplicates": True})).status_code == 201


async def test_refetch_reports_new_duplicates(api, openai_account):
    provider = await add(api, openai_account)
    models = await names(api, provider["id"])
    await api.put(f"/api/models/{models['o3']['id']}/normalize", json={"normalized_name": "o4"})
    openai_account.models.append("o4")
    result = (await api.post(f"/api/providers/{provider['id']}/fetch-models")).json()
    assert result["duplicates"] == {"o4": ["o3", "o4"]}


async def test_concurrent_fetches_of_one_provider_add_each_model_once(api, openai_account):
    provider = await add(api, openai_account)
    openai_account.models += ["new-1", "new-2"]
    openai_account.latency = 0.02
    url = f"/api/providers/{provider['id']}/fetch-models"
    first, second = await asyncio.gather(api.post(url), api.post(url))
    assert (first.status_code, second.status_code) == (200, 200)
    assert sorted(first.json()["added"] + second.json()["added"]) == ["new-1", "new-2"]
    assert await Model.filter(provider_id=provider["id"]).count() == 5


async def test_concurrent_key_additions_keep_every_key(api, openai_account):
    provider = await add(api, openai_account)
    extra = [fake_key("x1-aaaa"), fake_key("x2-bbbb")]
    openai_account.keys += extra
    openai_account.latency = 0.02
    url = f"/api/providers/{provider['id']}"
    results = await asyncio.gather(*(api.put(url, json={"add_api_keys": [key]}) for key in extra))
    assert [r.status_code for r in results] == [200, 200]
    assert len((await api.get(url)).json()["api_keys_masked"]) == 4


async def test_concurrent_deletes_cannot_empty_a_provider_without_confirmation(api, openai_account):
    provider = await add(api, openai_account)
    ids = [m["id"] for m in (await names(api, provider["id"])).values()]
    results = await asyncio.gather(*(api.delete(f"/api/models/{i}") for i in ids))
    assert sorted(r.status_code for r in results) == [200, 200, 409]
    assert await Model.filter(provider_id=provider["id"], is_active=True).count() == 1


async def test_concurrency_limit_holds_for_nested_key_checks(api, fake, settings):
    for i in range(6):
        account = fake.add("openai", f"n{i}.test", [fake_key(f"n{i}a"), fake_key(f"n{i}b"), fake_key(f"n{i}c")], ["m"])
        await add(api, account, f"n{i}")
        account.latency = 0.03
    fake.max_in_flight = 0
    results = (await api.post("/api/providers/test", json={})).json()
    assert all(r["ok"] for r in results) and len(results) == 6
    assert fake.max_in_flight == settings.test_concurrency


async def test_model_test_of_a_reasoning_model_retries_without_max_tokens(api, fake, openai_account):
    openai_account.reasoning_models.add("o3")
    provider = await add(api, openai_account)
    model = (await names(api, provider["id"]))["o3"]
    result = (await api.post(f"/api/models/{model['id']}/test")).json()
    assert result["ok"] is True, result
    assert fake.calls[-1].body["max_completion_tokens"] == 1 and "max_tokens" not in fake.calls[-1].body


async def test_model_test_falls_back_to_the_next_key(api, fake, openai_account):
    provider = await add(api, openai_account)
    openai_account.keys.pop(0)
    model = (await names(api, provider["id"]))["gpt-4o"]
    assert (await api.post(f"/api/models/{model['id']}/test")).json()["ok"] is True
