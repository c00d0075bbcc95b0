"""Attack (issue 11, points 6 and 5): the operator's own api.yaml holds the keys of their own providers (``api:`` as a
string, quoted, a block or flow list, an anchor reused by an alias, a folded scalar, on the line below its key,
wrapped over two lines) and their client keys
(``api_keys``). The manager shows that file in the plan's ``write_uniapi`` diff, in the sync record's plan
and as the download: everywhere masked, in no spelling of any of those keys. The same for a password in a
``base_url`` (``https://user:password@proxy/v1``): the operator's own, and UNIAPI_GPTLOAD_URL's, which the
manager writes into its entries (it defaults to GPTLOAD_URL, so point 5's password would land there).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from ruamel.yaml import YAML

from core.crypto import mask
from core.naming import OWNER_MARKER
from tests.conftest import fake_key, make_settings, provider_body, secret_leaks

OWN = {name: fake_key(f"own-{name}") for name in ("plain", "quoted", "block1", "block2", "flow1", "flow2")}
OWN |= {"hostile": fake_key('own/"q"+&<x>'), "anchor": fake_key("own-anchor"), "folded": fake_key("own-folded")}
OWN |= {"below": fake_key("own-below"), "wrapped": fake_key("own-wrapped")}
CLIENTS = {"admin": fake_key("client-admin"), "team": fake_key("client-team")}
G = "http://gptload.test/proxy"


def stale(name: str) -> str:
    """An entry the manager wrote once and no longer wants: its removal puts a diff hunk next to each own entry."""
    return (
        f"  - provider: {name}\n    base_url: {G}/{name}/v1/chat/completions\n"
        f'    api: "{fake_key(f"old-proxy-{name}")}"\n    model: [m-old]\n    notes: {OWNER_MARKER}\n'
    )


OPERATOR_FILE = f"""\
# The operator's file: their own upstreams next to what the manager syncs.
providers:
  - provider: own-plain
    base_url: https://api.openai.com/v1/chat/completions
    api: {OWN["plain"]}
    model: [gpt-4o]
{stale("gone-a")}  - provider: own-quoted
    base_url: https://api.example.com/v1/chat/completions
    api: "{OWN["quoted"]}"   # quoted
    model: [q-1]
  - provider: own-hostile
    base_url: https://api.example.com/v1/chat/completions
    api: '{OWN["hostile"]}'
    model: [h-1]
{stale("gone-b")}  - provider: own-block
    base_url: https://api.example.com/v1/chat/completions
    api:
      - {OWN["block1"]}
      - "{OWN["block2"]}"
    model: [b-1]
{stale("gone-c")}  - provider: own-flow
    base_url: https://api.example.com/v1/chat/completions
    api: [{OWN["flow1"]}, '{OWN["flow2"]}']
    model: [f-1]
{stale("gone-d")}  - provider: own-anchor
    base_url: https://api.example.com/v1/chat/completions
    api: &shared {OWN["anchor"]}
    model: [a-1]
  - provider: own-alias
    base_url: https://api.example.com/v1/chat/completions
    api: *shared
    model: [a-2]
{stale("gone-e")}  - provider: own-folded
    base_url: https://api.example.com/v1/chat/completions
    api: >-
      {OWN["folded"]}
    model: [x-1]
{stale("gone-f")}  - provider: own-below
    base_url: https://api.example.com/v1/chat/completions
    api:
      {OWN["below"]}
    model: [y-1]
  - provider: own-wrapped
    base_url: https://api.example.com/v1/chat/completions
    api: "{OWN["wrapped"][:14]}\\
      {OWN["wrapped"][14:]}"
    model: [z-1]
{stale("gone-g")}api_keys:
  - api: {CLIENTS["admin"]}
    role: admin
    model: [all]
  - api: "{CLIENTS["team"]}"   # the team
    model: [own-plain/*]
"""
SECRETS = [*OWN.values(), *CLIENTS.values()]


async def test_the_operators_own_keys_are_masked_in_the_plan_the_record_and_the_download(
    api, services, settings, openai_account
):
    settings.uniapi_config_path.parent.mkdir(parents=True, exist_ok=True)
    settings.uniapi_config_path.write_text(OPERATOR_FILE)
    assert (await api.post("/api/providers", json=provider_body(openai_account))).status_code == 201

    plan = await api.get("/api/config/plan")
    [write] = [c for c in plan.json()["changes"] if c["kind"] == "write_uniapi"]
    diff = write["diff"]
    assert not secret_leaks([plan.text, diff], SECRETS)
    # The attack surface was there: every own key's line is in the diff, masked.
    missing = [name for name, key in {**OWN, **CLIENTS}.items() if mask(key) not in diff]
    assert not missing, (missing, diff)

    started = await api.post("/api/config/sync", json={"checksum": plan.json()["checksum"]})
    assert started.status_code == 202, started.text
    await services.sync.wait()
    record = await api.get(f"/api/config/sync/{started.json()['sync_id']}")
    assert record.json()["status"] == "succeeded", record.text
    download = await api.get("/api/config/uni-api/download")
    history = await api.get("/api/config/sync/history")
    after = await api.get("/api/config/plan")

    kept = YAML(typ="safe").load(settings.uniapi_config_path.read_text())
    assert {str(e["api"]) for e in kept["providers"] if e["provider"] in ("own-wrapped", "own-alias")} == {
        OWN["wrapped"],
        OWN["anchor"],
    }  # the file keeps the operator's keys as they were
    assert mask(CLIENTS["team"]) in download.text and mask(OWN["folded"]) in download.text
    assert not secret_leaks([record.text, download.text, history.text, after.text], SECRETS)


URL_PASSWORD = "gl-proxy-pass-5e3c9a7b1d"
OWN_URL_PASSWORD = "own-proxy-p@ss/9f8e7d"


@pytest.fixture
def settings(tmp_path, request):
    """The settings of tests/conftest.py, with the overrides a test passes by indirect parametrization."""
    return make_settings(tmp_path, **getattr(request, "param", {}))


@pytest.mark.parametrize(
    "settings", [{"UNIAPI_GPTLOAD_URL": f"http://operator:{URL_PASSWORD}@gptload.test"}], indirect=True
)
async def test_a_password_in_a_base_url_is_masked_in_the_plan_the_record_and_the_download(
    api, services, settings, openai_account
):
    own = f"  - provider: own-proxied\n    base_url: https://me:{quote(OWN_URL_PASSWORD, safe='')}@proxy.example/v1\n"
    settings.uniapi_config_path.parent.mkdir(parents=True, exist_ok=True)
    clients = f"api_keys:\n  - api: {CLIENTS['admin']}\n"
    settings.uniapi_config_path.write_text(f"providers:\n{own}    api: ${{OWN_KEY}}\n    model: [p-1]\n{clients}")
    assert (await api.post("/api/providers", json=provider_body(openai_account))).status_code == 201

    plan = await api.get("/api/config/plan")
    started = await api.post("/api/config/sync", json={"checksum": plan.json()["checksum"]})
    await services.sync.wait()
    record = await api.get(f"/api/config/sync/{started.json()['sync_id']}")
    download = await api.get("/api/config/uni-api/download")

    assert record.json()["status"] == "succeeded", record.text
    written = settings.uniapi_config_path.read_text()
    assert f"operator:{URL_PASSWORD}@gptload.test" in written  # uni-api gets it: the attack surface is there
    assert record.json()["status"] == "succeeded" and "http://operator:" in download.text
    shown = [plan.text, record.text, download.text]
    assert not secret_leaks(shown, [URL_PASSWORD, OWN_URL_PASSWORD])
