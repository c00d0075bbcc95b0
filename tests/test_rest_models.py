"""Model discovery, normalization and deletion over REST, including the all-or-nothing batches."""

from __future__ import annotations

import pytest

from core.catalog import fetch_notes
from core.models import Model
from tests.conftest import fake_key, provider_body


@pytest.fixture
async def provider(api, openai_account) -> dict:
    created = await api.post("/api/providers", json=provider_body(openai_account))
    return created.json()


async def models_of(api, provider_id: int) -> dict[str, dict]:
    return {m["original_name"]: m for m in (await api.get(f"/api/providers/{provider_id}/models")).json()}


async def snapshot() -> list[tuple]:
    return await Model.all().order_by("id").values_list("id", "original_name", "normalized_name", "is_active")


async def test_refetch_adds_new_keeps_user_edits_and_marks_disappeared(api, openai_account, provider):
    before = await models_of(api, provider["id"])
    await api.put(f"/api/models/{before['gpt-4o']['id']}/normalize", json={"normalized_name": "GPT 4o"})
    await api.delete(f"/api/models/{before['o3']['id']}")
    openai_account.models[:] = ["gpt-4o", "o3", "gpt-5"]  # gpt-4o-mini gone, gpt-5 new

    result = (await api.post(f"/api/providers/{provider['id']}/fetch-models")).json()

    assert (result["added"], result["disappeared"], result["listed"]) == (["gpt-5"], ["gpt-4o-mini"], 3)
    after = await models_of(api, provider["id"])
    assert after["gpt-4o"]["normalized_name"] == "GPT 4o"
    assert after["o3"]["is_active"] is False
    assert after["gpt-4o-mini"]["upstream_missing"] is True and after["gpt-4o-mini"]["is_active"] is True
    assert after["gpt-5"]["is_active"] is True and after["gpt-5"]["upstream_missing"] is False


async def test_refetch_reports_a_model_that_comes_back(api, openai_account, provider):
    openai_account.models.remove("o3")
    await api.post(f"/api/providers/{provider['id']}/fetch-models")
    openai_account.models.append("o3")
    result = (await api.post(f"/api/providers/{provider['id']}/fetch-models")).json()
    assert (result["reappeared"], result["disappeared"], result["added"]) == (["o3"], [], [])
    assert (await models_of(api, provider["id"]))["o3"]["upstream_missing"] is False


async def test_refetch_original_names_are_stored_exactly(api, openai_account, provider):
    openai_account.models.append("deepseek-ai/DeepSeek-V3.1 (preview)")
    await api.post(f"/api/providers/{provider['id']}/fetch-models")
    assert "deepseek-ai/DeepSeek-V3.1 (preview)" in await models_of(api, provider["id"])


@pytest.mark.parametrize("failure", ["timeout", "500", "html", "wrong_shape"])
async def test_refetch_failure_changes_nothing(api, openai_account, provider, failure):
    before = await snapshot()
    openai_account.failure = failure
    response = await api.post(f"/api/providers/{provider['id']}/fetch-models")
    assert response.status_code in (502, 504)
    assert await snapshot() == before


async def test_refetch_with_revoked_first_key_uses_the_next(api, openai_account, provider):
    openai_account.keys.pop(0)
    response = await api.post(f"/api/providers/{provider['id']}/fetch-models")
    assert response.status_code == 200


async def test_refetch_empty_listing_warns_and_manual_add_works(api, fake):
    account = fake.add("openai", "bare.test", [fake_key("b")], [])
    created = (await api.post("/api/providers", json=provider_body(account))).json()
    result = (await api.post(f"/api/providers/{created['id']}/fetch-models")).json()
    assert "listed no models" in result["warning"]


