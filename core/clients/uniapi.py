"""UniapiClient: what a running uni-api serves now, so a sync can see its new api.yaml loaded (issue 12 §5).

uni-api's Rust runtime re-reads api.yaml about every 2 s and answers ``GET /v1/api_config`` to an admin
key with ``{"api_config": <the configuration it serves>}`` (503 before its first load). The body holds
every key of the file: it is read here and reduced to the manager's entries' names and URLs, never logged
or passed on. One ``_request()``; callers branch on ``error.code``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from core.crypto import redact
from core.errors import UpstreamAuthError, UpstreamResponseError, UpstreamTimeout, UpstreamUnreachable
from core.naming import OWNER_MARKER
from core.settings import without_userinfo


class UniapiClient:
    def __init__(
        self, base_url: str, *, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.display_url = without_userinfo(base_url.rstrip("/"))
        self.timeout = timeout
        self._client = httpx.AsyncClient(
            base_url=self.display_url, transport=transport, timeout=httpx.Timeout(timeout), follow_redirects=False
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def served_entries(self, admin_key: str) -> dict[str, tuple[str, tuple[str, ...]]]:
        """``{provider name: (base_url, models)}`` of the manager's entries in the configuration uni-api serves."""
        body = await self._request("GET", "/v1/api_config", admin_key)
        config = body.get("api_config") if isinstance(body, dict) else None
        providers = config.get("providers") if isinstance(config, dict) else None
        if not isinstance(providers, list):
            raise UpstreamResponseError("uni-api GET /v1/api_config answered without a providers list.", status=200)
        return {
            str(p.get("provider")): (str(p.get("base_url")), tuple(str(m) for m in p.get("model") or ()))
            for p in providers
            if isinstance(p, dict) and p.get("notes") == OWNER_MARKER
        }

    async def _request(self, method: str, path: str, admin_key: str) -> Any:
        where = f"uni-api {method} {path}"
        headers = {"Authorization": f"Bearer {admin_key}"}
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._client.request(method, path, headers=headers)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise UpstreamTimeout(f"{where} did not answer within {self.timeout:g} s.") from exc
        except httpx.HTTPError as exc:
            reason = redact(str(exc) or type(exc).__name__, [admin_key])
            raise UpstreamUnreachable(f"Cannot reach uni-api at {self.display_url}: {reason}") from exc
        if response.status_code in (401, 403):
            raise UpstreamAuthError(
                f"{where}: uni-api refused the manager's admin key (HTTP {response.status_code}); the api.yaml "
                "must keep the api_keys entry with role admin that the manager wrote.",
                status=response.status_code,
            )
        if response.status_code >= 400:
            # 503: nothing loaded yet. The body is not quoted: only the status matters here.
            raise UpstreamResponseError(f"{where} answered HTTP {response.status_code}.", status=response.status_code)
        try:
            return response.json()
        except ValueError:
            raise UpstreamResponseError(f"{where} answered HTTP 200 without JSON.", status=200) from None
