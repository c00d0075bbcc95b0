"""POST /api/backup and the restore through the import (issue 13): a round trip into an instance with another
ENCRYPTION_KEY whose keys work afterwards; re-authentication, its throttle, and every refusal leaving the
database byte-identical."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from fastapi import FastAPI

from core.login_guard import LoginThrottle
from core.models import Provider
from core.rest import install_api
from tests.backup_helpers import PASSPHRASE, database_digest, instance, registry_state, seed_registry
from tests.conftest import check_response_bodies

ADMIN = "admin-password-for-backups"


async def backup_of(api: httpx.AsyncClient, reauth: str, passphrase: str = PASSPHRASE) -> httpx.Response:
    return await api.post("/api/backup", json={"passphrase": passphrase}, headers={"X-Admin-Password": reauth})


async def test_a_backup_restores_into_a_fresh_instance_with_another_key_and_its_keys_work(tmp_path, fake, gptload):
    async with instance(tmp_path / "old", fake, gptload) as (services, api):
        await seed_registry(api, fake)
        before = await registry_state(api)
        old_key = services.settings.encryption_key
        keys = {p.name: sorted(services.box.decrypt_list(p.api_keys_token)) for p in await Provider.all()}
        response = await backup_of(api, reauth=old_key)
        assert response.status_code == 200, response.text
        bundle = response.content

    async with instance(tmp_path / "new", fake, gptload) as (services, api):
        assert services.settings.encryption_key != old_key
        body = {"bundle": base64.b64encode(bundle).decode(), "passphrase": PASSPHRASE}
        preview = await api.post("/api/import/preview", json=body)
        assert preview.status_code == 200, preview.text
        assert {p["name"] for p in preview.json()["providers"]} == {"acme", "gem"}
        assert preview.json()["conflicts"] == []
        applied = await api.post("/api/import/apply", json={"checksum": preview.json()["checksum"]})
        assert applied.status_code == 200, applied.text
        assert applied.json()["providers_created"] == 2

        assert await registry_state(api) == before  # names, test model, masked keys, every model and its state
        restored = {p.name: sorted(services.box.decrypt_list(p.api_keys_token)) for p in await Provider.all()}
        assert restored == keys  # under the new instance's own ENCRYPTION_KEY
        for provider in (await api.get("/api/providers")).json():
            tested = (await api.post(f"/api/providers/{provider['id']}/test")).json()
            assert tested["ok"] is True, tested
            assert all(key["ok"] for key in tested["keys"])


async def test_the_bundle_is_an_encrypted_attachment_named_by_its_time(tmp_path, fake, gptload, caplog):
    async with instance(tmp_path, fake, gptload) as (services, api):
        await seed_registry(api, fake)
        response = await backup_of(api, reauth=services.settings.encryption_key)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert re.fullmatch(
        r'attachment; filename="lpm-backup-\d{8}T\d{6}Z\.lpmbak"', response.headers["content-disposition"]
    )
    assert response.headers["cache-control"] == "no-store"
    assert response.content.startswith(b"LPMBAK") and b"acme" not in response.content
    assert PASSPHRASE not in caplog.text  # (the leak guards check the keys in every spelling)


async def test_with_an_admin_password_the_header_must_be_that_password_even_with_a_valid_bearer(
    tmp_path, fake, gptload
):
    async with instance(tmp_path, fake, gptload, ADMIN_PASSWORD=ADMIN) as (services, api):
        await seed_registry(api, fake)
        missing = await api.post("/api/backup", json={"passphrase": PASSPHRASE})
        assert (missing.status_code, missing.json()["code"]) == (401, "reauth_required")
        assert "X-Admin-Password" in missing.json()["detail"]
        # With a password set, the encryption key is not a way in.
        the_key = await backup_of(api, reauth=services.settings.encryption_key)
        assert (the_key.status_code, the_key.json()["code"]) == (401, "reauth_required")
        no_bearer = await api.post(
            "/api/backup", json={"passphrase": PASSPHRASE}, headers={"Authorization": "", "X-Admin-Password": ADMIN}
        )
        assert (no_bearer.status_code, no_bearer.json()["code"]) == (401, "unauthorized")
        assert (await backup_of(api, reauth=ADMIN)).status_code == 200


async def test_without_an_admin_password_the_header_carries_the_encryption_key(tmp_path, fake, gptload):
    async with instance(tmp_path, fake, gptload) as (services, api):
        wrong = await backup_of(api, reauth="not-the-encryption-key")
        assert (wrong.status_code, wrong.json()["code"]) == (401, "reauth_required")
        assert "ENCRYPTION_KEY" in wrong.json()["detail"]
        assert (await backup_of(api, reauth=services.settings.encryption_key)).status_code == 200


@pytest.mark.parametrize(
    ("reauth", "passphrase", "status", "code"),
    [
        (None, PASSPHRASE, 401, "reauth_required"),
        ("wrong password", PASSPHRASE, 401, "reauth_required"),
        (ADMIN, "eleven char", 400, "passphrase_too_short"),
    ],
    ids=["no-header", "wrong-header", "short-passphrase"],
)
async def test_a_refused_backup_leaves_the_database_byte_identical(
    tmp_path, fake, gptload, reauth, passphrase, status, code
):
    async with instance(tmp_path, fake, gptload, ADMIN_PASSWORD=ADMIN) as (services, api):
        await seed_registry(api, fake)
        before = database_digest(services.settings)
        headers = {"X-Admin-Password": reauth} if reauth else {}
        response = await api.post("/api/backup", json={"passphrase": passphrase}, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert database_digest(services.settings) == before


def flipped(bundle: bytes) -> bytes:
    changed = bytearray(bundle)
    changed[len(bundle) // 2] ^= 0x01
    return bytes(changed)


@pytest.mark.parametrize(
    ("spoil", "passphrase", "codes"),
    [
        (lambda b: b, PASSPHRASE + "!", {"backup_unreadable"}),
        (flipped, PASSPHRASE, {"backup_unreadable"}),
        (lambda b: b[: len(b) // 2], PASSPHRASE, {"backup_unreadable"}),
        (lambda b: b[:20], PASSPHRASE, {"backup_invalid"}),
        (lambda b: b"PK\x03\x04" + bytes(200), PASSPHRASE, {"backup_invalid"}),
    ],
    ids=["wrong-passphrase", "one-byte-flipped", "cut-in-half", "cut-to-the-header", "another-file"],
)
async def test_a_refused_restore_answers_400_and_leaves_the_database_byte_identical(
    tmp_path, fake, gptload, spoil, passphrase, codes
):
    async with instance(tmp_path / "old", fake, gptload) as (services, api):
        await seed_registry(api, fake)
        bundle = (await backup_of(api, reauth=services.settings.encryption_key)).content
    async with instance(tmp_path / "new", fake, gptload) as (services, api):
        before = database_digest(services.settings)
        body = {"bundle": base64.b64encode(spoil(bundle)).decode(), "passphrase": passphrase}
        response = await api.post("/api/import/preview", json=body)
        assert response.status_code == 400 and response.json()["code"] in codes, response.text
        assert "passphrase" in response.json()["detail"] or "cut short" in response.json()["detail"]
        assert database_digest(services.settings) == before
        assert await Provider.all().count() == 0


async def test_a_bundle_that_is_not_base64_is_refused(tmp_path, fake, gptload):
    async with instance(tmp_path, fake, gptload) as (services, api):
        before = database_digest(services.settings)
        response = await api.post("/api/import/preview", json={"bundle": "not base64!", "passphrase": PASSPHRASE})
        assert (response.status_code, response.json()["code"]) == (400, "backup_invalid")
        assert database_digest(services.settings) == before


async def test_wrong_passwords_are_throttled_like_logins_and_the_right_one_resets(tmp_path, fake, gptload):
    now = [1000.0]
    bodies: list[str] = []

    async def record(response: httpx.Response) -> None:
        bodies.append((await response.aread()).decode("utf-8", "replace"))

    async with instance(tmp_path, fake, gptload, ADMIN_PASSWORD=ADMIN) as (services, _):
        # The frozen clock: a slow machine must not end a wait early.
        services.password_throttle = LoginThrottle(clock=lambda: now[0])
        app = FastAPI()
        install_api(app, services)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        headers = {"Authorization": f"Bearer {ADMIN}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1", headers=headers, event_hooks={"response": [record]}
        ) as api:
            for _ in range(3):  # a missing header is no guess: it never counts
                assert (await api.post("/api/backup", json={"passphrase": PASSPHRASE})).status_code == 401
            answers = [await backup_of(api, reauth=f"guess {n}") for n in range(5)]
            assert [a.status_code for a in answers] == [401] * 5
            assert "Try again in 1 s" in answers[-1].json()["detail"]  # the 5th wrong one starts the wait

            throttled = await backup_of(api, reauth=ADMIN)  # not even the right password while waiting
            assert (throttled.status_code, throttled.json()["code"]) == (429, "reauth_throttled")
            assert throttled.headers["retry-after"] == "1"

            now[0] += 1.5
            assert (await backup_of(api, reauth=ADMIN)).status_code == 200
            assert (await backup_of(api, reauth="one more guess")).status_code == 401  # counts start over
            assert (await backup_of(api, reauth=ADMIN)).status_code == 200
    check_response_bodies(bodies)


async def test_the_login_page_and_the_backup_count_wrong_passwords_together(services):
    """A guesser gains no tries by alternating between the login page and the backup's re-authentication."""
    from ui.session import LoginGuard

    services.password_throttle.failed("203.0.113.9")
    assert LoginGuard(services).throttle is services.password_throttle
    assert LoginGuard(services).throttle.wait("203.0.113.9") == services.password_throttle.wait("203.0.113.9")
