"""The fake GPT-Load enforces the reference contract (shared/reference/gptload-api.md), one test per rule.

With ``LPM_REAL_GPTLOAD_BIN`` set to a GPT-Load v1.4.9 binary (``make test-real`` does it), the ``admin`` and
``anon`` clients talk to that real server instead, a fresh one per test (empty SQLite database, ids from 1, as the
fake starts), and the fake providers serve its upstream calls on a loopback port. Tests that read the fake's
internals (the ``gptload`` fixture) or build a fake of their own are skipped there, so every test that runs in
that mode checks that the real server answers the way the fake does.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path

import httpx
import pytest

from tests.conftest import fake_key
from tests.fakes.gptload import FakeGptLoad, ProxyCall
from tests.fakes.server import free_port, loopback_server

AUTH_KEY = "admin-secret"
BASE_URL = "http://gptload.test"
REAL_GPTLOAD = os.environ.get("LPM_REAL_GPTLOAD_BIN", "")
# Tests that build a FakeGptLoad of their own or hard-code an upstream host only the fake can reach.
FAKE_ONLY = {
    "test_hang_request_lets_a_client_timeout_fire_over_loopback": "builds its own FakeGptLoad",
    "test_global_proxy_keys_replace_the_auth_key": "builds its own FakeGptLoad",
    "test_upstream_errors_pass_through_and_unreachable_is_upstream_error": "builds its own FakeGptLoad",
    "test_upstream_path_prefix_plus_client_v1_doubles_it": "its upstream https://openai.test/v1/ is fake-only",
}
FAKE_APP_URL = "http://localhost:3001"
upstream_base = ""  # real mode: the loopback URL in front of the fake providers, routed by host (route_by_host)


@pytest.fixture(autouse=True)
def fake_only_tests_skip_in_real_mode(request):
    name = request.node.originalname
    if REAL_GPTLOAD and name in FAKE_ONLY:
        pytest.skip(f"real GPT-Load mode: {FAKE_ONLY[name]}")


@pytest.fixture
def gptload(fake) -> FakeGptLoad:
    """Overrides conftest's: an admin key without SECRET_MARKER, since these tests send it in logged URLs."""
    if REAL_GPTLOAD:
        pytest.skip("real GPT-Load mode: this test inspects the fake's internals")
    return FakeGptLoad(AUTH_KEY, upstream_transport=httpx.ASGITransport(app=fake.app))


