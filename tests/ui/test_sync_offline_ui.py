"""A newcomer without GPT-Load (issue 14 §6): the sync page shows what a first sync would create, labelled as a
preview with no Apply, and the header says how to connect GPT-Load; once GPT-Load answers, the plan is the normal
one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from nicegui import ui
from nicegui.testing import User

from core.clients.gptload import GptLoadClient
from tests.conftest import GPTLOAD_ADMIN_KEY
from tests.ui.test_sync_ui import registry


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


@pytest.fixture
async def unreachable(w) -> AsyncIterator[GptLoadClient]:
    """The engine talks to a GPT-Load that refuses every connection; the fake one is back after the test."""
    fake = w.services.sync.gptload
    refusing = GptLoadClient(w.services.settings.gptload_url, GPTLOAD_ADMIN_KEY, transport=httpx.MockTransport(refuse))
    w.services.sync.gptload = refusing
    yield fake
    w.services.sync.gptload = fake
    await refusing.aclose()


async def test_unreachable_gptload_gives_a_labelled_preview_and_a_header_hint_until_it_answers(
    user: User, w, recorder, unreachable
):
    await registry(w)
    await user.open("/sync")
    await user.should_see("Plan preview without GPT-Load", retries=30)
    await user.should_see(marker="plan-offline")
    await user.should_see("Preview only: GPT-Load is not connected, so nothing can be applied yet.")
    await user.should_see(content="Cannot reach GPT-Load at http://gptload.test", marker="plan-offline-reason")
    await user.should_see(content="GPTLOAD_AUTH_KEY", marker="plan-offline-hint")
    await user.should_see("Standard groups: 3")  # everything a first sync creates
    await user.should_see("Aggregate groups: 1")
    await user.should_see("The api.yaml it would write (masked)")
    written = user.find(ui.code).elements.pop().content  # the whole file, as new: every line added
    assert "+++ " in written and "shared-aggregate" in written and "\n-  " not in written
    await user.should_not_see(marker="apply")
    await user.should_not_see(marker="verify")
    # The header: disconnected, and how to connect (the settings, the compose quick start).
    await user.should_see(content="disconnected", marker="gptload-url", retries=30)
    await user.should_see(marker="gptload-hint")
    await user.should_see(content="GPTLOAD_URL", marker="gptload-hint-text")
    await user.should_see(content="docker compose up", marker="gptload-hint-text")

    w.services.sync.gptload = unreachable  # GPT-Load answers again
    user.find(marker="plan-again").click()
    await user.should_see(marker="apply", retries=30)
    await user.should_not_see(marker="plan-offline")
    await user.should_see(marker="plan-unverified")
    await user.should_see(content="gptload.test connected", marker="gptload-url", retries=30)
    await user.should_not_see(marker="gptload-hint", retries=30)  # the header looked again at once
    user.find(marker="apply").click()
    await user.should_see(content="Apply 9 changes, including 0 removals?", marker="confirm-question")
    user.find(marker="confirm-apply").click()
    await user.should_see(content="succeeded", marker="sync-success", retries=100)


async def test_without_an_admin_key_nothing_is_asked_and_the_preview_says_it_is_not_configured(user: User, w, recorder):
    w.services.settings = replace(w.services.settings, gptload_auth_key="")
    await registry(w)
    await user.open("/sync")
    await user.should_see(content="GPTLOAD_AUTH_KEY is empty", marker="plan-offline-reason", retries=30)
    await user.should_see("Standard groups: 3")
    await user.should_see(marker="gptload-hint", retries=30)
    await user.should_not_see(marker="apply")
    assert w.gptload.requests == []


async def test_a_connected_gptload_shows_no_hint(user: User, w, recorder):
    await registry(w)
    await user.open("/sync")
    await user.should_see(marker="apply", retries=30)
    await user.should_see(content="gptload.test connected", marker="gptload-url", retries=30)
    await user.should_not_see(marker="gptload-hint")
    await user.should_not_see(marker="plan-offline")
