"""Texts of the login page (ui/session.py).

English and Simplified Chinese side by side: the same keys and placeholders in both (tests/test_i18n.py)."""

from __future__ import annotations

EN: dict[str, str] = {
    "login.password": "Password",
    "login.log_in": "Log in",
    "login.wrong": "Wrong password",
    "login.wrong_wait": "Wrong password. {retry}",
    # the same words as REST's (core/login_guard.py, retry_message)
    "login.retry_seconds": "Too many wrong passwords. Try again in {seconds} s.",
    "login.retry_minutes": "Too many wrong passwords. Try again in {minutes} min.",
}

ZH: dict[str, str] = {
    "login.password": "密码",
    "login.log_in": "登录",
    "login.wrong": "密码错误",
    "login.wrong_wait": "密码错误。{retry}",
    "login.retry_seconds": "密码错误次数过多。请在 {seconds} 秒后重试。",
    "login.retry_minutes": "密码错误次数过多。请在 {minutes} 分钟后重试。",
}
