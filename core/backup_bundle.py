"""The encrypted backup bundle (issue 13): bytes in, bytes out, sealed with a passphrase (pure).

A backup must open on another instance, with another ``ENCRYPTION_KEY``, so it is sealed with a key derived
from the operator's passphrase (scrypt) and an authenticated cipher (AES-256-GCM). The header (format,
version, scrypt parameters, salt, nonce) is authenticated too, so no byte of the file can change unnoticed.
A wrong passphrase and a changed file look the same to the cipher: both are refused with one clear message.

    b"LPMBAK" | version (1) | log2 n, r, p (1 byte each) | salt (16) | nonce (12) | ciphertext + tag (16)
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from core.errors import InvalidInput
from core.phrases import Phrase, refusal

MAGIC = b"LPMBAK"
VERSION = 1
MIN_PASSPHRASE = 12
# scrypt at 2^15 x 8: ~32 MiB and a fraction of a second per attempt, for guessing as for opening.
LOG2_N, R, P = 15, 8, 1
# What a bundle may ask for when it is opened: a hostile file must not make this process spend gigabytes.
MAX_LOG2_N, MAX_R, MAX_P = 20, 16, 4
SALT_BYTES, NONCE_BYTES, TAG_BYTES = 16, 12, 16
HEADER_BYTES = len(MAGIC) + 1 + 3 + SALT_BYTES + NONCE_BYTES


def seal(payload: bytes, passphrase: str) -> bytes:
    """The bundle of ``payload``; ``InvalidInput`` (passphrase_too_short) for a passphrase under 12 characters."""
    check_passphrase(passphrase)
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    header = MAGIC + bytes([VERSION, LOG2_N, R, P]) + salt + nonce
    key = _derive(passphrase, salt, LOG2_N, R, P)
    return header + AESGCM(key).encrypt(nonce, payload, header)


def unseal(bundle: bytes, passphrase: str) -> bytes:
    """The payload of ``bundle``; ``InvalidInput`` with code ``backup_invalid`` for a file that is no bundle of
    this format (or is cut short), ``backup_unreadable`` for a wrong passphrase or a changed file."""
    if len(bundle) < HEADER_BYTES + TAG_BYTES or not bundle.startswith(MAGIC):
        raise refusal(InvalidInput, Phrase("not_a_backup"), code="backup_invalid")
    version, log2_n, r, p = bundle[len(MAGIC) : len(MAGIC) + 4]
    if version != VERSION:
        versions = {"version": version, "supported": VERSION}
        raise refusal(InvalidInput, Phrase("bundle_format", versions), code="backup_invalid")
    if not (10 <= log2_n <= MAX_LOG2_N and 1 <= r <= MAX_R and 1 <= p <= MAX_P):
        raise refusal(InvalidInput, Phrase("key_derivation_out_of_range"), code="backup_invalid")
    header = bundle[:HEADER_BYTES]
    salt = header[len(MAGIC) + 4 : len(MAGIC) + 4 + SALT_BYTES]
    nonce = header[-NONCE_BYTES:]
    key = _derive(passphrase, salt, log2_n, r, p)
    try:
        return AESGCM(key).decrypt(nonce, bundle[HEADER_BYTES:], header)
    except InvalidTag:
        raise refusal(InvalidInput, Phrase("wrong_passphrase"), code="backup_unreadable") from None


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        too_short = Phrase("passphrase_too_short", {"count": MIN_PASSPHRASE})
        raise refusal(InvalidInput, too_short, code="passphrase_too_short")


def _derive(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p).derive(passphrase.encode("utf-8"))
