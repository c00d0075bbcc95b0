"""Secrets: masking, redaction, encryption round trip and the wrong-key canary."""

from __future__ import annotations

import pytest
from cryptography.fernet import InvalidToken

from core.crypto import SecretBox, generate_key, mask, redact
from core.errors import StartupError


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        ("sk-proj-abcdefghijklmnopa1b2", "sk-…a1b2"),
        ("AIzaSyA-0123456789abcdefghijklmnop", "AIz…mnop"),
        ("short-key-12", "…12"),
        ("tiny", "…"),
    ],
)
def test_mask_shows_at_most_a_prefix_and_the_last_four(secret, masked):
    assert mask(secret) == masked


def test_redact_replaces_every_occurrence_longest_first():
    long, short = "sk-abcdefghijklmnop-1234", "sk-abcdefghijklmnop"
    text = f"bad key {long}; also {short}!"
    assert redact(text, [short, long, ""]) == f"bad key {mask(long)}; also {mask(short)}!"


def test_secret_box_round_trips_lists_and_tokens_differ_each_time():
    box = SecretBox(generate_key())
    token = box.encrypt_list(["a", "b"])
    assert box.decrypt_list(token) == ["a", "b"]
    assert box.encrypt_list(["a", "b"]) != token


def test_another_key_cannot_decrypt():
    token = SecretBox(generate_key()).encrypt("x")
    with pytest.raises(InvalidToken):
        SecretBox(generate_key()).decrypt(token)


def test_canary_of_another_key_is_a_startup_error():
    canary = SecretBox(generate_key()).make_canary()
    with pytest.raises(StartupError, match="cannot decrypt the stored secrets"):
        SecretBox(generate_key()).check_canary(canary)
    key = generate_key()
    SecretBox(key).check_canary(SecretBox(key).make_canary())  # the same key passes


@pytest.mark.parametrize("key", ["", "not-a-key", "a" * 44])
def test_malformed_key_is_a_startup_error_with_the_fix(key):
    with pytest.raises(StartupError, match="Generate one with"):
        SecretBox(key)
