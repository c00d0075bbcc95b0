"""The normalization assistant over REST: suggestions with their impact, accepted through batch-normalize, and
the saved rules (created, listed, moved, disabled, deleted) that come first in the suggestions and name new models."""

from __future__ import annotations

import pytest

from core.models import Model
from core.normalization_suggestions import suggest_for_fetched
from tests.conftest import fake_key, provider_body


@pytest.fixture
async def providers(api, fake) -> dict[str, int]:
    """Two providers of one class spelling DeepSeek-V3.1 and gpt-4o their own ways."""
    ids = {}
    for name, models in {
        "acme": ["deepseek-ai/DeepSeek-V3.1", "gpt-4o-2024-08-06", "gpt-4o", "o3"],
        "beta": ["DeepSeek-V3.1", "deepseek-v3.1", "qwen-2.5", "gpt-4"],
    }.items():
        account = fake.add("openai", f"{name}.test", [fake_key(name)], models)
        ids[name] = (await api.post("/api/providers", json=provider_body(account, name=name))).json()["id"]
    return ids


async def suggestions(api, **params) -> dict:
    response = await api.get("/api/normalization/suggestions", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def by_rule(page: dict) -> dict[str, dict]:
    return {f"{s['rule']['kind']}{s['rule']['params']}": s for s in page["suggestions"]}


def moves(suggestion: dict) -> set[tuple[str, str, str]]:
    return {(c["provider_name"], c["from"], c["to"]) for c in suggestion["changes"]}


async def exposed(provider_id: int) -> dict[str, str]:
    rows = await Model.filter(provider_id=provider_id).values_list("original_name", "normalized_name")
    return {original: normalized or original for original, normalized in rows}


async def test_suggestions_explain_each_rule_with_the_models_it_renames_and_the_impact(api, providers):
    found = by_rule(await suggestions(api))

    prefix = found["strip_prefix{'prefix': 'deepseek-ai/'}"]
    assert prefix["explanation"] == "Drop the vendor prefix `deepseek-ai/`: clients call the model by its own name."
    assert moves(prefix) == {("acme", "deepseek-ai/DeepSeek-V3.1", "DeepSeek-V3.1")}
    assert [d["name"] for d in prefix["impact"]["duplicates"]] == ["DeepSeek-V3.1"]  # beta serves it too
    assert prefix["impact"]["split"][0]["aggregate"] == "deepseek-v3-1-aggregate"
    lowercase = found["lowercase{}"]
    assert moves(lowercase) == {
        ("acme", "deepseek-ai/DeepSeek-V3.1", "deepseek-ai/deepseek-v3.1"),
        ("beta", "DeepSeek-V3.1", "deepseek-v3.1"),
    }
    duplicate = lowercase["impact"]["duplicates"][0]
    assert (duplicate["name"], duplicate["within_provider"]) == ("deepseek-v3.1", True)  # beta's two spellings
    assert moves(found["strip_date{}"]) == {("acme", "gpt-4o-2024-08-06", "gpt-4o")}
    assert "separators{}" not in found  # qwen-2.5 has no variant; gpt-4o is never gpt-4


async def test_the_impact_lists_are_cut_at_impact_limit_and_counted_whole(api, providers):
    lowercase = by_rule(await suggestions(api, impact_limit=0))["lowercase{}"]
    assert (lowercase["impact"]["duplicates"], lowercase["impact"]["split"]) == ([], [])
    assert lowercase["impact_counts"] == {"duplicates": 1, "within_provider": 1, "aggregates": 1}


async def test_suggestions_for_some_providers_rename_only_their_models(api, providers):
    page = await suggestions(api, provider_ids=[providers["beta"]])
    assert {c["provider_name"] for s in page["suggestions"] for c in s["changes"]} == {"beta"}
    assert [s["rule"]["kind"] for s in page["suggestions"]] == ["lowercase"]


async def test_suggestions_come_in_pages(api, providers):
    first = await suggestions(api, limit=1)
    second = await suggestions(api, offset=1, limit=1)
    assert (first["total"], len(first["suggestions"]), first["limit"]) == (3, 1, 1)
    assert first["suggestions"][0]["rule"] != second["suggestions"][0]["rule"]
    assert (await api.get("/api/normalization/suggestions", params={"limit": 0})).status_code == 422


async def test_accepting_a_suggestion_is_a_batch_normalize_that_asks_before_a_duplicate(api, providers):
    lowercase = by_rule(await suggestions(api))["lowercase{}"]
    body = {"changes": [{"model_id": c["model_id"], "normalized_name": c["to"]} for c in lowercase["changes"]]}

    refused = await api.put("/api/models/batch-normalize", json=body)
    beta_twins = {"deepseek-v3.1": ["DeepSeek-V3.1", "deepseek-v3.1"]}
    assert (refused.status_code, refused.json()["duplicates"]) == (409, beta_twins)
    saved = await api.put("/api/models/batch-normalize", json={**body, "confirm_duplicates": True})

    assert saved.status_code == 200
    assert (await exposed(providers["beta"]))["DeepSeek-V3.1"] == "deepseek-v3.1"
    assert "lowercase{}" not in by_rule(await suggestions(api))


async def test_a_saved_rule_is_listed_suggested_first_and_names_new_models(api, providers):
    created = await api.post(
        "/api/normalization/rules", json={"kind": "strip_suffix", "params": {"suffix": "-2.5"}}
    )  # a version: never applied
    assert created.status_code == 201
    rule = (await api.post("/api/normalization/rules", json={"kind": "strip_org"})).json()

    assert rule == {
        "id": rule["id"],
        "position": 1,
        "kind": "strip_org",
        "params": {},
        "enabled": True,
        "explanation": "Drop any organisation prefix: everything up to the last `/`.",
    }
    assert [r["kind"] for r in (await api.get("/api/normalization/rules")).json()] == ["strip_suffix", "strip_org"]
    first = (await suggestions(api))["suggestions"][0]
    assert first["rule"] == {"kind": "strip_org", "params": {}, "saved_id": rule["id"]}
    assert await suggest_for_fetched(["moonshotai/Kimi-K2", "qwen-2.5"]) == {
        "moonshotai/Kimi-K2": "Kimi-K2",
        "qwen-2.5": "qwen-2.5",
    }


async def test_rules_move_disable_and_delete(api, providers):
    ids = []
    for kind in ("lowercase", "strip_date", "separators"):
        ids.append((await api.post("/api/normalization/rules", json={"kind": kind})).json()["id"])

    moved = await api.put(f"/api/normalization/rules/{ids[2]}", json={"position": 0})
    assert moved.json()["position"] == 0
    listed = (await api.get("/api/normalization/rules")).json()
    assert [(r["id"], r["position"]) for r in listed] == [(ids[2], 0), (ids[0], 1), (ids[1], 2)]

    await api.put(f"/api/normalization/rules/{ids[0]}", json={"enabled": False})
    assert "lowercase{}" not in by_rule(await suggestions(api))  # disabled: never suggested, saved or found
    assert await suggest_for_fetched(["GPT-5"]) == {"GPT-5": "GPT-5"}

    assert (await api.delete(f"/api/normalization/rules/{ids[2]}")).status_code == 204
    listed = (await api.get("/api/normalization/rules")).json()
    assert [(r["id"], r["position"]) for r in listed] == [(ids[0], 0), (ids[1], 1)]


async def test_a_rule_can_be_changed_to_another_kind(api, providers):
    rule = (await api.post("/api/normalization/rules", json={"kind": "lowercase"})).json()
    changed = await api.put(
        f"/api/normalization/rules/{rule['id']}", json={"kind": "strip_prefix", "params": {"prefix": "x/"}}
    )
    assert (changed.json()["kind"], changed.json()["params"]) == ("strip_prefix", {"prefix": "x/"})


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "rename_everything"}, 400, "invalid_rule"),
        ({"kind": "strip_prefix"}, 400, "invalid_rule"),
        ({"kind": "lowercase", "params": {"prefix": "x/"}}, 400, "invalid_rule"),
        ({"kind": "strip_suffix", "params": {"suffix": ""}}, 400, "invalid_rule"),
        ({"kind": "lowercase", "extra": 1}, 422, "invalid_input"),
        ({"kind": "lowercase", "position": -1}, 422, "invalid_input"),
    ],
    ids=["unknown-kind", "missing-param", "unexpected-param", "empty-param", "unknown-field", "negative-position"],
)
async def test_a_rule_that_cannot_be_is_refused_and_nothing_is_saved(api, body, status, code):
    response = await api.post("/api/normalization/rules", json=body)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert (await api.get("/api/normalization/rules")).json() == []


async def test_the_same_rule_twice_is_a_conflict(api):
    await api.post("/api/normalization/rules", json={"kind": "lowercase"})
    again = await api.post("/api/normalization/rules", json={"kind": "lowercase"})
    assert (again.status_code, again.json()["code"]) == (409, "already_configured")


@pytest.mark.parametrize("method", ["put", "delete"])
async def test_an_unknown_rule_is_not_found(api, method):
    kwargs = {"json": {"enabled": False}} if method == "put" else {}
    response = await getattr(api, method)("/api/normalization/rules/999", **kwargs)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
