"""Stories on the sync page, and the login that guards every page when a password is set."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from core import providers
from core.providers import ProviderCreate
from tests.conftest import fake_key


async def registry(w) -> None:
    for name, models in (("alpha", ["shared", "a-only"]), ("beta", ["shared"])):
        account = w.fake.add("openai", f"{name}.test", [fake_key(name)], models)
        data = ProviderCreate(name=name, base_url=account.base_url, channel_type="openai", api_keys=account.keys)
        await providers.create_provider(w.services, data)


async def test_plan_preview_then_apply_with_progress_and_summary(user: User, w, recorder):
    await registry(w)
    await user.open("/sync")
    await user.should_see("Plan preview", retries=30)
    await user.should_see("Standard groups: 3")
    await user.should_see("Aggregate groups: 1")
    assert w.gptload.writes == 0  # the preview changed nothing
    user.find(marker="apply").click()
    await user.should_see(content="Apply 9 changes, including 0 removals?", marker="confirm-question")
    user.find(marker="confirm-apply").click()
    await user.should_see(content="succeeded", marker="sync-success", retries=100)
    assert user.find(marker="sync-progress").elements.pop().value == 1
    assert user.find(marker="sync-stepper").elements.pop().value == "uniapi"  # the last stage it ran (api.yaml)
    await user.should_see(content="Everything is in sync", marker="plan-empty", retries=100)
    assert "shared-aggregate" in w.gptload.groups_by_name()
    history = user.find(marker="history").elements.pop()
    assert [(r["id"], r["status"]) for r in history.rows] == [(1, "succeeded")]
    topology = user.find(marker="topology-table").elements.pop().options["rowData"]
    chains = {(r["exposed"], r["aggregate"], r["provider"], r["original"]) for r in topology}
    assert ("shared", "shared-aggregate", "alpha", "shared") in chains and ("a-only", "", "alpha", "a-only") in chains


async def test_failed_sync_shows_the_step_and_retry_finishes(user: User, w, recorder):
    await registry(w)
    await user.open("/sync")
    await user.should_see("Plan preview", retries=30)
    w.gptload.fail_request(4)
    user.find(marker="apply").click()
    await user.should_see(marker="confirm-question")
    user.find(marker="confirm-apply").click()
    await user.should_see(content="failed at", marker="sync-failure", retries=100)
    await user.should_see(content="injected failure", marker="sync-failure", retries=100)
    user.find(marker="retry").click()
    await user.should_see(marker="confirm-question")
    user.find(marker="confirm-apply").click()
    await user.should_see(content="succeeded", marker="sync-success", retries=100)
    await user.should_see(content="Everything is in sync", marker="plan-empty", retries=100)


async def test_a_running_sync_is_shown_not_started_twice(user: User, w, recorder):
    await registry(w)
    w.gptload.latency = 0.05
    await w.services.sync.start()
    await user.open("/sync")
    await user.should_see(marker="sync-progress", retries=20)
    await w.services.sync.wait()
    await user.should_see(content="succeeded", marker="sync-success", retries=100)
    assert len(await w.services.sync.history()) == 1


async def test_gptload_down_shows_why_on_the_sync_page(user: User, w, recorder):
    w.gptload.down = True
    await user.open("/sync")
    await user.should_see(content="GPT-Load GET /api/groups answered HTTP 503", marker="plan-error")


@pytest.fixture
def admin_password(monkeypatch) -> str:
    monkeypatch.setenv("LPM_UI_TEST_PASSWORD", "hunter2-correct")
    return "hunter2-correct"


async def test_pages_need_a_login_when_a_password_is_set(admin_password, user: User):
    await user.open("/sync")  # redirected
    await user.should_see("Log in")
    await user.should_not_see("Plan preview")
    user.find("Password").type("wrong")
    user.find(kind=ui.button, content="Log in").click()
    await user.should_see("Wrong password")
    user.find("Password").clear().type(admin_password)
    user.find(kind=ui.button, content="Log in").click()
    await user.should_see("Plan preview", retries=20)
    assert (await user.http_client.get("/api/providers")).status_code == 401  # the API keeps its bearer token


async def test_history_shows_the_details_of_a_run(user: User, w, recorder):
    await registry(w)
    await w.services.sync.start()
    await w.services.sync.wait()
    await user.open("/sync")
    await user.should_see("Details of sync 1 (succeeded)")
    user.find(marker="details-1").elements.pop().value = True  # the operator opens the panel
    await user.should_see(content="changes carried out", marker="details-count")
    await user.should_see("add members shared-aggregate")


async def test_login_never_redirects_off_site(admin_password, user: User):
    await user.open("/login?redirect_to=//evil.test/phish")
    user.find("Password").type(admin_password)
    user.find(kind=ui.button, content="Log in").click()
    await user.should_see("Add provider", retries=20)  # the dashboard of this site
