"""A page of another site drives the manager (issue 11, point 8): DNS rebinding, cross-site no-cors requests.

With no ADMIN_PASSWORD (the `make run` default on 127.0.0.1) nothing but core/http_guard.py stands between a
page the operator happens to visit and the API: each test sends what such a page's browser sends and fails
if the request gets through. The requests go to the same install_api the real process mounts; the last
test repeats the attack on the real process, where the guard also covers the pages and the websocket.
"""

from __future__ import annotations

import socket
from dataclasses import replace

import httpx
import pytest

from core.crypto import generate_key
from core.http_guard import host_policy, parse_allowed_hosts, same_origin, split_host
from core.models import Model
from tests.conftest import fake_key, provider_body
from tests.e2e.app_process import app_process, clean_env
from tests.fakes.server import free_port

ATTACKER = "attacker.example"
# What Chromium sends with `fetch(url, {method: "POST", mode: "no-cors"})` from a page of another site.
CROSS_SITE = {"Origin": f"http://{ATTACKER}", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
SAME_ORIGIN = {"Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}


@pytest.fixture
async def provider(api, openai_account) -> dict:
    created = await api.post("/api/providers", json=provider_body(openai_account))
    assert created.status_code == 201, created.text
    return created.json()


async def test_dns_rebinding_page_cannot_repoint_a_provider_to_receive_its_key(api, fake, provider):
    """attacker.example now resolves to 127.0.0.1: same-origin to the browser, but its Host is still its own."""
    rebound = {"Host": f"{ATTACKER}:8080"}
    moved = await api.put(
        f"/api/providers/{provider['id']}", json={"base_url": f"http://{ATTACKER}/v1"}, headers=rebound
    )
    assert (moved.status_code, moved.json()["code"]) == (421, "forbidden_host"), moved.text
    fake.calls.clear()
    tested = await api.post(f"/api/providers/{provider['id']}/test", headers=rebound)
    assert tested.status_code == 421 and fake.calls == []  # the "next test" that would send the key
    assert (await api.get("/api/providers", headers=rebound)).status_code == 421  # nothing to read either
    stored = (await api.get(f"/api/providers/{provider['id']}")).json()
    assert stored["base_url"] == provider["base_url"]


@pytest.mark.parametrize(
    "host",
    [ATTACKER, f"{ATTACKER}:8080", f"127.0.0.1.{ATTACKER}", f"localhost.{ATTACKER}", "127.0.0.1@attacker.example",
     "[::1", "", "localhost:notaport", "0x7f.1"],
)  # fmt: skip
async def test_foreign_or_malformed_host_is_refused(api, host):
    response = await api.get("/api/stats", headers={"Host": host})
    assert (response.status_code, response.json()["code"]) == (421, "forbidden_host")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8080", "localhost:8080", "LOCALHOST.", "[::1]:8080"])
async def test_loopback_names_are_served(api, host):
    assert (await api.get("/api/stats", headers={"Host": host})).status_code == 200


async def test_allowed_hosts_and_the_bind_address_extend_the_names(api, services, tmp_path):
    base = services.settings
    services.settings = replace(base, allowed_hosts=parse_allowed_hosts("manager.example.com, proxy.lan:8443"))
    assert (await api.get("/api/stats", headers={"Host": "manager.example.com:443"})).status_code == 200
    assert (await api.get("/api/stats", headers={"Host": "proxy.lan:8443"})).status_code == 200
    assert (await api.get("/api/stats", headers={"Host": "proxy.lan:80"})).status_code == 421
    assert (await api.get("/api/stats", headers={"Host": ATTACKER})).status_code == 421
    services.settings = replace(base, allowed_hosts=("*",))  # documented: switches the check off
    assert (await api.get("/api/stats", headers={"Host": ATTACKER})).status_code == 200


@pytest.mark.parametrize(
    ("bind", "allowed", "host", "served"),
    [
        ("127.0.0.1", (), "127.0.0.1:8080", True),
        ("127.0.0.1", (), "[::1]:8080", True),
        ("127.0.0.1", (), "192.168.1.5:8080", False),
        ("192.168.1.5", (), "192.168.1.5:8080", True),
        ("0.0.0.0", (), "192.168.1.5:8080", True),  # a wildcard bind: any IP literal (never a rebinding page's)
        ("0.0.0.0", (), "[fe80::1]:8080", True),
        ("0.0.0.0", (), "nas.local:8080", False),  # names still need ALLOWED_HOSTS
        ("::", (), "10.0.0.2", True),
        ("0.0.0.0", ("nas.local",), "NAS.local:8080", True),
        ("0.0.0.0", ("[fd00::2]:8080",), "[fd00:0::2]:8080", True),
        ("0.0.0.0", ("[fd00::2]:8080",), f"{ATTACKER}:8080", False),
    ],
)
def test_host_policy(bind, allowed, host, served):
    assert host_policy(bind, parse_allowed_hosts(",".join(allowed))).allows(host) is served


@pytest.mark.parametrize("entry", ["http://x", "a b", "x/y", "[::1", "host:0", "user@host"])
def test_allowed_hosts_refuses_what_is_not_a_host(entry):
    with pytest.raises(ValueError, match="is not a host name"):
        parse_allowed_hosts(f"ok.example,{entry}")


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("http://127.0.0.1:8080", "127.0.0.1:8080", True),
        ("https://manager.example.com", "manager.example.com", True),  # behind a TLS proxy
        ("http://127.0.0.1:3001", "127.0.0.1:8080", False),  # GPT-Load's UI on the same machine: another origin
        ("http://localhost:8080", "127.0.0.1:8080", False),
        ("null", "127.0.0.1:8080", False),  # sandboxed frames, data: URLs
        (f"http://{ATTACKER}", "127.0.0.1", False),
        ("http://127.0.0.1:8080/path", "127.0.0.1:8080", False),
    ],
)
def test_same_origin(origin, host, same):
    assert same_origin(origin, host) is same


