"""No dropped request during a sync (issue 12 §5): a steady stream of chat requests goes through a fake uni-api
(Rust runtime: re-reads api.yaml on an interval) and the fake GPT-Load while a rename and a provider delete are
applied. Every name that exists before and after answers every time; a renamed model answers to one of its
two spellings at every moment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest

from core import providers
from core.db import open_database
from core.models import SyncRecord
from core.services import Services
from tests.conftest import make_settings
from tests.fakes.uniapi import FakeUniApi
from tests.test_sync import registry, rename  # noqa: F401 (registry is a fixture)

INTERVAL = 0.2  # the fake uni-api's re-read period (the real one: about 2 s)
STABLE = ["a-only", "gemini-pro", "claude-x"]  # names no change below touches
STREAM_DEADLINE = 60.0


def uniapi_services(tmp_path, fake, gptload, *, observed: bool, wait: float) -> tuple[Services, FakeUniApi]:
    overrides = {"UNIAPI_RELOAD_WAIT": str(wait)}
    if observed:
        overrides["UNIAPI_URL"] = "http://uni-api.test"
    settings = make_settings(tmp_path, **overrides)
    uniapi = FakeUniApi(
        settings.uniapi_config_path, interval=INTERVAL, upstream_transport=httpx.ASGITransport(app=gptload.app)
    )
    services = Services.build(
        settings,
        transport=httpx.ASGITransport(app=fake.app),
        gptload_transport=httpx.ASGITransport(app=gptload.app),
        uniapi_transport=httpx.ASGITransport(app=uniapi.app),
    )
    return services, uniapi


@asynccontextmanager
async def uniapi_stack(tmp_path, fake, gptload, *, observed: bool) -> AsyncIterator[tuple[Services, FakeUniApi]]:
    """The manager (watching uni-api over UNIAPI_URL, or waiting a grace period of 3 re-reads) and uni-api."""
    services, uniapi = uniapi_services(tmp_path, fake, gptload, observed=observed, wait=5.0 if observed else 0.6)
    async with open_database(services.settings.database_url, services.box):
        yield services, uniapi
        await services.aclose()


@pytest.fixture(params=["observed", "grace"])
async def stack(request, tmp_path, fake, gptload) -> AsyncIterator[tuple[Services, FakeUniApi]]:
    async with uniapi_stack(tmp_path, fake, gptload, observed=request.param == "observed") as both:
        yield both


@pytest.fixture
async def observed_stack(tmp_path, fake, gptload) -> AsyncIterator[tuple[Services, FakeUniApi]]:
    async with uniapi_stack(tmp_path, fake, gptload, observed=True) as both:
        yield both


@pytest.fixture
def services(request):
    """The services the registry fixture of tests/test_sync.py registers into: the test's stack's."""
    name = "observed_stack" if "observed_stack" in request.fixturenames else "stack"
    return request.getfixturevalue(name)[0]


async def synced_and_serving(services: Services, uniapi: FakeUniApi) -> str:
    """First sync, then uni-api starts on the file (it exits without one); returns the client key."""
    assert (await run_sync(services)).status == "succeeded"
    return (await services.sync.build_plan()).desired.client_key


async def run_sync(services: Services) -> SyncRecord:
    run = await services.sync.start()
    await services.sync.wait()
    return await SyncRecord.get(id=run)


def uniapi_client(uniapi: FakeUniApi, key: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=uniapi.app)
    return httpx.AsyncClient(transport=transport, base_url="http://uni-api", headers={"Authorization": f"Bearer {key}"})


async def ask(client: httpx.AsyncClient, name: str) -> int:
    body = {"model": name, "messages": [{"role": "user", "content": "ping"}]}
    return (await client.post("/v1/chat/completions", json=body)).status_code


@asynccontextmanager
async def steady_stream(uniapi: FakeUniApi, key: str, names: list[str]) -> AsyncIterator[list[dict[str, int]]]:
    """Send one request per name, round after round, until the block ends; yields the rounds' statuses."""
    rounds: list[dict[str, int]] = []
    stop = asyncio.Event()

    async def loop() -> None:
        async with uniapi_client(uniapi, key) as client:
            async with asyncio.timeout(STREAM_DEADLINE):
                while not stop.is_set():
                    statuses = await asyncio.gather(*(ask(client, n) for n in names))
                    rounds.append(dict(zip(names, statuses, strict=True)))
                    await asyncio.wait([asyncio.create_task(stop.wait())], timeout=0.02)  # pace: ~50 rounds/s

    task = asyncio.create_task(loop())
    try:
        yield rounds
    finally:
        stop.set()
        await task


