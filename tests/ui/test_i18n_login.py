"""The login page in Chinese (issue 14 §5). It is shown before any session exists, so its language comes from
the browser's Accept-Language (or the operator's earlier choice in the header, remembered for the browser): the
form, the wrong-password message and the throttle's time to wait are Chinese for a zh-CN browser. REST keeps
the throttle's English words (core/login_guard.py), and the page's English says the same.
"""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from core.login_guard import retry_message
from tests.ui.chinese import NOT_THE_PAGES_WORDS, english_on_page, shown_texts
from ui.session import retry_text

PASSWORD = "hunter2-correct"


@pytest.fixture(autouse=True)
def admin_password(monkeypatch) -> None:
    """The UI test app (tests/ui/app_main.py) with ADMIN_PASSWORD set; after conftest's fixture removed it."""
    monkeypatch.setenv("LPM_UI_TEST_PASSWORD", PASSWORD)


def guard():
    from ui.session import current_guard  # the module of this test's app (NiceGUI re-imports ui per test)

    found = current_guard()
    assert found is not None
    return found


def attempt(user: User, password: str, field: str = "密码", button: str = "登录") -> None:
    user.find(kind=ui.input, content=field).type(password)
    user.find(kind=ui.button, content=button).click()


async def test_a_chinese_browser_gets_the_login_page_and_its_messages_in_chinese(chinese_browser: User, w):
    user = chinese_browser
    await user.open("/sync")  # no session: the login page, before any page of the app
    await user.should_see(kind=ui.button, content="登录")
    await user.should_see(kind=ui.input, content="密码")
    now = [1000.0]
    guard().throttle.clock = lambda: now[0]  # frozen: a slow test machine must not end the wait early

    attempt(user, "guess")
    await user.should_see("密码错误")
    for _ in range(4):
        attempt(user, "guess")
    await user.should_see("密码错误。密码错误次数过多。请在 1 秒后重试。")
    await user.should_see(content="请在 1 秒后重试。", marker="login-hint")
    attempt(user, PASSWORD)  # the right one, during the wait: not even checked
    await user.should_see("密码错误次数过多。请在 1 秒后重试。")
    assert len(shown_texts(user, NOT_THE_PAGES_WORDS)) >= 4  # the title, the field, the hint and the button
    assert english_on_page(user) == {}

    now[0] += 1.01  # the wait is over
    attempt(user, PASSWORD)
    await user.should_see("同步配置", retries=20)  # the page asked for, in Chinese too


async def test_the_language_chosen_in_the_header_is_the_login_pages_too(chinese_browser: User, w):
    user = chinese_browser
    await user.open("/login")
    attempt(user, PASSWORD)
    await user.should_see(marker="lang-en", retries=20)
    user.find(marker="lang-en").click()  # remembered for this browser
    await user.open("/")
    await user.should_see("Add provider", retries=30)
    user.find(marker="logout").click()
    await user.should_see(kind=ui.button, content="Log in", retries=20)
    attempt(user, "guess", field="Password", button="Log in")
    await user.should_see("Wrong password")


async def test_the_login_check_would_see_english(user: User, w):
    await user.open("/login")
    attempt(user, "guess", field="Password", button="Log in")
    await user.should_see("Wrong password")
    found = english_on_page(user)
    for text in ("Password", "Log in", "Wrong password"):
        assert text in found


@pytest.mark.parametrize("wait", [0.0, 0.2, 1.0, 1.5, 59.9, 119.0, 119.5, 120.0, 900.0, 3601.0])
def test_the_pages_time_to_wait_says_what_rest_says(wait):
    """The page's words for a wait (English outside a page) are REST's, rounded the same way."""
    assert retry_text(wait) == retry_message(wait)