def test_split_host_normalises_what_browsers_send():
    assert split_host("[0:0:0:0:0:0:0:1]:8080") == ("::1", 8080)
    assert split_host("LocalHost.:80") == ("localhost", 80)
    assert split_host("127.0.0.1:65536") is None


async def model_id(api, provider) -> int:
    return (await api.get(f"/api/providers/{provider['id']}/models")).json()[0]["id"]


MARKED_CROSS_SITE = {
    "chromium": CROSS_SITE,
    "origin-only": {"Origin": f"http://{ATTACKER}"},
    "fetch-site-only": {"Sec-Fetch-Site": "cross-site"},
    "null-origin": {"Origin": "null"},
    "other-local-port": {"Origin": "http://127.0.0.1:3001", "Sec-Fetch-Site": "same-site"},  # e.g. GPT-Load's UI
}


@pytest.mark.parametrize("headers", MARKED_CROSS_SITE.values(), ids=MARKED_CROSS_SITE.keys())
async def test_cross_site_no_cors_posts_change_nothing(api, services, fake, provider, headers):
    model = await model_id(api, provider)
    await api.delete(f"/api/models/{model}")  # the page would bring it back
    fake.calls.clear()
    for method, path in [
        ("POST", f"/api/models/{model}/reset"),
        ("POST", "/api/config/sync"),
        ("POST", f"/api/providers/{provider['id']}/fetch-models"),
        ("POST", f"/api/providers/{provider['id']}/test"),
        ("DELETE", f"/api/providers/{provider['id']}"),
    ]:
        response = await api.request(method, path, headers=headers)
        assert (response.status_code, response.json()["code"]) == (403, "cross_site_request"), (path, response.text)
    assert not (await Model.get(id=model)).is_active
    assert services.sync.progress.sync_id is None and fake.calls == []
    assert (await api.get(f"/api/providers/{provider['id']}")).status_code == 200


