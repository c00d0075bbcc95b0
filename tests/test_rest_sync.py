"""The sync over REST, and what it does to an operator's api.yaml."""

from __future__ import annotations

import asyncio
import json
import os
import re
from dataclasses import replace

import httpx
from ruamel.yaml import YAML

from core.models import SyncRecord
from core.services import Services
from core.settings import PROJECT_ROOT
from tests.conftest import GPTLOAD_ADMIN_KEY, SECRET_MARKER, api_client
from tests.test_sync import registry  # noqa: F401 - fixture

GOLDEN = "tests/golden/registry-api.yaml"

OPERATOR_FILE = """\
# My uni-api config. Hands off my comments!
providers:
    # my own provider, keep it first
    - provider: "my-openai"
      base_url: https://api.openai.com/v1/chat/completions
      api: "${OPENAI_KEY}"
      model:
          - gpt-4o   # the good one

# clients
api_keys:
    - api: "sk-my-own-client-key"
      model:
          - all
preferences:
    rate_limit: 100/min
"""


async def wait_for_run(api, deadline: float = 30.0) -> dict:
    async with asyncio.timeout(deadline):
        while True:
            status = (await api.get("/api/config/sync/status")).json()
            if not status["running"]:
                return status
            await asyncio.sleep(0.01)


async def test_dry_run_returns_the_plan_and_changes_nothing(api, registry, gptload, settings):  # noqa: F811
    plan = (await api.post("/api/config/sync?dry_run=true")).json()
    assert plan["empty"] is False and len(plan["checksum"]) == 64
    assert plan["counts"]["create_group"] == len([c for c in plan["changes"] if c["kind"] == "create_group"])
    assert {"kind", "stage", "target"} <= set(plan["changes"][0])
    assert gptload.writes == 0 and not settings.uniapi_config_path.exists()
    assert await SyncRecord.all().count() == 0
    assert (await api.get("/api/config/plan")).json()["checksum"] == plan["checksum"]


async def test_sync_runs_reports_progress_and_history(api, registry, services):  # noqa: F811
    checksum = (await api.get("/api/config/plan")).json()["checksum"]
    started = await api.post("/api/config/sync", json={"checksum": checksum})
    assert started.status_code == 202
    sync_id = started.json()["sync_id"]
    await services.sync.wait()
    status = (await api.get("/api/config/sync/status")).json()
    assert (status["running"], status["sync_id"], status["done"]) == (False, sync_id, status["total"])
    history = (await api.get("/api/config/sync/history")).json()
    assert [(h["id"], h["status"]) for h in history] == [(sync_id, "succeeded")]
    assert history[0]["duration_ms"] is not None and history[0]["counts"]["create_group"] > 0
    detail = (await api.get(f"/api/config/sync/{sync_id}")).json()
    assert all(r["ok"] for r in detail["results"]) and detail["plan"]["checksum"] == checksum
    assert (await api.get("/api/config/plan")).json()["empty"] is True


async def apply_previewed(api) -> httpx.Response:
    """What a REST client does: preview, then apply exactly that plan by its checksum."""
    checksum = (await api.get("/api/config/plan")).json()["checksum"]
    return await api.post("/api/config/sync", json={"checksum": checksum})


async def test_stale_checksum_missing_checksum_and_concurrent_sync(api, registry, services, gptload):  # noqa: F811
    stale = await api.post("/api/config/sync", json={"checksum": "0" * 64})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_plan")
    for body in (None, {}, {"checksum": ""}):
        unseen = await api.post("/api/config/sync", json=body)
        assert (unseen.status_code, unseen.json()["code"]) == (422, "checksum_required")
    gptload.latency = 0.01
    assert (await apply_previewed(api)).status_code == 202
    second = await apply_previewed(api)
    assert (second.status_code, second.json()["code"]) == (409, "sync_in_progress")
    await services.sync.wait()


