"""Secrets at rest (Fernet) and secrets in text (masking and redaction).

A ``SecretBox`` is built once from ``ENCRYPTION_KEY`` and passed to whoever stores or reads keys.
A canary value encrypted with the key lives in the database, so a wrong key is detected at start-up
before anything is written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken

from core.errors import StartupError

CANARY_PLAINTEXT = "llm-provider-manager canary v1"
GENERATE_HINT = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


class SecretBox:
    """Encrypts and decrypts secrets with one Fernet key."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode() if isinstance(key, str) else key)
        except (ValueError, TypeError):
            raise StartupError(
                "ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes). "
                f"Generate one with {GENERATE_HINT}."
            ) from None

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Raises ``cryptography.fernet.InvalidToken`` when the token was made with another key."""
        return self._fernet.decrypt(token.encode()).decode()

    def encrypt_list(self, values: list[str]) -> str:
        return self.encrypt(json.dumps(values))

    def decrypt_list(self, token: str) -> list[str]:
        return json.loads(self.decrypt(token))

    def make_canary(self) -> str:
        return self.encrypt(CANARY_PLAINTEXT)

    def check_canary(self, token: str) -> None:
        try:
            ok = self.decrypt(token) == CANARY_PLAINTEXT
        except InvalidToken:
            ok = False
        if not ok:
            raise StartupError(
                "ENCRYPTION_KEY cannot decrypt the stored secrets: it is not the key this database was created with. "
                "Restore the original key (see your .env or secret store); nothing was changed."
            )


def generate_key() -> str:
    return Fernet.generate_key().decode()


def mask(secret: str) -> str:
    """``sk-abcdef…a1b2`` -> ``sk-…a1b2``; short secrets reveal less, never more than a quarter."""
    if len(secret) >= 16:
        return f"{secret[:3]}…{secret[-4:]}"
    if len(secret) >= 8:
        return f"…{secret[-2:]}"
    return "…"


def key_fingerprint(key: str) -> str:
    """A short, stable, one-way name for a key: tells keys with the same mask apart, reveals nothing."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret in ``text`` by its mask (longest first, so no part survives)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, mask(secret))
    return text
