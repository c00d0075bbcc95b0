"""Refuses requests a browser page of another site could send: a pure ASGI middleware in front of every route.

Pages, NiceGUI's assets and websockets and the REST API all pass through ``HttpGuard``, which refuses

- a ``Host`` that is not one of this manager's names (421 ``forbidden_host``): a DNS-rebinding page on
  ``http://attacker.example`` that now resolves to 127.0.0.1 still sends ``Host: attacker.example``.
  Allowed: ``localhost``, ``127.0.0.1``, ``[::1]``, the bind address ``HOST`` (any IP literal when it is
  a wildcard such as ``0.0.0.0``: a rebinding page's Host is always a name) and the ``ALLOWED_HOSTS``.
- a state-changing request (any method but GET, HEAD, OPTIONS; every websocket; every request to NiceGUI's
  socket.io endpoint) that its browser marks as coming from another origin (``Origin`` not this host, or
  ``Sec-Fetch-Site: cross-site`` / ``same-site``) unless it carries ``Authorization: Bearer <ADMIN_PASSWORD>``,
  which no page can add to a cross-site request without a CORS preflight this server never grants
  (403 ``cross_site_request``).
- a body sent to ``/api`` with any type but ``application/json`` (415 ``unsupported_media_type``): a
  ``no-cors`` fetch can only send ``text/plain``, form types, or no type at all.
- a body larger than ``MAX_BODY_BYTES``, declared or streamed (413 ``body_too_large``).

Every refusal answers ``{"code", "detail"}``; a refused websocket is closed before it is accepted (HTTP 403).

Over 350 lines as one cohesive thing: every rule a request must pass before any route sees it, and the
middleware that applies them in order (host, cross-site, media type, size); split apart, the order that
makes each rule sound would live in no single place.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from core.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api"
SOCKET_PREFIX = "/_nicegui_ws"  # NiceGUI's socket.io endpoint: every UI event of a page travels through it
JSON_TYPE = "application/json"
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    detail: str


# ---------------------------------------------------------------------------------------------------------
# Host names
# ---------------------------------------------------------------------------------------------------------


def split_host(value: str | None) -> tuple[str, int | None] | None:
    """``Host`` header (or ``ALLOWED_HOSTS`` entry) -> (lower-case host, port or None); None when malformed.

    IPv6 literals are bracketed (``[::1]:8080``) and come back compressed (``::1``); one trailing dot of a
    name is dropped (``localhost.`` is ``localhost``). Userinfo, paths, blanks and percent signs are malformed.
    """
    if value is None:
        return None
    text = value.strip().lower()
    if not text or any(c in text for c in "/\\@?#%, \t\r\n") or not text.isascii():
        return None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        try:
            host = ipaddress.IPv6Address(text[1:end]).compressed
        except ValueError:
            return None
        rest = text[end + 1 :]
    else:
        host, colon, port_text = text.partition(":")
        rest = colon + port_text
        host = host[:-1] if host.endswith(".") else host
        if not _is_ipv4(host) and not _NAME.match(host):
            return None
    if not rest:
        return host, None
    if not rest.startswith(":") or not rest[1:].isdigit() or not 0 < int(rest[1:]) < 65536:
        return None
    return host, int(rest[1:])


def parse_allowed_hosts(text: str) -> tuple[str, ...]:
    """``ALLOWED_HOSTS`` as normalised entries (``name``, ``name:port``, ``[v6]:port``, ``*``).

    Raises:
        ValueError: naming the first entry that is not a host name, an IP address or ``*``.
    """
    entries: list[str] = []
    for raw in text.split(","):
        entry = raw.strip()
        if not entry:
            continue
        if entry == "*":
            entries.append("*")
            continue
        parsed = _bare_ip(entry) or split_host(entry)
        if parsed is None:
            raise ValueError(f"{entry!r} is not a host name, host:port, IP address or *")
        entries.append(_format(*parsed))
    return tuple(dict.fromkeys(entries))


@dataclass(frozen=True)
class HostPolicy:
    """Which ``Host`` headers are this manager's."""

    names: frozenset[str]  # on any port
    pairs: frozenset[tuple[str, int]]  # on that port only
    any_ip: bool = False  # the bind address is a wildcard
    any_host: bool = False  # ALLOWED_HOSTS=*

    def allows(self, host_header: str | None) -> bool:
        if self.any_host:
            return True
        parsed = split_host(host_header)
        if parsed is None:
            return False
        host, port = parsed
        if host in self.names or (port is not None and (host, port) in self.pairs):
            return True
        return self.any_ip and _is_ip(host)


@lru_cache(maxsize=16)
def host_policy(bind_host: str, allowed_hosts: tuple[str, ...]) -> HostPolicy:
    names, pairs, any_ip = set(LOOPBACK_NAMES), set(), False
    bind = _bare_ip(bind_host) or split_host(bind_host)
    if bind is not None:
        host, _ = bind
        if _is_ip(host) and ipaddress.ip_address(host).is_unspecified:
            any_ip = True
        else:
            names.add(host)
    for entry in allowed_hosts:
        if entry == "*":
            return HostPolicy(frozenset(), frozenset(), any_host=True)
        parsed = _bare_ip(entry) or split_host(entry)
        if parsed is None:
            continue
        host, port = parsed
        if port is None:
            names.add(host)
        else:
            pairs.add((host, port))
    return HostPolicy(frozenset(names), frozenset(pairs), any_ip=any_ip)