@pytest.mark.parametrize(
    ("listing", "codes"),
    [
        ([], ["listing_empty"]),
        (["gpt-4o"], []),
        (["x" * 600], ["listing_empty", "listing_skipped"]),  # every listed name skipped: nothing usable either
        (["x" * 600, "gpt-4o"], ["listing_skipped"]),
        (["bell\x07", "gpt-4o", *(f"{n}" * 501 for n in range(5))], ["listing_skipped_more"]),  # six: one counted
    ],
)
async def test_a_fetchs_notes_for_the_pages_say_what_its_warning_says(api, fake, listing, codes):
    """The pages say a fetch's warning in their language from core's sentences (catalog.fetch_notes)."""
    account = fake.add("openai", "notes.test", [fake_key("n")], ["first"])
    created = (await api.post("/api/providers", json=provider_body(account))).json()
    account.models[:] = listing
    result = (await api.post(f"/api/providers/{created['id']}/fetch-models")).json()
    notes = fetch_notes(created["base_url"], result["listed"], result["skipped"])
    assert [n.code for n in notes] == codes
    assert (" ".join(map(str, notes)) or None) == result["warning"]
    added = await api.post(f"/api/providers/{created['id']}/models", json={"original_name": " my-model "})
    assert added.status_code == 201
    assert (added.json()["original_name"], added.json()["is_manual"]) == ("my-model", True)
    again = await api.post(f"/api/providers/{created['id']}/models", json={"original_name": "my-model"})
    assert (again.status_code, again.json()["code"]) == (409, "already_configured")
    refetch = (await api.post(f"/api/providers/{created['id']}/fetch-models")).json()
    assert refetch["disappeared"] == []  # a manual model is never reported missing


async def test_fetch_many_returns_one_outcome_per_provider(api, fake, openai_account, gemini_account):
    good = (await api.post("/api/providers", json=provider_body(openai_account, name="good"))).json()
    bad = (await api.post("/api/providers", json=provider_body(gemini_account, name="bad"))).json()
    gemini_account.failure = "500"
    outcomes = (await api.post("/api/providers/fetch-models", json={"provider_ids": None})).json()
    by_id = {o["provider_id"]: o for o in outcomes}
    assert by_id[good["id"]]["ok"] is True and by_id[bad["id"]]["code"] == "bad_response"


async def test_normalize_then_reset_restores_the_original(api, provider):
    model = (await models_of(api, provider["id"]))["gpt-4o"]
    renamed = (await api.put(f"/api/models/{model['id']}/normalize", json={"normalized_name": " gpt-4o-2024 "})).json()
    assert (renamed["normalized_name"], renamed["exposed_name"]) == ("gpt-4o-2024", "gpt-4o-2024")
    await api.delete(f"/api/models/{model['id']}")
    reset = (await api.post(f"/api/models/{model['id']}/reset")).json()
    assert (reset["normalized_name"], reset["exposed_name"], reset["is_active"]) == (None, "gpt-4o", True)


@pytest.mark.parametrize("name", ["", "   ", None, "gpt-4o"])
async def test_normalize_to_empty_or_original_means_no_normalized_name(api, provider, name):
    model = (await models_of(api, provider["id"]))["gpt-4o"]
    await api.put(f"/api/models/{model['id']}/normalize", json={"normalized_name": "x"})
    result = (await api.put(f"/api/models/{model['id']}/normalize", json={"normalized_name": name})).json()
    assert (result["normalized_name"], result["exposed_name"]) == (None, "gpt-4o")


