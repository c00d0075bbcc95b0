"""Import a hand-made setup from the real GPT-Load v1.4.9 and uni-api's Rust runtime, adopt it, sync (issue 13).

The operator's layout is made through GPT-Load's own admin API, as tests/import_layout.py makes it on the fake: a
multi-model group per provider with non-strict redirect rules, an aggregate over two of them, a group whose upstream
keeps a custom path, keys (one group holds more than a page of ``GET /api/keys``), and an operator group with
another group-level proxy key. Its api.yaml is written by hand: comments, entries through GPT-Load's proxy (one per
dialect, with ``engine``), direct providers with aliases and a list of keys, and the operator's own entry.

The app process previews GPT-Load and the configured api.yaml, applies with everything adopted but the operator's
group and entry, and syncs. Every client name must reach the same provider under the same original name through
the real uni-api and the real GPT-Load before and after; the operator's group must answer GET exactly as before
(but for the fields GPT-Load's cron stamps).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from ruamel.yaml import YAML

from core.crypto import generate_key
from core.naming import GROUP_MARKER, OWNER_MARKER
from tests.conftest import GPTLOAD_ADMIN_KEY, SECRET_MARKER, fake_key
from tests.e2e.app_process import app_process, clean_env
from tests.fakes.providers import FakeProviders
from tests.fakes.server import free_port, loopback_server
from tests.real import servers
from tests.real.scenario import count_500

OPERATOR_PROXY_KEY = fake_key("operator-proxy")
OPS_PROXY_KEY = fake_key("ops-only-proxy")
CLIENT_KEY = fake_key("client")
ADMIN = {"Authorization": f"Bearer {GPTLOAD_ADMIN_KEY}", "Accept-Language": "en-US"}
MIRROR_KEYS = 1205  # more than one page of GET /api/keys (the client reads 1000 a page)
KEPT_ALONE = {"ops-tools", "ops"}  # the operator's group and the entry that routes through it
CRON_FIELDS = ("updated_at", "last_validated_at")  # stamped by GPT-Load's key-validation cron

# client name -> every (account, original name) it may reach; the aggregate's name reaches either member.
ROUTES = {
    "gpt4o": {("openai", "gpt-4o"), ("mirror", "gpt-4o-2024")},
    "gpt-4o-mini": {("openai", "gpt-4o-mini")},
    "reasoner": {("openai", "o3")},
    "gemini-2.5-pro": {("gemini", "gemini-2.5-pro")},
    "glm-4.5": {("zhipu", "glm-4.5")},
    "deepseek-chat": {("deepseek", "deepseek-chat")},
    "r1": {("deepseek", "deepseek-reasoner")},
    "sonnet": {("anthropic", "claude-sonnet-4-5")},
    "ops-model": {("ops", "ops-model")},
}

API_YAML = """\
# Hand-written by the operator. Keep these comments.
providers:
  # Two upstreams behind one GPT-Load aggregate
  - provider: pool
    base_url: {gptload}/proxy/gpt4o-pool/v1/chat/completions
    engine: gpt
    api: {operator}
    model:
      - gpt4o
  - provider: openai-via-gptload
    base_url: {gptload}/proxy/openai-main/v1/chat/completions
    engine: gpt
    api: {operator}
    model:
      - gpt-4o-mini
      - o3: reasoner   # alias: clients say reasoner
  - provider: gemini-via-gptload
    base_url: {gptload}/proxy/gemini-main/v1beta
    engine: gemini
    api: {operator}
    model:
      - gemini-2.5-pro
  - provider: zhipu-via-gptload
    base_url: {gptload}/proxy/zhipu-main/chat/completions
    engine: gpt
    api: {operator}
    model:
      - glm-4.5
  - provider: deepseek
    base_url: {providers}/deepseek/v1/chat/completions
    engine: gpt
    api:
      - {ds1}
      - {ds2}
    model:
      - deepseek-chat
      - deepseek-reasoner: r1
  - provider: claude-direct
    base_url: {providers}/anthropic/v1/messages
    engine: claude
    api: {an1}
    model:
      - claude-sonnet-4-5: sonnet
  # The operator's own tools: never touched
  - provider: ops
    base_url: {gptload}/proxy/ops-tools/v1/chat/completions
    engine: gpt
    api: {ops}
    model:
      - ops-model
api_keys:
  - api: {client}
    model:
      - all
