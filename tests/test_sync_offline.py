"""A newcomer without GPT-Load (issue 14 §6): the plan is a preview against an empty GPT-Load, never applied.

GPT-Load sits behind a switch: the fake itself, or a refused connection, a timeout (nothing answers), or, for the
cases that stay errors, the fake answering 503 or refusing the admin key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from core.changes import CreateGroup
from core.db import open_database
from core.errors import GptLoadUnavailable, StalePlan, UpstreamAuthError, UpstreamResponseError
from core.gptload_offline import CONNECT
from core.models import SyncRecord
from core.phrases import Phrase
from core.plan import Plan
from core.services import Services
from core.settings import Settings
from tests.conftest import GPTLOAD_ADMIN_KEY
from tests.fakes.gptload import FakeGptLoad
from tests.fakes.providers import FakeProviders
from tests.test_rest_sync import wait_for_run
from tests.test_sync import registry, sync  # noqa: F401 - fixture

REGISTRY = pytest.mark.usefixtures("registry")  # tests/test_sync.py's four providers, two aggregates
GROUP_CHANGES = {"create_group", "add_keys", "add_members"}


class Switch(httpx.AsyncBaseTransport):
    """The fake GPT-Load, or no answer at all: ``failure`` is raised for every request while it is set."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.failure: type[httpx.TransportError] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.failure is not None:
            raise self.failure("[Errno 111] Connection refused", request=request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def switch(gptload: FakeGptLoad) -> Switch:
    return Switch(gptload.app)


@pytest.fixture
async def services(settings: Settings, fake: FakeProviders, switch: Switch) -> AsyncIterator[Services]:
    """As tests/conftest.py builds them, with GPT-Load behind the switch."""
    services = Services.build(settings, transport=httpx.ASGITransport(app=fake.app), gptload_transport=switch)
    async with open_database(settings.database_url, services.box):
        yield services
        await services.aclose()


def without_gptload(services: Services, switch: Switch, how: str) -> None:
    if how == "not configured":
        services.settings = replace(services.settings, gptload_auth_key="")
    else:
        switch.failure = httpx.ConnectError if how == "unreachable" else httpx.ReadTimeout


@REGISTRY
@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("unreachable", "Cannot reach GPT-Load at http://gptload.test: [Errno 111] Connection refused"),
        ("timeout", "did not answer within"),
        ("not configured", "GPT-Load at http://gptload.test is not configured: GPTLOAD_AUTH_KEY is empty."),
    ],
)
async def test_without_gptload_the_plan_previews_every_create_and_the_api_yaml(
    services, gptload, switch, settings, how, reason
):
    without_gptload(services, switch, how)
    bundle = await services.sync.build_plan()
    plan = bundle.plan
    assert (plan.gptload_reachable, reason in (plan.gptload_error or "")) == (False, True), plan.gptload_error
    groups = [c for c in plan.changes if c.kind != "write_uniapi"]
    assert {c.kind for c in groups} == GROUP_CHANGES  # nothing to update or remove in an empty GPT-Load
    assert {c.target for c in groups if c.kind == "create_group"} == {s.name for s in bundle.desired.specs}
    yaml = [c for c in plan.changes if c.kind == "write_uniapi"]
    assert len(yaml) == 1 and yaml[0].data["new_file"] and "shared-model-aggregate" in yaml[0].data["diff"]
    assert not plan.safety.unsafe and not plan.conflicts
    assert gptload.writes == 0 and not settings.uniapi_config_path.exists()
    if how == "not configured":
        assert gptload.requests == []  # without an admin key nothing is asked
    # Not configured is core's own reason, a sentence a page says in its words; otherwise it is the error's text.
    said = Phrase("gptload_not_configured", {"url": "http://gptload.test"}) if how == "not configured" else None
    assert plan.gptload_unconfigured == said


@REGISTRY
async def test_applying_a_preview_is_refused_with_gptload_unreachable_and_recorded(services, gptload, switch, settings):
    switch.failure = httpx.ConnectError
    preview = (await services.sync.build_plan()).plan
    with pytest.raises(GptLoadUnavailable) as refused:
        await services.sync.start(preview.checksum())
    assert refused.value.code == "gptload_unreachable"
    assert "only a preview" in refused.value.detail and "GPTLOAD_AUTH_KEY" in refused.value.detail
    record = await SyncRecord.all().order_by("-id").first()
    assert (record.status, record.failed_step) == ("failed", "plan")
    assert gptload.writes == 0 and not settings.uniapi_config_path.exists()
    with pytest.raises(GptLoadUnavailable):
        await services.sync.retry(record.id)  # Retry is an apply too