async def test_a_provider_delete_drops_no_request_for_names_that_survive_it(stack, registry, gptload):  # noqa: F811
    services, uniapi = stack
    key = await synced_and_serving(services, uniapi)
    async with uniapi.running(), steady_stream(uniapi, key, ["shared-model", *STABLE]) as rounds:
        await providers.delete_provider(services, registry["b"])  # shared-model's aggregate dissolves
        record = await run_sync(services)
        await uniapi.wait_for_reload(within=5)
    assert record.status == "succeeded", record.error
    assert "shared-model-aggregate" not in gptload.groups_by_name()
    assert len(rounds) >= 10, "the stream did not run through the sync"
    failed = [r for r in rounds if any(status != 200 for status in r.values())]
    assert failed == [], f"{len(failed)} of {len(rounds)} rounds had a failed request: {failed[:3]}"


async def test_a_rename_keeps_the_model_answering_to_one_of_its_names_at_every_moment(stack, registry):  # noqa: F811
    services, uniapi = stack
    await rename(services, registry["a"], "a-only", "a-first")
    key = await synced_and_serving(services, uniapi)
    async with uniapi.running(), steady_stream(uniapi, key, ["a-first", "a-second", *STABLE[1:]]) as rounds:
        await rename(services, registry["a"], "a-only", "a-second")
        record = await run_sync(services)
        await uniapi.wait_for_reload(within=5)
    assert record.status == "succeeded", record.error
    assert len(rounds) >= 10, "the stream did not run through the sync"
    gaps = [r for r in rounds if 200 not in (r["a-first"], r["a-second"])]
    assert gaps == [], f"{len(gaps)} of {len(rounds)} rounds reached the model under neither name"
    assert all(r[name] == 200 for r in rounds for name in STABLE[1:])
    assert rounds[0]["a-first"] == 200
    async with uniapi_client(uniapi, key) as client:  # uni-api's "no available providers" for the old name
        assert (await ask(client, "a-first"), await ask(client, "a-second")) == (404, 200)


async def test_without_uniapi_loading_the_file_nothing_is_removed_and_retry_finishes(observed_stack, registry, gptload):  # noqa: F811
    services, uniapi = observed_stack
    await synced_and_serving(services, uniapi)
    services.settings = replace(services.settings, uniapi_reload_wait=0.5)
    uniapi.paused = True  # a uni-api that never re-reads (stuck, or rejecting the file)
    async with uniapi.running():
        await providers.delete_provider(services, registry["b"])
        failed = await run_sync(services)
        assert failed.status == "failed" and "has not loaded the new api.yaml" in failed.error
        assert "b-no-aggregate-models" in gptload.groups_by_name()  # nothing removed while uni-api lags
        uniapi.paused = False
        retried = await run_sync(services)
    assert retried.status == "succeeded", retried.error
    assert "b-no-aggregate-models" not in gptload.groups_by_name()


async def test_a_uniapi_that_refuses_the_admin_key_gets_the_grace_period_instead(observed_stack, registry):  # noqa: F811
    services, uniapi = observed_stack
    await synced_and_serving(services, uniapi)
    path = services.settings.uniapi_config_path
    # The operator's edit, kept by syncs: the manager's key is no longer an admin; another key is.
    other = '  - api: "sk-operator-admin-0000000000"\n    role: admin\n'
    path.write_text(path.read_text().replace("role: admin", "role: user").replace("api_keys:\n", f"api_keys:\n{other}"))
    services.settings = replace(services.settings, uniapi_reload_wait=0.3)
    async with uniapi.running():
        await providers.delete_provider(services, registry["b"])
        record = await run_sync(services)
    assert record.status == "succeeded", record.error
    notes = [(r["note"], r["said"]) for r in record.results if r["kind"] == "note"]
    said = {"code": "uniapi_waited_key_refused", "values": {"seconds": "0.3"}}  # for a page to say in its words
    assert notes == [("waited 0.3 s (uni-api refused the manager's admin key)", said)]
