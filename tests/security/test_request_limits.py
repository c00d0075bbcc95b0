"""Oversized requests (issue 11, point 12): huge bodies, huge lists, a key check that floods a provider,
and answers outside our ``{code, detail}`` shape. Each test sends the request and fails if it is served."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from core.models import Model, Provider
from core.shapes import MAX_BATCH_ITEMS, MAX_CHECK_KEYS, MAX_KEYS
from tests.conftest import fake_key, provider_body

MIB = 1024 * 1024
JSON_TYPE = {"Content-Type": "application/json"}


@pytest.fixture
async def provider(api, openai_account) -> dict:
    created = await api.post("/api/providers", json=provider_body(openai_account))
    assert created.status_code == 201, created.text
    return created.json()


def padded_provider(account, size: int) -> bytes:
    """A valid provider body of about ``size`` bytes (one long model name list, check=false)."""
    body = provider_body(account, "padded", check=False, models=["m" * 400] * (size // 400))
    return json.dumps(body).encode()


async def test_a_body_over_the_default_2_mib_is_413_and_stores_nothing(api, fake, openai_account):
    response = await api.post(
        "/api/providers", content=padded_provider(openai_account, 2 * MIB + 1000), headers=JSON_TYPE
    )
    assert (response.status_code, response.json()["code"]) == (413, "body_too_large")
    assert "2097152 bytes" in response.json()["detail"]
    assert await Provider.all().count() == 0 and fake.calls == []


async def test_a_streamed_body_without_length_is_counted_too(api, services, openai_account):
    services.settings = replace(services.settings, max_body_bytes=64 * 1024)
    body = padded_provider(openai_account, 100 * 1024)

    async def chunks():
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    response = await api.post("/api/providers", content=chunks(), headers=JSON_TYPE)
    assert "content-length" not in response.request.headers  # chunked: only counting finds the size
    assert (response.status_code, response.json()["code"]) == (413, "body_too_large")
    assert await Provider.all().count() == 0


async def test_a_streamed_body_under_the_limit_reaches_the_route_intact(api, services, openai_account):
    services.settings = replace(services.settings, max_body_bytes=64 * 1024)
    body = padded_provider(openai_account, 40 * 1024)

    async def chunks():
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    response = await api.post("/api/providers", content=chunks(), headers=JSON_TYPE)
    assert response.status_code == 201, response.text


async def test_the_declared_length_is_refused_before_reading(api, services, provider):
    services.settings = replace(services.settings, max_body_bytes=2048)
    body = json.dumps({"model_ids": list(range(1, 2000))})
    response = await api.post("/api/models/test", content=body, headers=JSON_TYPE)
    assert (response.status_code, response.json()["code"]) == (413, "body_too_large")


def over(n: int = MAX_BATCH_ITEMS) -> list[int]:
    return list(range(1, n + 2))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/models/batch-delete", lambda p, m: {"model_ids": over()}),
        ("POST", "/api/models/test", lambda p, m: {"model_ids": over()}),
        ("PUT", "/api/models/batch-normalize",
         lambda p, m: {"changes": [{"model_id": m, "normalized_name": "x"}] * (MAX_BATCH_ITEMS + 1)}),
        ("POST", "/api/providers/{p}/models/batch", lambda p, m: {"deletions": over()}),
        ("POST", "/api/providers/{p}/models/batch",
         lambda p, m: {"renames": [{"model_id": m, "normalized_name": "x"}] * (MAX_BATCH_ITEMS + 1)}),
        ("POST", "/api/providers/test", lambda p, m: {"provider_ids": over()}),
        ("POST", "/api/providers/fetch-models", lambda p, m: {"provider_ids": over()}),
        ("PUT", "/api/providers/{p}", lambda p, m: {"add_api_keys": [fake_key("k")] * (MAX_KEYS + 1)}),
    ],
    ids=["batch-delete", "models-test", "batch-normalize", "provider-batch-deletions", "provider-batch-renames",
         "providers-test", "providers-fetch", "add-keys"],
)  # fmt: skip
async def test_a_list_over_its_maximum_is_422_and_changes_nothing(api, fake, provider, method, path, body):
    models = (await api.get(f"/api/providers/{provider['id']}/models")).json()
    before = sorted((m["id"], m["normalized_name"], m["is_active"]) for m in models)
    fake.calls.clear()
    data = body(provider["id"], models[0]["id"])
    response = await api.request(method, path.format(p=provider["id"]), json=data)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input"), response.text[:300]
    assert "at most" in response.json()["detail"]
    after = (await api.get(f"/api/providers/{provider['id']}/models")).json()
    assert sorted((m["id"], m["normalized_name"], m["is_active"]) for m in after) == before
    assert fake.calls == []


async def test_a_list_at_its_maximum_is_not_refused_for_its_length(api, provider):
    response = await api.post("/api/models/batch-delete", json={"model_ids": list(range(1, MAX_BATCH_ITEMS + 1))})
    assert response.json()["code"] != "invalid_input", response.text[:300]  # unknown ids: all or nothing
    assert await Model.filter(is_active=False).count() == 0


async def test_a_key_check_with_thousands_of_keys_sends_no_request(api, fake, openai_account):
    """POST /providers/check lists models once per key: 3,000 keys would make this server flood the provider."""
    body = {"base_url": openai_account.base_url, "channel_type": "openai", "api_keys": [fake_key("x")] * 3000}
    response = await api.post("/api/providers/check", json=body)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert f"at most {MAX_CHECK_KEYS}" in response.json()["detail"]
    assert fake.calls == []
    body["api_keys"] = [fake_key(f"k{i}") for i in range(MAX_CHECK_KEYS)]
    checked = await api.post("/api/providers/check", json=body)
    assert checked.status_code == 200 and len(checked.json()) == MAX_CHECK_KEYS == len(fake.calls)


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("OPTIONS", "/api/providers", 405, "method_not_allowed"),  # a CORS preflight: never granted
        ("OPTIONS", "/api/models/1/reset", 405, "method_not_allowed"),
        ("OPTIONS", "/api/nothing/here", 404, "not_found"),
        ("TRACE", "/api/providers", 405, "method_not_allowed"),  # the router's own 405
        ("PATCH", "/api/providers/1", 405, "method_not_allowed"),
        ("GET", "/api/", 404, "not_found"),
    ],
)
async def test_framework_level_answers_keep_the_code_detail_shape(api, method, path, status, code):
    preflight = {"Origin": "http://attacker.example", "Access-Control-Request-Method": "POST"}
    response = await api.request(method, path, headers=preflight if method == "OPTIONS" else {})
    assert response.status_code == status
    assert response.json().keys() == {"code", "detail"} and response.json()["code"] == code
    assert "access-control-allow-origin" not in response.headers
    if status == 405 and method != "TRACE":
        assert response.headers["allow"]


async def test_a_body_that_is_not_json_answers_in_our_shape(api):
    response = await api.post("/api/models/batch-delete", content=b"{not json", headers=JSON_TYPE)
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