async def test_failed_run_then_retry_over_rest(api, registry, services, gptload):  # noqa: F811
    gptload.fail_request(8)
    first = (await apply_previewed(api)).json()["sync_id"]
    await services.sync.wait()
    failed = (await api.get(f"/api/config/sync/{first}")).json()
    assert failed["status"] == "failed" and failed["failed_step"] and "injected" in failed["error"]
    # Beside the step's words, the step itself (added for the pages, which say it in their language).
    assert failed["failed_at"]["code"] == "change" and failed["failed_at"]["text"] == failed["failed_step"]
    retry = await api.post(f"/api/config/sync/{first}/retry")
    assert retry.status_code == 202
    await services.sync.wait()
    again = (await api.get(f"/api/config/sync/{retry.json()['sync_id']}")).json()
    assert (again["status"], again["retry_of"]) == ("succeeded", first)
    assert (await api.post("/api/config/sync/999/retry")).status_code == 404


async def test_gptload_status_endpoint(api, registry, services, gptload):  # noqa: F811
    await apply_previewed(api)
    await services.sync.wait()
    up = (await api.get("/api/gptload/status")).json()
    assert up["reachable"] and up["url"] == "http://gptload.test" and up["managed_group_count"] == up["group_count"]
    assert up["last_sync"]["status"] == "succeeded"
    gptload.down = True
    down = (await api.get("/api/gptload/status")).json()
    assert (down["reachable"], down["group_count"]) == (False, None) and down["error"]
    assert GPTLOAD_ADMIN_KEY not in down["error"]


async def test_download_masks_secrets_unless_the_admin_password_is_given(registry, services):  # noqa: F811
    await services.sync.start()
    await services.sync.wait()
    proxy_key = (await services.sync.build_plan()).desired.proxy_key
    async with api_client(services) as api:
        masked = await api.get("/api/config/uni-api/download")
        assert masked.status_code == 200 and proxy_key not in masked.text and "proxy/" in masked.text
    settings = replace(services.settings, admin_password="pw")
    guarded = Services(settings=settings, box=services.box, upstream=services.upstream, gptload=services.gptload)
    async with api_client(guarded) as api:
        auth = {"Authorization": "Bearer pw"}
        assert proxy_key not in (await api.get("/api/config/uni-api/download", headers=auth)).text
        plain = await api.get("/api/config/uni-api/download", headers={**auth, "X-Admin-Password": "pw"})
        assert proxy_key in plain.text


async def test_download_before_any_sync_is_404(api):
    response = await api.get("/api/config/uni-api/download")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


async def test_operator_file_survives_two_syncs_byte_for_byte(api, registry, services, settings):  # noqa: F811
    settings.uniapi_config_path.parent.mkdir(parents=True, exist_ok=True)
    settings.uniapi_config_path.write_text(OPERATOR_FILE)
    for _ in range(2):
        await apply_previewed(api)
        await services.sync.wait()
    text = settings.uniapi_config_path.read_text()
    operator_head = OPERATOR_FILE.split("\n# clients")[0]
    assert text.startswith(operator_head)
    assert text.endswith(OPERATOR_FILE[OPERATOR_FILE.index("\n# clients") :])
    assert text.count("managed by llm-provider-manager") == 6  # one per route, each in its notes


async def test_registry_renders_the_golden_api_yaml(registry, services, settings):  # noqa: F811
    await services.sync.start()
    await services.sync.wait()
    desired = (await services.sync.build_plan()).desired
    text = settings.uniapi_config_path.read_text()
    text = text.replace(desired.proxy_key, "<proxy-key>").replace(desired.client_key, "<client-key>")
    if os.environ.get("LPM_UPDATE_GOLDEN") == "1":  # after an intended change; review the diff before committing
        (PROJECT_ROOT / GOLDEN).write_text(text)
    assert text == (PROJECT_ROOT / GOLDEN).read_text()


