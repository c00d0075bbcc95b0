"""UpstreamClient: model listing and the smallest chat probe, for each provider dialect.

One ``_request()`` turns every httpx failure into the core error tree and redacts the key in use
from every text it produces. Callers never see httpx types and branch on ``error.code`` only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from core.channels import Channel, Listing, channel
from core.crypto import redact
from core.errors import UpstreamAuthError, UpstreamResponseError, UpstreamTimeout, UpstreamUnreachable

log = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and gemini keys travel in the query string.
logging.getLogger("httpx").setLevel(logging.WARNING)

MAX_PAGES = 100


@dataclass(frozen=True)
class ModelListing:
    names: list[str]
    latency_ms: int


@dataclass(frozen=True)
class ChatProbe:
    latency_ms: int
    reply: str | None


class UpstreamClient:
    """Talks to providers in their own dialect (``openai``, ``gemini``, ``anthropic``)."""

    def __init__(
        self, *, timeout: float = 20.0, concurrency: int = 8, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.timeout = timeout
        # One bound for every call this client makes, however the callers nest their fan-outs.
        self._gate = asyncio.Semaphore(concurrency)
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            # Never follow: httpx keeps x-api-key and ?key= on a cross-origin redirect.
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def list_models(self, channel_type: str, base_url: str, api_key: str) -> ModelListing:
        """All model names the provider lists, in its order, without duplicates.

        Raises:
            UpstreamError subclasses: unreachable, timeout, rejected key, error status or a body of the wrong shape.
        """
        started = time.perf_counter()
        dialect = channel(channel_type)
        names = await self._list_pages(dialect, dialect.models_url(base_url), api_key)
        return ModelListing(names=list(dict.fromkeys(names)), latency_ms=_elapsed_ms(started))

    async def probe_chat(self, channel_type: str, base_url: str, api_key: str, model: str) -> ChatProbe:
        """Send the smallest chat request the dialect allows (one output token) to one model."""
        started = time.perf_counter()
        dialect = channel(channel_type)
        url = dialect.chat_url(base_url, model)
        auth = {"headers": dialect.auth_headers(api_key), "params": dialect.auth_params(api_key)}
        try:
            body = await self._request("POST", url, api_key=api_key, json=dialect.probe_body(model), **auth)
        except UpstreamResponseError as exc:
            if dialect.probe_fallback is None or exc.upstream_code != dialect.probe_fallback[0]:
                raise
            body = await self._request("POST", url, api_key=api_key, json=dialect.probe_fallback[1](model), **auth)
        reply = _reply_text(dialect, body)
        # A provider can put anything in its answer, the key it was sent included.
        return ChatProbe(latency_ms=_elapsed_ms(started), reply=_excerpt(reply, api_key) if reply is not None else None)

    async def _list_pages(self, dialect: Channel, url: str, api_key: str) -> list[str]:
        """Follow the dialect's cursor page by page; a server that never stops is cut off after MAX_PAGES."""
        listing = dialect.listing
        names: list[str] = []
        params: dict[str, Any] = {**dialect.auth_params(api_key), **listing.page_params}
        headers = dialect.auth_headers(api_key)
        for _ in range(MAX_PAGES):
            body = await self._request("GET", url, api_key=api_key, headers=headers, params=params)
            empty_page = bool(listing.empty_page_keys) and not set(body) - listing.empty_page_keys
            page = _ids(body, listing, url, optional=empty_page)
            names += page
            cursor = body.get(listing.cursor[0]) if listing.cursor else None
            more = body.get(listing.more_flag) if listing.more_flag else True
            if not cursor or not more or (listing.more_flag and not page):
                return names
            params[listing.cursor[1]] = cursor
        raise UpstreamResponseError(f"{_where(url)} kept returning more pages after {MAX_PAGES} pages.")

    async def _request(self, method: str, url: str, *, api_key: str, **kwargs: Any) -> dict[str, Any]:
        """The one choke point: send, classify every failure, parse JSON; texts never carry the key."""
        where = _where(url)
        try:
            async with self._gate:
                # httpx deadlines are per phase; a slow-dripping server needs an overall one too.
                async with asyncio.timeout(self.timeout):
                    response = await self._client.request(method, url, **kwargs)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise UpstreamTimeout(f"{where} did not answer within {self.timeout:g} s.") from exc
        except httpx.HTTPError as exc:
            reason = _excerpt(str(exc) or type(exc).__name__, api_key)
            raise UpstreamUnreachable(f"Cannot connect to {where}: {reason}") from exc
        status = response.status_code
        if _rejects_key(response):
            text = _excerpt(_error_text(response), api_key)
            raise UpstreamAuthError(f"{where} rejected the API key (HTTP {status}): {text}", status=status)
        if 300 <= status < 400:
            location = response.headers.get("location")
            # The Location is the provider's text too: a key in its path or query must not come back through it.
            target = _excerpt(_where(location), api_key) if location else "nowhere"
            raise UpstreamResponseError(
                f"{where} redirected (HTTP {status}) to {target}; put the final URL in the base URL.", status=status
            )
        if status >= 400:
            text = _excerpt(_error_text(response), api_key)
            raise UpstreamResponseError(
                f"{where}: HTTP {status}: {text}", status=status, upstream_code=_error_code(response)
            )
        try:
            body = response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            raise UpstreamResponseError(
                f"{where} answered with non-JSON ({kind}): {_excerpt(response.text, api_key, 200)!r}"
            ) from None
        if not isinstance(body, dict):
            raise UpstreamResponseError(f"{where} answered with JSON that is not an object: {type(body).__name__}.")
        return body


def _ids(body: dict[str, Any], listing: Listing, url: str, *, optional: bool = False) -> list[str]:
    items = body.get(listing.items_key, [] if optional else None)
    if not isinstance(items, list):
        raise UpstreamResponseError(
            f"{_where(url)} answered without a {listing.items_key!r} list; is the channel type right?"
        )
    names = [item.get(listing.id_key) if isinstance(item, dict) else None for item in items]
    if any(not isinstance(name, str) or not name for name in names):
        raise UpstreamResponseError(f"{_where(url)} listed a model without a string {listing.id_key!r}.")
    return [name.removeprefix(listing.id_prefix) for name in names]


def _rejects_key(response: httpx.Response) -> bool:
    """401/403, or Gemini's 400 whose structured reason is ``API_KEY_INVALID``."""
    if response.status_code in (401, 403):
        return True
    if response.status_code != 400:
        return False
    try:
        details = response.json()["error"]["details"]
        return any(isinstance(d, dict) and d.get("reason") == "API_KEY_INVALID" for d in details)
    except (ValueError, KeyError, TypeError):
        return False


def _error_text(response: httpx.Response) -> str:
    """The provider's own words: ``error.message`` in all three dialects, else the body (untruncated)."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        for key in ("error", "message", "detail", "msg"):
            if isinstance(body.get(key), str):
                return body[key]
    return response.text.strip()


def _error_code(response: httpx.Response) -> str | None:
    """OpenAI-style structured ``error.code``, for callers that must branch on the reason."""
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None


def _excerpt(text: str, api_key: str, limit: int = 500) -> str:
    """Redact first, then cut: a key cut in half by the limit would escape an exact-match redaction."""
    text = redact(text, [api_key])
    return text if len(text) <= limit else f"{text[:limit]}…"


def _reply_text(dialect: Channel, body: dict[str, Any]) -> str | None:
    try:
        return dialect.reply_text(body)
    except (KeyError, IndexError, TypeError):
        return None


def _where(url: str) -> str:
    """Scheme, host and path: never the query string, where gemini keys travel."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
