"""GPT-Load's test model: a chat model, the operator's pick, or one that answered (pure, table-driven)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.model_kinds import choose_test_model, is_chat_model
from tests.conftest import fake_key, provider_body


@pytest.mark.parametrize(
    ("name", "chat"),
    [
        ("gpt-4o", True),
        ("[官转]gpt-4o", True),
        ("anthropic/chat-2024-11-20", True),
        ("deepseek-ai/DeepSeek-V3.1", True),
        ("o3", True),
        ("qwen2.5-vl-72b-instruct", True),
        ("BAAI/bge-m3", False),
        ("text-embedding-3-small", False),
        ("gemini-embedding-001", False),
        ("embedding-001", False),
        ("intfloat/multilingual-e5-large", False),
        ("omni-moderation-latest", False),
        ("whisper-1", False),
        ("gpt-4o-mini-tts", False),
        ("gpt-4o-transcribe", False),
        ("gpt-4o-realtime-preview", False),
        ("gpt-4o-audio-preview", False),
        ("dall-e-3", False),
        ("gpt-image-1", False),
        ("imagen-3.0-generate-002", False),
        ("black-forest-labs/FLUX.1-schnell", False),
        ("jina-reranker-v2", False),
        ("BAAI/bge-reranker-v2-m3", False),
    ],
)
def test_chat_models_are_told_from_the_rest_by_name(name, chat):
    assert is_chat_model(name) is chat


@pytest.mark.parametrize(
    ("originals", "preferred", "tested_ok", "chosen"),
    [
        # the first original alphabetically was the embedding model: GPT-Load then marked good keys invalid
        (["BAAI/bge-m3", "gpt-4o"], None, [], "gpt-4o"),
        (["[官转]gpt-4o", "anthropic/chat-2024-11-20", "text-embedding-3-small"], None, [], "[官转]gpt-4o"),
        # a model whose last test succeeded comes first
        (["a-chat", "b-chat"], None, ["b-chat"], "b-chat"),
        # a passing test never promotes a model that cannot chat
        (["a-chat", "text-embedding-3-small"], None, ["text-embedding-3-small"], "a-chat"),
        # the operator's pick wins when the group serves it, even an odd one
        (["a-chat", "b-chat"], "b-chat", [], "b-chat"),
        (["a-chat", "b-chat"], "gone", [], "a-chat"),
        # a group that serves only embeddings still needs a test model
        (["text-embedding-3-large", "text-embedding-3-small"], None, [], "text-embedding-3-large"),
    ],
)
def test_the_test_model_is_chosen_in_order(originals, preferred, tested_ok, chosen):
    assert choose_test_model(originals, preferred, tested_ok) == chosen


@given(
    st.lists(st.sampled_from(["gpt-4o", "bge-m3", "whisper-1", "o3", "x-embedding", "claude"]), min_size=1),
    st.one_of(st.none(), st.sampled_from(["gpt-4o", "bge-m3", "nope"])),
)
def test_the_choice_is_always_served_and_a_chat_model_when_one_exists(originals, preferred):
    chosen = choose_test_model(originals, preferred)
    assert chosen in originals
    if chosen != preferred and any(is_chat_model(n) for n in originals):
        assert is_chat_model(chosen)


async def test_gptload_gets_a_chat_test_model_the_operator_can_see_and_pick(api, services, fake, gptload):
    """An embedding model sorts first; GPT-Load still validates keys with a chat model, and the pick sticks."""
    account = fake.add("openai", "emb.test", [fake_key("emb")], ["BAAI/bge-m3", "gpt-4o", "o3"])
    provider = (await api.post("/api/providers", json=provider_body(account, "emb"))).json()
    assert (provider["test_model"], provider["gptload_test_model"]) == (None, "gpt-4o")

    refused = await api.put(f"/api/providers/{provider['id']}", json={"test_model": "not-served"})
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_test_model")
    picked = (await api.put(f"/api/providers/{provider['id']}", json={"test_model": "o3"})).json()
    assert (picked["test_model"], picked["gptload_test_model"]) == ("o3", "o3")

    await services.sync.start()
    await services.sync.wait()
    assert gptload.groups_by_name()["emb-no-aggregate-models"]["test_model"] == "o3"
    automatic = (await api.put(f"/api/providers/{provider['id']}", json={"test_model": ""})).json()
    assert (automatic["test_model"], automatic["gptload_test_model"]) == (None, "gpt-4o")


async def test_a_model_that_answered_its_test_becomes_the_test_model(api, fake):
    account = fake.add("openai", "t.test", [fake_key("t")], ["a-chat", "b-chat"])
    provider = (await api.post("/api/providers", json=provider_body(account, "t"))).json()
    models = {m["original_name"]: m["id"] for m in (await api.get(f"/api/providers/{provider['id']}/models")).json()}
    account.broken_models.add("a-chat")
    assert (await api.post(f"/api/models/{models['a-chat']}/test")).json()["ok"] is False
    assert (await api.post(f"/api/models/{models['b-chat']}/test")).json()["ok"] is True
    assert (await api.get(f"/api/providers/{provider['id']}")).json()["gptload_test_model"] == "b-chat"
