"""Attack (issue 11, point 2): a provider gives the key back in another spelling, JSON-escaped, URL-encoded,
as HTML entities, in base64 (``Basic base64(user:key)``) or split by blanks and line breaks: in an error body
(a 401 of the key check, the provider test, a model fetch) or inside a chat answer (a model test's ``reply``).

No response, stored error or reply may hold the key in any spelling (``tests.conftest.key_spellings``, an
oracle written apart from ``core.crypto``); each test also checks that the echo arrived and was masked.
"""

from __future__ import annotations

import pytest

from core.crypto import mask
from core.models import Provider
from tests.conftest import fake_key, provider_body, secret_leaks
from tests.fakes.providers import ECHO_SPELLINGS

# Keys whose characters URL-, JSON- and HTML-encoding change too, so each spelling differs from the plain key.
KEY_LABELS = {"plain": "echo", "hostile": 'a/b+c&d<e>"f=g'}


def hostile_key(kind: str, spelling: str, dialect: str) -> str:
    return fake_key(f"{KEY_LABELS[kind]}-{spelling}-{dialect}")


@pytest.mark.parametrize("key_kind", KEY_LABELS)
@pytest.mark.parametrize("spelling", ECHO_SPELLINGS)
async def test_a_key_echoed_in_an_error_in_any_spelling_is_never_shown_or_stored(api, fake, spelling, key_kind):
    key = hostile_key(key_kind, spelling, "openai")
    account = fake.add("openai", "echo.test", [key], ["m-1"], echo=spelling)
    created = await api.post("/api/providers", json=provider_body(account))
    assert created.status_code == 201, created.text
    provider_id = created.json()["id"]
    account.failure = "echo_key_spelled"  # from now on every answer is a 401 that spells the key

    tested = await api.post(f"/api/providers/{provider_id}/test")
    fetched = await api.post(f"/api/providers/{provider_id}/fetch-models")
    checked = await api.post(
        "/api/providers/check", json={"base_url": account.base_url, "channel_type": "openai", "api_keys": [key]}
    )
    again = await api.post("/api/providers", json=provider_body(account, "echo-again"))
    listed = await api.get("/api/providers")
    stored = (await Provider.get(id=provider_id)).last_test_error

    assert again.status_code == 502 and tested.json()["ok"] is False
    assert "rejected the API key (HTTP 401): Unauthorized: the credentials" in stored  # the echo arrived ...
    assert mask(key) in stored  # ... and was found and masked
    shown = [tested.text, fetched.text, checked.text, again.text, listed.text, stored]
    assert not secret_leaks(shown, [key])


@pytest.mark.parametrize("key_kind", KEY_LABELS)
@pytest.mark.parametrize("spelling", ECHO_SPELLINGS)
@pytest.mark.parametrize("dialect", ["openai", "gemini", "anthropic"])
async def test_a_chat_answer_echoing_the_key_is_masked_in_the_model_test_reply(api, fake, dialect, spelling, key_kind):
    key = hostile_key(key_kind, spelling, dialect)
    account = fake.add(dialect, f"chat-{dialect}.test", [key], ["m-1"], echo=spelling)
    created = await api.post("/api/providers", json=provider_body(account))
    assert created.status_code == 201, created.text
    [model] = (await api.get(f"/api/providers/{created.json()['id']}/models")).json()
    account.failure = "echo_key_in_reply"  # the key is accepted; the model answers with it

    one = await api.post(f"/api/models/{model['id']}/test")
    many = await api.post("/api/models/test", json={"model_ids": [model["id"]]})

    reply = one.json()["reply"]
    assert one.json()["ok"] is True and reply.startswith("Sure! You called me with ")
    assert mask(key) in reply and many.json()[0]["reply"] == reply
    assert not secret_leaks([one.text, many.text, reply], [key])
