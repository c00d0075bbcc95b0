"""The import over REST: what a preview shows and hides, and every way an apply is refused with nothing stored."""

from __future__ import annotations

import pytest

from core.models import ManagedGroup, Model, Provider
from tests.conftest import fake_key, provider_body
from tests.import_layout import admin, layout  # noqa: F401 (fixture)

SECRET_FREE = ("keys", "detail", "proposal")


def sources(settings) -> dict:
    return {"gptload": True, "uniapi": {"path": str(settings.uniapi_config_path)}}


async def preview(api, body: dict) -> dict:
    response = await api.post("/api/import/preview", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def registry_rows() -> list:
    providers = await Provider.all().order_by("id").values_list("name", "base_url", "api_keys_token")
    models = await Model.all().order_by("id").values_list("provider_id", "original_name", "normalized_name")
    groups = await ManagedGroup.all().order_by("id").values_list("name", "identity")
    return [providers, models, groups]


async def test_preview_proposes_one_provider_per_upstream_with_aliases_as_normalized_names(api, settings, layout):  # noqa: F811
    body = await preview(api, sources(settings))
    by_name = {p["name"]: p for p in body["providers"]}
    assert set(by_name) == {"openai-main", "mirror-main", "gemini-main", "ops-tools", "deepseek", "claude-direct"}
    openai = {m["original_name"]: m["normalized_name"] for m in by_name["openai-main"]["models"]}
    assert openai == {"gpt-4o": "gpt4o", "gpt-4o-mini": None, "o3": "reasoner"}
    assert by_name["openai-main"]["base_url"] == "https://openai.test/v1"
    assert by_name["deepseek"]["channel_type"] == "openai" and len(by_name["deepseek"]["keys"]) == 2
    assert by_name["claude-direct"]["channel_type"] == "anthropic"
    assert {e["provider"]: e["target"] for e in body["entries"]}["pool"] == "gpt4o-pool"
    assert not any(p["sources"] == ["api.yaml entry openai-via-gptload"] for p in body["providers"]), (
        "an entry that points at a GPT-Load group is never imported as a second provider"
    )
    assert all(key.startswith("sk-") and len(key) < 12 for p in body["providers"] for key in p["keys"]), "masked"


async def test_apply_takes_every_first_option_and_stores_the_providers(api, settings, layout):  # noqa: F811
    body = await preview(api, sources(settings))
    response = await api.post("/api/import/apply", json={"checksum": body["checksum"]})
    assert response.status_code == 200, response.text
    assert response.json()["providers_created"] == 6
    assert await Provider.filter(name="deepseek").exists()
    assert await ManagedGroup.all().count() == 0, "nothing is adopted unless asked"


async def test_an_unknown_or_reused_checksum_is_refused_as_stale(api, settings, layout):  # noqa: F811
    response = await api.post("/api/import/apply", json={"checksum": "0" * 64})
    assert response.status_code == 409 and response.json()["code"] == "stale_import"
    body = await preview(api, sources(settings))
    assert (await api.post("/api/import/apply", json={"checksum": body["checksum"]})).status_code == 200
    again = await api.post("/api/import/apply", json={"checksum": body["checksum"]})
    assert again.status_code == 409, "one preview is applied once"


async def change_registry(api, fake, settings, gptload):
    account = fake.add("openai", "late.test", [fake_key("late")], ["m"])
    assert (await api.post("/api/providers", json=provider_body(account, "late"))).status_code == 201


async def change_gptload(api, fake, settings, gptload):
    group = gptload.group_by_name("openai-main")
    rules = {"gpt4o": "gpt-4o", "new": "gpt-4o"}
    await admin(gptload, "PUT", f"/api/groups/{group['id']}", {"model_redirect_rules": rules})


async def change_api_yaml(api, fake, settings, gptload):
    settings.uniapi_config_path.write_text(settings.uniapi_config_path.read_text() + "# edited\n")


@pytest.mark.parametrize("change", [change_registry, change_gptload, change_api_yaml])
async def test_a_source_that_changed_since_the_preview_is_refused_and_nothing_is_stored(
    api,
    settings,
    layout,  # noqa: F811
    fake,
    gptload,
    change,
):
    body = await preview(api, sources(settings))
    await change(api, fake, settings, gptload)
    before = await registry_rows()
    response = await api.post("/api/import/apply", json={"checksum": body["checksum"], "adopt": ["deepseek"]})
    assert response.status_code == 409 and response.json()["code"] == "stale_import", response.text
    assert await registry_rows() == before


@pytest.mark.parametrize(
    ("choice", "code"),
    [
        ({"resolutions": {"nope-123": "skip"}}, "invalid_choice"),
        ({"adopt": ["no-such-group"]}, "invalid_choice"),
        ({"adopt": ["openai-main"]}, "invalid_choice"),  # a member of gpt4o-pool, which would stay the operator's
        ({"adopt": ["ops-tools"]}, "invalid_choice"),  # the ops entry routes through it and stays the operator's
        ({"skip_providers": ["nobody"]}, "invalid_choice"),
    ],
    ids=["unknown-conflict", "unknown-group", "member-of-kept-aggregate", "entry-left-behind", "unknown-skip"],
)
async def test_a_choice_the_preview_did_not_offer_is_a_422_and_nothing_is_stored(api, settings, layout, choice, code):  # noqa: F811
    body = await preview(api, sources(settings))
    response = await api.post("/api/import/apply", json={"checksum": body["checksum"], **choice})
    assert response.status_code == 422 and response.json()["code"] == code, response.text
    named = [*choice.get("resolutions", {}), *choice.get("adopt", []), *choice.get("skip_providers", [])]
    assert any(name in response.json()["detail"] for name in named), "the message names what was refused"
    assert await Provider.all().count() == 0


async def test_an_unknown_option_of_a_real_conflict_is_a_422(api, settings, layout, fake):  # noqa: F811
    registered = await api.post("/api/providers", json=provider_body(layout.accounts["deepseek"], "mine", check=False))
    assert registered.status_code == 201, registered.text
    body = await preview(api, sources(settings))
    (conflict,) = [c for c in body["conflicts"] if c["kind"] == "provider_exists"]
    assert conflict["options"] == ["merge", "keep_mine", "skip"] and "mine" in conflict["detail"]
    response = await api.post(
        "/api/import/apply", json={"checksum": body["checksum"], "resolutions": {conflict["id"]: "overwrite"}}
    )
    assert response.status_code == 422 and "merge" in response.json()["detail"]


@pytest.mark.parametrize(
    ("option", "provider_count", "mine_models"),
    [("merge", 6, {"deepseek-chat", "deepseek-reasoner"}), ("keep_mine", 6, set()), ("skip", 6, set())],
)
async def test_each_option_of_an_upstream_already_registered(
    api,
    settings,
    layout,  # noqa: F811
    option,
    provider_count,
    mine_models,
):
    registered = await api.post("/api/providers", json=provider_body(layout.accounts["deepseek"], "mine", check=False))
    mine = registered.json()["id"]
    body = await preview(api, sources(settings))
    (conflict,) = [c for c in body["conflicts"] if c["kind"] == "provider_exists"]
    adopt = ["deepseek"]  # the direct entry of that upstream
    response = await api.post(
        "/api/import/apply",
        json={"checksum": body["checksum"], "resolutions": {conflict["id"]: option}, "adopt": adopt},
    )
    if option == "skip":
        assert response.status_code == 422, "an entry whose provider is skipped cannot be adopted"
        return
    assert response.status_code == 200, response.text
    assert await Provider.all().count() == provider_count
    models = set(await Model.filter(provider_id=mine).values_list("original_name", flat=True))
    assert models == mine_models
    normalized = dict(await Model.filter(provider_id=mine).values_list("original_name", "normalized_name"))
    if option == "merge":
        assert normalized["deepseek-reasoner"] == "r1", "the alias clients used comes along"


async def test_only_the_configured_api_yaml_is_read_from_disk(api, settings, layout, tmp_path):  # noqa: F811
    secret_file = tmp_path / "elsewhere.yaml"
    secret_file.write_text("providers: []\n")
    response = await api.post("/api/import/preview", json={"uniapi": {"path": str(secret_file)}})
    assert response.status_code == 400 and response.json()["code"] == "invalid_import_source"
    response = await api.post("/api/import/preview", json={"uniapi": {"path": "/etc/passwd"}})
    assert response.status_code == 400 and "root:" not in response.text


async def test_an_uploaded_api_yaml_is_read_but_its_entries_cannot_be_adopted(api, layout):  # noqa: F811
    body = await preview(api, {"uniapi": {"text": layout.api_yaml}})
    assert {p["name"] for p in body["providers"]} == {"deepseek", "claude-direct"}
    assert not any(e["adoptable"] for e in body["entries"])
    unmappable = [c for c in body["conflicts"] if c["kind"] == "unmappable"]
    assert len(unmappable) == 4 and all("GPT-Load is not a source" in c["detail"] for c in unmappable)


@pytest.mark.parametrize(
    "body",
    [{}, {"uniapi": {}}, {"uniapi": {"path": "x", "text": "y"}}, {"uniapi": {"text": "providers: [unclosed"}}],
    ids=["no-source", "empty-uniapi", "both-path-and-text", "broken-yaml"],
)
async def test_a_preview_without_a_readable_source_is_a_clear_400(api, body):
    response = await api.post("/api/import/preview", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] in ("no_import_source", "invalid_import_source", "invalid_api_yaml")


async def test_a_preview_calls_no_provider_unless_asked_to_fetch_models(api, settings, layout, fake):  # noqa: F811
    await preview(api, sources(settings))
    assert fake.calls == []


async def test_fetching_models_adds_what_each_upstream_lists_and_a_failure_is_a_warning(api, settings, layout, fake):  # noqa: F811
    layout.accounts["gemini"].failure = "500"
    body = await preview(api, {**sources(settings), "fetch_models": True})
    mirror = {p["name"]: p for p in body["providers"]}["mirror-main"]
    assert {m["original_name"]: m["normalized_name"] for m in mirror["models"]} == {
        "gpt-4o-2024": "gpt4o",
        "gpt-4o": None,
    }
    (warning,) = body["warnings"]
    assert "gemini-main" in warning and "not fetched" in warning


async def test_a_hostile_api_yaml_of_nested_aliases_is_read_in_linear_time(api):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    text = "\n".join(levels) + "\nproviders:\n  - provider: *a9\n    engine: *a9\n    base_url: https://x.test/v1\n"
    response = await api.post("/api/import/preview", json={"uniapi": {"text": text}})
    assert response.status_code == 200, response.text
    (conflict,) = response.json()["conflicts"]
    assert conflict["kind"] == "unmappable" and len(conflict["detail"]) < 300


async def test_other_choices_on_a_preview_go_by_its_checksum_without_reading_the_sources_again(
    api,
    settings,
    layout,  # noqa: F811
    gptload,
    fake,
):
    body = await preview(api, sources(settings))
    requests = len(gptload.requests)
    again = await preview(api, {"checksum": body["checksum"], "skip_providers": ["deepseek"]})
    assert len(gptload.requests) == requests, "GPT-Load is not read again"
    assert again["checksum"] == body["checksum"]
    assert "deepseek" not in {p["name"] for p in again["providers"]}
    mixed = await api.post("/api/import/preview", json={"checksum": body["checksum"], "gptload": True})
    assert mixed.status_code == 400
    await change_registry(api, fake, settings, gptload)
    stale = await api.post("/api/import/preview", json={"checksum": body["checksum"]})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_import"


async def test_every_key_is_imported_while_gptload_reorders_its_key_pages(api, settings, layout, gptload):  # noqa: F811
    many = [fake_key(f"many-{n}") for n in range(1205)]
    group = gptload.group_by_name("mirror-main")
    await admin(gptload, "POST", "/api/keys/add-multiple", {"group_id": group["id"], "keys_text": ",".join(many)})
    gptload.usage_lands_after_key_page(
        "mirror-main", 105
    )  # as seen on the real v1.4.9: 105 of 1,205 keys moved to page 1
    body = await preview(api, sources(settings))
    mirror = {p["name"]: p for p in body["providers"]}["mirror-main"]
    assert len(mirror["keys"]) == 1206


async def test_each_sentence_comes_with_its_phrase_beside_the_english_it_always_answered(api, settings, layout):  # noqa: F811
    body = await preview(api, sources(settings))
    openai = {p["name"]: p for p in body["providers"]}["openai-main"]
    assert openai["sources"] == ["group openai-main"]
    assert openai["source_phrases"] == [{"code": "source_group", "values": {"name": "openai-main"}}]
    pool = {g["name"]: g for g in body["groups"]}["gpt4o-pool"]
    assert pool["proposal_phrase"]["code"] == "aggregate_of" and pool["proposal"].startswith("aggregate over 2")
    assert all(e["proposal_phrase"]["code"] for e in body["entries"]) and body["warning_phrases"] == []
    uploaded = await preview(api, {"uniapi": {"text": layout.api_yaml}})
    details = {c["detail"]: c["detail_phrase"] for c in uploaded["conflicts"] if c["kind"] == "unmappable"}
    reason = {"code": "gptload_not_a_source", "values": {"group": "gpt4o-pool"}}
    english = "Entry pool cannot be imported: it points at GPT-Load group gpt4o-pool, but GPT-Load is not a source"
    assert details[f"{english} of this import."] == {
        "code": "entry_unmappable",
        "values": {"name": "pool", "reason": reason},
    }


@pytest.mark.parametrize(
    ("path", "body", "status", "phrase"),
    [
        ("/api/import/apply", {"checksum": "0" * 64}, 409, {"code": "no_preview", "values": {}}),
        ("/api/import/preview", {"bundle": "not base64!"}, 400, {"code": "not_base64", "values": {}}),
        (
            "/api/import/preview",
            {"uniapi": {}},
            400,
            {"code": "path_or_text", "values": {"path": '{"path": ...}', "text": '{"text": ...}'}},
        ),
    ],
    ids=["stale", "bundle-not-base64", "neither-path-nor-text"],
)
async def test_a_refusal_answers_its_phrase_beside_its_detail(api, path, body, status, phrase):
    response = await api.post(path, json=body)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["detail_phrase"] == phrase
    assert set(answer) == {"code", "detail", "detail_phrase"}
