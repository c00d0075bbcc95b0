"""The services bundle: built once by the composition root (``main.py``) or a test, passed to REST and UI."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from core.clients.gptload import GptLoadClient
from core.clients.uniapi import UniapiClient
from core.clients.upstream import UpstreamClient
from core.crypto import SecretBox
from core.importing import ImportMemo
from core.known_secrets import KnownSecrets
from core.login_guard import LoginThrottle
from core.provider_health import HealthCache
from core.settings import Settings
from core.sync import SyncEngine

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Services:
    settings: Settings
    box: SecretBox
    upstream: UpstreamClient
    gptload: GptLoadClient
    # Set with UNIAPI_URL: a sync watches uni-api load its new api.yaml before removing what it no longer uses.
    uniapi: UniapiClient | None = None
    # Held around every read-check-write of the registry (never around a network call), so
    # concurrent requests cannot both pass a check that only one of them may pass.
    registry_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    sync: SyncEngine = field(init=False)
    # Every secret the manager holds, for redacting logs; refreshed after writes that add or drop one.
    secrets: KnownSecrets = field(init=False)
    # Import previews an apply may name by checksum (core.importing).
    imports: ImportMemo = field(default_factory=ImportMemo)
    # Wrong passwords, wherever they are typed (the login page, a backup's re-authentication): one count.
    password_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    # Provider health read from GPT-Load in the background (the providers table); no reads start while a sync runs.
    health: HealthCache = field(init=False)

    def __post_init__(self) -> None:
        # The engine works on these services; sync and desired know Services as a type only (no import cycle).
        self.sync = SyncEngine(self, self.gptload)
        self.health = HealthCache(self.gptload, busy=lambda: self.sync.progress.running)
        self.secrets = KnownSecrets(self.box, self.settings.secret_values)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        gptload_transport: httpx.AsyncBaseTransport | None = None,
        uniapi_transport: httpx.AsyncBaseTransport | None = None,
    ) -> Services:
        """``transport`` reaches the providers, ``gptload_transport`` GPT-Load, ``uniapi_transport`` uni-api
        (tests pass in-process fakes)."""
        box = SecretBox(settings.encryption_key)
        upstream = UpstreamClient(
            timeout=settings.upstream_timeout, concurrency=settings.test_concurrency, transport=transport
        )
        gptload = GptLoadClient(
            settings.gptload_url,
            settings.gptload_auth_key,
            timeout=settings.upstream_timeout,
            concurrency=settings.gptload_concurrency,
            transport=gptload_transport,
        )
        uniapi = UniapiClient(settings.uniapi_url, transport=uniapi_transport) if settings.uniapi_url else None
        return cls(settings=settings, box=box, upstream=upstream, gptload=gptload, uniapi=uniapi)

    async def aclose(self) -> None:
        await self.sync.wait()
        await self.health.aclose()
        await self.upstream.aclose()
        await self.gptload.aclose()
        if self.uniapi is not None:
            await self.uniapi.aclose()

    async def fan_out(self, items: Iterable[T], work: Callable[[T], Awaitable[R]]) -> list[R]:
        """Run ``work`` over ``items`` in parallel, results in input order.

        At most TEST_CONCURRENCY items are in progress here; the upstream client bounds the HTTP calls
        of all fan-outs together. Each call gets its own semaphore, so nesting can never deadlock.
        """
        gate = asyncio.Semaphore(self.settings.test_concurrency)

        async def bounded(item: T) -> R:
            async with gate:
                return await work(item)

        return list(await asyncio.gather(*(bounded(item) for item in items)))