def route_by_host(app):
    """An ASGI wrapper: ``/h/HOST/rest`` reaches ``app`` as ``https://HOST/rest``, as the fake providers expect."""

    async def routed(scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/h/"):
            host, _, rest = scope["path"][3:].partition("/")
            raw = scope.get("raw_path") or scope["path"].encode()
            headers = [(k, v) for k, v in scope["headers"] if k != b"host"] + [(b"host", host.encode())]
            scope = {
                **scope,
                "path": f"/{rest}",
                "raw_path": raw[len(f"/h/{host}") :] or b"/",
                "headers": headers,
                "scheme": "https",
                "server": (host, 443),
            }
        await app(scope, receive, send)

    return routed


@pytest.fixture
def target(request, fake):
    """(base URL, transport) of the GPT-Load under test: the fake in process, or a fresh real server."""
    global upstream_base
    if not REAL_GPTLOAD:
        yield BASE_URL, httpx.ASGITransport(app=request.getfixturevalue("gptload").app)
        return
    from tests.real import servers

    with (
        loopback_server(route_by_host(fake.app)) as providers_url,
        servers.gptload(Path(REAL_GPTLOAD), AUTH_KEY) as real,
    ):
        upstream_base = providers_url
        # The fake's app_url is GPT-Load's default for HOST 0.0.0.0, PORT 3001 (endpoint = app_url + /proxy/name);
        # the real one derives it from HOST and PORT at first start. Same configuration for both:
        settings = httpx.put(f"{real.url}/api/settings", json={"app_url": FAKE_APP_URL}, params={"key": AUTH_KEY})
        assert settings.status_code == 200, settings.text
        try:
            yield real.url, None
        finally:
            upstream_base = ""


@pytest.fixture
async def admin(target):
    base_url, transport = target
    headers = {"Authorization": f"Bearer {AUTH_KEY}", "Accept-Language": "en-US"}
    async with httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
async def anon(target):
    base_url, transport = target
    async with httpx.AsyncClient(transport=transport, base_url=base_url, timeout=30) as client:
        yield client


@pytest.fixture
def clock(gptload) -> list[float]:
    """A hand-driven clock for cache_lag; set before any write."""
    now = [1000.0]
    gptload.clock = lambda: now[0]
    return now


def standard(name: str, **fields) -> dict:
    upstreams = [{"url": "https://openai.test", "weight": 1}]
    return {"name": name, "channel_type": "openai", "test_model": "gpt-4o", "upstreams": upstreams, **fields}


def aggregate(name: str, channel_type: str = "openai", **fields) -> dict:
    return {"name": name, "group_type": "aggregate", "channel_type": channel_type, **fields}


def upstream_of(account) -> str:
    if upstream_base:  # real GPT-Load: through the loopback server in front of the fake providers
        return f"{upstream_base}/h/{account.host}{account.prefix}"
    return f"https://{account.host}{account.prefix}"


def assert_error(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message"}
    return body


async def create(admin, body: dict) -> dict:
    response = await admin.post("/api/groups", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def add_keys(admin, group_id: int, keys: list[str]) -> dict:
    response = await admin.post("/api/keys/add-multiple", json={"group_id": group_id, "keys_text": json.dumps(keys)})
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def add_members(admin, aggregate_id: int, members: dict[int, int]) -> httpx.Response:
    sub_groups = [{"group_id": gid, "weight": weight} for gid, weight in members.items()]
    return await admin.post(f"/api/groups/{aggregate_id}/sub-groups", json={"sub_groups": sub_groups})


async def proxied(admin, name: str, account, **fields) -> dict:
    """A standard group in front of a fake provider account, holding the account's keys."""
    body = {
        "name": name,
        "channel_type": account.dialect,
        "test_model": account.models[0],
        "upstreams": [{"url": upstream_of(account), "weight": 1}],
        **fields,
    }
    group = await create(admin, body)
    await add_keys(admin, group["id"], account.keys)
    return group


# ----- basics: health, auth, envelopes, unknown routes


async def test_health_needs_no_auth(anon):
    response = await anon.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "healthy"


async def test_admin_routes_need_the_auth_key(anon):
    response = await anon.get("/api/groups")
    assert response.json() == {"code": "UNAUTHORIZED", "message": "Authentication failed"}
    assert response.status_code == 401
    assert_error(await anon.get("/api/groups", headers={"Authorization": "Bearer wrong"}), 401, "UNAUTHORIZED")
    assert (await anon.get("/api/groups", params={"key": AUTH_KEY})).status_code == 200
    assert (await anon.get("/api/groups", headers={"X-Api-Key": AUTH_KEY})).status_code == 200


async def test_unknown_routes_answer_plain_not_found_even_without_auth(admin, anon):
    for client, method, path in [
        (admin, "GET", "/api/groups/5"),
        (anon, "GET", "/api/groups/5"),
        (admin, "DELETE", "/api/groups"),
        (admin, "GET", "/api/nothing"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 404
        assert response.json() == {"error": "Not Found"}


async def test_success_envelope_has_integer_code_and_omits_missing_data(admin):
    listing = (await admin.get("/api/groups")).json()
    assert listing == {"code": 0, "message": "Success", "data": []}
    group = await create(admin, standard("gone"))
    deleted = (await admin.delete(f"/api/groups/{group['id']}")).json()
    assert deleted == {"code": 0, "message": "Group and related keys deleted successfully"}


# ----- create


async def test_create_returns_a_group_response_with_defaults(admin):
    group = await create(admin, standard("  fresh  ", display_name=" Fresh ", proxy_keys=" k1,k2 "))
    assert set(group) == {
        "id",
        "name",
        "endpoint",
        "display_name",
        "description",
        "group_type",
        "upstreams",
        "channel_type",
        "sort",
        "test_model",
        "validation_endpoint",
        "param_overrides",
        "model_redirect_rules",
        "model_redirect_strict",
        "config",
        "header_rules",
        "proxy_keys",
        "last_validated_at",
        "created_at",
        "updated_at",
    }
    assert group["name"] == "fresh" and group["display_name"] == "Fresh" and group["proxy_keys"] == "k1,k2"
    assert group["endpoint"] == "http://localhost:3001/proxy/fresh"
    assert group["group_type"] == "standard"
    assert group["model_redirect_rules"] == {} and group["header_rules"] == []
    assert group["param_overrides"] is None and group["config"] is None
    assert group["upstreams"] == [{"url": "https://openai.test", "weight": 1}]


@pytest.mark.parametrize("name", ["", "Upper", "dots.not.allowed", "space inside", "x" * 101, "ünï"])
async def test_create_rejects_names_outside_the_pattern(admin, name):
    assert_error(await admin.post("/api/groups", json=standard(name)), 400, "VALIDATION_FAILED")


async def test_duplicate_name_conflicts_after_validation(admin):
    await create(admin, standard("twin"))
    assert_error(await admin.post("/api/groups", json=standard("twin")), 409, "DUPLICATE_RESOURCE")
    assert_error(await admin.post("/api/groups", json=standard("twin", test_model="")), 400, "VALIDATION_FAILED")


@pytest.mark.parametrize("channel_type", [None, "", "azure", "OpenAI"])
async def test_channel_type_is_required_and_known_for_every_group_type(admin, channel_type):
    for body in (standard("s", channel_type=channel_type), aggregate("a", channel_type=channel_type)):
        assert_error(await admin.post("/api/groups", json=body), 400, "VALIDATION_FAILED")


@pytest.mark.parametrize(
    "upstreams",
    [
        None,
        [],
        [{"url": "", "weight": 1}],
        [{"url": "ftp://x.test", "weight": 1}],
        [{"url": "https://x.test", "weight": -1}],
        [{"url": "https://x.test", "weight": 0}],
        "https://x.test",
    ],
)
async def test_standard_group_needs_valid_upstreams(admin, upstreams):
    assert_error(await admin.post("/api/groups", json=standard("s", upstreams=upstreams)), 400, "VALIDATION_FAILED")


async def test_standard_group_needs_upstreams_field_and_test_model(admin):
    body = standard("s")
    del body["upstreams"]
    assert_error(await admin.post("/api/groups", json=body), 400, "VALIDATION_FAILED")
    assert_error(await admin.post("/api/groups", json=standard("s", test_model="  ")), 400, "VALIDATION_FAILED")


async def test_upstream_url_path_is_kept_and_weight_zero_stored(admin):
    upstreams = [{"url": " https://x.test/api/v4/ ", "weight": 0, "extra": 1}, {"url": "http://y.test", "weight": 2}]
    group = await create(admin, standard("s", upstreams=upstreams))
    assert group["upstreams"] == [{"url": "https://x.test/api/v4/", "weight": 0}, {"url": "http://y.test", "weight": 2}]


@pytest.mark.parametrize(
    ("endpoint", "ok"),
    [("/chat/completions", True), ("/v1/x?y=1", True), ("", True), ("v1/chat", False), ("/http://x.test/y", False)],
)
async def test_validation_endpoint_must_be_a_path(admin, endpoint, ok):
    response = await admin.post("/api/groups", json=standard("s", validation_endpoint=endpoint))
    if ok:
        assert response.json()["data"]["validation_endpoint"] == endpoint
    else:
        assert_error(response, 400, "VALIDATION_FAILED")


async def test_aggregate_create_stores_fixed_upstreams_test_model_endpoint_and_drops_sub_groups(admin, gptload):
    member = await create(admin, standard("m"))
    body = aggregate(
        "agg",
        upstreams="garbage",
        test_model="x",
        validation_endpoint="/v1/x",
        sub_groups=[{"group_id": member["id"], "weight": 1}],
    )
    group = await create(admin, body)
    assert (group["upstreams"], group["test_model"], group["validation_endpoint"]) == ([], "-", "")
    assert gptload.members_of("agg") == {}


async def test_aggregate_rejects_model_redirect_rules(admin):
    body = aggregate("agg", model_redirect_rules={"a": "b"})
    assert_error(await admin.post("/api/groups", json=body), 400, "VALIDATION_FAILED")
    assert (await create(admin, aggregate("agg", model_redirect_rules={})))["model_redirect_rules"] == {}


@pytest.mark.parametrize("rules", [{"": "x"}, {"x": " "}, {"x": None}])
async def test_redirect_rule_names_must_not_be_blank(admin, rules):
    body = assert_error(
        await admin.post("/api/groups", json=standard("s", model_redirect_rules=rules)), 400, "VALIDATION_FAILED"
    )
    assert body["message"] == "validation.invalid_model_redirect"  # untranslated upstream


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not json",
        b"[1]",
        b'{"name": 5}',
        b'{"sort": "1"}',
        b'{"sort": 1.5}',
        b'{"model_redirect_rules": {"a": 1}}',
        b'{"model_redirect_strict": "yes"}',
    ],
)
async def test_wrong_json_types_are_invalid_json(admin, content):
    response = await admin.post("/api/groups", content=content, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "INVALID_JSON")


async def test_config_is_validated_and_nulls_dropped(admin):
    for config in (
        {"nope": 1},
        {"max_retries": -1},
        {"request_timeout": 0},
        {"request_timeout": "5"},
        {"request_timeout": 1.5},
        {"failover_status_codes": "99"},
        {"failover_status_codes": "500-400"},
        {"enable_request_body_logging": 1},
    ):
        response = await admin.post("/api/groups", json=standard("s", config=config))
        assert_error(response, 400, "VALIDATION_FAILED")
    config = {"request_timeout": 5.0, "proxy_url": None, "max_retries": 0, "failover_status_codes": "429, 500-599"}
    group = await create(admin, standard("s", config=config))
    assert group["config"] == {"request_timeout": 5, "max_retries": 0, "failover_status_codes": "429, 500-599"}


async def test_header_rules_are_canonicalised_and_unique(admin):
    rules = [{"key": "x-foo", "value": "1", "action": "set"}, {"key": " ", "value": "2", "action": "set"}]
    group = await create(admin, standard("s", header_rules=rules))
    assert group["header_rules"] == [{"key": "X-Foo", "value": "1", "action": "set"}]
    twice = [{"key": "x-foo", "value": "1", "action": "set"}, {"key": "X-FOO", "value": "2", "action": "remove"}]
    assert_error(await admin.post("/api/groups", json=standard("t", header_rules=twice)), 400, "VALIDATION_FAILED")


async def test_groups_are_listed_by_sort_then_newest_first(admin):
    for name, sort in (("a", 1), ("b", 0), ("c", 0)):
        await create(admin, standard(name, sort=sort))
    names = [g["name"] for g in (await admin.get("/api/groups")).json()["data"]]
    assert names == ["c", "b", "a"]


async def test_group_list_route_fills_only_id_name_and_display_name(admin):
    group = await create(admin, standard("s", display_name="S", description="d"))
    [item] = (await admin.get("/api/groups/list")).json()["data"]
    assert (item["id"], item["name"], item["display_name"]) == (group["id"], "s", "S")
    assert item["description"] == "" and item["channel_type"] == "" and item["upstreams"] is None


# ----- update


async def test_update_is_partial(admin):
    group = await create(admin, standard("s", description="keep", model_redirect_rules={"a": "b"}, sort=3))
    response = await admin.put(f"/api/groups/{group['id']}", json={"display_name": " New ", "test_model": ""})
    updated = response.json()["data"]
    assert updated["display_name"] == "New"
    for field in ("description", "model_redirect_rules", "sort", "test_model", "upstreams", "channel_type"):
        assert updated[field] == group[field]


async def test_update_replaces_redirect_map(admin, gptload):
    group = await create(admin, standard("s", model_redirect_rules={"a": "x", "b": "y"}))
    url = f"/api/groups/{group['id']}"
    await admin.put(url, json={"model_redirect_rules": {"c": "z"}})
    assert gptload.group_by_name("s")["model_redirect_rules"] == {"c": "z"}
    await admin.put(url, json={"model_redirect_rules": None})
    assert gptload.group_by_name("s")["model_redirect_rules"] == {"c": "z"}
    await admin.put(url, json={"model_redirect_rules": {}})
    assert gptload.group_by_name("s")["model_redirect_rules"] == {}


async def test_update_replaces_config_instead_of_merging(admin, gptload):
    group = await create(admin, standard("s", config={"max_retries": 1, "request_timeout": 9}))
    await admin.put(f"/api/groups/{group['id']}", json={"config": {"max_retries": 2}})
    assert gptload.group_by_name("s")["config"] == {"max_retries": 2}


@pytest.mark.parametrize("upstreams", [None, [], [{"url": "https://x.test", "weight": 0}]])
async def test_update_revalidates_upstreams_whenever_present(admin, upstreams):
    group = await create(admin, standard("s"))
    agg = await create(admin, aggregate("agg"))
    for target in (group, agg):
        response = await admin.put(f"/api/groups/{target['id']}", json={"upstreams": upstreams})
        assert_error(response, 400, "VALIDATION_FAILED")


async def test_update_validates_like_create(admin):
    group = await create(admin, standard("s"))
    url = f"/api/groups/{group['id']}"
    for body in (
        {"name": "Bad"},
        {"test_model": "  "},
        {"channel_type": "azure"},
        {"validation_endpoint": "x"},
        {"config": {"nope": 1}},
    ):
        assert_error(await admin.put(url, json=body), 400, "VALIDATION_FAILED")
    assert_error(await admin.put(url, json={"sort": "x"}), 400, "INVALID_JSON")


async def test_update_ignores_channel_type_change_on_aggregate(admin):
    agg = await create(admin, aggregate("agg"))
    response = await admin.put(f"/api/groups/{agg['id']}", json={"channel_type": "gemini", "group_type": "standard"})
    assert response.json()["data"]["channel_type"] == "openai"
    assert response.json()["data"]["group_type"] == "aggregate"
    assert_error(
        await admin.put(f"/api/groups/{agg['id']}", json={"model_redirect_rules": {"a": "b"}}), 400, "VALIDATION_FAILED"
    )


async def test_member_of_an_aggregate_cannot_change_channel_type_or_endpoint(admin):
    member = await create(admin, standard("m"))
    agg = await create(admin, aggregate("agg"))
    await add_members(admin, agg["id"], {member["id"]: 1})
    url = f"/api/groups/{member['id']}"
    for body in ({"channel_type": "gemini"}, {"validation_endpoint": "/v1/chat/completions"}):
        assert_error(await admin.put(url, json=body), 400, "VALIDATION_FAILED")
    assert (await admin.put(url, json={"channel_type": "openai", "validation_endpoint": ""})).status_code == 200
    await admin.delete(f"/api/groups/{agg['id']}/sub-groups/{member['id']}")
    assert (await admin.put(url, json={"channel_type": "gemini"})).status_code == 200


async def test_rename_collision_conflicts(admin):
    await create(admin, standard("taken"))
    group = await create(admin, standard("mine"))
    url = f"/api/groups/{group['id']}"
    assert_error(await admin.put(url, json={"name": "taken"}), 409, "DUPLICATE_RESOURCE")
    assert (await admin.put(url, json={"name": "mine"})).status_code == 200
    assert (await admin.put(url, json={"name": "renamed"})).json()["data"]["name"] == "renamed"


async def test_update_or_delete_of_unknown_group(admin):
    assert_error(await admin.put("/api/groups/99", json={}), 404, "NOT_FOUND")
    assert_error(await admin.delete("/api/groups/99"), 404, "NOT_FOUND")
    assert_error(await admin.put("/api/groups/abc", json={}), 400, "BAD_REQUEST")


# ----- delete


async def test_delete_cascades_keys_and_links(admin, gptload):
    member = await create(admin, standard("m"))
    await add_keys(admin, member["id"], [fake_key("m1")])
    agg = await create(admin, aggregate("agg"))
    other = await create(admin, standard("other"))
    await add_members(admin, agg["id"], {member["id"]: 1, other["id"]: 2})
    await admin.delete(f"/api/groups/{member['id']}")
    assert gptload.members_of("agg") == {"other": 2}
    assert_error(await admin.get("/api/keys", params={"group_id": member["id"]}), 404, "NOT_FOUND")
    again = await create(admin, standard("m"))
    assert gptload.keys_of("m") == [] and again["id"] != member["id"]
    await admin.delete(f"/api/groups/{agg['id']}")
    assert (await admin.get(f"/api/groups/{other['id']}/parent-aggregate-groups")).json()["data"] == []
    assert gptload.group_by_name("other") is not None


# ----- aggregate sub-groups


async def test_adding_an_existing_member_rejects_the_whole_request(admin, gptload):
    one, two = await create(admin, standard("one")), await create(admin, standard("two"))
    agg = await create(admin, aggregate("agg"))
    assert (await add_members(admin, agg["id"], {one["id"]: 5})).status_code == 200
    assert_error(await add_members(admin, agg["id"], {two["id"]: 1, one["id"]: 5}), 400, "BAD_REQUEST")
    assert gptload.members_of("agg") == {"one": 5}


async def test_members_must_be_standard_groups(admin):
    inner = await create(admin, aggregate("inner"))
    agg = await create(admin, aggregate("agg"))
    assert_error(await add_members(admin, agg["id"], {inner["id"]: 1}), 400, "VALIDATION_FAILED")


async def test_members_must_share_the_aggregate_channel_type(admin):
    member = await create(admin, standard("m", channel_type="anthropic"))
    agg = await create(admin, aggregate("agg", "openai"))
    assert_error(await add_members(admin, agg["id"], {member["id"]: 1}), 400, "VALIDATION_FAILED")


async def test_members_must_share_the_effective_validation_endpoint(admin, gptload):
    implicit = await create(admin, standard("implicit"))
    explicit = await create(admin, standard("explicit", validation_endpoint="/v1/chat/completions"))
    custom = await create(admin, standard("custom", validation_endpoint="/chat/completions"))
    agg = await create(admin, aggregate("agg"))
    assert (await add_members(admin, agg["id"], {implicit["id"]: 1, explicit["id"]: 1})).status_code == 200
    assert_error(await add_members(admin, agg["id"], {custom["id"]: 1}), 400, "VALIDATION_FAILED")
    fresh = await create(admin, aggregate("fresh"))
    response = await add_members(admin, fresh["id"], {implicit["id"]: 1, custom["id"]: 1})
    assert_error(response, 400, "VALIDATION_FAILED")
    assert gptload.members_of("fresh") == {}


async def test_gemini_members_default_to_an_empty_validation_endpoint(admin):
    """GPT-Load's ValidateSubGroups (aggregate_group_service.go) starts from the endpoint of the aggregate's first
    existing member (lowest member id), else from "", then walks the new members in id order: while the expected
    endpoint is still "" it adopts the member's, else they must be equal. A gemini member's default is "", so it
    never conflicts while it comes first, and always does after a member with an explicit endpoint."""
    plain = await create(admin, standard("plain", channel_type="gemini"))  # effective endpoint ""
    custom = await create(admin, standard("custom", channel_type="gemini", validation_endpoint="/v1beta/x"))
    later = await create(admin, standard("later", channel_type="gemini"))  # "" again, a higher id than custom's
    both = await create(admin, aggregate("both", "gemini"))
    # "" then "/v1beta/x" in id order (whatever the request's order): accepted, "" adopts "/v1beta/x".
    assert (await add_members(admin, both["id"], {custom["id"]: 1, plain["id"]: 1})).status_code == 200
    reverse = await create(admin, aggregate("reverse", "gemini"))
    # "/v1beta/x" then "": rejected.
    response = await add_members(admin, reverse["id"], {custom["id"]: 1, later["id"]: 1})
    assert_error(response, 400, "VALIDATION_FAILED")
    # Existing members come first: "/v1beta/x" there rejects a new "" ...
    assert (await add_members(admin, reverse["id"], {custom["id"]: 1})).status_code == 200
    assert_error(await add_members(admin, reverse["id"], {plain["id"]: 1}), 400, "VALIDATION_FAILED")
    # ... and a "" there lets a new "/v1beta/x" in; only the lowest member id counts, not the one added first.
    empty_first = await create(admin, aggregate("empty-first", "gemini"))
    assert (await add_members(admin, empty_first["id"], {later["id"]: 1})).status_code == 200
    assert (await add_members(admin, empty_first["id"], {custom["id"]: 1})).status_code == 200
    assert_error(await add_members(admin, empty_first["id"], {plain["id"]: 1}), 400, "VALIDATION_FAILED")
    listed = (await admin.get(f"/api/groups/{empty_first['id']}/sub-groups")).json()["data"]
    assert sorted(m["group"]["name"] for m in listed) == ["custom", "later"]


async def test_member_weights_are_limited_to_0_1000(admin, gptload):
    member = await create(admin, standard("m"))
    agg = await create(admin, aggregate("agg"))
    for weight in (-1, 1001):
        assert_error(await add_members(admin, agg["id"], {member["id"]: weight}), 400, "VALIDATION_FAILED")
    assert (await add_members(admin, agg["id"], {member["id"]: 0})).status_code == 200
    url = f"/api/groups/{agg['id']}/sub-groups/{member['id']}/weight"
    assert_error(await admin.put(url, json={"weight": 1001}), 400, "VALIDATION_FAILED")
    assert (await admin.put(url, json={"weight": 1000})).status_code == 200
    assert gptload.members_of("agg") == {"m": 1000}


async def test_repeated_unknown_or_missing_members_are_rejected(admin):
    member = await create(admin, standard("m"))
    agg = await create(admin, aggregate("agg"))
    url = f"/api/groups/{agg['id']}/sub-groups"
    repeated = {"sub_groups": [{"group_id": member["id"], "weight": 1}, {"group_id": member["id"], "weight": 2}]}
    for body in (
        repeated,
        {"sub_groups": [{"group_id": 99, "weight": 1}]},
        {"sub_groups": []},
        {},
        {"sub_groups": [{"group_id": 0, "weight": 1}]},
    ):
        assert_error(await admin.post(url, json=body), 400, "VALIDATION_FAILED")
    assert_error(await admin.post(url, json={"sub_groups": [{"group_id": -1}]}), 400, "INVALID_JSON")


async def test_sub_group_routes_need_an_existing_aggregate(admin):
    group = await create(admin, standard("s"))
    for method, suffix, body in [
        ("GET", "sub-groups", None),
        ("POST", "sub-groups", {"sub_groups": []}),
        ("PUT", f"sub-groups/{group['id']}/weight", {"weight": 1}),
        ("DELETE", f"sub-groups/{group['id']}", None),
    ]:
        standard_response = await admin.request(method, f"/api/groups/{group['id']}/{suffix}", json=body)
        assert_error(standard_response, 400, "BAD_REQUEST")
        assert_error(await admin.request(method, f"/api/groups/99/{suffix}", json=body), 404, "NOT_FOUND")
    assert_error(await admin.get("/api/groups/x/sub-groups"), 400, "BAD_REQUEST")


async def test_sub_group_listing_weights_and_removal(admin, gptload):
    member = await create(admin, standard("m", display_name="M"))
    await add_keys(admin, member["id"], [fake_key("a"), fake_key("b")])
    agg = await create(admin, aggregate("agg", display_name="Agg"))
    assert (await admin.get(f"/api/groups/{agg['id']}/sub-groups")).json()["data"] == []
    await add_members(admin, agg["id"], {member["id"]: 7})
    [entry] = (await admin.get(f"/api/groups/{agg['id']}/sub-groups")).json()["data"]
    assert entry["group"]["name"] == "m" and entry["weight"] == 7
    assert (entry["total_keys"], entry["active_keys"], entry["invalid_keys"]) == (2, 2, 0)
    parents = (await admin.get(f"/api/groups/{member['id']}/parent-aggregate-groups")).json()["data"]
    assert parents == [{"group_id": agg["id"], "name": "agg", "display_name": "Agg", "weight": 7}]
    assert (await admin.delete(f"/api/groups/{agg['id']}/sub-groups/{member['id']}")).status_code == 200
    assert_error(await admin.delete(f"/api/groups/{agg['id']}/sub-groups/{member['id']}"), 404, "NOT_FOUND")
    response = await admin.put(f"/api/groups/{agg['id']}/sub-groups/{member['id']}/weight", json={"weight": 1})
    assert_error(response, 404, "NOT_FOUND")
    assert gptload.members_of("agg") == {}


async def test_parent_aggregate_groups_accepts_any_id(admin):
    assert (await admin.get("/api/groups/12345/parent-aggregate-groups")).json()["data"] == []


# ----- keys


async def test_add_keys_deduplicates_within_group_and_request(admin, gptload):
    group = await create(admin, standard("s"))
    k1, k2 = fake_key("one"), fake_key("two")
    assert await add_keys(admin, group["id"], [k1, k2, k1]) == {
        "added_count": 2,
        "ignored_count": 1,
        "total_in_group": 2,
    }
    assert await add_keys(admin, group["id"], [k1, k2, k1]) == {
        "added_count": 0,
        "ignored_count": 3,
        "total_in_group": 2,
    }
    other = await create(admin, standard("other"))
    assert (await add_keys(admin, other["id"], [k1]))["added_count"] == 1
    assert gptload.keys_of("s") == [k1, k2]


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("a, b;c\n\td  e", ["a", "b", "c", "d", "e"]),
        ('["a b", " c ", ""]', ["a b", "c"]),
        ("[1, 2]", ["[1", "2]"]),
        ("[]", ["[]"]),
    ],
)
async def test_keys_text_is_a_json_array_or_split_on_separators(admin, gptload, text, keys):
    group = await create(admin, standard("s"))
    response = await admin.post("/api/keys/add-multiple", json={"group_id": group["id"], "keys_text": text})
    assert response.json()["data"]["added_count"] == len(keys)
    assert gptload.keys_of("s") == keys


async def test_key_requests_are_limited_to_5000_keys(admin, gptload):
    group = await create(admin, standard("s"))
    too_many = json.dumps([f"k{i}" for i in range(5001)])
    for route in ("add-multiple", "delete-multiple"):
        response = await admin.post(f"/api/keys/{route}", json={"group_id": group["id"], "keys_text": too_many})
        assert_error(response, 400, "VALIDATION_FAILED")
    assert (await add_keys(admin, group["id"], [f"k{i}" for i in range(5000)]))["total_in_group"] == 5000


async def test_key_requests_need_a_group_and_some_keys(admin):
    group = await create(admin, standard("s"))
    for route in ("add-multiple", "delete-multiple"):
        url = f"/api/keys/{route}"
        assert_error(await admin.post(url, json={"group_id": group["id"], "keys_text": ""}), 400, "INVALID_JSON")
        assert_error(await admin.post(url, json={"keys_text": "k"}), 400, "INVALID_JSON")
        for text in ("   ", " ,; \n"):
            response = await admin.post(url, json={"group_id": group["id"], "keys_text": text})
            assert_error(response, 400, "VALIDATION_FAILED")
        assert_error(await admin.post(url, json={"group_id": 99, "keys_text": "k"}), 404, "NOT_FOUND")


async def test_delete_keys_counts_deleted_and_ignored(admin, gptload):
    group = await create(admin, standard("s"))
    k1, k2, k3 = fake_key("one"), fake_key("two"), fake_key("three")
    await add_keys(admin, group["id"], [k1, k2])
    body = {"group_id": group["id"], "keys_text": json.dumps([k1, k3, k1])}
    response = await admin.post("/api/keys/delete-multiple", json=body)
    assert response.json()["data"] == {"deleted_count": 1, "ignored_count": 2, "total_in_group": 1}
    assert gptload.keys_of("s") == [k2]


async def test_list_keys_paginates_and_filters(admin):
    group = await create(admin, standard("s"))
    keys = [fake_key(str(i)) for i in range(3)]
    await add_keys(admin, group["id"], keys)
    page = (await admin.get("/api/keys", params={"group_id": group["id"], "page_size": 2})).json()["data"]
    assert page["pagination"] == {"page": 1, "page_size": 2, "total_items": 3, "total_pages": 2}
    assert [item["key_value"] for item in page["items"]] == [keys[2], keys[1]]  # id desc
    clamped = (await admin.get("/api/keys", params={"group_id": group["id"], "page_size": 5000})).json()["data"]
    assert clamped["pagination"]["page_size"] == 1000
    found = (await admin.get("/api/keys", params={"group_id": group["id"], "key_value": keys[0]})).json()["data"]
    [item] = found["items"]
    assert item["key_hash"] == hashlib.sha256(keys[0].encode()).hexdigest() and item["status"] == "active"
    invalid = (await admin.get("/api/keys", params={"group_id": group["id"], "status": "invalid"})).json()["data"]
    assert invalid["items"] == []


async def test_a_blacklisted_key_is_listed_as_invalid(admin, gptload):
    group = await create(admin, standard("s"))
    keys = [fake_key(str(i)) for i in range(2)]
    await add_keys(admin, group["id"], keys)
    gptload.mark_invalid("s", keys[1])
    invalid = (await admin.get("/api/keys", params={"group_id": group["id"], "status": "invalid"})).json()["data"]
    assert [(i["key_value"], i["status"]) for i in invalid["items"]] == [(keys[1], "invalid")]
    active = (await admin.get("/api/keys", params={"group_id": group["id"], "status": "active"})).json()["data"]
    assert [i["key_value"] for i in active["items"]] == [keys[0]]


async def test_list_keys_validates_its_query(admin):
    group = await create(admin, standard("s"))
    assert_error(await admin.get("/api/keys"), 400, "BAD_REQUEST")
    assert_error(await admin.get("/api/keys", params={"group_id": "x"}), 400, "BAD_REQUEST")
    assert_error(await admin.get("/api/keys", params={"group_id": 99}), 404, "NOT_FOUND")
    assert_error(
        await admin.get("/api/keys", params={"group_id": group["id"], "status": "x"}), 400, "VALIDATION_FAILED"
    )


# ----- proxy: auth, forwarding, keys


async def test_proxy_forwards_the_path_unchanged_with_a_group_key(admin, anon, gptload, fake, openai_account):
    await proxied(admin, "oa", openai_account)
    body = {"model": "gpt-4o", "messages": []}
    response = await anon.post("/proxy/oa/v1/chat/completions", params={"key": AUTH_KEY}, json=body)
    assert response.status_code == 200, response.text
    call = fake.calls[-1]
    assert (call.path, call.body["model"]) == ("/v1/chat/completions", "gpt-4o")
    assert call.key in openai_account.keys
    expected = ProxyCall("oa", "oa", "https://openai.test/v1/chat/completions", "gpt-4o", call.key, 200)
    assert gptload.proxy_log == [expected]


async def test_proxy_rotates_the_group_keys(admin, anon, fake, openai_account):
    """GPT-Load's default key store (no REDIS_DSN: store.MemoryStore) keeps a list of each group's active keys: an
    add prepends its batch in order (LPush), a request takes the last key and moves it to the front (Rotate), a
    delete removes the key (LRem). So the last key added goes first, and a later batch waits a full turn."""
    group = await proxied(admin, "oa", openai_account)  # oa1, oa2

    async def served(n: int) -> list[str]:
        start = len(fake.calls)
        for _ in range(n):
            response = await anon.get("/proxy/oa/v1/models", params={"key": AUTH_KEY})
            assert response.status_code == 200, response.text
        return [c.key for c in fake.calls[start:]]

    oa1, oa2, oa3, oa4 = (fake_key(f"oa{i}") for i in range(1, 5))
    assert await served(4) == [oa2, oa1, oa2, oa1]  # list [oa1, oa2]
    openai_account.keys.extend([oa3, oa4])
    await add_keys(admin, group["id"], [oa3, oa4])  # [oa3, oa4, oa1, oa2]
    assert await served(2) == [oa2, oa1]  # [oa1, oa2, oa3, oa4]
    response = await admin.post("/api/keys/delete-multiple", json={"group_id": group["id"], "keys_text": oa3})
    assert response.status_code == 200, response.text
    await add_keys(admin, group["id"], [oa3])  # [oa3, oa1, oa2, oa4]
    assert await served(5) == [oa4, oa2, oa1, oa3, oa4]


@pytest.mark.parametrize(
    "where",
    [
        {"params": {"key": "grp"}},
        {"headers": {"Authorization": "Bearer grp"}},
        {"headers": {"X-Api-Key": "grp"}},
        {"headers": {"X-Goog-Api-Key": "grp"}},
    ],
)
async def test_proxy_takes_the_client_key_from_each_place_and_strips_it(
    admin, anon, gptload, fake, openai_account, where
):
    await proxied(admin, "oa", openai_account, proxy_keys="other, grp")
    params = {"x": "1", **where.get("params", {})}
    response = await anon.get("/proxy/oa/v1/models", params=params, headers=where.get("headers"))
    assert response.status_code == 200, response.text
    assert fake.calls[-1].key in openai_account.keys
    assert gptload.proxy_log[-1].upstream_url == "https://openai.test/v1/models?x=1"


async def test_proxy_rejects_keys_that_are_neither_group_nor_global(admin, anon, openai_account):
    await proxied(admin, "oa", openai_account, proxy_keys="grp")
    await proxied(admin, "ob", openai_account, proxy_keys="elsewhere")
    assert_error(await anon.get("/proxy/oa/v1/models"), 401, "UNAUTHORIZED")
    assert_error(await anon.get("/proxy/oa/v1/models", params={"key": "elsewhere"}), 401, "UNAUTHORIZED")
    assert (await anon.get("/proxy/oa/v1/models", params={"key": AUTH_KEY})).status_code == 200


async def test_global_proxy_keys_replace_the_auth_key(fake, openai_account):
    gptload = FakeGptLoad(AUTH_KEY, upstream_transport=httpx.ASGITransport(app=fake.app), global_proxy_keys=["g"])
    transport = httpx.ASGITransport(app=gptload.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, params={"key": AUTH_KEY}) as client:
        await proxied(client, "oa", openai_account)
        assert_error(await client.get("/proxy/oa/v1/models"), 401, "UNAUTHORIZED")
        assert (await client.get("/proxy/oa/v1/models", params={"key": "g"})).status_code == 200


async def test_unknown_group_is_a_500_with_a_key_and_401_without(anon):
    response = await anon.get("/proxy/nope/v1/models", params={"key": AUTH_KEY})
    assert assert_error(response, 500, "INTERNAL_SERVER_ERROR")["message"] == "Failed to retrieve proxy group"
    assert_error(await anon.get("/proxy/nope/v1/models"), 401, "UNAUTHORIZED")


async def test_group_without_keys_is_503(admin, anon):
    await create(admin, standard("empty"))
    assert_error(await anon.get("/proxy/empty/v1/models", params={"key": AUTH_KEY}), 503, "NO_KEYS_AVAILABLE")


async def test_upstream_path_prefix_plus_client_v1_doubles_it(admin, anon, fake, openai_account):
    await proxied(admin, "oa", openai_account, upstreams=[{"url": "https://openai.test/v1/", "weight": 1}])
    body = {"model": "gpt-4o"}
    response = await anon.post("/proxy/oa/v1/chat/completions", params={"key": AUTH_KEY}, json=body)
    assert fake.calls[-1].path == "/v1/v1/chat/completions"
    assert response.status_code == 404


async def test_upstream_errors_pass_through_and_unreachable_is_upstream_error(admin, anon, fake, openai_account):
    await proxied(admin, "oa", openai_account)
    openai_account.failure = "500"
    response = await anon.get("/proxy/oa/v1/models", params={"key": AUTH_KEY})
    assert response.status_code == 500 and "overloaded" in response.json()["error"]["message"]
    gptload = FakeGptLoad(AUTH_KEY)  # real network, to a closed loopback port
    transport = httpx.ASGITransport(app=gptload.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, params={"key": AUTH_KEY}) as client:
        upstreams = [{"url": f"http://127.0.0.1:{free_port()}", "weight": 1}]
        await proxied(client, "dead", openai_account, upstreams=upstreams)
        assert_error(await client.get("/proxy/dead/v1/models"), 500, "UPSTREAM_ERROR")
    assert gptload.proxy_log[-1].status == 0


async def test_anthropic_gets_x_api_key_and_version(admin, anon, fake, anthropic_account):
    await proxied(admin, "an", anthropic_account)
    body = {"model": "c-3", "max_tokens": 10, "messages": []}
    response = await anon.post("/proxy/an/v1/messages", headers={"x-api-key": AUTH_KEY}, json=body)
    assert response.status_code == 200, response.text
    assert fake.calls[-1].key == anthropic_account.keys[0]


async def test_param_overrides_set_top_level_body_fields(admin, anon, fake, openai_account):
    await proxied(admin, "oa", openai_account, param_overrides={"temperature": 0, "model": "o3"})
    body = {"model": "gpt-4o", "temperature": 1}
    await anon.post("/proxy/oa/v1/chat/completions", params={"key": AUTH_KEY}, json=body)
    assert fake.calls[-1].body == {"model": "o3", "temperature": 0}


# ----- proxy: aggregates


async def two_openai_members(admin, fake, weights: tuple[int, int]) -> dict:
    one = fake.add("openai", "one.test", [fake_key("one")], ["m"])
    two = fake.add("openai", "two.test", [fake_key("two")], ["m"])
    members = [await proxied(admin, "one", one), await proxied(admin, "two", two)]
    agg = await create(admin, aggregate("agg", proxy_keys="agg-key"))
    await add_members(admin, agg["id"], {m["id"]: w for m, w in zip(members, weights, strict=True)})
    return agg


async def test_proxy_routes_aggregate_members_by_weight(admin, anon, gptload, fake):
    await two_openai_members(admin, fake, (2, 1))
    for _ in range(6):
        response = await anon.post("/proxy/agg/v1/chat/completions", params={"key": "agg-key"}, json={"model": "m"})
        assert response.status_code == 200
    assert [c.member for c in gptload.proxy_log] == ["one", "two", "one", "one", "two", "one"]
    assert {c.group for c in gptload.proxy_log} == {"agg"}
    assert [c.key for c in fake.calls] == [c.key for c in gptload.proxy_log]


async def test_aggregate_accepts_only_its_own_or_global_proxy_keys(admin, anon, fake):
    await two_openai_members(admin, fake, (1, 1))
    await admin.put("/api/groups/1", json={"proxy_keys": "member-key"})
    assert_error(await anon.get("/proxy/agg/v1/models", params={"key": "member-key"}), 401, "UNAUTHORIZED")
    assert (await anon.get("/proxy/one/v1/models", params={"key": "member-key"})).status_code == 200
    for key in ("agg-key", AUTH_KEY):
        assert (await anon.get("/proxy/agg/v1/models", params={"key": key})).status_code == 200


async def test_weight_zero_members_and_members_without_keys_are_skipped(admin, anon, gptload, fake):
    agg = await two_openai_members(admin, fake, (0, 1))
    for _ in range(3):
        await anon.get("/proxy/agg/v1/models", params={"key": AUTH_KEY})
    assert {c.member for c in gptload.proxy_log} == {"two"}
    await admin.put(f"/api/groups/{agg['id']}/sub-groups/1/weight", json={"weight": 5})
    await admin.post("/api/keys/delete-multiple", json={"group_id": 2, "keys_text": fake_key("two")})
    await anon.get("/proxy/agg/v1/models", params={"key": AUTH_KEY})
    assert gptload.proxy_log[-1].member == "one"


async def test_aggregate_without_usable_members_is_503(admin, anon, openai_account):
    agg = await create(admin, aggregate("agg"))
    empty = await create(admin, standard("empty"))
    assert_error(await anon.get("/proxy/agg/v1/models", params={"key": AUTH_KEY}), 503, "NO_KEYS_AVAILABLE")
    await add_members(admin, agg["id"], {empty["id"]: 1})
    assert_error(await anon.get("/proxy/agg/v1/models", params={"key": AUTH_KEY}), 503, "NO_KEYS_AVAILABLE")
    disabled = await proxied(admin, "disabled", openai_account)
    await add_members(admin, agg["id"], {disabled["id"]: 0})
    assert_error(await anon.get("/proxy/agg/v1/models", params={"key": AUTH_KEY}), 503, "NO_KEYS_AVAILABLE")


async def test_aggregate_uses_the_members_redirect_rules(admin, anon, fake, openai_account):
    member = await proxied(admin, "m", openai_account, model_redirect_rules={"alias": "gpt-4o-mini"})
    agg = await create(admin, aggregate("agg"))
    await add_members(admin, agg["id"], {member["id"]: 1})
    await anon.post("/proxy/agg/v1/chat/completions", params={"key": AUTH_KEY}, json={"model": "alias"})
    assert fake.calls[-1].body["model"] == "gpt-4o-mini"


# ----- proxy: model redirect and model lists


async def test_redirect_rewrites_the_model_sent_upstream(admin, anon, gptload, fake, openai_account):
    await proxied(admin, "oa", openai_account, model_redirect_rules={"alias": "gpt-4o"})
    for sent, received in (("alias", "gpt-4o"), ("o3", "o3")):
        body = {"model": sent, "messages": []}
        response = await anon.post("/proxy/oa/v1/chat/completions", params={"key": AUTH_KEY}, json=body)
        assert response.status_code == 200
        assert fake.calls[-1].body["model"] == received == gptload.proxy_log[-1].model


async def test_strict_redirect_rejects_unknown_model(admin, anon, fake, openai_account):
    rules = {"alias": "gpt-4o", "o3": "o3"}
    await proxied(admin, "oa", openai_account, model_redirect_rules=rules, model_redirect_strict=True)
    response = await anon.post("/proxy/oa/v1/chat/completions", params={"key": AUTH_KEY}, json={"model": "gpt-4o"})
    assert assert_error(response, 400, "BAD_REQUEST")["message"] == "model 'gpt-4o' is not configured in redirect rules"
    assert fake.calls == []
    response = await anon.post("/proxy/oa/v1/chat/completions", params={"key": AUTH_KEY}, json={"model": "o3"})
    assert response.status_code == 200 and fake.calls[-1].body["model"] == "o3"


async def test_strict_model_list_is_exactly_the_rule_keys(admin, anon, fake, openai_account):
    await proxied(admin, "oa", openai_account, model_redirect_rules={"alias": "gpt-4o"}, model_redirect_strict=True)
    response = await anon.get("/proxy/oa/v1/models", params={"key": AUTH_KEY})
    assert response.json()["data"] == [{"id": "alias", "object": "model", "created": 0, "owned_by": "system"}]
    assert fake.calls[-1].path == "/v1/models"  # still asked upstream with a pool key


async def test_strict_with_empty_rules_blocks_nothing_but_lists_nothing(admin, anon, openai_account):
    await proxied(admin, "oa", openai_account, model_redirect_strict=True)
    assert (await anon.get("/proxy/oa/v1/models", params={"key": AUTH_KEY})).json()["data"] == []
    body = {"model": "gpt-4o"}
    response = await anon.post("/proxy/oa/v1/chat/completions", params={"key": AUTH_KEY}, json=body)
    assert response.status_code == 200


async def test_non_strict_model_list_adds_missing_rule_keys(admin, anon, openai_account):
    await proxied(admin, "oa", openai_account, model_redirect_rules={"alias": "gpt-4o", "o3": "gpt-4o"})
    data = (await anon.get("/proxy/oa/v1/models", params={"key": AUTH_KEY})).json()["data"]
    assert [m["id"] for m in data] == ["gpt-4o", "gpt-4o-mini", "o3", "alias"]


async def test_gemini_native_redirect_rewrites_the_path_and_sends_the_key_as_query(admin, anon, fake, gemini_account):
    await proxied(admin, "gm", gemini_account, model_redirect_rules={"pro": "gemini-2.5-pro"})
    response = await anon.post(
        "/proxy/gm/v1beta/models/pro:generateContent", headers={"X-Goog-Api-Key": AUTH_KEY}, json={"contents": []}
    )
    assert response.status_code == 200, response.text
    assert fake.calls[-1].path == "/v1beta/models/gemini-2.5-pro:generateContent"
    assert fake.calls[-1].key == gemini_account.keys[0]


async def test_gemini_model_lists_follow_strict_and_first_page_rules(admin, anon, gemini_account):
    group = await proxied(admin, "gm", gemini_account, model_redirect_rules={"pro": "gemini-2.5-pro"})
    listing = (await anon.get("/proxy/gm/v1beta/models", params={"key": AUTH_KEY})).json()
    assert [m["name"] for m in listing["models"]] == ["models/gemini-2.5-pro", "models/gemini-2.5-flash", "models/pro"]
    assert listing["nextPageToken"] == "2"
    later = (await anon.get("/proxy/gm/v1beta/models", params={"key": AUTH_KEY, "pageToken": "2"})).json()
    assert [m["name"] for m in later["models"]] == ["models/embedding-001"]
    await admin.put(f"/api/groups/{group['id']}", json={"model_redirect_strict": True})
    strict = (await anon.get("/proxy/gm/v1beta/models", params={"key": AUTH_KEY})).json()
    assert strict == {
        "models": [{"name": "models/pro", "displayName": "pro", "supportedGenerationMethods": ["generateContent"]}]
    }


async def test_gemini_strict_redirect_rejects_unknown_path_model(admin, anon, fake, gemini_account):
    rules = {"pro": "gemini-2.5-pro"}
    await proxied(admin, "gm", gemini_account, model_redirect_rules=rules, model_redirect_strict=True)
    response = await anon.post("/proxy/gm/v1beta/models/gemini-2.5-pro:generateContent", params={"key": AUTH_KEY})
    assert_error(response, 400, "BAD_REQUEST")
    assert fake.calls == []


# ----- integration info


async def test_integration_info_lists_the_group_for_an_allowed_key(admin, anon):
    await create(admin, standard("oa", display_name="OA", proxy_keys="grp"))
    await create(admin, standard("custom", validation_endpoint="/chat/completions"))
    response = await anon.get("/proxy/oa/api/integration/info", params={"key": "grp"})
    assert response.json()["data"] == [{"name": "oa", "display_name": "OA", "channel_type": "openai", "path": ""}]
    custom = await anon.get("/proxy/custom/api/integration/info", params={"key": AUTH_KEY})
    assert custom.json()["data"][0] | {"display_name": ""} == {
        "name": "custom",
        "display_name": "",
        "channel_type": "custom",
        "path": "/chat/completions",
    }
    everything = (await anon.get("/api/integration/info", params={"key": AUTH_KEY})).json()["data"]
    assert [(e["name"], e["path"]) for e in everything] == [
        ("custom", "/proxy/custom/chat/completions"),
        ("oa", "/proxy/oa"),
    ]


async def test_integration_info_errors(admin, anon):
    await create(admin, standard("oa"))
    assert_error(await anon.get("/proxy/oa/api/integration/info"), 400, "VALIDATION_FAILED")
    assert_error(await anon.get("/proxy/oa/api/integration/info", params={"key": "bad"}), 400, "VALIDATION_FAILED")
    response = await anon.get("/proxy/nope/api/integration/info", params={"key": AUTH_KEY})
    assert assert_error(response, 404, "NOT_FOUND")["message"] == "Group not found"


# ----- cache lag


async def test_cache_lag_hides_new_group_from_proxy(admin, anon, gptload, clock, openai_account):
    gptload.cache_lag = 2.0
    await proxied(admin, "late", openai_account)
    assert_error(await anon.get("/proxy/late/v1/models", params={"key": AUTH_KEY}), 500, "INTERNAL_SERVER_ERROR")
    assert_error(await anon.get("/proxy/late/api/integration/info", params={"key": AUTH_KEY}), 404, "NOT_FOUND")
    assert [g["name"] for g in (await admin.get("/api/groups")).json()["data"]] == ["late"]  # admin reads: immediate
    clock[0] += 2.0
    assert (await anon.get("/proxy/late/v1/models", params={"key": AUTH_KEY})).status_code == 200


async def test_cache_lag_delays_updated_settings(admin, anon, gptload, clock, fake, openai_account):
    group = await proxied(admin, "oa", openai_account, model_redirect_rules={"alias": "gpt-4o"})
    gptload.cache_lag = 1.0
    clock[0] += 1.0
    await admin.put(f"/api/groups/{group['id']}", json={"model_redirect_rules": {"alias": "gpt-4o-mini"}})
    await anon.post("/proxy/oa/v1/chat/completions", params={"key": AUTH_KEY}, json={"model": "alias"})
    assert fake.calls[-1].body["model"] == "gpt-4o"
    clock[0] += 1.0
    await anon.post("/proxy/oa/v1/chat/completions", params={"key": AUTH_KEY}, json={"model": "alias"})
    assert fake.calls[-1].body["model"] == "gpt-4o-mini"


# ----- faults and observation


async def test_fail_request_changes_nothing(admin, gptload):
    gptload.fail_request(2)
    assert (await admin.get("/api/groups")).status_code == 200
    assert_error(await admin.post("/api/groups", json=standard("s")), 500, "INTERNAL_SERVER_ERROR")
    assert gptload.group_by_name("s") is None
    gptload.fail_request(1, status=502)
    assert (await admin.post("/api/groups", json=standard("s"))).status_code == 502
    assert (await admin.post("/api/groups", json=standard("s"))).status_code == 200


async def test_hang_request_never_answers(admin, gptload):
    gptload.hang_request(1)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(admin.get("/api/groups"), 0.2)
    assert gptload.in_flight == 0
    assert (await admin.get("/api/groups")).status_code == 200


async def test_hang_request_lets_a_client_timeout_fire_over_loopback():
    gptload = FakeGptLoad(AUTH_KEY)
    gptload.hang_request(1)
    with loopback_server(gptload.app) as url:
        async with httpx.AsyncClient(base_url=url, params={"key": AUTH_KEY}, timeout=0.3) as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/api/groups")
            assert (await client.get("/api/groups")).status_code == 200


async def test_down_answers_503_plain_text(admin, anon, gptload):
    gptload.down = True
    for response in (await admin.get("/api/groups"), await anon.get("/health")):
        assert response.status_code == 503 and response.headers["content-type"].startswith("text/plain")
    gptload.down = False
    assert (await admin.get("/api/groups")).status_code == 200


async def test_latency_and_max_in_flight(admin, gptload):
    gptload.latency = 0.05
    await asyncio.gather(*(admin.get("/api/groups") for _ in range(3)))
    assert gptload.max_in_flight == 3 and gptload.in_flight == 0


async def test_max_concurrent_rejects_the_excess_like_gptload(admin, gptload):
    gptload.latency, gptload.max_concurrent = 0.05, 1
    responses = await asyncio.gather(*(admin.get("/api/groups") for _ in range(2)))
    assert sorted(r.status_code for r in responses) == [200, 500]


async def test_requests_and_writes_are_recorded(admin, anon, gptload):
    await admin.get("/api/groups")
    await admin.post("/api/groups", json=standard("s"))
    await admin.put("/api/groups/1", json={"name": "Bad"})
    await anon.get("/health")
    assert gptload.requests == [("GET", "/api/groups"), ("POST", "/api/groups"), ("PUT", "/api/groups/1")]
    assert gptload.writes == 2


async def test_accessors_return_copies_of_the_state(admin, gptload):
    member = await create(admin, standard("m"))
    await add_keys(admin, member["id"], [fake_key("k")])
    agg = await create(admin, aggregate("agg"))
    await add_members(admin, agg["id"], {member["id"]: 3})
    gptload.group_by_name("m")["upstreams"].clear()
    assert gptload.group_by_name("m")["upstreams"] == member["upstreams"]
    assert gptload.keys_of("m") == [fake_key("k")] and gptload.keys_of("nope") == []
    assert gptload.members_of("agg") == {"m": 3} and gptload.members_of("nope") == {}
    assert sorted(gptload.groups_by_name()) == ["agg", "m"]
    assert gptload.groups_by_name()["m"] == gptload.group_by_name("m")
