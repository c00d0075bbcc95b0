"""The UI login's pure parts: where a login may send the browser, wrong-password throttling, sessions.

No I/O and no framework: the clock is injected, so every rule is tested with a fake one. ``ui/session.py``
wires them to the login page, its cookie and the page guard.

- ``safe_redirect_target``: only a path of this site; every form a browser reads as another host
  (``//host``, ``/\\host``, ``\\\\host``, tab/newline-split, percent-encoded) becomes ``/``.
- ``LoginThrottle``: per client address and globally, the 5th wrong password starts a wait of 1 s and
  each further one doubles it (2 s, 4 s, ...) up to a cap (15 min per client, 1 min globally, so a
  stranger can delay the admin by at most a minute). No password is tried while waiting.
- ``SessionStore``: a login gets a fresh random token (the cookie's value; only its hash is kept) that
  replaces any previous one; it dies on logout, after ``SESSION_IDLE_HOURS`` without a page load, and when
  ``ADMIN_PASSWORD`` changes (each session keeps a fingerprint of the password it was opened with).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

Clock = Callable[[], float]

# ---------------------------------------------------------------------------------------------------------
# Where to go after logging in
# ---------------------------------------------------------------------------------------------------------

HOME = "/"
# Control characters (browsers drop tab, CR and LF from URLs: "/\t/host" is "//host") and backslashes
# (browsers read "\" as "/" in http URLs: "/\host" is "//host").
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def safe_redirect_target(raw: str | None) -> str:
    """``raw`` when it is a path of this site (``/sync``, ``/providers/3?tab=keys``), else ``/``."""
    if not raw or not raw.startswith("/") or len(raw) > 2000:
        return HOME
    # Check every decoding a browser or a proxy could apply: "/%2F%2Fhost" decodes to "//host".
    seen, text = [raw], raw
    for _ in range(3):
        text = unquote(text)
        seen.append(text)
    for form in seen:
        if _UNSAFE.search(form) or form.startswith("//") or not form.startswith("/"):
            return HOME
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return HOME
    if raw == "/login" or raw.startswith(("/login?", "/login/")):
        return HOME
    return raw


# ---------------------------------------------------------------------------------------------------------
# Wrong passwords
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThrottlePolicy:
    failures_before_wait: int  # the wrong password that starts the waits
    first_delay: float  # seconds to wait after it; doubles with each further wrong password
    max_delay: float
    forget_after: float  # a quiet period after which the failures are forgotten


CLIENT_POLICY = ThrottlePolicy(failures_before_wait=5, first_delay=1.0, max_delay=15 * 60, forget_after=60 * 60)
GLOBAL_POLICY = ThrottlePolicy(failures_before_wait=5, first_delay=1.0, max_delay=60, forget_after=60 * 60)
MAX_TRACKED_CLIENTS = 10_000


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


@dataclass
class LoginThrottle:
    """Counts wrong passwords per client address and over all clients; says how long to wait."""

    clock: Clock = time.monotonic
    client_policy: ThrottlePolicy = CLIENT_POLICY
    global_policy: ThrottlePolicy = GLOBAL_POLICY
    _clients: dict[str, _Failures] = field(default_factory=dict)
    _global: _Failures = field(default_factory=_Failures)

    def wait(self, client: str) -> float:
        """Seconds before ``client`` may try a password (0: now)."""
        now = self.clock()
        mine = self._current(self._clients.get(client), self.client_policy, now)
        overall = self._current(self._global, self.global_policy, now)
        return max(0.0, mine.locked_until - now, overall.locked_until - now)

    def failed(self, client: str) -> float:
        """Record a wrong password; returns the wait before the next attempt (0: none)."""
        now = self.clock()
        if client not in self._clients and len(self._clients) >= MAX_TRACKED_CLIENTS:
            self._prune(now)
        mine = self._clients[client] = self._current(self._clients.get(client), self.client_policy, now)
        self._global = self._current(self._global, self.global_policy, now)
        for record, policy in ((mine, self.client_policy), (self._global, self.global_policy)):
            record.count += 1
            record.last = now
            beyond = record.count - policy.failures_before_wait
            if beyond >= 0:
                delay = min(policy.max_delay, policy.first_delay * 2 ** min(beyond, 32))
                record.locked_until = max(record.locked_until, now + delay)
        return self.wait(client)

    def succeeded(self, client: str) -> None:
        """The right password: this client's failures, and the global count, start over."""
        self._clients.pop(client, None)
        self._global = _Failures()

    @staticmethod
    def _current(record: _Failures | None, policy: ThrottlePolicy, now: float) -> _Failures:
        if record is None or (now - record.last > policy.forget_after and now >= record.locked_until):
            return _Failures()
        return record

    def _prune(self, now: float) -> None:
        stale = [c for c, r in self._clients.items() if self._current(r, self.client_policy, now).count == 0]
        for client in stale:
            del self._clients[client]
        while len(self._clients) >= MAX_TRACKED_CLIENTS:  # still full: forget the quietest
            del self._clients[min(self._clients, key=lambda c: self._clients[c].last)]


