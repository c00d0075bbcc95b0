"""Fake LLM providers speaking the three model-list and chat dialects, with switchable failures.

One ASGI app serves any number of accounts. An account is found by host and path prefix, so tests
can use path-less base URLs (``https://openai.test``) through ``httpx.ASGITransport`` and prefixed
ones (``http://127.0.0.1:PORT/acme/v1``) on a loopback server. Error bodies mimic the real services,
including the ones that echo the key back, so redaction is tested against the worst case: whole, at the
excerpt limit, in a redirect's Location, in any spelling of ``ECHO_SPELLINGS`` and inside a chat answer.
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

FAILURES = (
    None, "timeout", "500", "html", "wrong_shape", "garbage_items", "echo_key_long",
    "redirect",  # a 307 whose Location carries the key in its query (?key=)
    "redirect_key_in_path",  # ... in its path (URL-encoded), as some gateways route by key
    "redirect_key_in_userinfo",  # ... as the password of https://user:KEY@host/
    "echo_key_spelled",  # a 401 whose plain-text body spells the key as ``Account.echo`` says
    "echo_key_in_reply",  # key accepted; the chat answer spells the key as ``Account.echo`` says
)  # fmt: skip


def _split(key: str, separator: str) -> str:
    return separator.join(key[i : i + 5] for i in range(0, len(key), 5))


# How careless servers and proxies give a key back: the attacks of tests/security/test_leaks_encodings.py.
ECHO_SPELLINGS: dict[str, Callable[[str], str]] = {
    "plain": lambda key: key,
    "json_escaped": lambda key: json.dumps(key)[1:-1],
    "json_escaped_slash": lambda key: json.dumps(key)[1:-1].replace("/", "\\/"),
    "json_unicode_escapes": lambda key: "".join(f"\\u{ord(c):04x}" for c in key),
    "url_encoded": lambda key: quote(key, safe=""),
    "url_encoded_form": quote_plus,
    "url_encoded_every_byte": lambda key: "".join(f"%{b:02X}" for b in key.encode()),
    "url_encoded_lowercase": lambda key: "".join(f"%{b:02x}" for b in key.encode()),
    "html_escaped": html.escape,
    "html_decimal_entities": lambda key: "".join(f"&#{ord(c)};" for c in key),
    "html_hex_entities": lambda key: "".join(f"&#x{ord(c):x};" for c in key),
    "base64": lambda key: base64.b64encode(key.encode()).decode(),
    "base64_basic_auth": lambda key: "Basic " + base64.b64encode(f"user:{key}".encode()).decode(),
    "base64_basic_auth_urlsafe": lambda key: base64.urlsafe_b64encode(f"api:{key}".encode()).decode(),
    "split_by_blanks": lambda key: _split(key, " "),
    "split_by_newlines": lambda key: _split(key, "\n  "),
    "split_by_escaped_newlines": lambda key: _split(key, "\\n"),
}


@dataclass
class Account:
    """One provider account: where it lives, its dialect, which keys it accepts and what it lists."""

    host: str
    dialect: str
    keys: list[str]
    models: list[str]
    prefix: str = ""  # path prefix before the dialect's own paths
    api_path: str = "/v1"  # openai only: where /models and /chat/completions live
    page_size: int = 2  # gemini and anthropic paginate with this size
    failure: str | None = None
    echo: str = "plain"  # the spelling of ECHO_SPELLINGS the echo_key_* failures use
    latency: float = 0.0
    broken_models: set[str] = field(default_factory=set)  # chat requests to these answer 404
    reasoning_models: set[str] = field(default_factory=set)  # openai: refuse max_tokens like o-series models

    @property
    def base_url(self) -> str:
        """The base URL a user would type for this account."""
        scheme = "http" if self.host.startswith("127.0.0.1") else "https"
        suffix = {"openai": self.api_path, "gemini": "", "anthropic": ""}[self.dialect]
        return f"{scheme}://{self.host}{self.prefix}{suffix}"


@dataclass
class Call:
    method: str
    path: str
    key: str | None
    body: dict[str, Any] | None


class FakeProviders:
    def __init__(self) -> None:
        self.accounts: list[Account] = []
        self.calls: list[Call] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])

    def add(self, dialect: str, host: str, keys: list[str], models: list[str], **options: Any) -> Account:
        account = Account(host=host, dialect=dialect, keys=keys, models=models, **options)
        self.accounts.append(account)
        return account

    async def _handle(self, request: Request) -> Response:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._serve(request)
        finally:
            self.in_flight -= 1

    async def _serve(self, request: Request) -> Response:
        host = request.headers.get("host", "")
        path = unquote(request.url.path)
        account = self._find(host, path)
        if account is None:
            return JSONResponse({"error": {"message": f"no such route {path}"}}, status_code=404)
        body = await _json_or_none(request)
        key = _key_of(account.dialect, request)
        self.calls.append(Call(request.method, path, key, body))
        if account.latency:
            await asyncio.sleep(account.latency)
        if account.failure == "timeout":
            await asyncio.sleep(3600)
        if account.failure == "500":
            return JSONResponse({"error": {"message": "The server is overloaded, try later"}}, status_code=500)
        if account.failure == "html":
            return PlainTextResponse("<html><body>Welcome to nginx!</body></html>", media_type="text/html")
        if account.failure == "redirect":
            return Response(status_code=307, headers={"location": f"https://elsewhere.test{path}?key={key}"})
        if account.failure == "redirect_key_in_path":
            location = f"https://elsewhere.test/k/{quote(key or '', safe='')}{path}"
            return Response(status_code=307, headers={"location": location})
        if account.failure == "redirect_key_in_userinfo":
            location = f"https://user:{quote(key or '', safe='')}@elsewhere.test{path}"
            return Response(status_code=307, headers={"location": location})
        if account.failure == "echo_key_spelled":
            spelled = ECHO_SPELLINGS[account.echo](key or "")
            return PlainTextResponse(f"Unauthorized: the credentials {spelled} are not valid here.", status_code=401)
        if account.failure == "echo_key_long":
            # A debug page that echoes the request just where an error excerpt would be cut.
            return PlainTextResponse(f"{'x' * 195} {request.url} auth={key}", status_code=502)
        if key not in account.keys:
            return _auth_error(account.dialect, key)
        rest = path[len(account.prefix) :]
        if account.dialect == "openai":
            return self._openai(account, rest, body, key)
        if account.dialect == "gemini":
            return self._gemini(account, rest, request, body, key)
        return self._anthropic(account, rest, request, body, key)

    def _find(self, host: str, path: str) -> Account | None:
        matches = [a for a in self.accounts if a.host == host and path.startswith(a.prefix)]
        return max(matches, key=lambda a: len(a.prefix), default=None)

    def _openai(self, account: Account, rest: str, body: dict[str, Any] | None, key: str | None) -> Response:
        if rest == f"{account.api_path}/models":
            if account.failure == "wrong_shape":
                return JSONResponse({"object": "list", "models": account.models})
            if account.failure == "garbage_items":
                return JSONResponse({"object": "list", "data": [{"name": m} for m in account.models]})
            return JSONResponse({"object": "list", "data": [{"id": m, "object": "model"} for m in account.models]})
        if rest == f"{account.api_path}/chat/completions":
            if (body or {}).get("model") in account.reasoning_models and "max_tokens" in (body or {}):
                error = {
                    "message": "Unsupported parameter: 'max_tokens' is not supported with this model.",
                    "type": "invalid_request_error",
                    "param": "max_tokens",
                    "code": "unsupported_parameter",
                }
                return JSONResponse({"error": error}, status_code=400)
            return _chat(account, (body or {}).get("model"), {"choices": [{"message": {"content": "p"}}]}, key)
        return _not_found(rest)

    def _gemini(
        self, account: Account, rest: str, request: Request, body: dict[str, Any] | None, key: str | None
    ) -> Response:
        if rest == "/v1beta/models" and request.method == "GET":
            if account.failure == "wrong_shape":  # an OpenAI-shaped answer on a Gemini URL
                return JSONResponse({"object": "list", "data": [{"id": m} for m in account.models]})
            start = int(request.query_params.get("pageToken") or 0)
            size = min(int(request.query_params.get("pageSize") or 50), account.page_size)
            page = account.models[start : start + size]
            answer: dict[str, Any] = {"models": [{"name": f"models/{m}"} for m in page]}
            if start + size < len(account.models):
                answer["nextPageToken"] = str(start + size)
            return JSONResponse(answer)
        if rest.startswith("/v1beta/models/") and rest.endswith(":generateContent"):
            model = rest.removeprefix("/v1beta/models/").removesuffix(":generateContent")
            return _chat(account, model, {"candidates": [{"content": {"parts": [{"text": "p"}]}}]}, key)
        return _not_found(rest)

    def _anthropic(
        self, account: Account, rest: str, request: Request, body: dict[str, Any] | None, key: str | None
    ) -> Response:
        if not request.headers.get("anthropic-version"):
            return JSONResponse({"type": "error", "error": {"message": "anthropic-version header is required"}}, 400)
        if rest == "/v1/models":
            if account.failure == "wrong_shape":
                return JSONResponse({"models": [{"name": m} for m in account.models]})
            after = request.query_params.get("after_id")
            start = account.models.index(after) + 1 if after in account.models else 0
            page = account.models[start : start + account.page_size]
            return JSONResponse(
                {
                    "data": [{"id": m, "type": "model"} for m in page],
                    "has_more": start + account.page_size < len(account.models),
                    "first_id": page[0] if page else None,
                    "last_id": page[-1] if page else None,
                }
            )
        if rest == "/v1/messages":
            return _chat(account, (body or {}).get("model"), {"content": [{"type": "text", "text": "p"}]}, key)
        return _not_found(rest)


def _chat(account: Account, model: str | None, answer: dict[str, Any], key: str | None = None) -> Response:
    if model not in account.models or model in account.broken_models:
        return JSONResponse({"error": {"message": f"The model `{model}` does not exist"}}, status_code=404)
    if account.failure == "echo_key_in_reply":  # a chat answer is the provider's text too: it may hold the key
        text = f"Sure! You called me with {ECHO_SPELLINGS[account.echo](key or '')}, anything else?"
        answer = json.loads(json.dumps(answer).replace('"p"', json.dumps(text)))
    return JSONResponse(answer)


def _key_of(dialect: str, request: Request) -> str | None:
    if dialect == "gemini":
        return request.query_params.get("key")
    if dialect == "anthropic":
        return request.headers.get("x-api-key")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme == "Bearer" else None


def _auth_error(dialect: str, key: str | None) -> Response:
    if dialect == "gemini":  # Gemini says 400 with a structured reason, not 401
        return JSONResponse(
            {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
                }
            },
            status_code=400,
        )
    if dialect == "anthropic":
        return JSONResponse(
            {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}, 401
        )
    # OpenAI-style services echo the key; some resellers echo it whole, which is what we fake.
    message = f"Incorrect API key provided: {key}. You can find your API key at your dashboard."
    return JSONResponse(
        {"error": {"message": message, "type": "invalid_request_error", "code": "invalid_api_key"}}, 401
    )


def _not_found(path: str) -> Response:
    return JSONResponse({"error": {"message": f"Unknown path {path}"}}, status_code=404)


async def _json_or_none(request: Request) -> dict[str, Any] | None:
    raw = await request.body()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