async def test_rename_onto_a_sibling_needs_confirmation(api, provider):
    models = await models_of(api, provider["id"])
    url = f"/api/models/{models['gpt-4o-mini']['id']}/normalize"
    refused = await api.put(url, json={"normalized_name": "gpt-4o"})
    assert (refused.status_code, refused.json()["code"]) == (409, "confirm_duplicates")
    assert refused.json()["duplicates"] == {"gpt-4o": ["gpt-4o", "gpt-4o-mini"]}
    assert (await models_of(api, provider["id"]))["gpt-4o-mini"]["normalized_name"] is None
    accepted = await api.put(url, json={"normalized_name": "gpt-4o", "confirm_duplicates": True})
    assert accepted.json()["exposed_name"] == "gpt-4o"
    exposed = [m["exposed_name"] for m in (await models_of(api, provider["id"])).values() if m["is_active"]]
    assert exposed.count("gpt-4o") == 2
    assert (await api.get(f"/api/providers/{provider['id']}")).json()["duplicate_count"] == 1
    assert (await api.get("/api/providers")).json()[0]["duplicate_count"] == 1


async def test_same_name_at_another_provider_is_not_a_duplicate(api, provider, gemini_account):
    other = (await api.post("/api/providers", json=provider_body(gemini_account, name="g"))).json()
    model = (await models_of(api, other["id"]))["gemini-2.5-pro"]
    response = await api.put(f"/api/models/{model['id']}/normalize", json={"normalized_name": "gpt-4o"})
    assert response.status_code == 200


async def test_provider_batch_applies_renames_and_deletions_at_once(api, provider):
    models = await models_of(api, provider["id"])
    body = {
        "renames": [
            {"model_id": models["gpt-4o"]["id"], "normalized_name": "openai/gpt-4o"},
            {"model_id": models["o3"]["id"], "normalized_name": "o3-high"},
        ],
        "deletions": [models["gpt-4o-mini"]["id"]],
    }
    response = await api.post(f"/api/providers/{provider['id']}/models/batch", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["renamed"], result["deleted"]) == (2, 1)
    state = {m["original_name"]: (m["exposed_name"], m["is_active"]) for m in result["models"]}
    assert state == {"gpt-4o": ("openai/gpt-4o", True), "gpt-4o-mini": ("gpt-4o-mini", False), "o3": ("o3-high", True)}


async def test_provider_batch_with_an_unknown_id_changes_nothing(api, provider):
    models = await models_of(api, provider["id"])
    before = await snapshot()
    body = {
        "renames": [{"model_id": models["gpt-4o"]["id"], "normalized_name": "changed"}],
        "deletions": [models["o3"]["id"], 999999],
    }
    response = await api.post(f"/api/providers/{provider['id']}/models/batch", json=body)
    assert (response.status_code, response.json()["model_ids"]) == (404, [999999])
    assert await snapshot() == before


async def test_provider_batch_with_a_bad_name_changes_nothing(api, provider):
    models = await models_of(api, provider["id"])
    before = await snapshot()
    body = {
        "renames": [
            {"model_id": models["gpt-4o"]["id"], "normalized_name": "fine"},
            {"model_id": models["o3"]["id"], "normalized_name": "bad\nname"},
        ]
    }
    response = await api.post(f"/api/providers/{provider['id']}/models/batch", json=body)
    assert (response.status_code, response.json()["code"]) == (400, "invalid_name")
    assert await snapshot() == before


async def test_provider_batch_refuses_models_of_another_provider(api, provider, gemini_account):
    other = (await api.post("/api/providers", json=provider_body(gemini_account, name="g"))).json()
    foreign = next(iter((await models_of(api, other["id"])).values()))
    body = {"deletions": [foreign["id"]]}
    response = await api.post(f"/api/providers/{provider['id']}/models/batch", json=body)
    assert response.status_code == 400
    assert (await models_of(api, other["id"]))[foreign["original_name"]]["is_active"] is True


async def test_provider_batch_deleting_every_model_needs_confirmation(api, provider):
    ids = [m["id"] for m in (await models_of(api, provider["id"])).values()]
    refused = await api.post(f"/api/providers/{provider['id']}/models/batch", json={"deletions": ids})
    assert (refused.status_code, refused.json()["code"]) == (409, "confirm_delete_all")
    assert all(m["is_active"] for m in (await models_of(api, provider["id"])).values())
    body = {"deletions": ids, "confirm_delete_all": True}
    accepted = await api.post(f"/api/providers/{provider['id']}/models/batch", json=body)
    assert not any(m["is_active"] for m in accepted.json()["models"])


