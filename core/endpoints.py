"""Where each channel dialect lives under a provider's base URL (pure).

A base URL ending in its channel's version segment (``/v1`` for openai and anthropic, ``/v1beta``
for gemini) stands for the provider's root; any other path (``/api/paas/v4``) is kept whole. Model
discovery and the GPT-Load upstream (DESIGN §5) both use this rule.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from core.errors import InvalidInput

CHANNEL_TYPES = ("openai", "gemini", "anthropic")
VERSION_SEGMENT = {"openai": "/v1", "anthropic": "/v1", "gemini": "/v1beta"}


def clean_base_url(url: str) -> str:
    """The URL as the user typed it, minus surrounding blanks and trailing slashes; refuses what cannot work."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(f"Base URL must start with http:// or https://, got {url!r}.", code="invalid_url")
    if not parts.hostname:
        raise InvalidInput(f"Base URL {url!r} has no host name.", code="invalid_url")
    if parts.username or parts.password:
        raise InvalidInput("Base URL must not contain credentials; put keys in API keys.", code="invalid_url")
    if parts.query or parts.fragment:
        raise InvalidInput(f"Base URL {url!r} must not have a query string or fragment.", code="invalid_url")
    try:
        parts.port  # noqa: B018 - raises ValueError for an out-of-range or non-numeric port
    except ValueError:
        raise InvalidInput(f"Base URL {url!r} has an invalid port.", code="invalid_url") from None
    return url.rstrip("/")


def check_channel_type(channel_type: str) -> str:
    if channel_type not in CHANNEL_TYPES:
        raise InvalidInput(
            f"Channel type must be one of {', '.join(CHANNEL_TYPES)}, got {channel_type!r}.", code="invalid_channel"
        )
    return channel_type


def upstream_root(channel_type: str, base_url: str) -> str:
    """The base URL without its channel's trailing version segment."""
    base = base_url.rstrip("/")
    segment = VERSION_SEGMENT[channel_type]
    return base[: -len(segment)] if urlsplit(base).path.endswith(segment) else base


def has_path(base_url: str) -> bool:
    return urlsplit(base_url).path.strip("/") != ""


def models_url(channel_type: str, base_url: str) -> str:
    base = base_url.rstrip("/")
    if channel_type == "openai":
        return f"{base}/models" if has_path(base) else f"{base}/v1/models"
    return f"{upstream_root(channel_type, base)}{VERSION_SEGMENT[channel_type]}/models"


def chat_url(channel_type: str, base_url: str, model: str) -> str:
    base = base_url.rstrip("/")
    if channel_type == "openai":
        return f"{base}/chat/completions" if has_path(base) else f"{base}/v1/chat/completions"
    root = upstream_root(channel_type, base)
    if channel_type == "anthropic":
        return f"{root}/v1/messages"
    return f"{root}/v1beta/models/{quote(model, safe='')}:generateContent"


def gptload_upstream(channel_type: str, base_url: str) -> tuple[str, str, str]:
    """``(upstream, validation_endpoint, client_prefix)`` of a GPT-Load group in front of this provider.

    A base URL ending in its version segment (or with no path) becomes the upstream without it, and
    clients add the segment after ``/proxy/{group}``. An openai base with any other path is kept whole,
    its validation endpoint is ``/chat/completions`` and clients call ``/proxy/{group}/chat/completions``.
    Gemini and anthropic always append their version segment (as model discovery does).
    """
    base = base_url.rstrip("/")
    if channel_type == "openai" and has_path(base) and not urlsplit(base).path.endswith("/v1"):
        return base, "/chat/completions", ""
    return upstream_root(channel_type, base), "", VERSION_SEGMENT[channel_type]