async def test_the_same_origin_ui_and_scripts_are_not_refused(api, provider):
    model = await model_id(api, provider)
    assert (await api.post(f"/api/models/{model}/reset", headers=SAME_ORIGIN)).status_code == 200
    assert (await api.post(f"/api/models/{model}/reset")).status_code == 200  # curl: no Origin, no Sec-Fetch-*
    assert (await api.get("/api/stats", headers=CROSS_SITE)).status_code == 200  # reads stay unreadable by CORS


async def test_the_bearer_token_lets_a_script_through_a_cross_site_marking(api, services, provider):
    model = await model_id(api, provider)
    services.settings = replace(services.settings, admin_password="correct horse")
    path = f"/api/models/{model}/reset"
    assert (await api.post(path, headers=CROSS_SITE)).status_code == 403
    wrong = {**CROSS_SITE, "Authorization": "Bearer wrong"}
    assert (await api.post(path, headers=wrong)).json()["code"] == "cross_site_request"
    right = {**CROSS_SITE, "Authorization": "Bearer correct horse"}
    assert (await api.post(path, headers=right)).status_code == 200


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                     "multipart/form-data; boundary=x", "application/jsonx"],
)  # fmt: skip
async def test_a_body_that_is_not_declared_json_is_refused(api, provider, content_type):
    """What a no-cors fetch or a form can send: FastAPI would parse a type-less body as JSON."""
    model = await model_id(api, provider)
    headers = {"Content-Type": content_type} if content_type else {}
    body = f'{{"model_ids": [{model}]}}'.encode()
    response = await api.post("/api/models/batch-delete", content=body, headers=headers)
    if content_type is None:
        assert "content-type" not in response.request.headers
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")
    assert (await Model.get(id=model)).is_active
    ok = await api.post("/api/models/batch-delete", content=body, headers={"Content-Type": "application/json"})
    assert ok.status_code == 200


def raw_request(port: int, lines: list[str]) -> str:
    """The status line the server answers to a hand-written request (websocket upgrades included)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return conn.recv(4096).decode("latin-1").split("\r\n", 1)[0]


def websocket_upgrade(host: str, origin: str) -> list[str]:
    return [
        "GET /_nicegui_ws/socket.io/?EIO=4&transport=websocket HTTP/1.1",
        f"Host: {host}",
        f"Origin: {origin}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]


@pytest.mark.slow
def test_the_real_process_refuses_foreign_pages_on_every_route(tmp_path):
    """main.py as `make run` starts it: pages, NiceGUI's assets, its websocket and the API are all guarded."""
    env = clean_env(tmp_path, ENCRYPTION_KEY=generate_key(), GPTLOAD_URL=f"http://127.0.0.1:{free_port()}")
    port = free_port()
    with app_process(env, port) as app:
        local = f"127.0.0.1:{port}"
        for path in ["/", "/sync", "/_nicegui/3.18.0/static/quasar.css", "/docs", "/api/stats", "/api/health"]:
            response = httpx.get(f"{app.url}{path}", headers={"Host": f"{ATTACKER}:{port}"})
            assert (response.status_code, response.json()["code"]) == (421, "forbidden_host"), path
        assert httpx.get(f"{app.url}/").status_code == 200
        body = {"name": "x", "base_url": "http://127.0.0.1:9/v1", "channel_type": "openai", "api_keys": [fake_key("x")]}
        posted = httpx.post(f"{app.url}/api/providers", json=body, headers=CROSS_SITE)
        assert posted.status_code == 403
        rebound = f"{ATTACKER}:{port}"
        assert raw_request(port, websocket_upgrade(rebound, f"http://{rebound}")).split()[1] == "403"
        assert raw_request(port, websocket_upgrade(local, f"http://{ATTACKER}")).split()[1] == "403"
        assert raw_request(port, websocket_upgrade(local, f"http://{local}")).split()[1] == "101"
        assert httpx.get(f"{app.url}/api/providers").json() == []
