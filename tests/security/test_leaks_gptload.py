"""Attack (issue 11, point 3): GPT-Load refuses a write with an error message that repeats the request body,
which carries the proxy key (``proxy_keys`` of a new group) or the provider keys (``keys_text``), plainly or
in another spelling. The sync record (``error``, per-change ``results``), its history, the plan and the log
must hold none of them in any spelling, while the error still says what GPT-Load refused.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import GPTLOAD_ADMIN_KEY, fake_key, provider_body, secret_leaks
from tests.fakes.providers import ECHO_SPELLINGS

WRITES = {"create_group": ("POST", "/api/groups"), "add_keys": ("POST", "/api/keys/add-multiple")}


async def run_sync(api, services) -> dict:
    checksum = (await api.get("/api/config/plan")).json()["checksum"]
    started = await api.post("/api/config/sync", json={"checksum": checksum})
    assert started.status_code == 202, started.text
    await services.sync.wait()
    return (await api.get(f"/api/config/sync/{started.json()['sync_id']}")).json()


def secrets_in(body: str) -> list[str]:
    """What a create-group or add-keys body carries: the proxy key, or the provider keys."""
    data = json.loads(body)
    return [s for s in (data.get("proxy_keys"), *(data.get("keys_text") or "").split("\n")) if s]


@pytest.mark.parametrize("spelling", ECHO_SPELLINGS)
@pytest.mark.parametrize("write", WRITES)
async def test_a_gptload_error_echoing_the_request_body_never_reveals_its_keys(
    api, services, fake, gptload, caplog, write, spelling
):
    account = fake.add("openai", "acme.test", [fake_key("gl-1"), fake_key('gl/2+"&<')], ["m-1", "m-2"])
    assert (await api.post("/api/providers", json=provider_body(account))).status_code == 201
    gptload.echo_request_body(*WRITES[write], spelling=spelling)

    record = await run_sync(api, services)

    assert record["status"] == "failed" and gptload.echoed, record  # the attack happened
    assert "Invalid request body" in record["error"]  # what GPT-Load said is still there, keys masked
    failed = [r for r in record["results"] if not r["ok"]]
    assert failed and all("Invalid request body" in r["error"] for r in failed)
    hidden = {s for body in gptload.echoed for s in secrets_in(body)} | {GPTLOAD_ADMIN_KEY}
    assert len(hidden) > 1
    shown = [
        json.dumps(record),
        (await api.get("/api/config/sync/history")).text,
        (await api.get("/api/config/sync/status")).text,
        (await api.get("/api/config/plan")).text,
        (await api.get("/api/gptload/status")).text,
        *(r.getMessage() for r in caplog.records),
    ]
    assert not secret_leaks(shown, hidden)
