"""The channel table: everything that differs between provider dialects, one frozen entry per channel type (pure).

A channel type is GPT-Load's word for a dialect (``openai``, ``gemini``, ``anthropic``). Each entry says
where the dialect lives under a provider's base URL, how its keys are sent, how its models are listed,
what the smallest chat request looks like, what GPT-Load validates keys with by default, and how
uni-api reaches a GPT-Load group of that type. Adding a dialect is one new ``Channel`` plus its tests;
no other module branches on a channel type's name.

URL rule (DESIGN §5): a base URL ending in its channel's version segment (``/v1`` for openai and
anthropic, ``/v1beta`` for gemini) stands for the provider's root; any other path (``/api/paas/v4``)
is kept whole. Model discovery, probes and the GPT-Load upstream all follow it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from core.errors import InvalidInput

PROBE_PROMPT = "ping"
ANTHROPIC_VERSION = "2023-06-01"
LIST_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Listing:
    """How a dialect lists its models: one JSON page after another until the cursor runs out."""

    items_key: str  # the list in each page: "data" or "models"
    id_key: str  # the model name inside each item: "id" or "name"
    id_prefix: str = ""  # stripped from each name ("models/gemini-2.5-pro")
    page_params: dict[str, Any] = field(default_factory=dict)
    # (cursor in the answer, query parameter that sends it back); None: a single page
    cursor: tuple[str, str] | None = None
    # the answer says there is more (Anthropic's has_more); None: the cursor alone decides
    more_flag: str | None = None
    # a page holding only these keys is an empty page, not a foreign answer (Gemini leaves "models" out)
    empty_page_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Channel:
    name: str
    version_segment: str
    # What GPT-Load validates keys with when a group's validation_endpoint is empty.
    default_validation_endpoint: str
    uniapi_engine: str
    # What uni-api appends after /proxy/{group}{version segment} to reach this dialect's chat endpoint.
    uniapi_chat_suffix: str
    # Whether uni-api can list a group's models itself (``model: []``); Anthropic groups cannot be listed.
    uniapi_discovers: bool
    listing: Listing
    auth_headers: Callable[[str], dict[str, str]]
    auth_params: Callable[[str], dict[str, str]]
    chat_path: Callable[[str], str]  # model -> path after the provider root and version segment
    probe_body: Callable[[str], dict[str, Any]]  # model -> the smallest chat request (one output token)
    reply_text: Callable[[dict[str, Any]], str | None]
    # A second body for a model that refuses the first one's token limit (OpenAI's reasoning models), by error code.
    probe_fallback: tuple[str, Callable[[str], dict[str, Any]]] | None = None
    # Whether a base URL with a non-version path is used as it stands (OpenAI-compatible resellers' /api/paas/v4).
    keeps_custom_path: bool = False

    def models_url(self, base_url: str) -> str:
        return f"{self._api_root(base_url)}/models"

    def chat_url(self, base_url: str, model: str) -> str:
        return f"{self._api_root(base_url)}{self.chat_path(model)}"

    def gptload_upstream(self, base_url: str) -> tuple[str, str, str]:
        """``(upstream, validation_endpoint, client_prefix)`` of a GPT-Load group in front of this provider.

        A base URL ending in its version segment (or with no path) becomes the upstream without it, and
        clients add the segment after ``/proxy/{group}``. A kept custom path stays whole: its validation
        endpoint is ``/chat/completions`` and clients call ``/proxy/{group}/chat/completions``.
        """
        base = base_url.rstrip("/")
        if self._custom_path(base):
            return base, "/chat/completions", ""
        return self.upstream_root(base), "", self.version_segment

    def upstream_root(self, base_url: str) -> str:
        """The base URL without its trailing version segment."""
        base = base_url.rstrip("/")
        return base[: -len(self.version_segment)] if urlsplit(base).path.endswith(self.version_segment) else base

    def effective_validation_endpoint(self, validation_endpoint: str) -> str:
        return validation_endpoint or self.default_validation_endpoint

    def _custom_path(self, base: str) -> bool:
        path = urlsplit(base).path
        return self.keeps_custom_path and path.strip("/") != "" and not path.endswith(self.version_segment)

    def _api_root(self, base_url: str) -> str:
        base = base_url.rstrip("/")
        return base if self._custom_path(base) else f"{self.upstream_root(base)}{self.version_segment}"


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _no_params(key: str) -> dict[str, str]:
    return {}


def _chat_messages(model: str, limit_field: str) -> dict[str, Any]:
    return {"model": model, limit_field: 1, "messages": [{"role": "user", "content": PROBE_PROMPT}]}


def _openai_reply(body: dict[str, Any]) -> str | None:
    return body["choices"][0]["message"]["content"]


OPENAI = Channel(
    name="openai",
    version_segment="/v1",
    default_validation_endpoint="/v1/chat/completions",
    uniapi_engine="gpt",
    uniapi_chat_suffix="/chat/completions",
    uniapi_discovers=True,
    listing=Listing(items_key="data", id_key="id"),
    auth_headers=_bearer,
    auth_params=_no_params,
    chat_path=lambda model: "/chat/completions",
    probe_body=lambda model: _chat_messages(model, "max_tokens"),
    reply_text=_openai_reply,
    # OpenAI's reasoning models refuse max_tokens and name its successor in error.code.
    probe_fallback=("unsupported_parameter", lambda model: _chat_messages(model, "max_completion_tokens")),
    keeps_custom_path=True,
)

GEMINI = Channel(
    name="gemini",
    version_segment="/v1beta",
    default_validation_endpoint="",
    uniapi_engine="gemini",
    uniapi_chat_suffix="",
    uniapi_discovers=True,
    listing=Listing(
        items_key="models",
        id_key="name",
        id_prefix="models/",
        page_params={"pageSize": LIST_PAGE_SIZE},
        cursor=("nextPageToken", "pageToken"),
        empty_page_keys=frozenset({"nextPageToken"}),
    ),
    auth_headers=lambda key: {},
    auth_params=lambda key: {"key": key},
    chat_path=lambda model: f"/models/{quote(model, safe='')}:generateContent",
    probe_body=lambda model: {
        "contents": [{"parts": [{"text": PROBE_PROMPT}]}],
        "generationConfig": {"maxOutputTokens": 1},
    },
    reply_text=lambda body: body["candidates"][0]["content"]["parts"][0]["text"],
)

ANTHROPIC = Channel(
    name="anthropic",
    version_segment="/v1",
    default_validation_endpoint="/v1/messages",
    uniapi_engine="claude",
    uniapi_chat_suffix="/messages",
    uniapi_discovers=False,
    listing=Listing(
        items_key="data",
        id_key="id",
        page_params={"limit": LIST_PAGE_SIZE},
        cursor=("last_id", "after_id"),
        more_flag="has_more",
    ),
    auth_headers=lambda key: {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION},
    auth_params=_no_params,
    chat_path=lambda model: "/messages",
    probe_body=lambda model: _chat_messages(model, "max_tokens"),
    reply_text=lambda body: body["content"][0]["text"],
)

CHANNELS: dict[str, Channel] = {c.name: c for c in (OPENAI, GEMINI, ANTHROPIC)}
CHANNEL_TYPES: tuple[str, ...] = tuple(CHANNELS)
UNIAPI_ENGINES: tuple[str, ...] = tuple(dict.fromkeys(c.uniapi_engine for c in CHANNELS.values()))


def channel(channel_type: str) -> Channel:
    """The table entry of a channel type; ``InvalidInput`` for a type the manager does not speak."""
    try:
        return CHANNELS[channel_type]
    except KeyError:
        raise InvalidInput(
            f"Channel type must be one of {', '.join(CHANNEL_TYPES)}, got {channel_type!r}.", code="invalid_channel"
        ) from None


def check_channel_type(channel_type: str) -> str:
    return channel(channel_type).name


def chat_suffix_of_engine(engine: str) -> str | None:
    """What a uni-api entry's base_url must end with for this engine (None: nothing, or an unknown engine)."""
    suffixes = {c.uniapi_engine: c.uniapi_chat_suffix for c in CHANNELS.values()}
    return suffixes.get(engine) or None


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
