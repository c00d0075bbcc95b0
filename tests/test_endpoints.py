"""Where each dialect lives under a base URL (pure, table-driven)."""

from __future__ import annotations

import pytest

from core import endpoints
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
    assert endpoints.models_url(channel, base) == models
    assert endpoints.chat_url(channel, base, "m-1") == chat
    assert endpoints.upstream_root(channel, base) == root


@pytest.mark.parametrize(
    ("typed", "kept"),
    [(" https://api.x.com/v1/ ", "https://api.x.com/v1"), ("http://127.0.0.1:8000", "http://127.0.0.1:8000")],
)
def test_clean_base_url_keeps_what_the_user_typed(typed, kept):
    assert endpoints.clean_base_url(typed) == kept


@pytest.mark.parametrize(
    "bad",
    ["", "api.x.com", "ftp://x.com", "https://", "https://u:p@x.com", "https://x.com/?a=1", "https://x.com:99999"],
)
def test_clean_base_url_refuses_what_cannot_work(bad):
    with pytest.raises(InvalidInput) as caught:
        endpoints.clean_base_url(bad)
    assert caught.value.code == "invalid_url"
