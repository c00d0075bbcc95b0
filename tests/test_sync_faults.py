"""A fault at every GPT-Load request of a first sync, then a retry: always the state of a clean run."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from core.errors import UpstreamError
from core.models import ManagedGroup, SyncRecord
from core.services import Services
from tests.conftest import GPTLOAD_ADMIN_KEY, fake_key
from tests.fakes.gptload import FakeGptLoad
from tests.test_sync import add_provider, rename, snapshot


class SwitchableApp:
    """One ASGI entry point whose target can be swapped, so each round starts with a fresh GPT-Load."""

    def __init__(self) -> None:
        self.target: FakeGptLoad | None = None

    async def __call__(self, scope, receive, send) -> None:
        assert self.target is not None
        await self.target.app(scope, receive, send)


@pytest.fixture
async def faulty(settings, fake, tmp_path):
    switch = SwitchableApp()
    services = Services.build(
        settings, transport=httpx.ASGITransport(app=fake.app), gptload_transport=httpx.ASGITransport(app=switch)
    )
    from core.db import open_database

    async with open_database(settings.database_url, services.box):
        a = fake.add("openai", "a.test", [fake_key("a1")], ["shared", "a-only"])
        b = fake.add("openai", "b.test", [fake_key("b1"), fake_key("b2")], ["shared", "b-only"])
        g = fake.add("gemini", "g.test", [fake_key("g1")], ["gem", "gem-preview"])
        for name, account in [("a", a), ("b", b), ("g", g)]:
            await add_provider(services, account, name)
        await rename(services, 3, "gem-preview", "gem", confirm=True)
        yield services, switch
        await services.aclose()  # a running sync finishes before its database closes


async def fresh_round(services, switch, fake) -> FakeGptLoad:
    await ManagedGroup.all().delete()
    services.settings.uniapi_config_path.unlink(missing_ok=True)
    switch.target = FakeGptLoad(GPTLOAD_ADMIN_KEY, upstream_transport=httpx.ASGITransport(app=fake.app))
    return switch.target


async def run(services) -> SyncRecord:
    """Start a sync and wait for it; a run that fails while planning is recorded and raises."""
    with contextlib.suppress(UpstreamError):
        await services.sync.start()
    await services.sync.wait()
    return await SyncRecord.all().order_by("-id").first()


async def test_fault_at_every_step_then_retry_ends_like_a_clean_run(faulty, fake):
    services, switch = faulty
    clean = await fresh_round(services, switch, fake)
    assert (await run(services)).status == "succeeded"
    expected, requests = snapshot(clean), len(clean.requests)
    expected_yaml = services.settings.uniapi_config_path.read_text()
    assert requests > 10

    for n in range(1, requests + 1):
        gptload = await fresh_round(services, switch, fake)
        # Every fifth fault is a hang (the client's deadline fires: transient, so applying retries it), the
        # others an error answer that no retry can cure (a plain 500).
        hang = n % 5 == 0
        gptload.hang_request(n) if hang else gptload.fail_request(n, status=500)
        first = await run(services)
        assert hang or first.status == "failed", f"request {n} was faulted but the run succeeded"
        retried = await run(services) if first.status == "failed" else first
        assert retried.status == "succeeded", f"fault at request {n}: retry failed: {retried.error}"
        assert snapshot(gptload) == expected, f"fault at request {n} left a different state"
        assert services.settings.uniapi_config_path.read_text() == expected_yaml
        names = [g["name"] for g in gptload.groups_by_name().values()]
        assert len(names) == len(set(names))
        assert (await services.sync.build_plan()).plan.is_empty
