"""The backup bundle (core.backup_bundle): round trip; every changed byte, a cut, a wrong passphrase refused."""

from __future__ import annotations

import pytest

from core.backup_bundle import HEADER_BYTES, MAGIC, seal, unseal
from core.errors import InvalidInput
from tests.conftest import fake_key

PASSPHRASE = "correct horse battery"
PAYLOAD = f'{{"providers": [{{"name": "a", "api_keys": ["{fake_key("a1")}"]}}]}}'.encode()


@pytest.fixture(scope="module")
def bundle() -> bytes:
    return seal(PAYLOAD, PASSPHRASE)


def test_a_bundle_opens_with_its_passphrase_and_shows_nothing_in_clear(bundle):
    assert unseal(bundle, PASSPHRASE) == PAYLOAD
    assert fake_key("a1").encode() not in bundle and b"providers" not in bundle
    assert seal(PAYLOAD, PASSPHRASE) != bundle  # a fresh salt and nonce every time


def test_a_wrong_passphrase_is_refused_with_a_clear_code(bundle):
    with pytest.raises(InvalidInput) as refused:
        unseal(bundle, PASSPHRASE + "!")
    assert refused.value.code == "backup_unreadable" and "passphrase is wrong" in refused.value.detail


@pytest.mark.parametrize("where", ["magic", "version", "params", "salt", "nonce", "ciphertext", "tag"])
def test_any_changed_byte_is_refused(bundle, where):
    offsets = {"magic": 0, "version": len(MAGIC), "params": len(MAGIC) + 1, "salt": len(MAGIC) + 4,
               "nonce": HEADER_BYTES - 1, "ciphertext": HEADER_BYTES + 3, "tag": len(bundle) - 1}  # fmt: skip
    changed = bytearray(bundle)
    changed[offsets[where]] ^= 0x01
    with pytest.raises(InvalidInput) as refused:
        unseal(bytes(changed), PASSPHRASE)
    assert refused.value.code in ("backup_invalid", "backup_unreadable")


@pytest.mark.parametrize("keep", [0, 5, HEADER_BYTES, HEADER_BYTES + 15, -1])
def test_a_cut_file_is_refused(bundle, keep):
    with pytest.raises(InvalidInput) as refused:
        unseal(bundle[:keep], PASSPHRASE)
    assert refused.value.code in ("backup_invalid", "backup_unreadable")


def test_a_hostile_bundle_cannot_ask_for_a_huge_key_derivation(bundle):
    greedy = bundle[: len(MAGIC) + 1] + bytes([30]) + bundle[len(MAGIC) + 2 :]  # n = 2^30: gigabytes of memory
    with pytest.raises(InvalidInput) as refused:
        unseal(greedy, PASSPHRASE)
    assert refused.value.code == "backup_invalid"


def test_a_short_passphrase_is_refused_before_anything_is_sealed():
    with pytest.raises(InvalidInput) as refused:
        seal(PAYLOAD, "too short")
    assert refused.value.code == "passphrase_too_short"
