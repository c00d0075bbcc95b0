"""``GET /api/models/exposed`` and ``POST /api/models/rename-exposed`` over REST: shapes, paging, limits."""

from __future__ import annotations

import pytest

from core.models import Model
from tests.conftest import SECRET_MARKER, fake_key, provider_body


@pytest.fixture
async def registry(api, fake) -> dict[str, int]:
    """Two openai providers with one spelling each of DeepSeek V3.1, one of them twice; a gemini provider."""
    accounts = {
        "alpha": fake.add("openai", "alpha.test", [fake_key("al")], ["DeepSeek-V3.1", "deepseek-v3.1", "o3"]),
        "beta": fake.add("openai", "beta.test", [fake_key("be")], ["deepseek-ai/DeepSeek-V3.1", "o3"]),
        "gemma": fake.add("gemini", "gemma.test", [fake_key("ge")], ["gemini-2.5-pro"]),
    }
    ids = {}
    for name, account in accounts.items():
        created = await api.post("/api/providers", json=provider_body(account, name))
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    return ids


async def names(api, **params) -> list[str]:
    response = await api.get("/api/models/exposed", params={"page_size": 500, **params})
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def test_the_listing_has_the_documented_shape_and_no_key(api, registry):
    response = await api.get("/api/models/exposed", params={"search": "o3"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert item == {
        "name": "o3",
        "providers": [
            {"provider_id": registry["alpha"], "provider_name": "alpha", "original_name": "o3",
             "model_id": item["providers"][0]["model_id"], "active": True},
            {"provider_id": registry["beta"], "provider_name": "beta", "original_name": "o3",
             "model_id": item["providers"][1]["model_id"], "active": True},
        ],
        "classes": ["openai /v1/chat/completions"],
        "aggregate": True,
        "active": True,
    }  # fmt: skip
    assert SECRET_MARKER not in response.text


async def test_pages_split_the_sorted_names_and_a_page_past_the_end_is_empty(api, registry):
    everything = await names(api)
    assert everything == ["deepseek-ai/DeepSeek-V3.1", "DeepSeek-V3.1", "deepseek-v3.1", "gemini-2.5-pro", "o3"]
    pages = []
    for page in (1, 2, 3):
        body = (await api.get("/api/models/exposed", params={"page": page, "page_size": 2})).json()
        assert body["total"] == 5
        pages += [item["name"] for item in body["items"]]
    assert pages == everything
    past = (await api.get("/api/models/exposed", params={"page": 4, "page_size": 2})).json()
    assert past == {"total": 5, "items": []}


async def test_filters_over_rest(api, registry):
    assert await names(api, only_single_provider="true") == [
        "deepseek-ai/DeepSeek-V3.1", "DeepSeek-V3.1", "deepseek-v3.1", "gemini-2.5-pro"]  # fmt: skip
    assert await names(api, variants_of="deepseek_v3.1") == [
        "deepseek-ai/DeepSeek-V3.1", "DeepSeek-V3.1", "deepseek-v3.1"]  # fmt: skip
    assert await names(api, only_variants="true", search="beta") == ["deepseek-ai/DeepSeek-V3.1"]
    assert await names(api, search="GEMMA") == ["gemini-2.5-pro"]


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 501},
        {"page_size": 0},
        {"page": 0},
        {"page": "x"},
        {"search": "x" * 501},
        {"variants_of": "x" * 501},
        {"only_single_provider": "maybe"},
    ],
)
async def test_listing_limits_are_422(api, params):
    response = await api.get("/api/models/exposed", params=params)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")


@pytest.mark.parametrize(
    "body",
    [
        {"from": [], "to": "x"},
        {"from": ["o3"]},
        {"from": "o3", "to": "x"},
        {"from": ["o3"], "to": "x", "confirm": True},  # an unknown field
        {"from_": ["o3"], "to": "x"},
        {"from": ["o3"], "to": "x" * 501},
        {"from": ["o3"] * 20_001, "to": "x"},
    ],
)
async def test_rename_bodies_outside_the_shape_are_422_and_change_nothing(api, registry, body):
    before = await Model.all().order_by("id").values_list("normalized_name", flat=True)
    response = await api.post("/api/models/rename-exposed", json=body)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert await Model.all().order_by("id").values_list("normalized_name", flat=True) == before


async def test_merge_asks_for_confirmation_with_the_impact_then_renames_everywhere(api, registry):
    body = {"from": ["DeepSeek-V3.1", "deepseek-ai/DeepSeek-V3.1"], "to": "deepseek-v3.1"}

    refused = await api.post("/api/models/rename-exposed", json=body)

    assert (refused.status_code, refused.json()["code"]) == (409, "confirm_duplicates")
    assert set(refused.json()["duplicates"]) == {"deepseek-v3.1"}
    (split,) = refused.json()["impact"]["split"]
    assert (split["aggregate"], len(split["members"])) == ("deepseek-v3-1-aggregate", 3)
    assert await names(api, variants_of="deepseek-v3.1") == [
        "deepseek-ai/DeepSeek-V3.1", "DeepSeek-V3.1", "deepseek-v3.1"]  # fmt: skip

    confirmed = await api.post("/api/models/rename-exposed", json={**body, "confirm_duplicates": True})

    assert confirmed.status_code == 200
    assert confirmed.json()["renamed"] == 2 and len(confirmed.json()["model_ids"]) == 2
    body = (await api.get("/api/models/exposed", params={"variants_of": "deepseek-v3.1"})).json()
    (item,) = body["items"]
    assert (item["name"], item["aggregate"], len(item["providers"])) == ("deepseek-v3.1", True, 3)


async def test_rename_everywhere_without_a_duplicate_needs_no_confirmation(api, registry):
    response = await api.post("/api/models/rename-exposed", json={"from": ["o3"], "to": "openai-o3"})
    assert (response.status_code, response.json()["renamed"]) == (200, 2)
    assert "openai-o3" in await names(api) and "o3" not in await names(api)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"from": ["no-such-name"], "to": "x"}, 404, "not_found"),
        ({"from": ["o3"], "to": "   "}, 400, "invalid_name"),
    ],
)
async def test_an_unknown_name_or_an_empty_new_name_is_refused(api, registry, body, status, code):
    response = await api.post("/api/models/rename-exposed", json=body)
    assert (response.status_code, response.json()["code"]) == (status, code)


async def test_the_exposed_paths_do_not_shadow_the_model_id_routes(api, registry):
    alpha = (await api.get(f"/api/providers/{registry['alpha']}/models")).json()
    model_id = next(m["id"] for m in alpha if m["original_name"] == "o3")
    deleted = await api.delete(f"/api/models/{model_id}")
    assert (deleted.status_code, deleted.json()["is_active"]) == (200, False)
    assert (await api.delete("/api/models/exposed")).status_code == 405
    assert (await api.get("/api/models/rename-exposed")).status_code == 405
    listing = (await api.get("/api/models/exposed", params={"search": "o3"})).json()
    assert [p["active"] for p in listing["items"][0]["providers"]] == [False, True]