"""


def admin(gptload: servers.RealServer, method: str, path: str, body: dict | None = None, **params):
    answer = httpx.request(method, f"{gptload.url}{path}", json=body, params=params or None, headers=ADMIN, timeout=30)
    assert answer.status_code == 200 and answer.json()["code"] == 0, (method, path, answer.status_code, answer.text)
    return answer.json().get("data")


def add_accounts(providers: FakeProviders, host: str) -> dict:
    def keys(label: str, n: int = 1) -> list[str]:
        return [fake_key(f"hm-{label}{i}") for i in range(n)]

    return {
        "openai": providers.add("openai", host, keys("oa", 2), ["gpt-4o", "gpt-4o-mini", "o3"], prefix="/openai"),
        "mirror": providers.add("openai", host, keys("mr", MIRROR_KEYS), ["gpt-4o", "gpt-4o-2024"], prefix="/mirror"),
        "gemini": providers.add("gemini", host, keys("gm"), ["gemini-2.5-pro"], prefix="/gemini"),
        # An OpenAI-compatible reseller whose API lives at a custom path (validated at /chat/completions).
        "zhipu": providers.add("openai", host, keys("zp"), ["glm-4.5"], prefix="/zhipu", api_path="/api/paas/v4"),
        "deepseek": providers.add("openai", host, keys("ds", 2), ["deepseek-chat", "deepseek-reasoner"],
                                  prefix="/deepseek"),
        "anthropic": providers.add("anthropic", host, keys("an"), ["claude-sonnet-4-5"], prefix="/anthropic"),
        "ops": providers.add("openai", host, keys("op"), ["ops-model"], prefix="/ops"),
    }  # fmt: skip


def build_layout(gptload: servers.RealServer, providers_url: str, accounts: dict) -> dict[str, int]:
    """The operator's groups, made through GPT-Load's admin API the way its UI does; their ids by name."""

    def standard(name: str, channel: str, upstream: str, keys: list[str], **fields) -> int:
        body = {"name": name, "channel_type": channel, "upstreams": [{"url": upstream, "weight": 1}], **fields}
        group = admin(gptload, "POST", "/api/groups", body)
        for start in range(0, len(keys), 1000):
            chunk = json.dumps(keys[start : start + 1000])
            admin(gptload, "POST", "/api/keys/add-multiple", {"group_id": group["id"], "keys_text": chunk})
        return group["id"]

    url = providers_url
    ids = {
        "openai-main": standard("openai-main", "openai", f"{url}/openai", accounts["openai"].keys,
                                test_model="gpt-4o-mini", model_redirect_rules={"gpt4o": "gpt-4o"},
                                proxy_keys=OPERATOR_PROXY_KEY, description="OpenAI, made by hand"),
        "mirror-main": standard("mirror-main", "openai", f"{url}/mirror", accounts["mirror"].keys,
                                test_model="gpt-4o", model_redirect_rules={"gpt4o": "gpt-4o-2024"},
                                proxy_keys=OPERATOR_PROXY_KEY),
        "gemini-main": standard("gemini-main", "gemini", f"{url}/gemini", accounts["gemini"].keys,
                                test_model="gemini-2.5-pro", proxy_keys=OPERATOR_PROXY_KEY),
        "zhipu-main": standard("zhipu-main", "openai", f"{url}/zhipu/api/paas/v4", accounts["zhipu"].keys,
                               test_model="glm-4.5", validation_endpoint="/chat/completions",
                               proxy_keys=OPERATOR_PROXY_KEY),
        "ops-tools": standard("ops-tools", "openai", f"{url}/ops", accounts["ops"].keys, test_model="ops-model",
                              proxy_keys=OPS_PROXY_KEY, description="ops only, do not touch",
                              config={"max_retries": 1}),
    }  # fmt: skip
    pool = admin(gptload, "POST", "/api/groups", {"name": "gpt4o-pool", "group_type": "aggregate",
                 "channel_type": "openai", "proxy_keys": OPERATOR_PROXY_KEY, "description": "pool of two"})  # fmt: skip
    members = [{"group_id": ids["openai-main"], "weight": 100}, {"group_id": ids["mirror-main"], "weight": 100}]
    admin(gptload, "POST", f"/api/groups/{pool['id']}/sub-groups", {"sub_groups": members})
    return ids | {"gpt4o-pool": pool["id"]}


def groups_by_name(gptload: servers.RealServer) -> dict[str, dict]:
    return {g["name"]: g for g in admin(gptload, "GET", "/api/groups")}


def without_cron(group: dict) -> dict:
    return {k: v for k, v in group.items() if k not in CRON_FIELDS}


def check_what_gptload_answers(gptload: servers.RealServer, ids: dict[str, int]) -> None:
    """The fields core.import_sources reads, as the real server gives them back (the fake answers the same)."""
    groups = groups_by_name(gptload)
    openai = groups["openai-main"]
    assert openai["upstreams"] == [{"url": openai["upstreams"][0]["url"], "weight": 1}]
    assert openai["channel_type"] == "openai" and openai["validation_endpoint"] == ""
    assert openai["test_model"] == "gpt-4o-mini"
    assert (openai["model_redirect_rules"], openai["model_redirect_strict"]) == ({"gpt4o": "gpt-4o"}, False)
    assert (openai["proxy_keys"], openai["description"]) == (OPERATOR_PROXY_KEY, "OpenAI, made by hand")
    assert groups["zhipu-main"]["validation_endpoint"] == "/chat/completions"
    assert groups["gemini-main"]["model_redirect_rules"] == {}, "no rules: {} (not null)"
    assert groups["gemini-main"]["description"] == "", "no description: '' (not null)"
    pool = groups["gpt4o-pool"]
    assert (pool["group_type"], pool["upstreams"], pool["test_model"], pool["model_redirect_rules"]) == (
        "aggregate", [], "-", {}
    )  # fmt: skip
    rows = admin(gptload, "GET", f"/api/groups/{ids['gpt4o-pool']}/sub-groups")
    assert {(r["group"]["id"], r["weight"]) for r in rows} == {(ids["openai-main"], 100), (ids["mirror-main"], 100)}
    page = admin(gptload, "GET", "/api/keys", group_id=ids["mirror-main"], page=2, page_size=1000)
    assert page["pagination"] == {"page": 2, "page_size": 1000, "total_items": MIRROR_KEYS, "total_pages": 2}
    assert len(page["items"]) == MIRROR_KEYS - 1000 and page["items"][0]["status"] == "active"
    empty = admin(gptload, "GET", "/api/keys", group_id=ids["gpt4o-pool"])
    assert empty == {"items": [], "pagination": {"page": 1, "page_size": 15, "total_items": 0, "total_pages": 0}}


def where_it_goes(uniapi: servers.RealServer, providers: FakeProviders, name: str, tries: int = 1) -> set:
    """(account, model the provider received) of each of ``tries`` chat requests for ``name`` through uni-api."""
    seen = set()
    for _ in range(tries):
        before = len(providers.calls)
        body = {"model": name, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}
        headers = {"Authorization": f"Bearer {CLIENT_KEY}"}
        answer = httpx.post(f"{uniapi.url}/v1/chat/completions", json=body, headers=headers, timeout=30)
        if answer.status_code != 200:
            seen.add(("failed", answer.status_code))
            continue
        call = [c for c in providers.calls[before:] if c.method == "POST"][-1]
        account = call.path.split("/")[1]
        model = (call.body or {}).get("model") or call.path.split("/models/", 1)[1].split(":", 1)[0]
        seen.add((account, model))
    return seen


def routes_of(uniapi: servers.RealServer, providers: FakeProviders) -> dict[str, set]:
    # Equal weights: GPT-Load's smooth round robin alternates the aggregate's members.
    return {name: where_it_goes(uniapi, providers, name, 6 if name == "gpt4o" else 1) for name in ROUTES}


def config_loads(uniapi: servers.RealServer) -> int:
    """How many configurations uni-api-front has loaded (it re-reads api.yaml about every 2 s)."""
    return uniapi.log.read_text(errors="replace").count('"event_type":"rust_responses_config_snapshot_loaded"')


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout:g} s"
        time.sleep(0.1)


def sync(api: httpx.Client) -> dict:
    """Apply the current plan (forced when the safety check calls it unsafe); the finished run's record."""
    plan = api.get("/api/config/plan").json()
    started = api.post("/api/config/sync", json={"checksum": plan["checksum"], "force": plan["safety"]["unsafe"]})
    assert started.status_code == 202, started.text
    wait_until(lambda: not api.get("/api/config/sync/status").json()["running"], 120, "the sync finished")
    return api.get(f"/api/config/sync/{started.json()['sync_id']}").json()


