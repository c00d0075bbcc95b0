"""GptLoadClient: the GPT-Load v1.4.x admin API calls the sync engine needs.

One ``_request()`` turns transport failures and GPT-Load's envelopes into the core error tree:
``{code: 0, data}`` is success; ``{code: "STRING", message}`` becomes an ``UpstreamError`` whose
``upstream_code`` callers branch on (never the localized message); the unenveloped 404
``{"error": "Not Found"}`` of unknown routes is its own case. Texts never carry the admin key or
any provider key sent in the request.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx

from core.crypto import redact
from core.errors import UpstreamAuthError, UpstreamResponseError, UpstreamTimeout, UpstreamUnreachable
from core.settings import without_userinfo

log = logging.getLogger(__name__)

# Request fields that carry secrets: GPT-Load echoes request bodies in some errors.
SECRET_FIELDS = ("proxy_keys", "keys_text")
KEY_CHUNK = 4000  # GPT-Load refuses more than 5000 keys per call
KEY_PAGE = 1000
KEY_READS = 3  # full passes over a group's key pages before giving up (see list_keys)


class GptLoadClient:
    """Typed access to GPT-Load's admin API (``Authorization: Bearer <AUTH_KEY>``)."""

    def __init__(
        self,
        base_url: str,
        auth_key: str,
        *,
        timeout: float = 30.0,
        concurrency: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # What messages and pages show: a GPTLOAD_URL may carry user:password@.
        self.display_url = without_userinfo(self.base_url)
        self.timeout = timeout
        self._auth_key = auth_key
        self._gate = asyncio.Semaphore(concurrency)
        self._client = httpx.AsyncClient(
            # Without user:password@: httpx would send it as Basic auth in place of the admin key's Bearer.
            base_url=self.display_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"Authorization": f"Bearer {auth_key}", "Accept-Language": "en-US"},
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            follow_redirects=False,
        )
        self.calls = 0
        self.writes = 0

    async def aclose(self) -> None:
        await self._client.aclose()

    async def health(self) -> bool:
        """GPT-Load's unauthenticated ``/health``; raises ``UpstreamUnreachable`` when it cannot be reached."""
        await self._request("GET", "/health", enveloped=False)
        return True

    async def list_groups(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/api/groups") or []

    async def create_group(self, body: dict[str, Any]) -> dict[str, Any]:
        return await self._request("POST", "/api/groups", json=body)

    async def update_group(self, group_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return await self._request("PUT", f"/api/groups/{group_id}", json=body)

    async def delete_group(self, group_id: int) -> None:
        await self._request("DELETE", f"/api/groups/{group_id}")

    async def group_stats(self, group_id: int) -> dict[str, Any]:
        """``{key_stats: {total_keys, active_keys, invalid_keys}, stats_24_hour: {total_requests, failed_requests,
        failure_rate}, stats_7_day, stats_30_day}``; key counts are 0 for an aggregate, failure_rate is 0-1."""
        return await self._request("GET", f"/api/groups/{group_id}/stats") or {}

    async def list_sub_groups(self, aggregate_id: int) -> dict[int, int]:
        """``{member group id: weight}``."""
        rows = await self._request("GET", f"/api/groups/{aggregate_id}/sub-groups") or []
        return {row["group"]["id"]: row["weight"] for row in rows}

    async def add_sub_groups(self, aggregate_id: int, members: dict[int, int]) -> None:
        """Not idempotent on GPT-Load's side: one existing member rejects the whole request. Diff first."""
        body = {"sub_groups": [{"group_id": gid, "weight": weight} for gid, weight in sorted(members.items())]}
        await self._request("POST", f"/api/groups/{aggregate_id}/sub-groups", json=body)

    async def set_sub_group_weight(self, aggregate_id: int, member_id: int, weight: int) -> None:
        await self._request("PUT", f"/api/groups/{aggregate_id}/sub-groups/{member_id}/weight", json={"weight": weight})

    async def remove_sub_group(self, aggregate_id: int, member_id: int) -> None:
        await self._request("DELETE", f"/api/groups/{aggregate_id}/sub-groups/{member_id}")

    async def list_keys(self, group_id: int) -> dict[str, str]:
        """``{key: status}`` of every key of a group; status is ``active`` or ``invalid`` (blacklisted).

        Pages are ordered by ``last_used_at``, which GPT-Load's proxy writes in batches about once a minute (seen
        on v1.4.9): a batch landing between two pages moves keys onto a page already read, and a single pass
        missed 105 of 1,205 keys. So the pages are read again until they hold as many keys as GPT-Load counted.
        """
        for _ in range(KEY_READS):
            keys, total = await self._key_pages(group_id)
            if len(keys) >= total:
                return keys
        raise UpstreamResponseError(
            f"GPT-Load's keys of group {group_id} kept moving between pages in {KEY_READS} reads; try again.",
            status=200,
            upstream_code="KEYS_MOVING",
        )

    async def _key_pages(self, group_id: int) -> tuple[dict[str, str], int]:
        keys: dict[str, str] = {}
        page = 1
        while True:
            params = {"group_id": group_id, "page": page, "page_size": KEY_PAGE}
            data = await self._request("GET", "/api/keys", params=params)
            keys.update((item["key_value"], item.get("status") or "active") for item in data["items"])
            if page >= data["pagination"]["total_pages"]:
                return keys, data["pagination"]["total_items"]
            page += 1

    async def add_keys(self, group_id: int, keys: list[str]) -> None:
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = keys[start : start + KEY_CHUNK]
            # A JSON array is the one form GPT-Load never re-splits.
            body = {"group_id": group_id, "keys_text": json.dumps(chunk)}
            await self._request("POST", "/api/keys/add-multiple", json=body, secrets=chunk)

    async def delete_keys(self, group_id: int, keys: list[str]) -> None:
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = keys[start : start + KEY_CHUNK]
            body = {"group_id": group_id, "keys_text": json.dumps(chunk)}
            await self._request("POST", "/api/keys/delete-multiple", json=body, secrets=chunk)

    async def group_visible(self, name: str, proxy_key: str) -> bool:
        """Whether GPT-Load's proxy cache already serves ``name`` (it reloads asynchronously after writes)."""
        try:
            await self._request(
                "GET", f"/proxy/{name}/api/integration/info", params={"key": proxy_key}, secrets=[proxy_key]
            )
        except UpstreamResponseError as exc:
            if exc.status in (404, 500) or exc.upstream_code in ("NOT_FOUND", "INTERNAL_SERVER_ERROR"):
                return False
            raise
        return True

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        secrets: list[str] | None = None,
        enveloped: bool = True,
    ) -> Any:
        """The one choke point. ``secrets`` are redacted from every text this call produces."""
        hidden = [self._auth_key, *(secrets or []), *_body_secrets(json)]
        where = f"GPT-Load {method} {path}"
        self.calls += 1
        self.writes += method != "GET"
        try:
            async with self._gate, asyncio.timeout(self.timeout):
                response = await self._client.request(method, path, json=json, params=params)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise UpstreamTimeout(f"{where} did not answer within {self.timeout:g} s.") from exc
        except httpx.HTTPError as exc:
            reason = redact(str(exc) or type(exc).__name__, hidden)
            raise UpstreamUnreachable(f"Cannot reach GPT-Load at {self.display_url}: {reason}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 401:
            raise UpstreamAuthError(
                f"{where}: GPT-Load rejected the admin key (HTTP 401); check GPTLOAD_AUTH_KEY.", status=401
            )
        if response.status_code == 404 and isinstance(body, dict) and body.get("error") == "Not Found":
            raise UpstreamResponseError(
                f"{where}: no such route on GPT-Load (is it v1.4.x?).", status=404, upstream_code="ROUTE_NOT_FOUND"
            )
        if not enveloped:
            if response.status_code >= 400:
                raise UpstreamResponseError(
                    f"{where} answered HTTP {response.status_code}.", status=response.status_code
                )
            return body
        if not isinstance(body, dict) or "code" not in body:
            excerpt = redact(response.text, hidden)[:200]
            raise UpstreamResponseError(
                f"{where} answered HTTP {response.status_code} without GPT-Load's envelope: {excerpt!r}",
                status=response.status_code,
            )
        if body["code"] != 0 or response.status_code >= 400:
            code = str(body["code"])
            message = redact(str(body.get("message", "")), hidden)[:500]
            raise UpstreamResponseError(
                f"{where} failed: {code}: {message}", status=response.status_code, upstream_code=code
            )
        return body.get("data")


def _body_secrets(body: Any) -> list[str]:
    """The proxy keys and provider keys a request body carries, for redacting whatever GPT-Load says back."""
    if not isinstance(body, dict):
        return []
    found: list[str] = []
    for name in SECRET_FIELDS:
        value = body.get(name)
        if isinstance(value, str):
            found.append(value)
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = value.split(",")
            found += [item.strip() for item in parsed if isinstance(item, str)] if isinstance(parsed, list) else []
    return [s for s in found if s]
