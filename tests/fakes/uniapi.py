"""An in-process fake of uni-api's Rust runtime (`uni-api-front`, v1.7.252), the image tests put in front of GPT-Load.

It follows shared/reference/uniapi-config.md and uni-api's `rust/uni-api-native/src/bin/uni-api-front/`
(`config.rs`, `responses_native.rs`, `native_api.rs`, `generic_api.rs`): the file is re-read every
``interval`` seconds and a changed compiled config is published, a bad one is logged and the previous one
stays; ``${VAR}`` is expanded; providers without a model list get one from discovery (successes cached by
entry, failures retried on the next poll) and are dropped while they have none; keys are sent as
``Authorization: Bearer`` or ``x-api-key``; routing is the key's rules in order, then providers in config
order, trying the next provider on every failure but 400/413 unless ``AUTO_RETRY: false``.

Not modelled: channel cooldown after failures, rate limits, key aliases (``sk-other/*``), weights and the
other scheduling algorithms (always fixed priority), request filters, streaming translation, endpoints other
than chat completions, models and api_config. Chat goes to ``claude`` and ``gemini`` engines in a minimal
translation (text only); everything else is sent as OpenAI chat completions.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML, YAMLError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

KNOWN_SUFFIXES = ("/chat/completions", "/responses/compact", "/responses", "/messages", "/embeddings", "/moderations")
ENV_REFERENCE = re.compile(r"\$\{([^}]*)\}")


class ConfigError(Exception):
    """What `uni-api-front` logs as ``rust_runtime_config_reload_error``; the previous config stays."""


@dataclass
class Provider:
    name: str
    base_url: str
    engine: str
    keys: list[str]
    models: dict[str, str]  # exposed name → upstream name


@dataclass
class ApiKey:
    token: str
    rules: list[str]
    role: str
    auto_retry: bool


@dataclass
class Snapshot:
    revision: str
    providers: list[Provider]
    keys: dict[str, ApiKey]
    api_config: dict[str, Any]


@dataclass
class Forward:
    """One chat attempt sent upstream."""

    provider: str
    url: str  # without a ?key= query
    model: str  # upstream name
    key: str
    status: int = 0  # 0 when the upstream was unreachable


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message}}, status_code=status)


class FakeUniApi:
    """``self.app`` answers like `uni-api-front`; ``async with fake.running():`` loads the file and polls it."""

    def __init__(
        self,
        config_path: Path | str,
        *,
        interval: float = 2.0,
        upstream_transport: httpx.AsyncBaseTransport | None = None,  # None = real network
        upstream_base: str | None = None,  # replaces scheme, host and port of every upstream URL
    ) -> None:
        self.config_path = Path(config_path)
        self.interval = interval
        self.upstream_transport = upstream_transport
        self.upstream_base = httpx.URL(upstream_base) if upstream_base else None
        self.upstream_timeout = 20.0
        self.paused = False  # the poll loop skips its turns (a slow container); reload() still works
        self.loads = 0  # configs published (a poll whose compiled config differs from the served one)
        self.polls = 0  # reloads finished, whatever their outcome
        self.reload_errors = 0
        self.last_error: str | None = None
        self.last_load_at: float | None = None  # time.monotonic() of the last publication
        self.discovery_log: list[str] = []  # model-list URLs asked (without ?key=)
        self.discovery_errors: list[str] = []
        self.forwarded: list[Forward] = []
        self.snapshot: Snapshot | None = None
        self._discovered: dict[str, list[str]] = {}
        self._key_turns: dict[str, int] = {}  # provider keys take turns (round robin)
        self._lock = asyncio.Lock()
        self._changed = asyncio.Condition()
        self._started = 0
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/v1/api_config", self._api_config, methods=["GET"]),
                Route("/{rest:path}", self._not_found, methods=["GET", "POST", "PUT", "DELETE"]),
            ]
        )

    @property
    def api_config(self) -> dict[str, Any] | None:
        return copy.deepcopy(self.snapshot.api_config) if self.snapshot else None

    # ----- loading

    @asynccontextmanager
    async def running(self) -> AsyncIterator[FakeUniApi]:
        """Load at once (start-up), then re-read every ``interval`` seconds until the block ends."""
        await self.reload()
        task = asyncio.create_task(self._poll_loop())
        try:
            yield self
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if not self.paused:
                await self.reload()

    async def reload(self) -> bool:
        """Read, discover and compile the file; True when a new config was published."""
        async with self._lock:
            self._started += 1
            published = False
            try:
                published = self._publish(await self._compile(self._read()))
            except ConfigError as failure:
                self.reload_errors += 1
                self.last_error = str(failure)
            self.polls += 1
            async with self._changed:
                self._changed.notify_all()
            return published

    async def wait_for_reload(self, within: float = 5.0) -> None:
        """Until a reload that starts after this call has finished: the file as it is now has been read.
        Someone must reload: ``running()`` (not ``paused``) or the test itself."""
        target = self._started + 1
        await self._wait(lambda: self.polls >= target, within, "a reload")

    async def wait_for_load(self, within: float = 5.0) -> None:
        """Until a config newer than the one served at this call has been published."""
        target = self.loads + 1
        await self._wait(lambda: self.loads >= target, within, "a new config")

    async def _wait(self, done: Callable[[], bool], within: float, what: str) -> None:
        try:
            async with asyncio.timeout(within), self._changed:
                await self._changed.wait_for(done)
        except TimeoutError:
            raise TimeoutError(f"no {what} within {within} s (last error: {self.last_error})") from None

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.config_path.read_bytes()
        except OSError as failure:
            raise ConfigError(f"read {self.config_path}: {failure}") from None
        try:
            parsed = YAML(typ="safe").load(raw)
        except YAMLError as failure:
            raise ConfigError(f"decode uni-api YAML configuration: {failure}") from None
        if not isinstance(parsed, dict):
            raise ConfigError("uni-api configuration must be a mapping")
        return _expand(json.loads(json.dumps(parsed, default=str)))

    async def _compile(self, config: dict[str, Any]) -> Snapshot:
        if "preferences" in config and not isinstance(config["preferences"], dict):
            raise ConfigError("Runtime configuration is not ready: top-level preferences must be a mapping")
        for entry in config.get("providers") if isinstance(config.get("providers"), list) else []:
            if isinstance(entry, dict) and not (isinstance(entry.get("model"), list) and entry["model"]):
                await self._discover(entry)
        providers = [p for p in map(_provider, _items(config, "providers")) if p]
        keys = {k.token: k for k in map(_api_key, _items(config, "api_keys")) if k}
        if not keys:
            raise ConfigError("uni-api configuration contains no usable API keys")
        if not providers:
            raise ConfigError("uni-api configuration contains no usable providers")
        revision = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
        return Snapshot(revision, providers, keys, config)

    def _publish(self, snapshot: Snapshot) -> bool:
        if self.snapshot and self.snapshot.revision == snapshot.revision:
            return False
        self.snapshot, self.loads, self.last_load_at = snapshot, self.loads + 1, time.monotonic()
        return True

    async def _discover(self, entry: dict[str, Any]) -> None:
        cache_key = hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()
        if cache_key not in self._discovered:
            base_url, key = str(entry.get("base_url") or "").strip(), _first_key(entry.get("api"))
            engine = str(entry.get("engine") or _infer_engine(base_url)).lower()
            headers, params = {}, {}
            if engine == "gemini":
                url = base_url.split("/v1beta")[0].rstrip("/") + "/v1beta/models"
                params = {"key": key} if key else {}
            else:
                url = _models_url(base_url)
                if engine in ("claude", "vertex-claude"):
                    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
                elif key:
                    headers = {"authorization": f"Bearer {key}"}
            self.discovery_log.append(url)
            try:
                status, _, content = await self._send("GET", url, headers, params)
                if not 200 <= status < 300:
                    raise ValueError(f"model discovery returned HTTP {status}")
                models = _model_ids(json.loads(content))
            except (httpx.TransportError, ValueError) as failure:
                message = f"{entry.get('provider')}: {failure}"
                self.discovery_errors.append(message.replace(key, "[key]") if key else message)
                return
            if not models:
                return
            self._discovered[cache_key] = models
        entry["model"] = list(self._discovered[cache_key])

    # ----- serving

    async def _send(
        self, method: str, url: str, headers: dict, params: dict, body: Any = None
    ) -> tuple[int, str, bytes]:
        """Through the transport itself, not a client: httpx's client logs URLs, and Gemini's carry keys."""
        target = httpx.URL(url, params=params)
        if self.upstream_base is not None:
            base = self.upstream_base
            target = target.copy_with(scheme=base.scheme, host=base.host, port=base.port)
        content = b"" if body is None else json.dumps(body).encode()
        headers = headers | ({"content-type": "application/json"} if body is not None else {})
        timeout = httpx.Timeout(self.upstream_timeout).as_dict()
        request = httpx.Request(method, target, headers=headers, content=content, extensions={"timeout": timeout})
        transport = self.upstream_transport or httpx.AsyncHTTPTransport()
        try:
            response = await transport.handle_async_request(request)
            try:
                return response.status_code, response.headers.get("content-type", ""), await response.aread()
            finally:
                await response.aclose()
        finally:
            if self.upstream_transport is None:
                await transport.aclose()

    def _caller(self, request: Request) -> ApiKey | JSONResponse:
        token = _token(request)
        if not token:
            return error(403, "Invalid or missing API Key")
        if self.snapshot is None:
            return error(503, "Runtime configuration is not ready")
        return self.snapshot.keys.get(token) or error(403, "Invalid or missing API Key")

    async def _not_found(self, request: Request) -> Response:
        return error(404, "Not found")

    async def _api_config(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        assert self.snapshot is not None
        if len(self.snapshot.keys) > 1 and "admin" not in caller.role.lower():
            return error(403, "Permission denied")
        return JSONResponse({"api_config": self.snapshot.api_config})

    async def _models(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        assert self.snapshot is not None
        names = sorted({name for p, name in self._routes(self.snapshot, caller)})
        data = [{"id": n, "object": "model", "created": 0, "owned_by": "uni-api"} for n in names]
        return JSONResponse({"object": "list", "data": data})

    async def _chat(self, request: Request) -> Response:
        if self.snapshot is None:
            return error(503, "Runtime configuration is not ready")
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, "Invalid JSON request body")
        model = body.get("model") if isinstance(body, dict) else None
        if not isinstance(model, str) or not model:
            return error(400, "Request body must include a model")
        providers = [p for p, name in self._routes(self.snapshot, caller) if name == model]
        if not providers:
            return error(404, f"No available providers at the moment: {model}")
        answer: Response = error(502, "No provider answered")
        for provider in providers:
            answer = await self._attempt(provider, model, body)
            if answer.status_code < 400 or not caller.auto_retry or answer.status_code in (400, 413):
                break
        return answer

    def _routes(self, snapshot: Snapshot, key: ApiKey) -> list[tuple[Provider, str]]:
        """(provider, exposed model) pairs the key may use, in routing order."""
        by_name = {p.name: p for p in snapshot.providers}
        routes: list[tuple[Provider, str]] = []
        for rule in key.rules:
            if rule == "all":
                routes += [(p, m) for p in snapshot.providers for m in p.models]
            elif rule.startswith("<") and rule.endswith(">"):
                routes += [(p, rule[1:-1]) for p in snapshot.providers if rule[1:-1] in p.models]
            elif "/" in rule:
                name, wanted = rule.split("/", 1)
                if name in by_name:
                    routes += [(by_name[name], m) for m in by_name[name].models if wanted in ("*", m)]
            else:
                routes += [(p, rule) for p in snapshot.providers if rule in p.models]
        return list({(id(p), m): (p, m) for p, m in routes}.values())  # each once, first place kept

    async def _attempt(self, provider: Provider, model: str, body: dict[str, Any]) -> Response:
        turn = self._key_turns[provider.name] = self._key_turns.get(provider.name, -1) + 1
        upstream_model, key = provider.models[model], provider.keys[turn % len(provider.keys)] if provider.keys else ""
        url, headers, params, payload = _wire(provider, upstream_model, key, body)
        record = Forward(provider.name, url, upstream_model, key)
        self.forwarded.append(record)
        try:
            status, content_type, content = await self._send("POST", url, headers, params, payload)
        except httpx.TransportError as failure:
            return error(502, f"upstream request failed: {type(failure).__name__}")
        record.status = status
        if status < 300 and provider.engine in ("claude", "gemini"):
            try:
                return JSONResponse(_to_chat_completion(json.loads(content), upstream_model, provider.engine))
            except (ValueError, AttributeError, IndexError):
                return error(502, f"{provider.engine} answered something that is not a chat answer")
        return Response(content, status_code=status, media_type=content_type or None)


# ----- compiling (config.rs)


def _items(config: dict[str, Any], name: str) -> list[Any]:
    value = config.get(name)
    return value if isinstance(value, list) else []


def _expand(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, _, default = match.group(1).partition(":-")
            return os.environ.get(name, default)

        return ENV_REFERENCE.sub(replace, value)
    return value


def _scalar(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value)


def _provider(item: Any) -> Provider | None:
    if not isinstance(item, dict) or not _scalar(item.get("provider")).strip():
        return None
    models: dict[str, str] = {}
    for entry in item.get("model") if isinstance(item.get("model"), list) else []:
        if isinstance(entry, str):
            models[entry] = entry
        elif isinstance(entry, dict):
            models |= {_scalar(alias): upstream for upstream, alias in entry.items() if _scalar(alias)}
    if not models:
        return None  # dropped: no list and nothing discovered
    base_url = _scalar(item.get("base_url"))
    engine = item.get("engine") if isinstance(item.get("engine"), str) else _infer_engine(base_url)
    api = item.get("api")
    keys = [_scalar(k).strip() for k in (api if isinstance(api, list) else [api]) if k is not None]
    return Provider(_scalar(item["provider"]).strip(), base_url, engine.lower(), keys, models)


def _api_key(item: Any) -> ApiKey | None:
    token = _scalar(item.get("api")).strip() if isinstance(item, dict) else ""
    if not token:
        return None
    rules = []
    for rule in item.get("model") if isinstance(item.get("model"), list) else []:
        if isinstance(rule, str):
            rules.append(rule)
        elif isinstance(rule, dict) and rule:
            rules.append(next(iter(rule)))  # {"provider/*": weight}: the weight is not modelled
    role = item.get("role") if isinstance(item.get("role"), str) else token[:8]
    preferences = item.get("preferences") if isinstance(item.get("preferences"), dict) else {}
    auto_retry = preferences.get("AUTO_RETRY")
    return ApiKey(token, rules or ["all"], role, auto_retry if isinstance(auto_retry, bool) else True)


def _infer_engine(base_url: str) -> str:
    lower = base_url.strip().lower()
    if "/v1/messages" in lower or "/claude/" in lower:
        return "claude"
    if "/v1beta" in lower or "generativelanguage.googleapis.com" in lower:
        return "gemini"
    return "gpt"


def _strip_suffix(base_url: str) -> str:
    path = base_url.rstrip("/")
    suffix = next((s for s in KNOWN_SUFFIXES if path.endswith(s)), "")
    return path[: len(path) - len(suffix)]


def _models_url(base_url: str) -> str:
    url = httpx.URL(base_url)
    path = _strip_suffix(url.path)
    return str(url.copy_with(path=path + ("/models" if path.endswith("/v1") else "/v1/models")))


def _first_key(api: Any) -> str:
    first = next((k for k in api if isinstance(k, str)), "") if isinstance(api, list) else _scalar(api)
    return first.strip()


def _model_ids(payload: Any) -> list[str]:
    items = (payload.get("data") or payload.get("models") or []) if isinstance(payload, dict) else []
    names = (item.get("id") or item.get("name") for item in items if isinstance(item, dict))
    return sorted({n.removeprefix("models/").strip() for n in names if isinstance(n, str) and n.strip()})


# ----- the wire (generic_api.rs), text only for claude and gemini


def _token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return (token.strip() if scheme.lower() == "bearer" else "") or request.headers.get("x-api-key")


def _wire(provider: Provider, model: str, key: str, body: dict[str, Any]) -> tuple[str, dict, dict, dict]:
    """URL, headers, query and JSON body of one attempt."""
    base, messages = provider.base_url.rstrip("/"), [m for m in body.get("messages") or [] if isinstance(m, dict)]
    if provider.engine == "claude":
        url = base if base.endswith("/messages") else base + "/messages"
        payload: dict[str, Any] = {"model": model, "max_tokens": body.get("max_tokens") or 1024}
        payload["messages"] = [
            {"role": m.get("role"), "content": _text(m)} for m in messages if m.get("role") != "system"
        ]
        if system := "\n".join(_text(m) for m in messages if m.get("role") == "system"):
            payload["system"] = system
        return url, {"x-api-key": key, "anthropic-version": "2023-06-01"}, {}, payload
    if provider.engine == "gemini":
        roles = {"assistant": "model"}
        contents = [{"role": roles.get(m.get("role"), "user"), "parts": [{"text": _text(m)}]} for m in messages]
        return f"{base.split('/models')[0]}/models/{model}:generateContent", {}, {"key": key}, {"contents": contents}
    return _strip_suffix(base) + "/chat/completions", {"authorization": f"Bearer {key}"}, {}, body | {"model": model}


def _text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def _to_chat_completion(data: dict[str, Any], model: str, engine: str) -> dict[str, Any]:
    if engine == "claude":
        text = "".join(b.get("text", "") for b in data.get("content") or [] if isinstance(b, dict))
    else:
        parts = ((data.get("candidates") or [{}])[0].get("content") or {}).get("parts") or []
        text = "".join(p.get("text", "") for p in parts if isinstance(p, dict))
    choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
    return {"object": "chat.completion", "model": model, "choices": [choice]}
