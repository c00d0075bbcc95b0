"""A stateful in-process fake of GPT-Load v1.4.9: its admin API, its proxy and the lag of its group cache.

It enforces shared/reference/gptload-api.md (the contract): envelopes and error codes, group validation
in the server's order, aggregate membership rules, key parsing and de-duplication, cascade deletes,
proxy authentication, member selection, model redirect and the model-list rewrite. Tests inject faults
(failed, hanging or slow admin requests, a down server, errors that echo the request body in any
spelling) and read what was asked and forwarded.

Not modelled (those routes answer 404 like unknown ones): async key tasks, key validation and
blacklisting, copy, reorder, logs, settings. Group stats (``GET /api/groups/{id}/stats``) count the proxy's
own calls and what a test records with ``record_requests``, every window alike (no hourly buckets, no log
lag). The proxy makes one upstream attempt (no retry with the next key) and ignores header rules and
per-group timeouts.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.fakes.providers import ECHO_SPELLINGS

CHANNEL_TYPES = ("openai", "openai-response", "gemini", "anthropic")
DEFAULT_VALIDATION_ENDPOINTS = {
    "openai": "/v1/chat/completions",
    "openai-response": "/v1/responses",
    "anthropic": "/v1/messages",
    "gemini": "",
}
GROUP_NAME = re.compile(r"[a-z0-9_-]{1,100}")
KEY_SEPARATORS = re.compile(r"[ \t\n\f\r,;]+")
INTEGER = re.compile(r"[+-]?\d+")
HEADER_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
MAX_KEYS_PER_REQUEST = 5000
KEY_CHUNK = 500  # key_service.go chunkSize: processAndCreateKeys hands AddKeys this many at a time
MAX_SUB_GROUP_WEIGHT = 1000
HTTP_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
DROPPED_HEADERS = {
    "host", "content-length", "authorization", "x-api-key", "x-goog-api-key", "connection", "keep-alive",
    "transfer-encoding", "accept-encoding", "te", "trailer", "upgrade", "proxy-authorization",
}  # fmt: skip

# Per-group config overrides: type and minimum (§4.5).
CONFIG_FIELDS: dict[str, tuple[type, int | None]] = {
    "request_timeout": (int, 1),
    "connect_timeout": (int, 1),
    "idle_conn_timeout": (int, 1),
    "response_header_timeout": (int, 1),
    "max_idle_conns": (int, 1),
    "max_idle_conns_per_host": (int, 1),
    "proxy_url": (str, None),
    "max_retries": (int, 0),
    "blacklist_threshold": (int, 0),
    "failover_status_codes": (str, None),
    "key_validation_interval_minutes": (int, 1),
    "key_validation_concurrency": (int, 1),
    "key_validation_timeout_seconds": (int, 1),
    "enable_request_body_logging": (bool, None),
}

# JSON types the Go request structs accept; anything else is a decode error (400 INVALID_JSON).
_KIND_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "uint": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
    "bool": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "string_map": lambda v: isinstance(v, dict) and all(x is None or isinstance(x, str) for x in v.values()),
    "header_rules": lambda v: isinstance(v, list) and all(_is_header_rule(r) for r in v),
}
GROUP_FIELD_KINDS = {
    "name": "str", "display_name": "str", "description": "str", "group_type": "str", "channel_type": "str",
    "sort": "int", "test_model": "str", "validation_endpoint": "str", "param_overrides": "object",
    "model_redirect_rules": "string_map", "model_redirect_strict": "bool", "config": "object",
    "header_rules": "header_rules", "proxy_keys": "str",
}  # fmt: skip
FAULT_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "DUPLICATE_RESOURCE"}


class ApiError(Exception):
    """An error answered in GPT-Load's envelope: ``{"code": "STRING", "message": ...}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        return JSONResponse({"code": self.code, "message": self.message}, status_code=self.status)


def _invalid_json(message: str) -> ApiError:
    return ApiError(400, "INVALID_JSON", message)


def _validation(message: str) -> ApiError:
    return ApiError(400, "VALIDATION_FAILED", message)


def _bad_request(message: str) -> ApiError:
    return ApiError(400, "BAD_REQUEST", message)


def _not_found(message: str = "Resource not found") -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


def _unauthorized() -> ApiError:
    return ApiError(401, "UNAUTHORIZED", "Authentication failed")


def _success(data: Any = None, message: str = "Success") -> JSONResponse:
    body: dict[str, Any] = {"code": 0, "message": message}
    if data is not None:
        body["data"] = data
    return JSONResponse(body)


@dataclass
class ProxyCall:
    """One request the proxy forwarded (or tried to)."""

    group: str  # the group named in the proxy URL
    member: str  # the group whose upstreams, keys and rules applied (the group itself unless aggregate)
    upstream_url: str  # without the upstream key
    model: str | None  # model name sent upstream, after redirect
    key: str  # upstream key used
    status: int = 0  # upstream status; 0 when the upstream was unreachable


@dataclass
class _Key:
    id: int
    value: str
    group_id: int
    created_at: str
    request_count: int = 0
    last_used_at: str | None = None
    status: str = "active"  # "invalid" once the proxy blacklisted it (see mark_invalid)

    def item(self) -> dict[str, Any]:
        return {
            "id": self.id, "key_value": self.value, "key_hash": hashlib.sha256(self.value.encode()).hexdigest(),
            "group_id": self.group_id, "status": self.status, "notes": "", "request_count": self.request_count,
            "failure_count": 0, "last_used_at": self.last_used_at, "created_at": self.created_at,
            "updated_at": self.last_used_at or self.created_at,
        }  # fmt: skip


@dataclass
class _Snapshot:
    """The groups and links the proxy's cache holds from ``at`` on. Group dicts are never mutated."""

    at: float
    groups: dict[int, dict[str, Any]]
    links: dict[tuple[int, int], int]

    def by_name(self, name: str) -> dict[str, Any] | None:
        return next((g for g in self.groups.values() if g["name"] == name), None)


class _SmoothWeighted:
    """Smooth weighted round-robin per scope; a scope's state restarts when its items change."""

    def __init__(self) -> None:
        self._state: dict[Any, tuple[tuple[Any, ...], list[int]]] = {}

    def pick(self, scope: Any, labels: list[str], weights: list[int]) -> int:
        signature = tuple(zip(labels, weights, strict=True))
        saved = self._state.get(scope)
        current = saved[1] if saved and saved[0] == signature else [0] * len(weights)
        for i, weight in enumerate(weights):
            current[i] += weight
        best = max(range(len(weights)), key=lambda i: current[i])  # first of the maxima
        current[best] -= sum(weights)
        self._state[scope] = (signature, current)
        return best