def test_import_adopt_and_sync_keep_every_route_on_the_real_gptload_and_uniapi(
    tmp_path: Path, gptload_bin: Path, uniapi_bin: Path
):
    providers = FakeProviders()
    config_path = tmp_path / "uni-api" / "api.yaml"
    config_path.parent.mkdir()
    with (
        loopback_server(providers.app) as providers_url,
        # Its own GPT-Load: groups another test's app left in the session's one would be imported too.
        servers.gptload(gptload_bin, GPTLOAD_ADMIN_KEY, workdir=tmp_path / "gptload") as gptload,
    ):
        accounts = add_accounts(providers, providers_url.removeprefix("http://"))
        ids = build_layout(gptload, providers_url, accounts)
        check_what_gptload_answers(gptload, ids)
        ops_group = without_cron(groups_by_name(gptload)["ops-tools"])
        ops_keys = admin(gptload, "GET", "/api/keys", group_id=ids["ops-tools"])["items"]
        config_path.write_text(
            API_YAML.format(
                gptload=gptload.url, providers=providers_url, operator=OPERATOR_PROXY_KEY, ops=OPS_PROXY_KEY,
                client=CLIENT_KEY, ds1=accounts["deepseek"].keys[0], ds2=accounts["deepseek"].keys[1],
                an1=accounts["anthropic"].keys[0],
            )
        )  # fmt: skip

        with servers.uniapi(uniapi_bin, config_path, workdir=tmp_path / "uniapi") as uniapi:
            before = routes_of(uniapi, providers)
            assert before == ROUTES, f"the hand-made setup routes as designed\n{uniapi.output()}"

            env = clean_env(
                tmp_path,
                ENCRYPTION_KEY=generate_key(),
                GPTLOAD_URL=gptload.url,
                GPTLOAD_AUTH_KEY=GPTLOAD_ADMIN_KEY,
                UNIAPI_CONFIG_PATH=str(config_path),
                UNIAPI_RELOAD_WAIT="4",  # no UNIAPI_URL: uni-api keeps the operator's api_keys, not the manager's
            )
            with app_process(env, free_port()) as app, httpx.Client(base_url=app.url, timeout=120) as api:
                request = {"gptload": True, "uniapi": {"path": str(config_path)}}
                began = time.perf_counter()
                preview = api.post("/api/import/preview", json=request)
                seconds = time.perf_counter() - began
                assert preview.status_code == 200, preview.text
                assert SECRET_MARKER not in preview.text, "every key is masked"
                body = preview.json()
                check_preview(body, providers_url)
                print(f"import preview on the real GPT-Load: {seconds * 1000:.0f} ms")

                adopt = [g["name"] for g in body["groups"] if g["adoptable"] and g["name"] not in KEPT_ALONE]
                adopt += [e["provider"] for e in body["entries"] if e["adoptable"] and e["provider"] not in KEPT_ALONE]
                applied = api.post(
                    "/api/import/apply",
                    json={"checksum": body["checksum"], "adopt": adopt, "skip_providers": ["ops-tools"]},
                )
                assert applied.status_code == 200, applied.text
                counts = applied.json()
                assert (counts["groups_adopted"], counts["entries_adopted"]) == (5, 6), counts
                assert counts["providers_created"] == 6 and counts["keys_added"] == 2 + MIRROR_KEYS + 5, counts

                loads = config_loads(uniapi)
                errors_before = count_500(gptload)
                record = sync(api)
                assert record["status"] == "succeeded", record
                assert all(r["ok"] for r in record["results"]), record["results"]
                retries = sum(r.get("attempts", 1) - 1 for r in record["results"])
                assert count_500(gptload) - errors_before <= retries, "every 500 GPT-Load answered was retried"
                assert api.get("/api/config/plan").json()["empty"] is True, "the first sync converged"

                wait_until(lambda: config_loads(uniapi) > loads, 15, "uni-api loaded the synced api.yaml")
                after = routes_of(uniapi, providers)
                assert after == before, uniapi.output()

                groups = groups_by_name(gptload)
                check_adopted_groups(gptload, groups)
                assert without_cron(groups["ops-tools"]) == ops_group, "the operator's group is untouched"
                assert admin(gptload, "GET", "/api/keys", group_id=ids["ops-tools"])["items"] == ops_keys
                check_api_yaml(config_path.read_text())

                again = api.post("/api/import/preview", json=request).json()
                assert [p["name"] for p in again["providers"]] == ["ops-tools"], "nothing is imported twice"
                assert {g["name"] for g in again["groups"] if g["adoptable"]} == {"ops-tools"}
    assert SECRET_MARKER not in app.output


