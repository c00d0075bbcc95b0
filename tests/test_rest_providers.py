"""Providers over REST: add with validation, masked listing, update, cascade delete, auth."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from core.models import Model, Provider
from core.rest import install_api
from core.services import Services
from tests.backup_helpers import stored_bytes
from tests.conftest import api_client, fake_key, make_settings, provider_body


@pytest.mark.parametrize("dialect", ["openai", "gemini", "anthropic"])
async def test_create_provider_stores_listed_models_for_each_dialect(api, fake, dialect, request):
    account = request.getfixturevalue(f"{dialect}_account")
    response = await api.post("/api/providers", json=provider_body(account, name=f"my-{dialect}"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["channel_type"] == dialect
    assert created["model_count"] == created["active_model_count"] == 3
    assert created["warnings"] == []
    models = (await api.get(f"/api/providers/{created['id']}/models")).json()
    assert [m["original_name"] for m in models] == account.models
    assert all(m["exposed_name"] == m["original_name"] and m["fetched_at"] for m in models)


async def test_create_provider_checks_every_key(api, fake, openai_account):
    await api.post("/api/providers", json=provider_body(openai_account))
    used = {call.key for call in fake.calls if call.path.endswith("/models")}
    assert used == set(openai_account.keys)


async def test_create_provider_with_a_rejected_key_stores_nothing(api, fake, openai_account):
    body = provider_body(openai_account, api_keys=[openai_account.keys[0], fake_key("revoked")])
    response = await api.post("/api/providers", json=body)
    assert response.status_code == 502
    error = response.json()
    assert error["code"] == "invalid_auth"
    assert "Incorrect API key provided" in error["detail"]  # the provider's own words
    assert error["detail"].startswith("Key sk-…cdef:")
    assert await Provider.all().count() == 0 and await Model.all().count() == 0


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        ("timeout", 504, "timeout"),
        ("500", 502, "bad_response"),
        ("html", 502, "bad_response"),
        ("wrong_shape", 502, "bad_response"),
        ("garbage_items", 502, "bad_response"),
    ],
)
async def test_create_provider_upstream_failure_stores_nothing(api, fake, settings, failure, status, code):
    account = fake.add("openai", "broken.test", [fake_key("b")], ["m"], failure=failure)
    response = await api.post("/api/providers", json=provider_body(account))
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert await Provider.all().count() == 0


async def test_create_provider_unreachable_host_is_cannot_connect(network_api):
    body = {"name": "x", "base_url": "http://127.0.0.1:9/v1", "channel_type": "openai", "api_keys": [fake_key("x")]}
    response = await network_api.post("/api/providers", json=body)
    assert (response.status_code, response.json()["code"]) == (502, "cannot_connect")
    assert await Provider.all().count() == 0


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"base_url": "ftp://openai.test"}, "invalid_url"),
        ({"base_url": "not a url"}, "invalid_url"),
        ({"base_url": "https://user:pw@openai.test"}, "invalid_url"),
        ({"base_url": "https://openai.test/v1?x=1"}, "invalid_url"),
        ({"channel_type": "cohere"}, "invalid_channel"),
        ({"api_keys": []}, "invalid_keys"),
        ({"api_keys": ["  ", ""]}, "invalid_keys"),
        ({"api_keys": ["two words"]}, "invalid_keys"),
        ({"name": " "}, "invalid_name"),
        ({"name": "x" * 101}, "invalid_name"),
    ],
)
async def test_create_provider_invalid_input_is_refused_before_any_request(api, fake, openai_account, changes, code):
    response = await api.post("/api/providers", json=provider_body(openai_account, **changes))
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert fake.calls == []


async def test_create_provider_missing_field_is_422_in_our_error_shape(api):
    response = await api.post("/api/providers", json={"name": "x"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert "base_url" in response.json()["detail"]


async def test_create_provider_duplicate_name_is_409_before_any_request(api, fake, openai_account, gemini_account):
    assert (await api.post("/api/providers", json=provider_body(openai_account, name="dup"))).status_code == 201
    calls = len(fake.calls)
    response = await api.post("/api/providers", json=provider_body(gemini_account, name="dup"))
    assert (response.status_code, response.json()["code"]) == (409, "already_configured")
    assert len(fake.calls) == calls


async def test_create_provider_with_empty_listing_warns(api, fake):
    account = fake.add("openai", "empty.test", [fake_key("e")], [])
    response = await api.post("/api/providers", json=provider_body(account))
    assert response.status_code == 201
    assert response.json()["model_count"] == 0
    assert "listed no models" in response.json()["warnings"][0]
    # Beside the English, core's sentence: a page says it in its language.
    assert response.json()["notes"] == [{"code": "listing_empty", "values": {"url": response.json()["base_url"]}}]


async def test_list_providers_masks_every_key(api, openai_account, gemini_account):
    await api.post("/api/providers", json=provider_body(openai_account, name="a"))
    await api.post("/api/providers", json=provider_body(gemini_account, name="b"))
    listed = (await api.get("/api/providers")).json()
    assert [p["name"] for p in listed] == ["a", "b"]
    assert listed[0]["api_keys_masked"] == ["sk-…cdef", "sk-…cdef"]
    assert set(listed[0]) >= {
        "id",
        "name",
        "base_url",
        "channel_type",
        "api_keys_masked",
        "model_count",
        "active_model_count",
        "last_fetched_at",
        "created_at",
        "updated_at",
    }


async def test_keys_are_encrypted_at_rest(api, openai_account, settings):
    await api.post("/api/providers", json=provider_body(openai_account))
    raw = stored_bytes(settings)
    assert b"SECRET" not in raw
    assert b"gAAAAA" in raw  # a Fernet token


async def test_update_provider_changes_name_and_url_after_checking(api, fake, openai_account):
    created = (await api.post("/api/providers", json=provider_body(openai_account))).json()
    moved = fake.add("openai", "moved.test", openai_account.keys, ["gpt-4o"], api_path="/api/v3")
    response = await api.put(f"/api/providers/{created['id']}", json={"name": "renamed", "base_url": moved.base_url})
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["base_url"]) == ("renamed", "https://moved.test/api/v3")
    assert {c.key for c in fake.calls if c.path == "/api/v3/models"} == set(openai_account.keys)


async def test_update_provider_to_a_failing_url_changes_nothing(api, fake, openai_account):
    created = (await api.post("/api/providers", json=provider_body(openai_account))).json()
    response = await api.put(f"/api/providers/{created['id']}", json={"base_url": "https://openai.test/nowhere"})
    assert response.status_code == 502
    assert (await api.get(f"/api/providers/{created['id']}")).json()["base_url"] == created["base_url"]


async def test_update_provider_adds_and_replaces_keys(api, fake, openai_account):
    created = await api.post("/api/providers", json=provider_body(openai_account, api_keys=openai_account.keys[:1]))
    provider_id = created.json()["id"]
    new_key = fake_key("added-zzzz")
    openai_account.keys.append(new_key)
    added = await api.put(f"/api/providers/{provider_id}", json={"add_api_keys": [new_key]})
    assert added.json()["api_keys_masked"] == ["sk-…cdef", "sk-…cdef"]
    assert fake.calls[-1].key == new_key  # only the new key was checked
    replaced = await api.put(f"/api/providers/{provider_id}", json={"api_keys": [openai_account.keys[1]]})
    assert len(replaced.json()["api_keys_masked"]) == 1
    refused = await api.put(f"/api/providers/{provider_id}", json={"add_api_keys": [fake_key("bad")]})
    assert (refused.status_code, refused.json()["code"]) == (502, "invalid_auth")
    assert len((await api.get(f"/api/providers/{provider_id}")).json()["api_keys_masked"]) == 1


async def test_update_provider_to_a_taken_name_is_409(api, openai_account, gemini_account):
    await api.post("/api/providers", json=provider_body(openai_account, name="one"))
    second = (await api.post("/api/providers", json=provider_body(gemini_account, name="two"))).json()
    response = await api.put(f"/api/providers/{second['id']}", json={"name": "one"})
    assert (response.status_code, response.json()["code"]) == (409, "already_configured")


async def test_delete_provider_removes_it_and_all_its_models(api, openai_account, gemini_account):
    doomed = (await api.post("/api/providers", json=provider_body(openai_account, name="doomed"))).json()
    kept = (await api.post("/api/providers", json=provider_body(gemini_account, name="kept"))).json()
    assert (await api.delete(f"/api/providers/{doomed['id']}")).status_code == 204
    assert (await api.get(f"/api/providers/{doomed['id']}")).status_code == 404
    assert await Model.filter(provider_id=doomed["id"]).count() == 0
    assert await Model.filter(provider_id=kept["id"]).count() == 3


async def test_unknown_ids_and_routes_are_json_404(api):
    for method, path in [("GET", "/api/providers/99"), ("DELETE", "/api/providers/99"), ("GET", "/api/nothing")]:
        response = await api.request(method, path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


async def test_stats_count_the_registry(api, openai_account):
    created = (await api.post("/api/providers", json=provider_body(openai_account))).json()
    models = (await api.get(f"/api/providers/{created['id']}/models")).json()
    await api.put(f"/api/models/{models[0]['id']}/normalize", json={"normalized_name": "gpt-4o-renamed"})
    await api.delete(f"/api/models/{models[1]['id']}")
    stats = (await api.get("/api/stats")).json()
    assert stats == {
        "providers": 1,
        "models": 3,
        "active_models": 2,
        "deleted_models": 1,
        "renamed_models": 1,
        "upstream_missing_models": 0,
        "exposed_names": 2,
    }


@pytest.fixture
async def network_api(settings, services) -> httpx.AsyncClient:
    """The API with an upstream client on real sockets (no fake transport)."""
    real = Services.build(settings)
    async with api_client(real) as client:
        yield client
    await real.aclose()


@pytest.fixture
async def guarded_api(tmp_path, fake, services) -> httpx.AsyncClient:
    settings = make_settings(tmp_path, ADMIN_PASSWORD="correct horse")
    async with api_client(
        Services(settings=settings, box=services.box, upstream=services.upstream, gptload=services.gptload)
    ) as client:
        yield client


def api_operations() -> list[tuple[str, str]]:
    app = FastAPI()
    install_api(app, Services.build(make_settings(Path(tempfile.mkdtemp()))))
    return [(m.upper(), p.replace("{provider_id}", "1").replace("{model_id}", "1").replace("{sync_id}", "1"))
            for p, ops in app.openapi()["paths"].items() for m in ops]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), [op for op in api_operations() if op[1] != "/api/health"])
async def test_admin_password_guards_every_route_but_health(guarded_api, method, path):
    assert (await guarded_api.get("/api/health")).status_code == 200
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic correct horse"}):
        response = await guarded_api.request(method, path, headers=headers, json={})
        assert (response.status_code, response.json()["code"]) == (401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


async def test_admin_password_lets_the_bearer_in(guarded_api):
    ok = await guarded_api.get("/api/providers", headers={"Authorization": "Bearer correct horse"})
    assert ok.status_code == 200


async def test_health_answers_ok(api):
    response = await api.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_a_base_url_missing_its_v1_gets_a_suggestion_that_works(api, fake):
    """https://host/api answers a bare 404 where the provider lives at https://host/api/v1: say so."""
    account = fake.add("openai", "reseller.test", [fake_key("rs")], ["m"], prefix="/api")
    typed = "https://reseller.test/api"
    refused = await api.post("/api/providers", json=provider_body(account, "rs", base_url=typed))
    assert refused.status_code == 502
    assert refused.json()["suggested_base_url"] == "https://reseller.test/api/v1"
    assert "use https://reseller.test/api/v1 as the base URL" in refused.json()["detail"]
    check = {"base_url": typed, "channel_type": "openai", "api_keys": account.keys}
    (key,) = (await api.post("/api/providers/check", json=check)).json()
    assert (key["ok"], key["suggested_base_url"]) == (False, "https://reseller.test/api/v1")
    created = await api.post("/api/providers", json=provider_body(account, "rs", base_url=key["suggested_base_url"]))
    assert created.status_code == 201


