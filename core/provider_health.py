"""Provider health from GPT-Load (issue 14 §1): per provider, the keys of its managed groups (active / invalid) and
their requests of the last 24 h with the failure rate, read from ``GET /api/groups/{id}/stats``.

That is one read per group, several hundred at 200 providers, so reads run in the background, bounded by
GptLoadClient's gate (GPTLOAD_CONCURRENCY), at most once per ``MAX_AGE`` seconds (longer after a long read:
``PACING``) unless forced (``refresh``), and nothing waits for them: ``HealthCache.snapshot()`` answers at once
with what is known ("unknown" until the first read ends) and starts a read when the last one is too old; ``peek()``
answers without starting one. A GPT-Load that cannot be reached leaves every provider that feeds groups "unknown",
with the reason.

Which groups a provider feeds: the manager's records (``ManagedGroup``) whose provider is set (imported groups) or
whose identity names it (``core.topology.identity_provider``); standard groups only: an aggregate holds no keys,
and the requests it routes are served, and logged, by its member groups. Keys count per group: a provider's key
sits in every one of its groups (two keys in three groups count six), and a key GPT-Load blacklisted in one group
counts once as invalid.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from core.clients.gptload import GptLoadClient
from core.errors import LpmError, UpstreamResponseError
from core.models import ManagedGroup
from core.topology import identity_provider

log = logging.getLogger(__name__)

MAX_AGE = 180.0  # seconds a read stays fresh: GPT-Load's own hourly stats move slowly, its key checks every 5 min
# A read of thousands of groups keeps GPT-Load busy for minutes (each stats call queries its request log): the next
# read by itself waits this many times as long as the last one took, so at most a tenth of the time goes to reads.
PACING = 10


@dataclass(frozen=True)
class FedGroup:
    """A managed standard group and the provider it serves."""

    name: str
    gptload_id: int | None


@dataclass(frozen=True)
class GroupStats:
    active_keys: int
    invalid_keys: int
    requests: int  # last 24 h
    failed: int


class ProviderHealth(BaseModel):
    provider_id: int
    # known: read from GPT-Load; unknown: not read yet, or GPT-Load did not answer (``reason``); no_groups: it
    # feeds no managed group yet (never synced, or no active model), so GPT-Load has nothing to say about it.
    status: Literal["known", "unknown", "no_groups"]
    groups: int = 0
    active_keys: int | None = None
    invalid_keys: int | None = None
    requests_24h: int | None = None
    failed_24h: int | None = None
    failure_rate: float | None = None  # failed / requests over 24 h, 0-1; None without a request
    reason: str | None = None


@dataclass(frozen=True)
class HealthSnapshot:
    providers: dict[int, ProviderHealth]
    read_at: datetime | None  # when the last read ended (None: none has)
    reading: bool
    error: str | None  # why the last read could not reach GPT-Load
    version: int  # grows with every finished read: a page redraws when it changed

    def of(self, provider_id: int, *, feeds: bool = True) -> ProviderHealth:
        """``feeds``: whether the provider feeds a group now (``fed_groups``); one that does not needs no read."""
        found = self.providers.get(provider_id)
        if found is not None and feeds:
            return found
        if self.read_at is None and feeds:
            return ProviderHealth(provider_id=provider_id, status="unknown", reason="not read from GPT-Load yet")
        return ProviderHealth(provider_id=provider_id, status="no_groups")


async def fed_groups() -> dict[int, list[FedGroup]]:
    """Per provider, the managed standard groups it feeds, by name."""
    rows = (
        await ManagedGroup.filter(group_type="standard")
        .order_by("name")
        .values_list("name", "gptload_id", "provider_id", "identity")
    )
    found: dict[int, list[FedGroup]] = defaultdict(list)
    for name, gptload_id, provider_id, identity in rows:
        owner = provider_id if provider_id is not None else identity_provider(identity)
        if owner is not None:
            found[owner].append(FedGroup(name, gptload_id))
    return dict(found)


def group_stats_of(data: dict[str, Any]) -> GroupStats:
    """GPT-Load's stats answer, read leniently: a missing count is 0."""
    keys, day = data.get("key_stats") or {}, data.get("stats_24_hour") or {}
    return GroupStats(
        active_keys=int(keys.get("active_keys") or 0),
        invalid_keys=int(keys.get("invalid_keys") or 0),
        requests=int(day.get("total_requests") or 0),
        failed=int(day.get("failed_requests") or 0),
    )