async def test_provider_batch_duplicate_rename_needs_confirmation(api, provider):
    models = await models_of(api, provider["id"])
    renames = [{"model_id": m["id"], "normalized_name": "one-name"} for m in models.values()][:2]
    refused = await api.post(f"/api/providers/{provider['id']}/models/batch", json={"renames": renames})
    assert refused.json()["code"] == "confirm_duplicates"
    body = {"renames": renames, "confirm_duplicates": True}
    accepted = await api.post(f"/api/providers/{provider['id']}/models/batch", json=body)
    assert [m["exposed_name"] for m in accepted.json()["models"]].count("one-name") == 2


async def test_renaming_away_from_an_existing_duplicate_needs_no_confirmation(api, provider):
    models = await models_of(api, provider["id"])
    dup = [{"model_id": models[n]["id"], "normalized_name": "same"} for n in ("gpt-4o", "o3")]
    await api.post(f"/api/providers/{provider['id']}/models/batch", json={"renames": dup, "confirm_duplicates": True})
    unrelated = {"renames": [{"model_id": models["gpt-4o-mini"]["id"], "normalized_name": "mini"}]}
    assert (await api.post(f"/api/providers/{provider['id']}/models/batch", json=unrelated)).status_code == 200


async def test_batch_normalize_spans_providers(api, provider, gemini_account):
    other = (await api.post("/api/providers", json=provider_body(gemini_account, name="g"))).json()
    a = (await models_of(api, provider["id"]))["gpt-4o"]
    b = (await models_of(api, other["id"]))["gemini-2.5-pro"]
    changes = [{"model_id": a["id"], "normalized_name": "x-a"}, {"model_id": b["id"], "normalized_name": "x-b"}]
    result = (await api.put("/api/models/batch-normalize", json={"changes": changes})).json()
    assert {m["exposed_name"] for m in result["models"]} >= {"x-a", "x-b"}
    assert len(result["models"]) == 6  # the full new list of both providers


async def test_batch_delete_marks_models_inactive(api, provider):
    models = await models_of(api, provider["id"])
    ids = [models["gpt-4o"]["id"], models["o3"]["id"]]
    response = await api.post("/api/models/batch-delete", json={"model_ids": ids})
    assert response.status_code == 200, response.text
    assert {m["original_name"] for m in response.json()["models"] if not m["is_active"]} == {"gpt-4o", "o3"}
    everything = await api.post("/api/models/batch-delete", json={"model_ids": [m["id"] for m in models.values()]})
    assert everything.json()["code"] == "confirm_delete_all"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("DELETE", "batch-delete", 405, "method_not_allowed"), ("POST", "bulk-delete", 404, "not_found")],
)
async def test_removed_batch_delete_spellings_delete_nothing(api, provider, method, path, status, code):
    models = await models_of(api, provider["id"])
    response = await api.request(method, f"/api/models/{path}", json={"model_ids": [models["o3"]["id"]]})
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.headers.get("allow") == ("POST" if status == 405 else None)
    assert (await models_of(api, provider["id"]))["o3"]["is_active"] is True


async def test_single_delete_of_the_last_active_model_needs_confirmation(api, provider):
    models = list((await models_of(api, provider["id"])).values())
    for model in models[:-1]:
        assert (await api.delete(f"/api/models/{model['id']}")).status_code == 200
    last = f"/api/models/{models[-1]['id']}"
    assert (await api.delete(last)).json()["code"] == "confirm_delete_all"
    assert (await api.delete(f"{last}?confirm_delete_all=true")).json()["is_active"] is False


async def test_unknown_model_is_404(api):
    response = await api.put("/api/models/12345/normalize", json={"normalized_name": "x"})
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
