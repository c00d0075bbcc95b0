"""``GET /api/inbox`` and ``POST /api/inbox/resolve``: the churn inbox over REST, errors in the documented shape."""

from __future__ import annotations

import pytest

from core.models import Model
from tests.conftest import provider_body


@pytest.fixture
async def churned(api, openai_account) -> dict:
    """A provider whose re-fetch added two models and lost one (gpt-4o-mini)."""
    provider = (await api.post("/api/providers", json=provider_body(openai_account))).json()
    openai_account.models[:] = ["gpt-4o", "o3", "openai/GPT-5", "Vendor/Extra"]
    await api.post(f"/api/providers/{provider['id']}/fetch-models")
    return provider


async def items(api, **params) -> dict[str, dict]:
    body = (await api.get("/api/inbox", params=params)).json()
    return {item["original_name"]: item for item in body["items"]}


async def snapshot() -> list[tuple]:
    fields = ("id", "normalized_name", "is_active", "inbox", "ignored")
    return await Model.all().order_by("id").values_list(*fields)


async def test_the_inbox_lists_fetched_changes_with_suggested_names(api, churned):
    body = (await api.get("/api/inbox")).json()
    assert body["total"] == 3
    listed = {i["original_name"]: (i["kind"], i["suggested_name"], i["provider_name"]) for i in body["items"]}
    assert listed == {
        "gpt-4o-mini": ("vanished", "gpt-4o-mini", "acme"),
        "openai/GPT-5": ("new", "gpt-5", "acme"),
        "Vendor/Extra": ("new", "extra", "acme"),
    }
    assert {i["provider_id"] for i in body["items"]} == {churned["id"]}
    assert set(await items(api, kind="vanished")) == {"gpt-4o-mini"}
    assert (await api.get("/api/inbox", params={"page_size": 1, "page": 2})).json()["total"] == 3
    assert await items(api, provider_id=churned["id"] + 1) == {}


async def test_resolve_accepts_ignores_and_deletes_in_one_request(api, churned):
    listed = await items(api)
    response = await api.post(
        "/api/inbox/resolve",
        json={
            "accept": [listed["openai/GPT-5"]["model_id"]],
            "ignore": [listed["Vendor/Extra"]["model_id"]],
            "delete": [listed["gpt-4o-mini"]["model_id"]],
        },
    )
    assert response.status_code == 200
    assert response.json() == {"accepted": 1, "ignored": 1, "deleted": 1, "remaining": 0}
    models = {m["original_name"]: m for m in (await api.get(f"/api/providers/{churned['id']}/models")).json()}
    assert (models["openai/GPT-5"]["exposed_name"], models["openai/GPT-5"]["is_active"]) == ("gpt-5", True)
    assert models["Vendor/Extra"]["is_active"] is False and models["gpt-4o-mini"]["is_active"] is False
    assert (await api.get("/api/inbox")).json() == {"total": 0, "items": []}


async def test_accepting_a_duplicate_name_answers_409_until_confirmed(api, churned):
    listed = await items(api)
    body = {"accept": [listed["openai/GPT-5"]["model_id"]], "names": {str(listed["openai/GPT-5"]["model_id"]): "o3"}}
    refused = await api.post("/api/inbox/resolve", json=body)
    assert (refused.status_code, refused.json()["code"]) == (409, "confirm_duplicates")
    assert refused.json()["duplicates"] == {"o3": ["o3", "openai/GPT-5"]}
    confirmed = await api.post("/api/inbox/resolve", json={**body, "confirm_duplicates": True})
    assert (confirmed.status_code, confirmed.json()["remaining"]) == (200, 2)


@pytest.mark.parametrize(
    ("make_body", "status", "code"),
    [
        (lambda ids: {"accept": [ids["openai/GPT-5"], 987_654]}, 404, "not_found"),
        (lambda ids: {"delete": [ids["openai/GPT-5"]]}, 422, "not_vanished"),
        (lambda ids: {"accept": [ids["o3"]]}, 422, "not_in_inbox"),
        (lambda ids: {"accept": [ids["Vendor/Extra"]], "ignore": [ids["Vendor/Extra"]]}, 422, "conflicting_actions"),
        (lambda ids: {"ignore": [ids["Vendor/Extra"]], "names": {str(ids["Vendor/Extra"]): "x"}}, 422,
         "conflicting_actions"),
        (lambda ids: {"accept": [0]}, 422, "invalid_input"),
        (lambda ids: {"accept": [], "reject": [ids["Vendor/Extra"]]}, 422, "invalid_input"),
    ],
)  # fmt: skip
async def test_a_refused_resolve_answers_its_code_and_changes_nothing(api, churned, make_body, status, code):
    ids = {m["original_name"]: m["id"] for m in (await api.get(f"/api/providers/{churned['id']}/models")).json()}
    before = await snapshot()
    response = await api.post("/api/inbox/resolve", json=make_body(ids))
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["detail"]
    assert await snapshot() == before


async def test_a_bad_kind_or_page_size_is_a_422(api):
    assert (await api.get("/api/inbox", params={"kind": "gone"})).status_code == 422
    assert (await api.get("/api/inbox", params={"page_size": 501})).status_code == 422