def check_preview(body: dict, providers_url: str) -> None:
    """What the import read from the real GPT-Load and the api.yaml: one provider per upstream, names as routed."""
    providers = {p["name"]: p for p in body["providers"]}
    assert {name: p["base_url"] for name, p in providers.items()} == {
        "openai-main": f"{providers_url}/openai/v1",
        "mirror-main": f"{providers_url}/mirror/v1",
        "gemini-main": f"{providers_url}/gemini/v1beta",
        "zhipu-main": f"{providers_url}/zhipu/api/paas/v4",
        "ops-tools": f"{providers_url}/ops/v1",
        "deepseek": f"{providers_url}/deepseek/v1",
        "claude-direct": f"{providers_url}/anthropic/v1",
    }
    models = {name: {(m["original_name"], m["normalized_name"]) for m in p["models"]} for name, p in providers.items()}
    assert models["openai-main"] == {("gpt-4o", "gpt4o"), ("gpt-4o-mini", None), ("o3", "reasoner")}
    assert models["mirror-main"] == {("gpt-4o-2024", "gpt4o")}
    assert models["deepseek"] == {("deepseek-chat", None), ("deepseek-reasoner", "r1")}
    assert models["claude-direct"] == {("claude-sonnet-4-5", "sonnet")}
    assert len(providers["mirror-main"]["keys"]) == MIRROR_KEYS, "every page of GET /api/keys was read"
    assert providers["gemini-main"]["channel_type"] == "gemini"
    assert providers["claude-direct"]["channel_type"] == "anthropic"
    assert body["conflicts"] == [] and body["warnings"] == []
    pool = next(g for g in body["groups"] if g["name"] == "gpt4o-pool")
    assert (pool["kind"], pool["members"], pool["adoptable"]) == ("aggregate", ["mirror-main", "openai-main"], True)
    targets = {e["provider"]: e["target"] for e in body["entries"]}
    assert targets["pool"] == "gpt4o-pool" and targets["deepseek"] is None