def summarize(
    groups: dict[int, list[FedGroup]], stats: dict[int, GroupStats], failures: dict[int, str], error: str | None
) -> dict[int, ProviderHealth]:
    """Per provider with groups: the sums over its groups, or unknown with the reason (pure)."""
    health = {}
    for provider_id, fed in groups.items():
        base = {"provider_id": provider_id, "groups": len(fed)}
        missing = [g for g in fed if g.gptload_id is None or g.gptload_id not in stats]
        if error is not None or missing:
            failed = next((failures[g.gptload_id] for g in missing if g.gptload_id in failures), None)
            reason = error or failed or f"GPT-Load has no stats for {missing[0].name}"
            health[provider_id] = ProviderHealth(**base, status="unknown", reason=reason)
            continue
        read = [stats[g.gptload_id] for g in fed if g.gptload_id is not None]
        requests, failed_requests = sum(s.requests for s in read), sum(s.failed for s in read)
        health[provider_id] = ProviderHealth(
            **base,
            status="known",
            active_keys=sum(s.active_keys for s in read),
            invalid_keys=sum(s.invalid_keys for s in read),
            requests_24h=requests,
            failed_24h=failed_requests,
            failure_rate=round(failed_requests / requests, 4) if requests else None,
        )
    return health


async def read_stats(
    gptload: GptLoadClient, group_ids: list[int]
) -> tuple[dict[int, GroupStats], dict[int, str], str | None]:
    """Every group's stats in parallel (the client's gate bounds them): (stats, per-group failures, why GPT-Load
    could not be read at all). A group GPT-Load answers an error for (deleted by hand) fails alone; no answer, a
    refused admin key or a server without the route stops the read at once."""
    stats: dict[int, GroupStats] = {}
    failures: dict[int, str] = {}
    stopped: list[str] = []

    async def one(group_id: int) -> None:
        if stopped:
            return
        try:
            stats[group_id] = group_stats_of(await gptload.group_stats(group_id))
        except UpstreamResponseError as exc:
            if exc.upstream_code in (None, "ROUTE_NOT_FOUND"):
                stopped.append(exc.detail)
            else:
                failures[group_id] = exc.detail
        except LpmError as exc:
            stopped.append(exc.detail)

    await asyncio.gather(*(one(g) for g in group_ids))
    return stats, failures, stopped[0] if stopped else None


class HealthCache:
    """The last read and the read under way; one per services bundle (``Services.health``)."""

    def __init__(
        self,
        gptload: GptLoadClient,
        *,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._gptload = gptload
        self._max_age = max_age
        self._clock = clock
        self._busy = busy  # while it says so (a sync runs), reads start only when asked for (``refresh``)
        self._providers: dict[int, ProviderHealth] = {}
        self._read_at: datetime | None = None
        self._started_at: float | None = None  # on ``clock``: when the last read began
        self._took = 0.0  # on ``clock``: how long the last read took
        self._error: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._version = 0

    def snapshot(self) -> HealthSnapshot:
        """What is known now, at once; starts a read in the background when the last one began too long ago (not
        while a sync runs: its calls go through the same gate, and what it changes is read after it)."""
        fresh_for = max(self._max_age, PACING * self._took)
        stale = self._started_at is None or self._clock() - self._started_at >= fresh_for
        if stale and not self._busy():
            self._start()
        return self._snapshot()

    def peek(self) -> HealthSnapshot:
        """What is known now, never starting a read: for a page being drawn, whose own first load must not share the
        event loop with several hundred stats calls (it asks ``snapshot()`` once it is up)."""
        return self._snapshot()

    def refresh(self) -> HealthSnapshot:
        """Read again now (unless a read is under way), whatever the age of the last one."""
        self._start()
        return self._snapshot()

    async def wait(self) -> None:
        """Until the read under way (if any) has ended; for tests."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def aclose(self) -> None:
        """Stop a read under way: at shutdown its client is about to close, and nobody waits for its answer."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _snapshot(self) -> HealthSnapshot:
        reading = self._task is not None and not self._task.done()
        return HealthSnapshot(dict(self._providers), self._read_at, reading, self._error, self._version)

    def _start(self) -> None:
        if self._task is not None and not self._task.done():
            return
        self._started_at = self._clock()
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            groups = await fed_groups()
            ids = sorted({g.gptload_id for fed in groups.values() for g in fed if g.gptload_id is not None})
            stats, failures, error = await read_stats(self._gptload, ids) if ids else ({}, {}, None)
            self._providers, self._error = summarize(groups, stats, failures, error), error
        except Exception as exc:  # a bug or a closed database: the page keeps what it had, and says why
            log.exception("health: reading GPT-Load's group stats failed")
            self._error = f"Internal error: {type(exc).__name__}"
            self._providers = {pid: h.model_copy(update={"status": "unknown", "reason": self._error})
                               for pid, h in self._providers.items()}  # fmt: skip
        finally:
            self._read_at = datetime.now(UTC)
            self._took = self._clock() - (self._started_at or 0.0)
            self._version += 1
        log.info("health: read %d providers' groups, error=%s", len(self._providers), bool(self._error))
