"""The channel table: where each dialect lives under a base URL, how it is reached through GPT-Load and uni-api."""

from __future__ import annotations

import pytest

from core.channels import (
    CHANNEL_TYPES,
    CHANNELS,
    UNIAPI_ENGINES,
    chat_suffix_of_engine,
    check_channel_type,
    clean_base_url,
)
from core.errors import InvalidInput


@pytest.mark.parametrize(
    ("channel", "base", "models", "chat", "root"),
    [
        ("openai", "https://api.x.com", "https://api.x.com/v1/models", "https://api.x.com/v1/chat/completions",
         "https://api.x.com"),
        ("openai", "https://api.x.com/v1", "https://api.x.com/v1/models", "https://api.x.com/v1/chat/completions",
         "https://api.x.com"),
        ("openai", "https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1/models",
         "https://openrouter.ai/api/v1/chat/completions", "https://openrouter.ai/api"),
        ("openai", "https://z.cn/api/paas/v4", "https://z.cn/api/paas/v4/models",
         "https://z.cn/api/paas/v4/chat/completions", "https://z.cn/api/paas/v4"),
        ("gemini", "https://g.com", "https://g.com/v1beta/models", "https://g.com/v1beta/models/m-1:generateContent",
         "https://g.com"),
        ("gemini", "https://g.com/v1beta", "https://g.com/v1beta/models",
         "https://g.com/v1beta/models/m-1:generateContent", "https://g.com"),
        ("anthropic", "https://a.com/v1", "https://a.com/v1/models", "https://a.com/v1/messages", "https://a.com"),
        ("anthropic", "https://a.com", "https://a.com/v1/models", "https://a.com/v1/messages", "https://a.com"),
    ],
)  # fmt: skip
def test_urls_per_dialect(channel, base, models, chat, root):
    assert CHANNELS[channel].models_url(base) == models
    assert CHANNELS[channel].chat_url(base, "m-1") == chat
    assert CHANNELS[channel].upstream_root(base) == root


@pytest.mark.parametrize(
    ("typed", "kept"),
    [(" https://api.x.com/v1/ ", "https://api.x.com/v1"), ("http://127.0.0.1:8000", "http://127.0.0.1:8000")],
)
def test_clean_base_url_keeps_what_the_user_typed(typed, kept):
    assert clean_base_url(typed) == kept


@pytest.mark.parametrize(
    "bad",
    ["", "api.x.com", "ftp://x.com", "https://", "https://u:p@x.com", "https://x.com/?a=1", "https://x.com:99999"],
)
def test_clean_base_url_refuses_what_cannot_work(bad):
    with pytest.raises(InvalidInput) as caught:
        clean_base_url(bad)
    assert caught.value.code == "invalid_url"


@pytest.mark.parametrize(
    ("channel", "base", "upstream", "validation_endpoint", "client_prefix"),
    [
        ("openai", "https://api.x.com/v1", "https://api.x.com", "", "/v1"),
        ("openai", "https://api.x.com", "https://api.x.com", "", "/v1"),
        ("openai", "https://z.cn/api/paas/v4/", "https://z.cn/api/paas/v4", "/chat/completions", ""),
        ("gemini", "https://g.com/v1beta", "https://g.com", "", "/v1beta"),
        ("gemini", "https://g.com/custom", "https://g.com/custom", "", "/v1beta"),
        ("anthropic", "https://a.com/v1", "https://a.com", "", "/v1"),
    ],
)
def test_gptload_upstream_strips_only_the_version_segment(channel, base, upstream, validation_endpoint, client_prefix):
    assert CHANNELS[channel].gptload_upstream(base) == (upstream, validation_endpoint, client_prefix)


@pytest.mark.parametrize(
    ("channel", "engine", "suffix", "default_endpoint", "discovers"),
    [
        ("openai", "gpt", "/chat/completions", "/v1/chat/completions", True),
        ("gemini", "gemini", "", "", True),
        ("anthropic", "claude", "/messages", "/v1/messages", False),
    ],
)
def test_each_channel_names_its_uniapi_engine_and_gptload_default(channel, engine, suffix, default_endpoint, discovers):
    entry = CHANNELS[channel]
    assert (entry.uniapi_engine, entry.uniapi_chat_suffix) == (engine, suffix)
    assert entry.effective_validation_endpoint("") == default_endpoint
    assert entry.effective_validation_endpoint("/custom") == "/custom"
    assert entry.uniapi_discovers is discovers
    assert chat_suffix_of_engine(engine) == (suffix or None)


def test_an_unknown_channel_type_is_refused_with_its_code():
    with pytest.raises(InvalidInput) as caught:
        check_channel_type("openai-responses")
    assert caught.value.code == "invalid_channel"
    assert set(UNIAPI_ENGINES) == {"gpt", "gemini", "claude"}
    assert CHANNEL_TYPES == ("openai", "gemini", "anthropic")


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_each_probe_asks_for_exactly_one_output_token(channel):
    body = CHANNELS[channel].probe_body("m-1")
    limits = [v for k, v in body.items() if k in ("max_tokens", "max_completion_tokens")]
    limits += [body.get("generationConfig", {}).get("maxOutputTokens")] if "generationConfig" in body else []
    assert limits == [1]
