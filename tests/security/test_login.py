"""Attacks on the UI login (issue 11, point 9), in NiceGUI's simulated browser on the real pages.

Open redirects after login, password guessing, session fixation, sessions that outlive a logout, an idle
day or a password change. tests/security/test_login_rules.py checks the same rules table-driven.
"""

from __future__ import annotations

import time
from dataclasses import replace
from urllib.parse import urlencode

import httpx
import pytest
from nicegui import app, ui
from nicegui.testing import User

from tests.ui import world

PASSWORD = "hunter2-correct"
COOKIE = "lpm_session_8080"  # PORT is the default 8080 in the UI test app


@pytest.fixture(autouse=True)
def password_app(tmp_path, monkeypatch) -> None:
    """The UI test app (tests/ui/app_main.py) with ADMIN_PASSWORD set."""
    monkeypatch.setenv("LPM_UI_TEST_DIR", str(tmp_path))
    monkeypatch.setenv("LPM_UI_TEST_PASSWORD", PASSWORD)


def guard():
    from ui.session import current_guard  # the module of this test's app (NiceGUI re-imports ui per test)

    found = current_guard()
    assert found is not None
    return found


async def log_in(user: User, password: str = PASSWORD, redirect_to: str | None = None) -> None:
    await user.open("/login" + (f"?{urlencode({'redirect_to': redirect_to})}" if redirect_to else ""))
    user.find("Password").type(password)
    user.find(kind=ui.button, content="Log in").click()


async def page_status(token: str | None, path: str = "/") -> tuple[int, str]:
    """What another browser holding only ``token`` gets for ``path``: (status, Location)."""
    cookies = {COOKIE: token} if token else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", cookies=cookies) as browser:
        response = await browser.get(path)
    return response.status_code, response.headers.get("location", "")


# Forms of "another host" that browsers normalise: a login must never send the browser there.
OFF_SITE = ["//evil.test/phish", "/\\evil.test", "/\\/evil.test", "\\\\evil.test", "https://evil.test",
            "/%2F%2Fevil.test", "/\t/evil.test", "/\n/evil.test", "javascript:alert(document.cookie)"]  # fmt: skip


@pytest.mark.parametrize("target", OFF_SITE, ids=repr)
async def test_login_redirect_never_leaves_the_site(user: User, target):
    locations: list[str] = []

    async def record(response: httpx.Response) -> None:
        if "location" in response.headers:
            locations.append(response.headers["location"])

    user.http_client.event_hooks["response"].append(record)
    await log_in(user, redirect_to=target)
    await user.should_see("Add provider", retries=20)  # this site's dashboard
    assert locations[-1] == "/", locations


async def test_login_keeps_a_path_of_this_site_with_its_query(user: User):
    status, location = await page_status(None, "/sync?tab=history")
    assert status == 307 and location == "/login?" + urlencode({"redirect_to": "/sync?tab=history"})
    await log_in(user, redirect_to="/sync?tab=history")
    await user.should_see("Plan preview", retries=20)


async def test_password_guessing_is_throttled_with_a_time_to_retry(user: User):
    await user.open("/login")
    now = [1000.0]
    guard().throttle.clock = lambda: now[0]  # frozen: a slow test machine must not end the wait early
    for _ in range(5):
        user.find("Password").type("guess")
        user.find(kind=ui.button, content="Log in").click()
    await user.should_see("Wrong password. Too many wrong passwords. Try again in 1 s.")
    await user.should_see(content="Try again in", marker="login-hint")
    user.find("Password").type(PASSWORD)  # the right one, during the wait: not even checked
    user.find(kind=ui.button, content="Log in").click()
    await user.should_see("Too many wrong passwords. Try again in 1 s.")
    await user.should_not_see("Add provider")
    assert guard().throttle.wait("127.0.0.1") > 0
    now[0] += 1.01  # the wait is over
    user.find("Password").type(PASSWORD)
    user.find(kind=ui.button, content="Log in").click()
    await user.should_see("Add provider", retries=20)


async def test_a_session_token_planted_before_login_is_never_promoted(user: User):
    """Session fixation: whatever cookie the browser had before, the login sets a fresh token."""
    user.http_client.cookies.set(COOKIE, "planted-by-the-attacker", domain="test.local")  # as the server sets it
    await log_in(user)
    await user.should_see("Add provider", retries=20)
    token = user.http_client.cookies.get(COOKIE)
    assert token and token != "planted-by-the-attacker"
    assert (await page_status("planted-by-the-attacker"))[1].startswith("/login")
    assert (await page_status(token))[0] == 200

    await log_in(user)  # a second login in the same browser: a new token, the old one ends
    await user.should_see("Add provider", retries=20)
    again = user.http_client.cookies.get(COOKIE)
    assert again != token
    assert (await page_status(token))[1].startswith("/login") and (await page_status(again))[0] == 200


async def test_a_login_ticket_works_once_and_only_in_the_browser_that_earned_it(user: User):
    await log_in(user)
    await user.should_see("Add provider", retries=20)
    stolen = guard().sessions.issue_ticket("/", "another-browser")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as browser:
        response = await browser.get(f"/login/finish?ticket={stolen}")
    assert response.headers["location"] == "/login" and COOKIE not in response.cookies


async def test_every_page_header_offers_log_out(user: User):
    await log_in(user)
    await user.should_see(marker="logout", retries=20)


async def test_log_out_ends_the_session(user: User):
    from ui.session import logout_button

    @ui.page("/logout-probe")
    def probe() -> None:
        logout_button()

    await log_in(user, redirect_to="/logout-probe")
    await user.should_see("Log out", retries=20)
    token = user.http_client.cookies.get(COOKIE)
    user.find(kind=ui.button, content="Log out").click()
    await user.should_see("Log in", retries=20)
    assert (await page_status(token))[1].startswith("/login")


async def test_an_idle_session_expires(user: User):
    await log_in(user)
    await user.should_see("Add provider", retries=20)
    token = user.http_client.cookies.get(COOKIE)
    sessions = guard().sessions
    assert sessions.idle_seconds == 12 * 3600  # SESSION_IDLE_HOURS' default
    start = time.time()
    sessions.clock = lambda: start + 11 * 3600
    assert (await page_status(token))[0] == 200  # a page load in time keeps it alive
    sessions.clock = lambda: start + 23 * 3600
    assert (await page_status(token))[0] == 200
    sessions.clock = lambda: start + 35 * 3600 + 1
    assert (await page_status(token))[1].startswith("/login")


async def test_changing_the_admin_password_logs_every_session_out(user: User):
    await log_in(user)
    await user.should_see("Add provider", retries=20)
    token = user.http_client.cookies.get(COOKIE)
    services = world.current.services
    services.settings = replace(services.settings, admin_password="a-new-password")
    assert (await page_status(token))[1].startswith("/login")
    services.settings = replace(services.settings, admin_password=PASSWORD)  # and back: still logged out
    assert (await page_status(token))[1].startswith("/login")
