"""The leak guards of tests/conftest.py catch a key in every spelling the attacks use, and nothing else.

Every test's log records and REST response bodies pass ``check_log_messages`` and ``check_response_bodies``
(the autouse guards). These tests plant a key where a guard looks and show that it fails the test.
"""

from __future__ import annotations

import base64
import logging

import pytest

from core.crypto import mask
from tests import conftest
from tests.conftest import GPTLOAD_ADMIN_KEY, fake_key, secret_leaks
from tests.fakes.providers import ECHO_SPELLINGS

KEYS = [fake_key("guard"), fake_key('guard/"+&<>=x'), GPTLOAD_ADMIN_KEY]


@pytest.mark.parametrize("key", KEYS, ids=["plain", "hostile", "admin"])
@pytest.mark.parametrize("spelling", ECHO_SPELLINGS)
def test_every_spelling_an_attack_uses_is_caught(spelling, key):
    text = f"upstream said: {ECHO_SPELLINGS[spelling](key)} (request 42)"
    assert secret_leaks([text]), text


@pytest.mark.parametrize("prefix", ["", "u", "us", "user:", "Authorization: x"])
def test_base64_is_caught_at_any_alignment_inside_a_longer_encoded_text(prefix):
    encoded = base64.b64encode(f"{prefix}{KEYS[0]}:trailing".encode()).decode()
    assert secret_leaks([f"Basic {encoded}"])


def test_masked_keys_and_ordinary_text_are_not_leaks():
    texts = [
        " ".join(mask(k) for k in KEYS),
        "RUNS Q1JF U0VD SECRETS-of-the-trade: the -SECRET marker without its dashes",
        base64.b64encode(b"an unrelated token 0123456789abcdef").decode(),
    ]
    assert secret_leaks(texts) == []


def test_the_response_guard_fails_on_a_planted_base64_and_html_entity_key():
    basic = "Basic " + base64.b64encode(f"user:{KEYS[0]}".encode()).decode()
    entities = "".join(f"&#{ord(c)};" for c in KEYS[1])
    for planted in (f'{{"detail": "{basic}"}}', f"<div>{entities}</div>"):
        conftest._responses.append(planted)
        with pytest.raises(AssertionError, match="in another spelling"):
            conftest.check_response_bodies(conftest._responses)
        conftest._responses.remove(planted)  # this test's own teardown must pass


def test_the_log_guard_fails_on_a_planted_base64_and_html_entity_key(caplog):
    log = logging.getLogger("tests.planted")
    log.warning("upstream headers: authorization=Basic %s", base64.b64encode(f"u:{KEYS[2]}".encode()).decode())
    with pytest.raises(AssertionError, match="reached the log in another spelling"):
        conftest.check_log_messages([r.getMessage() for r in caplog.records])
    caplog.clear()
    log.warning("<p>%s</p>", "".join(f"&#x{ord(c):x};" for c in KEYS[0]))
    with pytest.raises(AssertionError, match="reached the log in another spelling"):
        conftest.check_log_messages([r.getMessage() for r in caplog.records])
    caplog.clear()  # this test's own teardown must pass
