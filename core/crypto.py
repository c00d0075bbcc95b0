"""Secrets at rest (Fernet) and secrets in text (masking and redaction).

A ``SecretBox`` is built once from ``ENCRYPTION_KEY`` and passed to whoever stores or reads keys.
A canary value encrypted with the key lives in the database, so a wrong key is detected at start-up
before anything is written.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote, quote_plus

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
    """Replace every spelling of each secret in ``text`` by its mask (see ``secret_forms``)."""
    wanted = tuple(sorted({s for s in secrets if s}))
    if not wanted or not text:
        return text
    return _redactor(wanted)(text)


def secret_forms(secret: str) -> set[str]:
    """The spellings a secret comes back in from a server, a log or a page: plain, JSON-escaped (with \\uXXXX and
    \\/ variants), URL-encoded (either case of the escapes), as HTML entities, and base64 (standard and URL-safe,
    at every alignment inside a longer encoded text, so ``Basic base64(user:key)`` is caught as well).

    Each spelling is also made of the secret JSON-escaped once and twice: a key inside a JSON string inside a
    JSON body (GPT-Load's ``keys_text``) comes back that way from a server that echoes the body URL-encoded or
    as HTML. For a key without ``"``, ``\\`` or control characters these are the secret itself (no extra forms).
    """
    once = json.dumps(secret)[1:-1]
    forms: set[str] = set()
    for base in {secret, once, json.dumps(once)[1:-1]}:
        forms |= _spellings(base)
    return forms


def _spellings(secret: str) -> set[str]:
    url = quote(secret, safe="")
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        secret.replace("/", "\\/"),
        json.dumps(secret)[1:-1].replace("/", "\\/"),  # PHP's json_encode: quotes and slashes both escaped
        "".join(f"\\u{ord(c):04x}" for c in secret),
        url,
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), url),
        quote_plus(secret),
        "".join(f"%{b:02X}" for b in secret.encode()),
        "".join(f"%{b:02x}" for b in secret.encode()),
        html.escape(secret),
        "".join(f"&#{ord(c)};" for c in secret),
        "".join(f"&#x{ord(c):x};" for c in secret),
    }
    raw = secret.encode()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        for offset in range(3):
            encoded = encode(b"\0" * offset + raw).decode()
            # Only the characters that depend on the secret's bytes alone: whole 3-byte groups inside it.
            start, end = -(-offset // 3) * 4, (offset + len(raw)) // 3 * 4
            if end - start >= MIN_ENCODED_FORM:
                forms.add(encoded[start:end])
    return {form for form in forms if form}


MIN_ENCODED_FORM = 8  # shorter base64 fragments would match ordinary text
# Between the characters of a key that a server or an editor wrapped: blanks, or JSON's escaped line breaks.
_SPLIT = r"(?:\s|\\[nrt])*"


@functools.lru_cache(maxsize=256)
def _redactor(secrets: tuple[str, ...]) -> Callable[[str], str]:
    masks = {form: mask(secret) for secret in secrets for form in secret_forms(secret)}
    literal = re.compile("|".join(re.escape(form) for form in sorted(masks, key=len, reverse=True)))
    # A key split by blanks or line breaks; short secrets would match too much of ordinary text this way.
    split = [
        (secret[:SPLIT_PREFIX], re.compile(_SPLIT.join(re.escape(c) for c in secret)), mask(secret))
        for secret in secrets
        if len(secret) >= MIN_SPLIT_SECRET
    ]

    def apply(text: str) -> str:
        text = literal.sub(lambda m: masks[m.group()], text)
        for prefix, pattern, masked in split:
            if prefix in text:  # a split key still shows its first characters whole (cheap pre-check)
                text = pattern.sub(masked, text)
        return text

    return apply


MIN_SPLIT_SECRET = 12
SPLIT_PREFIX = 3