async def test_explicit_model_lists_everywhere_by_default(registry, services, settings):  # noqa: F811
    assert settings.uniapi_model_lists == "explicit"
    await services.sync.start()
    await services.sync.wait()
    text = settings.uniapi_config_path.read_text()
    assert "model: []" not in text and '- "a-only"' in text
    assert SECRET_MARKER not in text


async def test_auto_model_lists_leave_discovery_to_uniapi_where_it_can(registry, services, settings):  # noqa: F811
    services.settings = replace(settings, uniapi_model_lists="auto")
    await services.sync.start()
    await services.sync.wait()
    entries = YAML(typ="safe").load(settings.uniapi_config_path.read_text())["providers"]
    lists = {e["provider"]: e["model"] for e in entries}
    # openai and gemini groups are discovered; anthropic ones cannot be (uni-api's Python runtime).
    assert lists["a-no-aggregate-models"] == [] and lists["g-no-aggregate-models"] == []
    assert lists["c-no-aggregate-models"] == ["claude-x"]


def readme_plan_preview() -> tuple[int, dict]:
    """The plan preview shown in the README's "How sync works": its change total and its JSON."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    total = int(re.search(r"four of the (\d+) changes of the registry", readme)[1])
    block = re.search(r"```json\n(\s*\{\"checksum\".*?)```", readme, re.DOTALL)[1]
    return total, json.loads(block)


async def test_readme_plan_preview_is_what_the_api_answers(api, registry):  # noqa: F811
    """The README's example is real output for tests/test_sync.py's registry, only random values differ."""
    plan = (await api.post("/api/config/sync?dry_run=true")).json()
    total, shown = readme_plan_preview()
    assert total == len(plan["changes"])
    assert shown["counts"] == plan["counts"] and shown["conflicts"] == plan["conflicts"] == []
    assert re.fullmatch(r"[0-9a-f]{64}", shown["checksum"])
    real = {(c["kind"], c["target"]): c for c in plan["changes"]}
    for change in shown["changes"]:
        if change["kind"] == "write_uniapi":
            [actual] = [c for c in plan["changes"] if c["kind"] == "write_uniapi"]
            header = actual["diff"].split("\n")[2].split(" @@")[0]  # e.g. "@@ -0,0 +1,60"
            assert change["diff"].split("\n")[2].startswith(header), (change["diff"], header)
            continue
        actual = real[(change["kind"], change["target"])]
        if "fields" in change:  # the proxy key is generated per installation
            change = {**change, "fields": {**change["fields"], "proxy_keys": actual["fields"]["proxy_keys"]}}
        assert change == actual


async def test_an_unsafe_plan_needs_force_and_says_how_much_it_deletes(api, registry, services, gptload):  # noqa: F811
    """A lost database: the registry is empty but GPT-Load holds the manager's groups. Applying that plan
    deletes everything, so it is refused with the counts until the caller says force."""
    assert (await apply_previewed(api)).status_code == 202
    await services.sync.wait()
    groups = len(gptload.groups_by_name())
    for provider in (await api.get("/api/providers")).json():
        assert (await api.delete(f"/api/providers/{provider['id']}")).status_code == 204
    plan = (await api.get("/api/config/plan")).json()
    assert plan["safety"]["unsafe"] is True and plan["safety"]["removals"] == plan["safety"]["managed"] == groups
    assert "registry is empty" in plan["safety"]["reason"]

    refused = await api.post("/api/config/sync", json={"checksum": plan["checksum"]})
    assert (refused.status_code, refused.json()["code"]) == (409, "unsafe_plan")
    assert (refused.json()["removals"], refused.json()["managed"]) == (groups, groups)
    assert len(gptload.groups_by_name()) == groups  # nothing was touched

    forced = await api.post("/api/config/sync", json={"checksum": plan["checksum"], "force": True})
    assert forced.status_code == 202
    await services.sync.wait()
    assert gptload.groups_by_name() == {}
