"""Which failures are retried, and the budget that bounds retrying (table-driven, no sleeping)."""

from __future__ import annotations

import random

import pytest

from core.errors import (
    InvalidInput,
    UpstreamAuthError,
    UpstreamResponseError,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from core.retry import MAX_DELAY, RetryBudget, is_transient


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (UpstreamUnreachable("connection reset"), True),
        (UpstreamTimeout("no answer"), True),
        (UpstreamResponseError("bad gateway", status=502), True),
        (UpstreamResponseError("unavailable", status=503), True),
        (UpstreamResponseError("gateway timeout", status=504), True),
        (UpstreamResponseError("busy", status=500, upstream_code="DATABASE_ERROR"), True),
        (UpstreamResponseError("bug", status=500, upstream_code="INTERNAL_SERVER_ERROR"), False),
        (UpstreamResponseError("exists", status=409, upstream_code="DUPLICATE_RESOURCE"), False),
        (UpstreamResponseError("bad", status=400, upstream_code="VALIDATION_FAILED"), False),
        (UpstreamAuthError("wrong admin key", status=401), False),
        (InvalidInput("never"), False),
    ],
)
def test_only_failures_that_may_pass_next_time_are_retried(error, transient):
    assert is_transient(error) is transient


def test_delays_grow_with_full_jitter_and_are_capped():
    budget = RetryBudget(100, rng=random.Random(1))
    for attempt in range(1, 12):
        ceiling = min(MAX_DELAY, 0.05 * 2 ** (attempt - 1))
        delays = [budget.delay(attempt) for _ in range(200)]
        assert min(delays) >= 0 and max(delays) <= ceiling
        assert max(delays) > ceiling / 2  # the range is used, not a constant


async def test_an_exhausted_budget_refuses_another_wait_without_sleeping():
    budget = RetryBudget(0.001, rng=random.Random(2))
    assert await budget.wait(10) is False  # a pause of up to 2 s does not fit in 1 ms
    assert budget.left == 0.001


async def test_the_budget_is_time_spent_waiting_not_a_deadline_from_the_start():
    budget = RetryBudget(0.5, rng=random.Random(3))
    # However late in a long run: as long as waiting time is left, a retry is allowed.
    waited = 0.0
    while await budget.wait(1):  # pauses of at most 50 ms
        waited = 0.5 - budget.left
    assert 0.45 <= waited <= 0.5 and budget.left < 0.05