# ---------------------------------------------------------------------------------------------------------
# Origins
# ---------------------------------------------------------------------------------------------------------


def cross_site_reason(origin: str | None, fetch_site: str | None, host_header: str | None) -> str | None:
    """Why the browser says this request comes from another site, or None (same origin, or not a browser)."""
    if fetch_site is not None and fetch_site.strip().lower() in {"cross-site", "same-site"}:
        return f"its browser marks it Sec-Fetch-Site: {fetch_site.strip().lower()}"
    if origin is not None and not same_origin(origin, host_header):
        return "its Origin is another site"
    return None


def same_origin(origin: str, host_header: str | None) -> bool:
    """Whether ``Origin`` names the host and port the request was sent to (``null`` never does).

    The scheme is not compared: behind a TLS proxy the browser says ``https://`` to a server that speaks http.
    """
    try:
        parts = urlsplit(origin.strip())
        origin_port = parts.port
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.path or parts.username is not None:
        return False
    target = split_host(host_header)
    if target is None:
        return False
    origin_host = _bare_ip(parts.hostname) or split_host(parts.hostname)
    if origin_host is None:
        return False
    default = DEFAULT_PORTS[parts.scheme]
    return origin_host[0] == target[0] and (origin_port or default) == (target[1] or default)


def bearer_matches(authorization: str | None, password: str) -> bool:
    """``Authorization: Bearer <password>``, compared in constant time; never true without a password."""
    if not password or not authorization:
        return False
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode(), password.encode())


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


# ---------------------------------------------------------------------------------------------------------
# The middleware
# ---------------------------------------------------------------------------------------------------------


def check_request(*, kind: str, method: str, path: str, headers: dict[str, str], settings: Settings) -> Refusal | None:
    """The refusal this request gets before any route sees it, or None. Body size is checked as it streams."""
    host = headers.get("host")
    if not host_policy(settings.host, settings.allowed_hosts).allows(host):
        parsed = split_host(host)
        shown = _format(*parsed) if parsed else "(missing or malformed)"
        return Refusal(
            421,
            "forbidden_host",
            f"This manager does not answer to Host {shown}: open it as http://127.0.0.1:{settings.port} "
            "or add the name to ALLOWED_HOSTS.",
        )
    state_changing = kind == "websocket" or method not in SAFE_METHODS or _under(path, SOCKET_PREFIX)
    if state_changing and not bearer_matches(headers.get("authorization"), settings.admin_password):
        reason = cross_site_reason(headers.get("origin"), headers.get("sec-fetch-site"), host)
        if reason:
            return Refusal(
                403,
                "cross_site_request",
                f"Refused: {reason}. Pages of other sites cannot change this manager; "
                "scripts send `Authorization: Bearer <ADMIN_PASSWORD>`.",
            )
    api_body = kind == "http" and method not in SAFE_METHODS and _under(path, API_PREFIX) and _has_body(headers)
    if api_body and media_type(headers.get("content-type")) != JSON_TYPE:
        detail = "Request bodies of this API must be sent with Content-Type: application/json."
        return Refusal(415, "unsupported_media_type", detail)
    if kind == "http" and _has_body(headers):
        length = headers.get("content-length")
        if length is not None and (not length.strip().isdigit()):
            return Refusal(400, "invalid_input", "Content-Length is not a number.")
        if length is not None and int(length) > settings.max_body_bytes:
            return _too_large(settings.max_body_bytes)
    return None


class HttpGuard:
    """ASGI middleware: ``check_request`` on every http and websocket request, then the body-size limit."""

    def __init__(self, app: ASGIApp, settings: Callable[[], Settings]) -> None:
        self.app = app
        self.settings = settings  # read per request: a test (or a reload) may swap the settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        settings = self.settings()
        headers = _headers(scope)
        refusal = check_request(
            kind=scope["type"],
            method=scope.get("method", "GET"),
            path=scope.get("path", ""),
            headers=headers,
            settings=settings,
        )
        if refusal is not None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": refusal.code})
            else:
                await _answer(send, refusal)
            return
        if scope["type"] == "http" and _has_body(headers):
            body = await _read_body(receive, settings.max_body_bytes)
            if body is None:  # the client went away while sending
                return
            if isinstance(body, Refusal):
                await _answer(send, body)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


async def _read_body(receive: Receive, limit: int) -> bytes | Refusal | None:
    """The whole body, counted as it streams in (a chunked body declares no length); a Refusal past ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then whatever the server says next (a disconnect)

    return replay


async def _answer(send: Send, refusal: Refusal) -> None:
    body = json.dumps({"code": refusal.code, "detail": refusal.detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if refusal.status in (400, 413):
        headers.append((b"connection", b"close"))  # the rest of the body is never read
    await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> Refusal:
    return Refusal(413, "body_too_large", f"Request bodies are limited to {limit} bytes (MAX_BODY_BYTES).")


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name; a repeated header keeps its first value."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def _has_body(headers: dict[str, str]) -> bool:
    return "transfer-encoding" in headers or headers.get("content-length", "0").strip() not in ("", "0")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def _is_ipv4(host: str) -> bool:
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return True


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _bare_ip(text: str) -> tuple[str, None] | None:
    """An unbracketed IP address (``::1``, ``0.0.0.0``) as (compressed form, no port)."""
    try:
        return ipaddress.ip_address(text.strip()).compressed, None
    except ValueError:
        return None


def _format(host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port is not None else shown