def retry_after(wait: float) -> tuple[int, str]:
    """How long a client must wait, as people count it: whole seconds (at least one), minutes from two minutes
    up. ``(amount, "s" | "min")``: REST words it here, the pages in their own language."""
    seconds = max(1, math.ceil(wait))
    return (seconds, "s") if seconds < 120 else (math.ceil(seconds / 60), "min")


def retry_message(wait: float) -> str:
    """What REST says while a client must wait."""
    amount, unit = retry_after(wait)
    return f"Too many wrong passwords. Try again in {amount} {unit}."


# ---------------------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------------------

TICKET_SECONDS = 60.0
MAX_SESSIONS = 1_000
_FINGERPRINT_LABEL = b"llm-provider-manager ui session v1\x00"


def password_fingerprint(password: str, secret: str) -> str:
    """A keyed digest of ``ADMIN_PASSWORD``: equal while the password is; reveals nothing without ``secret``."""
    return hmac.new(secret.encode(), _FINGERPRINT_LABEL + password.encode(), hashlib.sha256).hexdigest()


@dataclass
class Session:
    login_at: float
    last_seen: float
    fingerprint: str


def session_valid(session: Session | None, fingerprint: str, now: float, idle_seconds: float) -> bool:
    """Open, used within ``idle_seconds``, and opened with the password that is set now."""
    if session is None:
        return False
    if now - session.last_seen > idle_seconds or now < session.login_at:
        return False
    return hmac.compare_digest(session.fingerprint, fingerprint)


@dataclass
class _Ticket:
    expires: float
    target: str
    browser: str | None


@dataclass
class SessionStore:
    """Logged-in browsers, by the hash of their session token; login tickets waiting to become sessions.

    A ticket carries a correct login from the page (a websocket, which cannot set a cookie) to the HTTP
    request that sets the session cookie; it is single-use, bound to the browser that earned it, short-lived.
    """

    idle_seconds: float
    clock: Clock = time.time
    _sessions: dict[str, Session] = field(default_factory=dict)
    _tickets: dict[str, _Ticket] = field(default_factory=dict)

    def issue_ticket(self, target: str, browser: str | None) -> str:
        now = self.clock()
        self._tickets = {k: t for k, t in self._tickets.items() if t.expires > now}
        ticket = secrets.token_urlsafe(32)
        self._tickets[_digest(ticket)] = _Ticket(now + TICKET_SECONDS, safe_redirect_target(target), browser)
        return ticket

    def redeem(self, ticket: str | None, browser: str | None) -> str | None:
        """The target of a valid ticket (which is used up), else None."""
        if not ticket:
            return None
        found = self._tickets.pop(_digest(ticket), None)
        if found is None or found.expires < self.clock() or found.browser != browser:
            return None
        return found.target

    def open(self, fingerprint: str, replacing: str | None = None) -> str:
        """A new session's token. The old one (``replacing``) ends first: a token never outlives a login."""
        self.close(replacing)
        now = self.clock()
        self._prune(now)
        token = secrets.token_urlsafe(32)
        self._sessions[_digest(token)] = Session(login_at=now, last_seen=now, fingerprint=fingerprint)
        return token

    def check(self, token: str | None, fingerprint: str) -> bool:
        """Whether ``token`` is a valid session now; a valid one is marked as seen, an invalid one removed."""
        if not token:
            return False
        key, now = _digest(token), self.clock()
        session = self._sessions.get(key)
        if not session_valid(session, fingerprint, now, self.idle_seconds):
            self._sessions.pop(key, None)
            return False
        assert session is not None
        session.last_seen = now
        return True

    def close(self, token: str | None) -> None:
        if token:
            self._sessions.pop(_digest(token), None)

    def __len__(self) -> int:
        return len(self._sessions)

    def _prune(self, now: float) -> None:
        self._sessions = {k: s for k, s in self._sessions.items() if now - s.last_seen <= self.idle_seconds}
        while len(self._sessions) >= MAX_SESSIONS:
            del self._sessions[min(self._sessions, key=lambda k: self._sessions[k].last_seen)]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