@REGISTRY
async def test_when_gptload_comes_back_the_plan_is_the_normal_one_and_the_preview_never_applies(
    services, gptload, switch
):
    switch.failure = httpx.ConnectError
    preview = (await services.sync.build_plan()).plan
    switch.failure = None
    plan = (await services.sync.build_plan()).plan
    assert (plan.gptload_reachable, plan.gptload_error) == (True, None)
    # GPT-Load is empty indeed: the same changes, but the preview's checksum is not the plan's.
    assert [c.public() for c in plan.changes] == [c.public() for c in preview.changes]
    assert preview.checksum() != plan.checksum()
    with pytest.raises(StalePlan):
        await services.sync.start(preview.checksum())
    assert gptload.writes == 0
    assert (await sync(services, plan.checksum())).status == "succeeded"
    assert (await services.sync.build_plan()).plan.is_empty


@REGISTRY
async def test_a_verify_plan_without_gptload_is_a_preview_that_verified_nothing(services, switch):
    switch.failure = httpx.ConnectError
    plan = (await services.sync.build_plan(verify=True)).plan
    assert (plan.gptload_reachable, plan.verified, plan.drift) == (False, False, [])


@pytest.mark.parametrize(
    "changes", [[], [CreateGroup("g", "standard", {"group_type": "standard"})]], ids=["no change", "one create"]
)
def test_a_preview_never_has_the_checksum_of_the_same_changes_read_from_gptload(changes):
    read = Plan(list(changes), [])
    preview = Plan(list(changes), [], gptload_reachable=False, gptload_error="no answer")
    assert preview.checksum() != read.checksum()
    canonical = json.dumps([c.public() for c in changes], sort_keys=True, default=str)
    assert read.checksum() == hashlib.sha256(canonical.encode()).hexdigest()  # as before: README's stays true


@REGISTRY
@pytest.mark.parametrize("answer", ["503", "wrong admin key"])
async def test_a_gptload_that_answers_with_an_error_is_still_an_error_not_a_preview(services, gptload, answer):
    """Something answered: the operator has a problem to fix, which a preview would hide."""
    if answer == "503":
        gptload.down = True
    else:
        gptload.auth_key = "another-admin-key"
    with pytest.raises(UpstreamResponseError if answer == "503" else UpstreamAuthError):
        await services.sync.build_plan()


@pytest.mark.parametrize("how", ["unreachable", "not configured"])
async def test_gptload_status_says_how_to_connect_while_it_is_not_connected(services, switch, how):
    assert (await services.sync.gptload_status()).hint is None
    without_gptload(services, switch, how)
    status = await services.sync.gptload_status()
    assert (status.reachable, status.group_count) == (False, None)
    assert "GPTLOAD_URL" in status.hint and "GPTLOAD_AUTH_KEY" in status.hint and "docker compose" in status.hint
    assert status.hint == str(CONNECT)  # core's sentence, which the header says in the page's language
    assert ("GPTLOAD_AUTH_KEY is empty" in status.error) == (how == "not configured")


# ----- over REST


@REGISTRY
async def test_rest_dry_run_and_plan_answer_200_with_the_preview_and_apply_answers_503(api, gptload, switch, settings):
    switch.failure = httpx.ConnectError
    for answer in (await api.post("/api/config/sync?dry_run=true"), await api.get("/api/config/plan")):
        assert answer.status_code == 200
        plan = answer.json()
        assert (plan["gptload_reachable"], plan["empty"]) == (False, False)
        assert plan["gptload_error"].startswith("Cannot reach GPT-Load at http://gptload.test")
        assert plan["counts"]["create_group"] > 0 and plan["counts"]["write_uniapi"] == 1
        assert set(plan["counts"]) == GROUP_CHANGES | {"write_uniapi"}
    refused = await api.post("/api/config/sync", json={"checksum": plan["checksum"]})
    assert (refused.status_code, refused.json()["code"]) == (503, "gptload_unreachable")
    assert GPTLOAD_ADMIN_KEY not in refused.text
    status = (await api.get("/api/gptload/status")).json()
    assert status["reachable"] is False and "GPTLOAD_AUTH_KEY" in status["hint"]

    switch.failure = None
    back = (await api.get("/api/config/plan")).json()
    assert (back["gptload_reachable"], back["gptload_error"]) == (True, None)
    stale = await api.post("/api/config/sync", json={"checksum": plan["checksum"]})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_plan")
    started = await api.post("/api/config/sync", json={"checksum": back["checksum"]})
    assert started.status_code == 202
    await wait_for_run(api)
    assert (await api.get("/api/gptload/status")).json()["hint"] is None
    assert gptload.writes > 0 and settings.uniapi_config_path.exists()