class FakeGptLoad:
    """GPT-Load's admin API (``/api``), ``/health`` and proxy (``/proxy/{group}/...``) as ``self.app``."""

    def __init__(
        self,
        auth_key: str = "admin-secret",
        *,
        upstream_transport: httpx.AsyncBaseTransport | None = None,
        global_proxy_keys: list[str] | None = None,
    ) -> None:
        self.auth_key = auth_key
        self.global_proxy_keys = list(global_proxy_keys) if global_proxy_keys is not None else [auth_key]
        self.upstream_transport = upstream_transport  # None = real network
        self.upstream_timeout = 30.0
        self.app_url = "http://localhost:3001"  # GroupResponse.endpoint = app_url + /proxy/{name}; "" → ""
        self.cache_lag = 0.0  # seconds before a write reaches the proxy's group cache
        self.clock: Callable[[], float] = time.monotonic  # replace to drive cache_lag without sleeping
        # Faults, all for admin requests (everything under /api).
        self.down = False  # every request (and /health) answers 503 plain text
        self.latency = 0.0
        self.max_concurrent: int | None = None  # like MAX_CONCURRENT_REQUESTS: excess → 500
        # (method, path, spelling): matching admin requests are refused with 400 and a message that repeats their
        # body (proxy_keys, keys_text included) spelled as tests/fakes/providers.py's ECHO_SPELLINGS says.
        self.echo_body: tuple[str, str, str] | None = None
        self.echoed: list[str] = []  # the bodies echoed so far
        # SQLite's answer to two overlapping write transactions (GPT-Load's default storage): the later one is
        # refused at once with SQLITE_BUSY, rolled back, and GPT-Load answers 500 DATABASE_ERROR. A write
        # holds its transaction for ``write_window`` seconds; an overlapping write fails with this probability.
        self.collision_probability = 0.0
        self.write_window = 0.002
        self.collisions = 0  # writes refused that way
        self._random = random.Random(7)
        self._writing = 0
        # Observation.
        self.requests: list[tuple[str, str]] = []  # (method, path) of every admin request
        self.writes = 0  # admin requests other than GET
        self.in_flight = 0
        self.max_in_flight = 0
        self.proxy_log: list[ProxyCall] = []
        # State.
        self._groups: dict[int, dict[str, Any]] = {}
        self._links: dict[tuple[int, int], int] = {}  # (aggregate id, member id) → weight, in creation order
        self._keys: dict[int, dict[str, _Key]] = {}
        self._next_group_id = 1
        self._next_key_id = 1
        # GPT-Load's default key store (no REDIS_DSN: store.MemoryStore), per group: "group:{id}:active_keys".
        self._active: dict[int, list[str]] = {}
        self._snapshots = [_Snapshot(-math.inf, {}, {})]
        self._faults: dict[int, tuple[str, int]] = {}
        self._usage_after_page: tuple[int, int] | None = None  # (group id, keys): see usage_lands_after_key_page
        self._recorded: dict[int, tuple[int, int]] = {}  # group id → (requests, failed): see record_requests
        self._seen = 0
        self._round_robin = _SmoothWeighted()
        self._routes = self._admin_routes()
        self.app = Starlette(
            routes=[
                Route("/health", self._health, methods=["GET"]),
                Route("/api/{rest:path}", self._admin, methods=HTTP_METHODS),
                Route("/proxy/{group}/{rest:path}", self._proxy, methods=HTTP_METHODS),
                Route("/{rest:path}", self._no_route, methods=HTTP_METHODS),
            ]
        )

    # ----- faults and accessors for tests

    def fail_request(self, n: int = 1, status: int = 500) -> None:
        """The n-th admin request from now answers an error envelope with ``status`` and changes nothing."""
        self._faults[self._seen + n] = ("fail", status)

    def lose_response(self, n: int = 1) -> None:
        """The n-th admin request from now is carried out, but its answer is lost on the way (a proxy's 502)."""
        self._faults[self._seen + n] = ("lose", 502)

    def clear_faults(self) -> None:
        """GPT-Load is well again: injected failures not reached yet are dropped."""
        self._faults.clear()

    def echo_request_body(self, method: str = "POST", path: str = "/api/groups", spelling: str = "plain") -> None:
        """Every admin request to ``method path`` answers 400 VALIDATION_FAILED quoting its whole body."""
        assert spelling in ECHO_SPELLINGS, spelling
        self.echo_body = (method, path, spelling)

    def hang_request(self, n: int = 1) -> None:
        """The n-th admin request from now never answers (until the client gives up)."""
        self._faults[self._seen + n] = ("hang", 0)

    def group_by_name(self, name: str) -> dict[str, Any] | None:
        group = next((g for g in self._groups.values() if g["name"] == name), None)
        return copy.deepcopy(self._group_response(group)) if group else None

    def groups_by_name(self) -> dict[str, dict[str, Any]]:
        """Every group as GET /api/groups shows it (copies), keyed by name."""
        return {g["name"]: copy.deepcopy(self._group_response(g)) for g in self._groups.values()}

    def mark_invalid(self, name: str, key: str) -> None:
        """What GPT-Load's proxy does to a key the upstream keeps refusing (blacklisting)."""
        group = self.group_by_name(name)
        assert group is not None, name
        self._keys[group["id"]][key].status = "invalid"
        active = self._active[group["id"]]
        active[:] = [value for value in active if value != key]  # handleFailure LRem's a blacklisted key

    def usage_lands_after_key_page(self, name: str, keys: int) -> None:
        """The proxy's key usage reaches the database while a client pages through ``GET /api/keys``.

        The real server writes ``last_used_at`` in batches (about once a minute, measured on v1.4.9), and pages are
        ordered by it: after the next page is served, the ``keys`` least recently used keys of that group become
        the most recent, so they move to the first page and a reader that goes on to page 2 never sees them."""
        group = self.group_by_name(name)
        assert group is not None, name
        self._usage_after_page = (group["id"], keys)

    def validation_pass(self) -> None:
        """GPT-Load's key-validation cron (every 5 min; each standard group once per interval, new ones at once):
        ``UPDATE groups SET last_validated_at = now`` through gorm, which sets ``updated_at`` too."""
        # gorm stamps updated_at when the write gets through: on the real SQLite up to seconds after time.Now().
        validated = (datetime.now(UTC) - timedelta(seconds=3.8)).isoformat(timespec="microseconds")
        for gid, group in list(self._groups.items()):
            if group["group_type"] == "standard":
                self._groups[gid] = {
                    **group,
                    "last_validated_at": validated.replace("+00:00", "Z"),
                    "updated_at": _now(),
                }
        self._publish()

    def record_requests(self, name: str, total: int, failed: int = 0) -> None:
        """Requests the group served (``failed`` of them failed) beyond the proxy calls this fake made itself, as
        GPT-Load's hourly stats would count them: they show in ``GET /api/groups/{id}/stats``."""
        group = self.group_by_name(name)
        assert group is not None, name
        had_total, had_failed = self._recorded.get(group["id"], (0, 0))
        self._recorded[group["id"]] = (had_total + total, had_failed + failed)

    def _key_count(self, group_id: int, status: str) -> int:
        return sum(1 for k in self._keys.get(group_id, {}).values() if k.status == status)

    def keys_of(self, name: str) -> list[str]:
        group = self.group_by_name(name)
        return list(self._keys.get(group["id"], {})) if group else []

    def members_of(self, aggregate_name: str) -> dict[str, int]:
        group = self.group_by_name(aggregate_name)
        if group is None:
            return {}
        return {self._groups[m]["name"]: w for (a, m), w in self._links.items() if a == group["id"]}

    # ----- admin middleware and routing

    def _admin_routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any], bool]]:
        group, sub = r"/api/groups/(?P<group_id>[^/]+)", r"/sub-groups/(?P<sub_id>[^/]+)"
        table = [
            ("GET", "/api/groups", self._list_groups, False),
            ("GET", "/api/groups/list", self._list_group_names, False),
            ("POST", "/api/groups", self._create_group, False),
            ("PUT", group, self._update_group, False),
            ("DELETE", group, self._delete_group, False),
            ("GET", group + "/sub-groups", self._get_sub_groups, False),
            ("POST", group + "/sub-groups", self._add_sub_groups, False),
            ("PUT", group + sub + "/weight", self._set_sub_group_weight, False),
            ("DELETE", group + sub, self._delete_sub_group, False),
            ("GET", group + "/parent-aggregate-groups", self._parent_groups, False),
            ("GET", group + "/stats", self._group_stats, False),
            ("GET", "/api/keys", self._list_keys, False),
            ("POST", "/api/keys/add-multiple", self._add_keys, False),
            ("POST", "/api/keys/delete-multiple", self._delete_keys, False),
            ("GET", "/api/integration/info", self._integration_all, True),
        ]
        return [(method, re.compile(pattern), handler, public) for method, pattern, handler, public in table]

    async def _admin(self, request: Request) -> Response:
        self.requests.append((request.method, request.url.path))
        self.writes += request.method != "GET"
        self._seen += 1
        fault = self._faults.pop(self._seen, None)
        if self.max_concurrent is not None and self.in_flight >= self.max_concurrent:
            return ApiError(500, "INTERNAL_SERVER_ERROR", "Too many concurrent requests").response()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._admin_with_faults(request, fault)
        finally:
            self.in_flight -= 1

    async def _admin_with_faults(self, request: Request, fault: tuple[str, int] | None) -> Response:
        if self.down:
            return PlainTextResponse("503 Service Unavailable", status_code=503)
        if fault and fault[0] == "hang":
            await _wait_for_disconnect(request)
            return Response(status_code=499)
        if self.latency:
            await asyncio.sleep(self.latency)
        if fault and fault[0] == "lose":
            await self._dispatch(request)
            return PlainTextResponse("502 Bad Gateway", status_code=502)
        if fault:
            code = FAULT_CODES.get(fault[1], "INTERNAL_SERVER_ERROR")
            return ApiError(fault[1], code, "injected failure").response()
        if self.echo_body and self.echo_body[:2] == (request.method, request.url.path):
            body = (await request.body()).decode(errors="replace")
            self.echoed.append(body)
            spelled = ECHO_SPELLINGS[self.echo_body[2]](body)
            return _validation(f"Invalid request body {spelled}").response()
        if request.method == "GET" or not self.collision_probability:
            return await self._dispatch(request)
        return await self._write_transaction(request)

    async def _write_transaction(self, request: Request) -> Response:
        """A write as SQLite runs it: refused when another write holds the database, else held a moment."""
        if self._writing and self._random.random() < self.collision_probability:
            self.collisions += 1
            # GPT-Load's message is translated (i18n); its code is not: clients must branch on the code.
            return ApiError(500, "DATABASE_ERROR", "Database operation failed").response()
        self._writing += 1
        try:
            await asyncio.sleep(self.write_window)
            return await self._dispatch(request)
        finally:
            self._writing -= 1

    async def _dispatch(self, request: Request) -> Response:
        for method, pattern, handler, public in self._routes:
            match = pattern.fullmatch(request.url.path)
            if method == request.method and match:
                try:
                    if not public and not hmac.compare_digest(_client_key(request).encode(), self.auth_key.encode()):
                        raise _unauthorized()
                    return await handler(request, **match.groupdict())
                except ApiError as error:
                    return error.response()
        return await self._no_route(request)

    async def _no_route(self, request: Request) -> Response:
        return JSONResponse({"error": "Not Found"}, status_code=404)

    async def _health(self, request: Request) -> Response:
        if self.down:
            return PlainTextResponse("503 Service Unavailable", status_code=503)
        return JSONResponse({"status": "healthy", "timestamp": _now(), "uptime": "1m0s"})

    # ----- groups

    def _group(self, group_id: int) -> dict[str, Any]:
        group = self._groups.get(group_id)
        if group is None:
            raise _not_found()
        return group

    def _group_response(self, g: dict[str, Any]) -> dict[str, Any]:
        endpoint = f"{self.app_url.rstrip('/')}/proxy/{g['name']}" if self.app_url else ""
        return {"id": g["id"], "name": g["name"], "endpoint": endpoint, **{k: g[k] for k in _RESPONSE_FIELDS}}

    def _check_unique(self, name: str, own_id: int | None = None) -> None:
        if any(g["name"] == name and g["id"] != own_id for g in self._groups.values()):
            raise ApiError(409, "DUPLICATE_RESOURCE", "Resource already exists")

    async def _list_groups(self, request: Request) -> Response:
        groups = sorted(self._groups.values(), key=lambda g: (g["sort"], -g["id"]))
        return _success([self._group_response(g) for g in groups])

    async def _list_group_names(self, request: Request) -> Response:
        return _success([_bare_group_model(self._groups[i]) for i in sorted(self._groups)])

    async def _create_group(self, request: Request) -> Response:
        body = await _json_body(request)
        _check_kinds(body, GROUP_FIELD_KINDS)
        name = _clean_name(body.get("name"))
        channel_type = _clean_channel_type(body.get("channel_type"))
        group_type = (body.get("group_type") or "").strip() or "standard"
        if group_type not in ("standard", "aggregate"):
            raise _validation("Invalid group type, must be 'standard' or 'aggregate'")
        upstreams: list[dict[str, Any]] = []
        test_model, endpoint = "-", ""
        if group_type == "standard":
            test_model = (body.get("test_model") or "").strip()
            if not test_model:
                raise _validation("Test model is required")
            upstreams = _clean_upstreams(body.get("upstreams"), present="upstreams" in body)
            endpoint = _clean_endpoint(body.get("validation_endpoint"))
        config = _clean_config(body.get("config"))
        header_rules = _clean_header_rules(body.get("header_rules"))
        rules = _redirect_rules(body.get("model_redirect_rules")) or {}
        if group_type == "aggregate" and rules:
            raise _validation("Aggregate groups do not support model redirect rules")
        _check_redirect_rules(rules)
        self._check_unique(name)
        now = _now()
        group = {
            "id": self._next_group_id, "name": name, "display_name": (body.get("display_name") or "").strip(),
            "description": (body.get("description") or "").strip(), "group_type": group_type,
            "upstreams": upstreams, "channel_type": channel_type, "sort": body.get("sort") or 0,
            "test_model": test_model, "validation_endpoint": endpoint, "param_overrides": body.get("param_overrides"),
            "model_redirect_rules": rules, "model_redirect_strict": bool(body.get("model_redirect_strict")),
            "config": config, "header_rules": header_rules, "proxy_keys": (body.get("proxy_keys") or "").strip(),
            "last_validated_at": None, "created_at": now, "updated_at": now,
        }  # fmt: skip
        self._next_group_id += 1
        self._groups[group["id"]] = group
        self._publish()
        return _success(self._group_response(group))

    async def _update_group(self, request: Request, group_id: str) -> Response:
        gid = _path_id(group_id, "Invalid group ID format")
        body = await _json_body(request)
        _check_kinds(body, GROUP_FIELD_KINDS)
        current = self._group(gid)
        group, aggregate = dict(current), current["group_type"] == "aggregate"
        if body.get("name") is not None:
            group["name"] = _clean_name(body["name"])
        for text_field in ("display_name", "description"):
            if body.get(text_field) is not None:
                group[text_field] = body[text_field].strip()
        if "upstreams" in body:  # any value, null included, is validated again
            group["upstreams"] = _clean_upstreams(body["upstreams"], present=True)
        channel_type, endpoint = body.get("channel_type"), body.get("validation_endpoint")
        if not aggregate and (channel_type is not None or endpoint is not None):
            self._check_member_change(current, channel_type, endpoint)
        if channel_type is not None and not aggregate:  # an aggregate's channel type is fixed, silently
            group["channel_type"] = _clean_channel_type(channel_type)
        if body.get("sort") is not None:
            group["sort"] = body["sort"]
        if body.get("test_model"):  # "" and null both leave it unchanged
            group["test_model"] = body["test_model"].strip()
            if not group["test_model"]:
                raise _validation("Test model cannot be empty or contain only spaces")
        if body.get("param_overrides") is not None:
            group["param_overrides"] = body["param_overrides"]
        rules = _redirect_rules(body.get("model_redirect_rules"))
        if rules is not None:
            if aggregate and rules:
                raise _validation("Aggregate groups do not support model redirect rules")
            _check_redirect_rules(rules)
            group["model_redirect_rules"] = rules
        if body.get("model_redirect_strict") is not None:
            group["model_redirect_strict"] = body["model_redirect_strict"]
        if endpoint is not None:
            group["validation_endpoint"] = _clean_endpoint(endpoint)
        if body.get("config") is not None:
            group["config"] = _clean_config(body["config"])
        if body.get("proxy_keys") is not None:
            group["proxy_keys"] = body["proxy_keys"].strip()
        if body.get("header_rules") is not None:
            group["header_rules"] = _clean_header_rules(body["header_rules"])
        self._check_unique(group["name"], own_id=gid)
        group["updated_at"] = _now()
        self._groups[gid] = group
        self._publish()
        return _success(self._group_response(group))

    def _check_member_change(self, group: dict[str, Any], channel_type: str | None, endpoint: str | None) -> None:
        count = sum(1 for _, member in self._links if member == group["id"])
        changed = (channel_type is not None and channel_type.strip() != group["channel_type"]) or (
            endpoint is not None and endpoint.strip() != group["validation_endpoint"]
        )
        if count and changed:
            raise _validation(
                f"This group is referenced by {count} aggregate group(s) as a sub-group. Cannot modify channel "
                "type or validation endpoint. Please remove this group from related aggregate groups first"
            )

    async def _delete_group(self, request: Request, group_id: str) -> Response:
        gid = _path_id(group_id, "Invalid group ID format")
        self._group(gid)
        self._links = {pair: weight for pair, weight in self._links.items() if gid not in pair}
        self._keys.pop(gid, None)
        self._active.pop(gid, None)
        del self._groups[gid]
        self._publish()
        return _success(message="Group and related keys deleted successfully")

    # ----- aggregate sub-groups

    def _aggregate(self, group_id: int) -> dict[str, Any]:
        group = self._groups.get(group_id)
        if group is None:
            raise _not_found("Group not found")
        if group["group_type"] != "aggregate":
            raise _bad_request("Group is not an aggregate group")
        return group

    async def _get_sub_groups(self, request: Request, group_id: str) -> Response:
        gid = _path_id(group_id, "Invalid group ID format")
        self._aggregate(gid)
        members = sorted(m for a, m in self._links if a == gid)
        return _success(
            [
                {"group": _group_model(self._groups[m]), "weight": self._links[(gid, m)],
                 "total_keys": len(self._keys.get(m, {})), "active_keys": self._key_count(m, "active"),
                 "invalid_keys": self._key_count(m, "invalid")}
                for m in members
            ]
        )  # fmt: skip

    async def _add_sub_groups(self, request: Request, group_id: str) -> Response:
        gid = _path_id(group_id, "Invalid group ID format")
        inputs = _sub_group_inputs(await _json_body(request))
        aggregate = self._aggregate(gid)
        existing = [m for a, m in self._links if a == gid]
        self._validate_members(aggregate, inputs, existing)
        for member_id, _ in inputs:
            if member_id in existing:
                raise _bad_request(f"Sub group {member_id} already exists")
        for member_id, weight in inputs:
            self._links[(gid, member_id)] = weight
        self._publish()
        return _success(message="Sub groups added successfully")

    def _validate_members(self, aggregate: dict[str, Any], inputs: list[tuple[int, int]], existing: list[int]) -> None:
        if not inputs:
            raise _validation("Aggregate group must contain at least one sub-group")
        for member_id, weight in inputs:
            if member_id == 0:
                raise _validation("Invalid sub-group ID")
            _check_weight(weight)
        ids = [member_id for member_id, _ in inputs]
        if len(set(ids)) != len(ids) or any(i not in self._groups for i in ids):
            raise _validation("One or more sub-groups not found")
        # As ValidateSubGroups (aggregate_group_service.go): the expected endpoint is the first existing member's
        # (SQLite lists them by the (group_id, sub_group_id) index: lowest member id), else "", and the new members
        # come in id order; while it is still "" it adopts the member's without comparing. So a gemini member's
        # default "" never conflicts while it comes first ("" then "/v1beta/x" is accepted, the reverse is not).
        expected = _effective_endpoint(self._groups[min(existing)]) if existing else ""
        for member in (self._groups[i] for i in sorted(ids)):
            if member["group_type"] == "aggregate":
                raise _validation("Sub-groups cannot be aggregate groups")
            if member["channel_type"] != aggregate["channel_type"]:
                raise _validation("All sub-groups must use the same channel type")
            if not expected:
                expected = _effective_endpoint(member)
            elif expected != _effective_endpoint(member):
                raise _validation(
                    "Sub-group endpoints are inconsistent. Aggregate groups require unified upstream request paths"
                )

    async def _set_sub_group_weight(self, request: Request, group_id: str, sub_id: str) -> Response:
        gid = _path_id(group_id, "Invalid group ID format")
        member_id = _path_id(sub_id, "Invalid sub-group ID")
        body = await _json_body(request)
        _check_kinds(body, {"weight": "int"})
        self._aggregate(gid)
        weight = body.get("weight") or 0
        _check_weight(weight)
        if (gid, member_id) not in self._links:
            raise _not_found("Sub group not found")
        self._links[(gid, member_id)] = weight
        self._publish()
        return _success(message="Sub group weight updated successfully")

    async def _delete_sub_group(self, request: Request, group_id: str, sub_id: str) -> Response:
        gid = _path_id(group_id, "Invalid group ID format")
        member_id = _path_id(sub_id, "Invalid sub-group ID")
        self._aggregate(gid)
        if self._links.pop((gid, member_id), None) is None:
            raise _not_found("Sub group not found")
        self._publish()
        return _success(message="Sub group deleted successfully")

    async def _parent_groups(self, request: Request, group_id: str) -> Response:
        gid = _path_id(group_id, "Invalid group ID format")
        parents = sorted(a for a, m in self._links if m == gid)
        return _success(
            [
                {"group_id": a, "name": self._groups[a]["name"], "display_name": self._groups[a]["display_name"],
                 "weight": self._links[(a, gid)]}
                for a in parents
            ]
        )  # fmt: skip

    async def _group_stats(self, request: Request, group_id: str) -> Response:
        """GetGroupStats: key counts (all 0 for an aggregate) and request counts with their failure rate."""
        gid = _path_id(group_id, "Invalid group ID format")
        group = self._group(gid)
        calls = [c for c in self.proxy_log if c.member == group["name"]]
        recorded_total, recorded_failed = self._recorded.get(gid, (0, 0))
        total = len(calls) + recorded_total
        failed = sum(not 200 <= c.status < 400 for c in calls) + recorded_failed
        window = {"total_requests": total, "failed_requests": failed,
                  "failure_rate": round(failed / total, 4) if total else 0}  # fmt: skip
        standard = group["group_type"] == "standard"
        active, invalid = (self._key_count(gid, "active"), self._key_count(gid, "invalid")) if standard else (0, 0)
        keys = {"total_keys": active + invalid, "active_keys": active, "invalid_keys": invalid}
        return _success({"key_stats": keys, "stats_24_hour": window, "stats_7_day": dict(window),
                         "stats_30_day": dict(window)})  # fmt: skip

    # ----- keys

    async def _list_keys(self, request: Request) -> Response:
        query = request.query_params
        if not query.get("group_id"):
            raise _bad_request("group_id query parameter is required")
        gid = _positive_int(query["group_id"], 0)
        if gid <= 0:
            raise _bad_request("Invalid group_id format")
        self._group(gid)
        status = query.get("status", "")
        if status not in ("", "active", "invalid"):
            raise _validation("Invalid status filter")
        keys = [k for k in self._keys.get(gid, {}).values() if status in ("", k.status)]
        if query.get("key_value"):
            keys = [k for k in keys if k.value == query["key_value"]]
        keys.sort(key=lambda k: (k.last_used_at is not None, k.last_used_at or "", k.id), reverse=True)
        page = _positive_int(query.get("page"), 1)
        size = min(_positive_int(query.get("page_size"), 15), 1000)
        pagination = {"page": page, "page_size": size, "total_items": len(keys),
                      "total_pages": math.ceil(len(keys) / size)}  # fmt: skip
        items = [k.item() for k in keys[(page - 1) * size : page * size]]
        if self._usage_after_page and self._usage_after_page[0] == gid:
            for key in keys[-self._usage_after_page[1] :]:
                key.last_used_at = _now()
            self._usage_after_page = None
        return _success({"items": items, "pagination": pagination})

    async def _key_text_request(self, request: Request) -> tuple[int, list[str]]:
        body = await _json_body(request)
        _check_kinds(body, {"group_id": "uint", "keys_text": "str"})
        for name, field_name in (("group_id", "GroupID"), ("keys_text", "KeysText")):
            if not body.get(name):
                raise _invalid_json(
                    f"Key: 'KeyTextRequest.{field_name}' Error:Field validation for '{field_name}' failed on the "
                    "'required' tag"
                )
        self._group(body["group_id"])
        if not body["keys_text"].strip():
            raise _validation("Keys text cannot be empty")
        keys = parse_keys_text(body["keys_text"])
        if len(keys) > MAX_KEYS_PER_REQUEST:
            raise _validation(f"batch size exceeds the limit of {MAX_KEYS_PER_REQUEST} keys, got {len(keys)}")
        if not keys:
            raise _validation("no valid keys found in the input text")
        return body["group_id"], keys

    async def _add_keys(self, request: Request) -> Response:
        gid, keys = await self._key_text_request(request)
        pool = self._keys.setdefault(gid, {})
        new = [value for value in dict.fromkeys(keys) if value not in pool]
        for value in new:
            pool[value] = _Key(self._next_key_id, value, gid, _now())
            self._next_key_id += 1
        active = self._active.setdefault(gid, [])
        for start in range(0, len(new), KEY_CHUNK):  # AddKeys per chunk: LPush prepends the chunk in order
            active[:0] = new[start : start + KEY_CHUNK]
        added = len(new)
        return _success({"added_count": added, "ignored_count": len(keys) - added, "total_in_group": len(pool)})

    async def _delete_keys(self, request: Request) -> Response:
        gid, keys = await self._key_text_request(request)
        pool = self._keys.get(gid, {})
        deleted = sum(1 for value in dict.fromkeys(keys) if pool.pop(value, None))
        self._active[gid] = [value for value in self._active.get(gid, []) if value in pool]  # LRem
        return _success({"deleted_count": deleted, "ignored_count": len(keys) - deleted, "total_in_group": len(pool)})

    # ----- the proxy's group cache

    def _publish(self) -> None:
        """Record the state the proxy's cache will hold once ``cache_lag`` has passed."""
        now = self.clock()
        self._snapshots.append(_Snapshot(now, dict(self._groups), dict(self._links)))
        self._prune(now)

    def _prune(self, now: float) -> None:
        cutoff = now - self.cache_lag
        newest_visible = max((i for i, s in enumerate(self._snapshots) if s.at <= cutoff), default=0)
        del self._snapshots[:newest_visible]

    def _view(self) -> _Snapshot:
        now = self.clock()
        self._prune(now)
        visible = [s for s in self._snapshots if s.at <= now - self.cache_lag]
        return visible[-1] if visible else self._snapshots[0]

    def _may_use(self, group: dict[str, Any], key: str) -> bool:
        group_keys = {k.strip() for k in group["proxy_keys"].split(",") if k.strip()}
        return key in group_keys or key in self.global_proxy_keys

    # ----- integration info

    def _integration_info(self, request: Request, name: str) -> Response:
        key = request.query_params.get("key", "")
        if not key:
            return _validation("Proxy key is required").response()
        group = self._view().by_name(name)
        if group is None:
            return _not_found("Group not found").response()
        if not self._may_use(group, key):
            return _validation("Invalid or unauthorized proxy key").response()
        return _success([_integration_entry(group, specific=True)])

    async def _integration_all(self, request: Request) -> Response:
        key = request.query_params.get("key", "")
        if not key:
            raise _validation("Proxy key is required")
        view = self._view()
        entries = []
        for live in sorted(self._groups.values(), key=lambda g: (g["sort"], -g["id"])):
            cached = view.by_name(live["name"])
            if cached and self._may_use(cached, key):
                entries.append(_integration_entry(cached, specific=False))
        if not entries:
            raise _validation("Invalid or unauthorized proxy key")
        return _success(entries)

    # ----- proxy

    async def _proxy(self, request: Request) -> Response:
        name = request.path_params["group"]
        tail = request.url.path[len(f"/proxy/{name}") :]
        if tail == "/api/integration/info":
            return self._integration_info(request, name)
        try:
            return await self._forward(request, name, tail)
        except ApiError as error:
            return error.response()

    async def _forward(self, request: Request, name: str, tail: str) -> Response:
        client_key = _client_key(request)
        if not client_key:
            raise _unauthorized()
        view = self._view()
        group = view.by_name(name)
        if group is None:
            raise ApiError(500, "INTERNAL_SERVER_ERROR", "Failed to retrieve proxy group")
        if not self._may_use(group, client_key):
            raise _unauthorized()
        member = self._pick_member(view, group) if group["group_type"] == "aggregate" else group
        if member is None:
            raise ApiError(503, "NO_KEYS_AVAILABLE", "No available sub-groups")
        body = _apply_param_overrides(await request.body(), member["param_overrides"])
        key = self._next_key(member["id"])
        if key is None:
            raise ApiError(503, "NO_KEYS_AVAILABLE", "No active API keys available for this group")
        upstream = self._pick_upstream(member)
        channel = member["channel_type"]
        path, body, model = _redirect_model(member, channel, tail, body)
        used_query_key = bool(request.query_params.get("key"))  # only then is ?key= stripped
        query = [(k, v) for k, v in request.query_params.multi_items() if not (k == "key" and used_query_key)]
        url = upstream.split("?")[0].rstrip("/") + path
        logged_url = url + (f"?{urlencode(query)}" if query else "")
        headers = {k: v for k, v in request.headers.items() if k not in DROPPED_HEADERS}
        if channel == "anthropic":
            headers.update({"x-api-key": key.value, "anthropic-version": "2023-06-01"})
        elif channel == "gemini" and "v1beta/openai" not in url:
            query.append(("key", key.value))
        else:
            headers["authorization"] = f"Bearer {key.value}"
        call = ProxyCall(name, member["name"], logged_url, model, key.value)
        self.proxy_log.append(call)
        full_url = url + (f"?{urlencode(query)}" if query else "")
        try:
            status, content_type, content = await self._send(request.method, full_url, headers, body)
        except httpx.TransportError as error:
            message = f"{type(error).__name__}: {error}".replace(key.value, "[REDACTED]")
            raise ApiError(500, "UPSTREAM_ERROR", message) from None
        call.status = status
        return _upstream_answer(request, member, channel, tail, status, content_type, content)

    def _pick_member(self, view: _Snapshot, aggregate: dict[str, Any]) -> dict[str, Any] | None:
        """Smooth weighted round-robin over members with weight > 0 that have an active key (hasActiveKeys)."""
        links = [(m, w) for (a, m), w in view.links.items() if a == aggregate["id"] and w > 0 and m in view.groups]
        labels, weights = [view.groups[m]["name"] for m, _ in links], [w for _, w in links]
        for _ in range(sum(weights)):  # one full cycle picks every member
            i = self._round_robin.pick(("aggregate", aggregate["id"]), labels, weights)
            if self._active.get(links[i][0]):
                return view.groups[links[i][0]]
        return None

    def _pick_upstream(self, group: dict[str, Any]) -> str:
        active = [u for u in group["upstreams"] if u["weight"] > 0]
        if not active:
            raise ApiError(500, "INTERNAL_SERVER_ERROR", f"no upstream URL configured for group {group['name']}")
        labels, weights = [u["url"] for u in active], [u["weight"] for u in active]
        return active[self._round_robin.pick(("upstream", group["id"]), labels, weights)]["url"]

    def _next_key(self, group_id: int) -> _Key | None:
        # MemoryStore.Rotate: the active list's last key is served and moves to the front. Keys added later were
        # prepended, so the last key added goes first and a new batch waits for a full turn of the older keys.
        active = self._active.get(group_id)
        if not active:
            return None
        active.insert(0, active.pop())
        key = self._keys[group_id][active[0]]
        key.request_count += 1
        key.last_used_at = _now()
        return key

    async def _send(self, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        """Send through the transport itself, not a client: httpx's client logs URLs, and Gemini's carry keys."""
        transport = self.upstream_transport or httpx.AsyncHTTPTransport()
        timeout = httpx.Timeout(self.upstream_timeout).as_dict()
        outgoing = httpx.Request(method, url, headers=headers, content=body, extensions={"timeout": timeout})
        try:
            response = await transport.handle_async_request(outgoing)
            try:
                content = await response.aread()
            finally:
                await response.aclose()
            return response.status_code, response.headers.get("content-type", ""), content
        finally:
            if self.upstream_transport is None:
                await transport.aclose()


# ----- request parsing and validation helpers

_RESPONSE_FIELDS = (
    "display_name", "description", "group_type", "upstreams", "channel_type", "sort", "test_model",
    "validation_endpoint", "param_overrides", "model_redirect_rules", "model_redirect_strict", "config",
    "header_rules", "proxy_keys", "last_validated_at", "created_at", "updated_at",
)  # fmt: skip


def _is_str_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_header_rule(rule: Any) -> bool:
    return rule is None or (
        isinstance(rule, dict) and all(_is_str_or_none(rule.get(f)) for f in ("key", "value", "action"))
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _json_type(value: Any) -> str:
    kinds = ((bool, "bool"), (str, "string"), (int, "number"), (float, "number"), (list, "array"), (dict, "object"))
    return next(name for kind, name in kinds if isinstance(value, kind))


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise _invalid_json("EOF")
    try:
        value = json.loads(raw)
    except ValueError as error:
        raise _invalid_json(f"invalid JSON: {error}") from None
    if value is None:  # Go decodes null into an empty struct
        return {}
    if not isinstance(value, dict):
        raise _invalid_json(f"json: cannot unmarshal {_json_type(value)} into Go value of type struct")
    return value


def _check_kinds(body: dict[str, Any], kinds: dict[str, str]) -> None:
    for name, kind in kinds.items():
        value = body.get(name)
        if value is not None and not _KIND_CHECKS[kind](value):
            raise _invalid_json(f"json: cannot unmarshal {_json_type(value)} into Go struct field .{name}")


def _client_key(request: Request) -> str:
    """GPT-Load's extractor: ?key=, then Bearer, then X-Api-Key, then X-Goog-Api-Key."""
    authorization = request.headers.get("authorization", "")
    return (
        request.query_params.get("key")
        or (authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else "")
        or request.headers.get("x-api-key")
        or request.headers.get("x-goog-api-key")
        or ""
    )


async def _wait_for_disconnect(request: Request) -> None:
    await request.body()
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _path_id(raw: str, message: str) -> int:
    if not INTEGER.fullmatch(raw):
        raise _bad_request(message)
    return int(raw)


def _positive_int(raw: str | None, default: int) -> int:
    value = int(raw) if raw and INTEGER.fullmatch(raw) else default
    return value if value > 0 else default


def _clean_name(value: str | None) -> str:
    name = (value or "").strip()
    if not GROUP_NAME.fullmatch(name):
        raise _validation(
            "Invalid group name. Can only contain lowercase letters, numbers, hyphens or underscores, 1-100 characters"
        )
    return name


def _clean_channel_type(value: str | None) -> str:
    channel_type = (value or "").strip()
    if channel_type not in CHANNEL_TYPES:
        raise _validation(f"Invalid channel type. Supported types: {', '.join(CHANNEL_TYPES)}")
    return channel_type


def _clean_endpoint(value: str | None) -> str:
    endpoint = (value or "").strip()
    if endpoint and (not endpoint.startswith("/") or "://" in endpoint):
        raise _validation("Invalid test path. If provided, must be a valid path starting with / and not a full URL.")
    return endpoint


def _effective_endpoint(group: dict[str, Any]) -> str:
    return group["validation_endpoint"] or DEFAULT_VALIDATION_ENDPOINTS[group["channel_type"]]


def _clean_upstreams(raw: Any, *, present: bool) -> list[dict[str, Any]]:
    def fail(reason: str) -> ApiError:
        return _validation(f"Invalid upstreams configuration: {reason}")

    if not present:
        raise fail("upstreams field is required")
    if raw is not None and not isinstance(raw, list):
        raise fail(f"json: cannot unmarshal {_json_type(raw)} into Go value of type []struct")
    if not raw:
        raise fail("at least one upstream is required")
    cleaned = []
    for item in raw:
        item = {} if item is None else item
        if not isinstance(item, dict):
            raise fail(f"json: cannot unmarshal {_json_type(item)} into Go value of type struct")
        url, weight = item.get("url"), item.get("weight")
        if not _is_str_or_none(url) or not (weight is None or _KIND_CHECKS["int"](weight)):
            raise fail("json: cannot unmarshal upstream url or weight")
        url, weight = (url or "").strip(), weight or 0
        if not url:
            raise fail("upstream URL cannot be empty")
        if not url.startswith(("http://", "https://")):
            raise fail(f"invalid URL format for upstream: {url}")
        if weight < 0:
            raise fail("upstream weight must be a non-negative integer")
        cleaned.append({"url": url, "weight": weight})
    if not any(u["weight"] > 0 for u in cleaned):
        raise fail("at least one upstream must have a weight greater than 0")
    return cleaned


def _clean_config(config: dict[str, Any] | None) -> dict[str, Any] | None:
    def fail(reason: str) -> ApiError:
        return _validation(f"Invalid config format: {reason}")

    if config is None:
        return None
    for name in config:
        if name not in CONFIG_FIELDS:
            raise fail(f"unknown config field: '{name}'")
    cleaned = {}
    for name, value in config.items():
        kind, minimum = CONFIG_FIELDS[name]
        if value is None:  # null removes the override
            continue
        if kind is int:
            value = int(value) if isinstance(value, float) and value.is_integer() else value
            if not _KIND_CHECKS["int"](value):
                raise fail(f"invalid value for {name}: must be an integer")
            if minimum is not None and value < minimum:
                raise fail(f"value for {name} ({value}) is below minimum value ({minimum})")
        elif not isinstance(value, kind):
            raise fail(f"invalid type for {name}")
        if name == "failover_status_codes":
            _parse_status_codes(value)
        cleaned[name] = value
    return cleaned


def _parse_status_codes(spec: str) -> None:
    for token in spec.replace("\n", ",").split(","):
        bounds = [part.strip() for part in token.split("-")] if token.strip() else []
        if not bounds:
            continue
        if len(bounds) > 2 or not all(INTEGER.fullmatch(b) and 100 <= int(b) <= 999 for b in bounds):
            raise _validation(f"Invalid config format: invalid failover_status_codes token {token.strip()!r}")
        if int(bounds[0]) > int(bounds[-1]):
            raise _validation(f"Invalid config format: invalid status code range (start > end): {token.strip()!r}")


def _clean_header_rules(rules: list[dict[str, Any] | None] | None) -> list[dict[str, str]]:
    cleaned: list[dict[str, str]] = []
    for rule in [r or {} for r in rules or []]:
        key = (rule.get("key") or "").strip()
        if not key:
            continue
        if HEADER_TOKEN.fullmatch(key):
            key = "-".join(part[:1].upper() + part[1:].lower() for part in key.split("-"))
        if any(r["key"] == key for r in cleaned):
            raise _validation(f"Duplicate header: {key}")
        cleaned.append({"key": key, "value": rule.get("value") or "", "action": rule.get("action") or ""})
    return cleaned


def _redirect_rules(rules: dict[str, str | None] | None) -> dict[str, str] | None:
    return None if rules is None else {k: v or "" for k, v in rules.items()}


def _check_redirect_rules(rules: dict[str, str]) -> None:
    if any(not k.strip() or not v.strip() for k, v in rules.items()):
        raise _validation("validation.invalid_model_redirect")  # this message id has no translation upstream


def _check_weight(weight: int) -> None:
    if weight < 0:
        raise _validation("Sub-group weight cannot be negative")
    if weight > MAX_SUB_GROUP_WEIGHT:
        raise _validation("Sub-group weight cannot exceed 1000")


def _sub_group_inputs(body: dict[str, Any]) -> list[tuple[int, int]]:
    _check_kinds(body, {"sub_groups": "list"})
    inputs = []
    for item in body.get("sub_groups") or []:
        item = {} if item is None else item
        if not isinstance(item, dict):
            raise _invalid_json(f"json: cannot unmarshal {_json_type(item)} into Go struct field .sub_groups")
        _check_kinds(item, {"group_id": "uint", "weight": "int"})
        inputs.append((item.get("group_id") or 0, item.get("weight") or 0))
    return inputs


def parse_keys_text(text: str) -> list[str]:
    """A whole-text JSON array of strings is used as is; anything else is split on whitespace, ',' and ';'."""
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, list) and parsed and all(_is_str_or_none(item) for item in parsed):
        candidates = [item or "" for item in parsed]
    else:
        candidates = KEY_SEPARATORS.split(text.strip())
    return [c.strip() for c in candidates if c.strip()]


def _group_model(g: dict[str, Any]) -> dict[str, Any]:
    """The full Group model (as in sub-group listings): no endpoint, plus a null ``api_keys``."""
    return {"id": g["id"], "name": g["name"], "endpoint": "", **{k: g[k] for k in _RESPONSE_FIELDS}, "api_keys": None}


def _bare_group_model(g: dict[str, Any]) -> dict[str, Any]:
    """``GET /api/groups/list``: a Group model where only id, name and display_name are filled."""
    zero = {k: None for k in _RESPONSE_FIELDS} | {"description": "", "group_type": "", "channel_type": "", "sort": 0}
    zero |= {"test_model": "", "validation_endpoint": "", "model_redirect_strict": False, "proxy_keys": ""}
    zero |= {"created_at": "0001-01-01T00:00:00Z", "updated_at": "0001-01-01T00:00:00Z"}
    return {"id": g["id"], "name": g["name"], "endpoint": "", **zero, "display_name": g["display_name"],
            "api_keys": None}  # fmt: skip


def _integration_entry(group: dict[str, Any], *, specific: bool) -> dict[str, str]:
    channel, endpoint = group["channel_type"], _effective_endpoint(group)
    if channel in ("openai", "openai-response") and endpoint != DEFAULT_VALIDATION_ENDPOINTS[channel]:
        channel = "custom"
    prefix = "" if specific else f"/proxy/{group['name']}"
    path = prefix + (group["validation_endpoint"] if channel == "custom" else "")
    return {"name": group["name"], "display_name": group["display_name"], "channel_type": channel, "path": path}


# ----- proxy body and response helpers


def _apply_param_overrides(body: bytes, overrides: dict[str, Any] | None) -> bytes:
    data = _json_object(body) if overrides else None
    return body if data is None else json.dumps(data | overrides).encode()


def _redirect_model(group: dict[str, Any], channel: str, path: str, body: bytes) -> tuple[str, bytes, str | None]:
    """Apply model_redirect_rules; returns the path and body to send and the model name sent upstream."""
    rules, strict = group["model_redirect_rules"] or {}, group["model_redirect_strict"]
    if channel == "gemini" and "v1beta/openai" not in path:
        parts = path.split("/")
        at = next((i + 1 for i, part in enumerate(parts[:-1]) if part == "models"), None)
        if at is None:
            return path, body, None
        model, colon, suffix = parts[at].partition(":")
        if model in rules:
            model = rules[model]
            parts[at] = model + colon + suffix
        elif rules and strict:
            raise _bad_request(f"model '{model}' is not configured in redirect rules")
        return "/".join(parts), body, model
    data = _json_object(body) or {}
    if not isinstance(data.get("model"), str):
        return path, body, None
    model = data["model"]
    if model in rules:
        return path, json.dumps(data | {"model": rules[model]}).encode(), rules[model]
    if rules and strict:
        raise _bad_request(f"model '{model}' is not configured in redirect rules")
    return path, body, model


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _is_failover_status(status: int) -> bool:
    """GPT-Load's default failover_status_codes, "400-403,405-999"."""
    return 400 <= status <= 999 and status != 404


def _upstream_answer(
    request: Request, group: dict[str, Any], channel: str, tail: str, status: int, content_type: str, content: bytes
) -> Response:
    if _is_failover_status(status):  # the last attempt's error: its JSON object, else an envelope
        error = _json_object(content)
        if error is None:
            return ApiError(status, "UPSTREAM_ERROR", content.decode(errors="replace")).response()
        return JSONResponse(error, status_code=status)
    is_model_list = tail.endswith(("/v1/models", "/v1beta/models")) or "/v1beta/openai/v1/models" in tail
    if request.method != "GET" or not is_model_list:
        return Response(content, status_code=status, media_type=content_type or None)
    listing = _json_object(content)
    if listing is None:
        return JSONResponse({"error": "Failed to process response"}, status_code=500)
    first_page = not request.query_params.get("pageToken")
    return JSONResponse(_rewrite_model_list(listing, group, channel, first_page=first_page))


def _rewrite_model_list(listing: dict[str, Any], group: dict[str, Any], channel: str, *, first_page: bool) -> Any:
    """Strict: exactly the rule keys. Otherwise: the upstream list plus rule keys it lacks."""
    rules, strict = group["model_redirect_rules"] or {}, group["model_redirect_strict"]
    if channel == "gemini" and "models" in listing:
        if not isinstance(listing["models"], list):
            return listing
        configured = [
            {"name": k if k.startswith("models/") else f"models/{k}", "displayName": k,
             "supportedGenerationMethods": ["generateContent"]}
            for k in rules
        ]  # fmt: skip
        if strict:
            listing.pop("nextPageToken", None)
            return listing | {"models": configured}
        if not first_page:
            return listing
        names = {str(m.get("name")).removeprefix("models/") for m in listing["models"] if isinstance(m, dict)}
        missing = [c for c in configured if c["name"].removeprefix("models/") not in names]
        return listing | {"models": listing["models"] + missing}
    if not isinstance(listing.get("data"), list):
        return listing
    configured = [{"id": k, "object": "model", "created": 0, "owned_by": "system"} for k in rules]
    if strict:
        return listing | {"data": configured}
    ids = {m.get("id") for m in listing["data"] if isinstance(m, dict)}
    return listing | {"data": listing["data"] + [c for c in configured if c["id"] not in ids]}
