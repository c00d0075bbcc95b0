"""Attack (issue 11, point 1): a provider answers with a redirect whose Location carries the key it was sent,
in the query (``?key=``), the path (``/k/<key>/...``) or the userinfo (``https://user:<key>@host``).

The manager refuses to follow and says where the provider pointed; the key must not come back through that
text: not in the test result, the stored ``last_test_error``, ``GET /api/providers`` or the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from nicegui import app, ui
from nicegui.testing import User

from core.models import Provider
from tests.conftest import fake_key, provider_body, secret_leaks
from tests.ui import world

REDIRECTS = ["redirect", "redirect_key_in_path", "redirect_key_in_userinfo"]
# Characters that URL-, JSON- and HTML-encoding each change, so every spelling differs from the plain key.
KEY_LABELS = {"plain": "moved", "hostile": 'x/y+z&q<t>"u=v'}


@pytest.fixture(autouse=True)
def ui_app(tmp_path, monkeypatch) -> None:
    """The `user` fixture's app (tests/ui/app_main.py) keeps its data in this test's directory."""
    monkeypatch.setenv("LPM_UI_TEST_DIR", str(tmp_path))
    monkeypatch.delenv("LPM_UI_TEST_PASSWORD", raising=False)


@pytest.mark.parametrize("key_kind", KEY_LABELS)
@pytest.mark.parametrize("failure", REDIRECTS)
@pytest.mark.parametrize("dialect", ["openai", "gemini", "anthropic"])
async def test_a_redirect_carrying_the_key_never_shows_it(api, fake, dialect, failure, key_kind):
    key = fake_key(f"{KEY_LABELS[key_kind]}-{dialect}")
    account = fake.add(dialect, f"moved-{dialect}.test", [key], ["m-1"])
    created = await api.post("/api/providers", json=provider_body(account))
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    account.failure = failure  # the provider moved, and tells where with the key in the Location

    tested = await api.post(f"/api/providers/{provider_id}/test")
    fetched = await api.post(f"/api/providers/{provider_id}/fetch-models")
    checked = await api.post(
        "/api/providers/check", json={"base_url": account.base_url, "channel_type": dialect, "api_keys": [key]}
    )
    listed = await api.get("/api/providers")
    one = await api.get(f"/api/providers/{provider_id}")
    stored = (await Provider.get(id=provider_id)).last_test_error

    assert tested.json()["ok"] is False
    assert "redirected (HTTP 307) to https://" in stored and "elsewhere.test" in stored  # the attack arrived
    shown = [tested.text, fetched.text, checked.text, listed.text, one.text, stored]
    assert not secret_leaks(shown, [key])


def page_texts(user: User, responses: list[str]) -> Iterator[str]:
    """What reached the simulated browser: every HTTP body, every element of every page, every notification."""
    yield from responses
    for client in app.clients():
        for element in client.layout.descendants(include_self=True):
            yield repr(dict(element.props))
            for name in ("text", "content"):
                value = getattr(element, name, None)
                if isinstance(value, str):
                    yield value
    yield from user.notify.messages


@pytest.mark.parametrize("failure", REDIRECTS)
async def test_the_dashboard_never_shows_the_key_of_a_redirect(user: User, failure):
    w = world.current
    key = fake_key(f"{KEY_LABELS['hostile']}-dash")
    account = w.fake.add("openai", "moved.test", [key], ["m-1"])
    responses: list[str] = []

    async def record(response: httpx.Response) -> None:
        await response.aread()
        responses.append(response.text)

    user.http_client.event_hooks["response"].append(record)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", event_hooks={"response": [record]}
    ) as rest:
        created = await rest.post("/api/providers", json=provider_body(account, "moved"))
        assert created.status_code == 201, created.text
        account.failure = failure
        await user.open("/")
        user.find(marker="view-toggle").elements.pop().value = "cards"  # the table is the default (issue 14)
        user.find(kind=ui.button, content="Test").click()
        await user.should_see("redirected (HTTP 307)", retries=30)
        await user.open("/")  # and the card as a fresh page load renders it from the stored error
        await user.should_see("Test failed:", retries=30)
        listed = await rest.get("/api/providers")
    assert "redirected (HTTP 307)" in listed.text
    assert not secret_leaks(page_texts(user, responses), [key])
