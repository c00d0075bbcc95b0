"""Provider health from GPT-Load's group stats (issue 14 §1): summed over each provider's managed groups, read in
the background and cached, never waited for, and "unknown" with the reason when GPT-Load does not answer."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from core.clients.gptload import GptLoadClient
from core.provider_health import (
    FedGroup,
    GroupStats,
    HealthCache,
    ProviderHealth,
    fed_groups,
    summarize,
)
from tests.conftest import GPTLOAD_ADMIN_KEY, fake_key
from tests.test_sync import registry, sync  # noqa: F401 (registry is a fixture)

STATS = "/stats"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def stats_reads(gptload, before: int = 0) -> int:
    return sum(path.endswith(STATS) for _, path in gptload.requests[before:])


@pytest.fixture
async def synced(services, registry):  # noqa: F811
    assert (await sync(services)).status == "succeeded"
    return registry


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(services, clock) -> HealthCache:
    return HealthCache(services.gptload, max_age=180, clock=clock)


async def read(cache: HealthCache):
    cache.refresh()
    await cache.wait()
    return cache.snapshot()


A = [FedGroup("a-rest", 1), FedGroup("a-1-m", 2)]


@pytest.mark.parametrize(
    ("groups", "stats", "failures", "error", "expected"),
    [
        ({1: A}, {1: GroupStats(2, 0, 100, 5), 2: GroupStats(1, 1, 300, 15)}, {}, None,
         {"status": "known", "groups": 2, "active_keys": 3, "invalid_keys": 1, "requests_24h": 400,
          "failed_24h": 20, "failure_rate": 0.05}),
        ({1: A}, {1: GroupStats(2, 0, 0, 0), 2: GroupStats(2, 0, 0, 0)}, {}, None,
         {"status": "known", "requests_24h": 0, "failure_rate": None}),
        ({1: A}, {}, {}, "Cannot reach GPT-Load at http://g: refused",
         {"status": "unknown", "reason": "Cannot reach GPT-Load at http://g: refused", "active_keys": None}),
        ({1: A}, {1: GroupStats(2, 0, 1, 0)}, {2: "GPT-Load GET /api/groups/2/stats failed: NOT_FOUND"}, None,
         {"status": "unknown", "reason": "GPT-Load GET /api/groups/2/stats failed: NOT_FOUND"}),
        ({1: [FedGroup("a-rest", None)]}, {}, {}, None,
         {"status": "unknown", "reason": "GPT-Load has no stats for a-rest"}),
    ],
    ids=["summed", "no-requests", "unreachable", "one-group-failed", "never-created"],
)  # fmt: skip
def test_summarize_sums_over_a_providers_groups_or_says_why_not(groups, stats, failures, error, expected):
    health = summarize(groups, stats, failures, error)[1]
    assert {k: getattr(health, k) for k in expected} == expected


async def test_sums_keys_and_requests_over_the_providers_groups(services, gptload, synced, cache):
    a_groups = ["a-1-shared-model", "a-no-aggregate-models"]
    gptload.mark_invalid("a-no-aggregate-models", fake_key("a1"))
    gptload.record_requests("a-no-aggregate-models", 300, failed=30)
    gptload.record_requests("a-1-shared-model", 100, failed=10)
    snapshot = await read(cache)
    health = snapshot.of(synced["a"])
    assert (health.status, health.groups) == ("known", len(a_groups))
    # a's two keys sit in both of its groups; one is blacklisted in one of them.
    assert (health.active_keys, health.invalid_keys) == (3, 1)
    assert (health.requests_24h, health.failed_24h, health.failure_rate) == (400, 40, 0.1)
    assert snapshot.of(synced["c"]).failure_rate is None  # no request yet
    assert snapshot.error is None and snapshot.read_at is not None


async def test_the_first_look_answers_unknown_at_once_and_fills_in_later(services, gptload, synced, cache):
    gptload.hang_request(1)  # the first stats read never answers (until the client's 0.5 s timeout)
    first = cache.snapshot()  # not awaitable: the page never waits
    assert first.reading and first.read_at is None
    assert first.of(synced["a"]) == ProviderHealth(
        provider_id=synced["a"], status="unknown", reason="not read from GPT-Load yet"
    )
    await cache.wait()
    assert "did not answer within" in (cache.snapshot().error or "")
    gptload.clear_faults()
    assert (await read(cache)).of(synced["a"]).status == "known"


async def test_reads_at_most_once_per_max_age_unless_refreshed(services, gptload, synced, cache, clock):
    cache.snapshot()
    await cache.wait()
    groups = sum(len(fed) for fed in (await fed_groups()).values())
    assert stats_reads(gptload) == groups  # one read per fed group
    before = len(gptload.requests)
    clock.now += 179
    assert not cache.snapshot().reading  # fresh: served from the cache
    assert stats_reads(gptload, before) == 0
    clock.now += 1
    assert cache.snapshot().reading  # stale: read again in the background
    await cache.wait()
    assert stats_reads(gptload, before) == groups
    before = len(gptload.requests)
    assert cache.refresh().reading  # the refresh button: at once, whatever the age
    assert cache.refresh().reading  # a second press joins the read under way
    await cache.wait()
    assert stats_reads(gptload, before) == groups


async def test_a_peek_never_starts_a_read_even_when_stale(services, gptload, synced, cache, clock):
    """What a page being drawn asks: it must not start several hundred stats calls during its own load."""
    assert not cache.peek().reading and stats_reads(gptload) == 0  # never read
    await read(cache)
    before = len(gptload.requests)
    clock.now += 181
    peeked = cache.peek()
    assert not peeked.reading and peeked.of(synced["a"]).status == "known"  # the old read, as it was
    assert stats_reads(gptload, before) == 0


async def test_after_a_long_read_the_next_waits_ten_times_as_long(services, gptload, synced, cache, clock):
    """At 12,000 groups a read takes minutes: reads by themselves then take at most a tenth of GPT-Load's time."""
    cache.refresh()
    clock.now += 100  # the read takes 100 s
    await cache.wait()
    clock.now += 180 + 100  # fresh for 3 minutes after a quick read, not after this one
    assert not cache.snapshot().reading
    clock.now += 1_000 - 280
    assert cache.snapshot().reading
    await cache.wait()