async def test_a_provider_that_is_down_can_be_saved_unchecked_with_manual_models(api, fake):
    account = fake.add("openai", "down.test", [fake_key("dn")], ["m"], failure="timeout")
    body = provider_body(account, "down", check=False, models=["gpt-4o", " gpt-4o ", "o3"])
    created = await api.post("/api/providers", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["warnings"][0].startswith("Saved without checking")
    assert created.json()["notes"] == [{"code": "saved_unchecked", "values": {}}]
    assert created.json()["last_fetched_at"] is None and fake.calls == []
    models = (await api.get(f"/api/providers/{created.json()['id']}/models")).json()
    assert [(m["original_name"], m["is_manual"]) for m in models] == [("gpt-4o", True), ("o3", True)]


async def test_one_key_can_be_added_or_removed_without_retyping_the_others(api, openai_account):
    provider = (await api.post("/api/providers", json=provider_body(openai_account, "acme"))).json()
    first, second = provider["api_key_fingerprints"]
    removed = (await api.put(f"/api/providers/{provider['id']}", json={"remove_api_keys": [first]})).json()
    assert removed["api_key_fingerprints"] == [second]
    last = await api.put(f"/api/providers/{provider['id']}", json={"remove_api_keys": [second]})
    assert (last.status_code, last.json()["code"]) == (400, "invalid_keys")
    unknown = await api.put(f"/api/providers/{provider['id']}", json={"remove_api_keys": ["0" * 12]})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "invalid_keys")
    back = (await api.put(f"/api/providers/{provider['id']}", json={"add_api_keys": [openai_account.keys[0]]})).json()
    assert sorted(back["api_key_fingerprints"]) == sorted([first, second])
