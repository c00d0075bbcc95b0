"""The login's rules on their own (core/login_guard.py, issue 11 point 9): redirect targets, the wrong-password
throttle and session validity, table-driven with a fake clock. tests/security/test_login.py attacks the page."""

from __future__ import annotations

import pytest

from core.login_guard import (
    CLIENT_POLICY,
    GLOBAL_POLICY,
    LoginThrottle,
    Session,
    SessionStore,
    ThrottlePolicy,
    password_fingerprint,
    retry_message,
    safe_redirect_target,
    session_valid,
)


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# Every form a browser reads as "another host" (WHATWG URL parsing: "\" is "/", tab/CR/LF are dropped).
OFF_SITE = [
    "//evil.test",
    "/\\evil.test",
    "/\\/evil.test",
    "\\\\evil.test",
    "\\/evil.test",
    "https://evil.test",
    "http:evil.test",
    "javascript:alert(1)",
    "/%2F%2Fevil.test",
    "/%2f/evil.test",
    "/%5Cevil.test",
    "/%252F%252Fevil.test",  # decoded twice on the way
    "/\t/evil.test",
    "/\n/evil.test",
    "/\r\n/evil.test",
    "/%09/evil.test",
    "/%0d%0a/evil.test",
    " //evil.test",
    "\t//evil.test",
    "//evil.test/%2e%2e",
    "///evil.test",
    "evil.test",
    "",
    None,
    "/" + "a" * 3000,
    "/login?redirect_to=//evil.test",
]


@pytest.mark.parametrize("raw", OFF_SITE, ids=repr)
def test_off_site_targets_lead_home(raw):
    assert safe_redirect_target(raw) == "/"


@pytest.mark.parametrize("raw", ["/", "/sync", "/providers/3", "/ok?x=1", "/providers/3?tab=keys#models", "/a%20b"])
def test_paths_of_this_site_are_kept(raw):
    expected = "/" if "%20" in raw else raw  # an encoded blank decodes to one: refused, harmlessly
    assert safe_redirect_target(raw) == expected


def fail(throttle: LoginThrottle, client: str, times: int) -> float:
    wait = 0.0
    for _ in range(times):
        wait = throttle.failed(client)
    return wait


def test_five_wrong_passwords_are_free_then_the_wait_doubles_up_to_a_cap():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, global_policy=CLIENT_POLICY)
    waits = []
    for _ in range(20):
        waits.append(throttle.failed("10.0.0.1"))
        clock.now += waits[-1]  # the attacker waits exactly as long as told
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:10] == [1, 2, 4, 8, 16, 32]
    assert max(waits) == CLIENT_POLICY.max_delay == waits[-1]


def test_no_attempt_counts_during_a_wait_and_the_wait_is_reported():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    assert fail(throttle, "a", 6) == 2
    clock.now += 1.5
    assert throttle.wait("a") == pytest.approx(0.5)
    assert retry_message(throttle.wait("a")) == "Too many wrong passwords. Try again in 1 s."
    assert retry_message(900) == "Too many wrong passwords. Try again in 15 min."


def test_one_client_waits_alone_until_the_global_count_is_reached():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, global_policy=ThrottlePolicy(50, 1, 60, 3600))
    fail(throttle, "attacker", 8)
    assert throttle.wait("attacker") > 0 and throttle.wait("admin") == 0


def test_many_addresses_hit_the_global_limit_capped_at_a_minute():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    for i in range(40):  # a botnet: one wrong password per address, each waiting as long as told
        clock.now += throttle.wait("anyone")
        throttle.failed(f"10.0.0.{i}")
    assert throttle.wait("10.9.9.9") == GLOBAL_POLICY.max_delay == 60  # the admin too: at most a minute


def test_success_resets_and_quiet_time_forgets():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    fail(throttle, "a", 7)
    throttle.succeeded("a")
    assert throttle.wait("a") == 0 and throttle.failed("a") == 0
    fail(throttle, "b", 7)
    clock.now += CLIENT_POLICY.forget_after + CLIENT_POLICY.max_delay + 1
    assert throttle.wait("b") == 0 and throttle.failed("b") == 0


SECRET = "encryption-key"
FP = password_fingerprint("hunter2", SECRET)


@pytest.mark.parametrize(
    ("session", "fingerprint", "now", "valid"),
    [
        (Session(0, 100, FP), FP, 100 + 12 * 3600, True),
        (Session(0, 100, FP), FP, 101 + 12 * 3600, False),  # idle too long
        (Session(0, 100, FP), password_fingerprint("changed", SECRET), 200, False),  # ADMIN_PASSWORD changed
        (Session(0, 100, FP), password_fingerprint("hunter2", "other-key"), 200, False),
        (Session(500, 500, FP), FP, 100, False),  # the clock went back past the login
        (None, FP, 100, False),
    ],
)
def test_session_validity(session, fingerprint, now, valid):
    assert session_valid(session, fingerprint, now, 12 * 3600) is valid


def test_the_fingerprint_does_not_contain_the_password():
    assert "hunter2" not in FP and password_fingerprint("hunter2", SECRET) == FP


def test_a_login_opens_a_fresh_token_and_ends_the_previous_one():
    clock = FakeClock()
    store = SessionStore(idle_seconds=3600, clock=clock)
    first = store.open(FP)
    second = store.open(FP, replacing=first)
    assert first != second and not store.check(first, FP) and store.check(second, FP)
    assert not store.check("planted-by-someone", FP) and len(store) == 1
    store.close(second)
    assert not store.check(second, FP)


def test_use_keeps_a_session_alive_and_idleness_ends_it():
    clock = FakeClock()
    store = SessionStore(idle_seconds=3600, clock=clock)
    token = store.open(FP)
    for _ in range(5):
        clock.now += 3500
        assert store.check(token, FP)
    clock.now += 3601
    assert not store.check(token, FP)
    clock.now -= 3601
    assert not store.check(token, FP)  # an expired session is gone, not only hidden


def test_tickets_are_single_use_short_lived_and_bound_to_their_browser():
    clock = FakeClock()
    store = SessionStore(idle_seconds=3600, clock=clock)
    ticket = store.issue_ticket("/sync", "browser-1")
    assert store.redeem(ticket, "browser-2") is None  # and it is used up by the try
    ticket = store.issue_ticket("//evil.test", "browser-1")
    assert store.redeem(ticket, "browser-1") == "/"
    assert store.redeem(ticket, "browser-1") is None
    late = store.issue_ticket("/sync", None)
    clock.now += 61
    assert store.redeem(late, None) is None
