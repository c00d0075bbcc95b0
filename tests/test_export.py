"""GET /api/export?format=yaml (issue 13): the registry for review and diffing, keys as fingerprints only."""

from __future__ import annotations

import difflib

from ruamel.yaml import YAML

from core.crypto import key_fingerprint
from core.models import ManagedGroup
from tests.backup_helpers import instance, seed_registry
from tests.conftest import GPTLOAD_ADMIN_KEY, SECRET_MARKER, fake_key, secret_leaks

ADMIN = "admin-password-for-exports"


async def export_text(api) -> str:
    response = await api.get("/api/export", params={"format": "yaml"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/yaml")
    return response.text


async def test_the_export_describes_providers_models_and_groups_with_key_fingerprints(tmp_path, fake, gptload):
    async with instance(tmp_path, fake, gptload) as (_, api):
        ids = await seed_registry(api, fake)
        await ManagedGroup.create(name="acme-no-aggregate-models", group_type="standard", provider_id=ids["acme"])
        await ManagedGroup.create(name="gpt-4o-aggregate", group_type="aggregate")
        exported = YAML(typ="safe").load(await export_text(api))

    assert (exported["format"], exported["version"]) == ("llm-provider-manager-export", 1)
    acme, gem = exported["providers"]
    assert {k: acme[k] for k in ("name", "base_url", "channel_type", "test_model")} == {
        "name": "acme",
        "base_url": "https://openai.test/v1",
        "channel_type": "openai",
        "test_model": "gpt-4o",
    }
    assert acme["keys"] == sorted(key_fingerprint(fake_key(label)) for label in ("bk-oa1", "bk-oa2"))
    assert gem["keys"] == [key_fingerprint(fake_key("bk-gm1"))]
    assert [(m["original"], m["normalized"], m["active"], m["manual"]) for m in acme["models"]] == [
        ("gpt-4o", None, True, False),
        ("gpt-4o-mini", "mini", True, False),
        ("o3", None, False, False),
    ]
    assert ("gemini-exp", True) in [(m["original"], m["manual"]) for m in gem["models"]]
    assert exported["groups"] == [
        {"name": "acme-no-aggregate-models", "type": "standard", "provider": "acme"},
        {"name": "gpt-4o-aggregate", "type": "aggregate", "provider": None},
    ]


async def test_the_export_holds_no_secret_in_any_spelling(tmp_path, fake, gptload):
    async with instance(tmp_path, fake, gptload) as (_, api):
        await seed_registry(api, fake)
        text = await export_text(api)
    assert SECRET_MARKER not in text
    keys = [fake_key(label) for label in ("bk-oa1", "bk-oa2", "bk-gm1")] + [GPTLOAD_ADMIN_KEY]
    assert secret_leaks([text], keys) == []


async def test_two_exports_are_identical_and_a_rename_is_a_one_line_diff(tmp_path, fake, gptload):
    async with instance(tmp_path, fake, gptload) as (_, api):
        ids = await seed_registry(api, fake)
        first, again = await export_text(api), await export_text(api)
        models = {m["original_name"]: m["id"] for m in (await api.get(f"/api/providers/{ids['gem']}/models")).json()}
        renamed = await api.put(f"/api/models/{models['gemini-2.5-pro']}/normalize", json={"normalized_name": "g-pro"})
        assert renamed.status_code == 200, renamed.text
        after = await export_text(api)
    assert first == again
    changed = list(difflib.unified_diff(first.splitlines(), after.splitlines(), lineterm="", n=0))
    assert [line for line in changed if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        "-        normalized: null",
        "+        normalized: g-pro",
    ]


async def test_an_empty_registry_exports_empty_lists(tmp_path, fake, gptload):
    async with instance(tmp_path, fake, gptload) as (_, api):
        exported = YAML(typ="safe").load(await export_text(api))
    assert (exported["providers"], exported["groups"]) == ([], [])


async def test_a_format_other_than_yaml_is_refused(tmp_path, fake, gptload):
    async with instance(tmp_path, fake, gptload) as (_, api):
        response = await api.get("/api/export", params={"format": "json"})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")
    assert "format" in response.json()["detail"]


async def test_the_export_needs_the_bearer_token_when_a_password_is_set(tmp_path, fake, gptload):
    async with instance(tmp_path, fake, gptload, ADMIN_PASSWORD=ADMIN) as (_, api):
        refused = await api.get("/api/export", headers={"Authorization": ""})
        assert (refused.status_code, refused.json()["code"]) == (401, "unauthorized")
        assert (await api.get("/api/export")).status_code == 200