def check_adopted_groups(gptload: servers.RealServer, groups: dict[str, dict]) -> None:
    """The sync made the adopted groups the manager's: marker, strict rules, its own proxy key; aggregates rebuilt."""
    assert "gpt4o-pool" not in groups and "mirror-main" not in groups, "the split rule restructured the aggregate"
    managed = {name: g for name, g in groups.items() if name != "ops-tools"}
    assert {"openai-main", "gemini-main", "zhipu-main"} <= set(managed), "an adopted provider group keeps its name"
    proxy_keys = {g["proxy_keys"] for g in managed.values()}
    assert len(proxy_keys) == 1 and OPERATOR_PROXY_KEY not in proxy_keys.pop(), "the manager's own proxy key"
    for name, group in managed.items():
        assert group["description"].startswith(GROUP_MARKER), name
        if group["group_type"] == "standard":
            assert group["model_redirect_strict"] is True and group["model_redirect_rules"], name
    assert groups["openai-main"]["model_redirect_rules"] == {"gpt-4o-mini": "gpt-4o-mini", "reasoner": "o3"}
    assert groups["zhipu-main"]["validation_endpoint"] == "/chat/completions"
    (aggregate,) = [g for g in managed.values() if g["group_type"] == "aggregate"]
    rows = admin(gptload, "GET", f"/api/groups/{aggregate['id']}/sub-groups")
    rules = sorted(r["group"]["model_redirect_rules"]["gpt4o"] for r in rows)
    assert rules == ["gpt-4o", "gpt-4o-2024"], "the aggregate's name still reaches both upstreams"


def check_api_yaml(text: str) -> None:
    assert "# Hand-written by the operator. Keep these comments." in text
    assert "# The operator's own tools: never touched" in text
    data = YAML(typ="safe").load(text)
    entries = {e["provider"]: e for e in data["providers"]}
    assert entries["ops"]["api"] == OPS_PROXY_KEY and "notes" not in entries["ops"], "the operator's entry stays"
    assert not {"pool", "openai-via-gptload", "deepseek", "claude-direct"} & set(entries), "adopted entries replaced"
    assert all(e.get("notes") == OWNER_MARKER for name, e in entries.items() if name != "ops")
    assert data["api_keys"][0]["api"] == CLIENT_KEY, "the operator's client key stays"