async def test_no_read_starts_by_itself_while_a_sync_runs_but_refresh_reads(services, gptload, synced, clock):
    running = [True]
    cache = HealthCache(services.gptload, clock=clock, busy=lambda: running[0])
    assert not cache.snapshot().reading  # the sync's calls go through the same gate
    assert stats_reads(gptload) == 0
    assert cache.refresh().reading  # asked for: read anyway
    await cache.wait()
    running[0] = False
    clock.now += 180
    assert cache.snapshot().reading
    await cache.wait()


async def test_an_unreachable_gptload_leaves_unknown_with_the_reason(services, gptload, synced, cache):
    gptload.down = True
    snapshot = await read(cache)
    health = snapshot.of(synced["a"])
    assert health.status == "unknown" and "HTTP 503" in (health.reason or "")
    assert snapshot.error == health.reason


async def test_a_refused_connection_stops_the_read_after_the_first_answers(services, synced):
    calls = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("connection refused")

    transport = httpx.MockTransport(refuse)
    client = GptLoadClient("http://gptload.test", GPTLOAD_ADMIN_KEY, concurrency=1, transport=transport)
    try:
        snapshot = await read(HealthCache(client))
    finally:
        await client.aclose()
    assert len(calls) == 1  # one at a time: the first refusal stops the rest
    assert snapshot.of(synced["b"]).reason == "Cannot reach GPT-Load at http://gptload.test: connection refused"


async def test_a_group_deleted_by_hand_makes_only_its_provider_unknown(services, gptload, synced, cache):
    group = gptload.group_by_name("c-no-aggregate-models")
    headers = {"Authorization": f"Bearer {GPTLOAD_ADMIN_KEY}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gptload.app), headers=headers) as admin:
        deleted = await admin.delete(f"http://gptload.test/api/groups/{group['id']}")  # by hand, not by a sync
    assert deleted.status_code == 200
    snapshot = await read(cache)
    assert snapshot.of(synced["c"]).status == "unknown" and "NOT_FOUND" in snapshot.of(synced["c"]).reason
    assert snapshot.of(synced["a"]).status == "known" and snapshot.error is None


async def test_a_provider_that_feeds_no_group_yet_says_so(services, gptload, registry, cache):  # noqa: F811
    snapshot = await read(cache)  # never synced: no managed group, no request to GPT-Load
    assert snapshot.of(registry["a"]).status == "no_groups"
    assert stats_reads(gptload) == 0


async def test_the_bundles_cache_waits_for_a_running_sync_and_shutdown_stops_its_read(services, gptload, synced):
    """``Services.health``: no read starts by itself while the bundle's own sync runs (its progress says so), and
    closing the bundle cancels a read under way instead of letting it call a closed client."""
    services.sync.progress.running = True
    assert not services.health.snapshot().reading and stats_reads(gptload) == 0
    services.sync.progress.running = False
    gptload.latency = 30  # a read that would outlive the shutdown
    assert services.health.snapshot().reading
    await asyncio.wait_for(services.aclose(), timeout=5)
    assert not services.health.snapshot().reading
