"""Which failures of a sync step are worth another try, and how long a run may keep trying (DESIGN §6).

Transient: no answer at all (connection reset, refused, timeout), a gateway's 502 / 503 / 504, and
GPT-Load's ``500 DATABASE_ERROR``: on its default SQLite storage two overlapping write transactions make
the later one fail at once (SQLITE_BUSY), rolled back, so trying again is safe. Anything else (a 400, a 401,
a 409 the change cannot explain) fails the run on the first answer. Retries wait with full jitter, growing
exponentially, and all the changes of one run draw on one pool of waiting time (SYNC_RETRY_BUDGET), so a
GPT-Load that stays down fails the run once the pool is spent instead of hanging it.
"""

from __future__ import annotations

import asyncio
import random

from core.errors import LpmError, UpstreamResponseError, UpstreamUnreachable

GATEWAY_STATUSES = (502, 503, 504)
DATABASE_BUSY = "DATABASE_ERROR"  # GPT-Load's code for a refused SQLite write; its message is translated
FIRST_DELAY = 0.05
MAX_DELAY = 2.0


def is_transient(error: LpmError) -> bool:
    """Whether the same request may well succeed if sent again (and is safe to send again)."""
    if isinstance(error, UpstreamUnreachable):  # timeouts included
        return True
    if isinstance(error, UpstreamResponseError):
        if error.status in GATEWAY_STATUSES:
            return True
        return error.status == 500 and error.upstream_code == DATABASE_BUSY
    return False


class RetryBudget:
    """The seconds one run may spend waiting between attempts, shared by all its changes.

    A pool of waiting time, not a deadline from the run's start: a first sync of 12,000 groups takes minutes
    of useful work, and a busy database late in it deserves its retries as much as one early on (a deadline
    of 60 s after the start refused them all; measured on the real GPT-Load).
    """

    def __init__(self, seconds: float, *, rng: random.Random | None = None) -> None:
        self._left = seconds
        self._rng = rng or random.Random()

    @property
    def left(self) -> float:
        return self._left

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(MAX_DELAY, FIRST_DELAY * 2^(attempt-1))]."""
        return self._rng.uniform(0, min(MAX_DELAY, FIRST_DELAY * 2 ** (attempt - 1)))

    async def wait(self, attempt: int) -> bool:
        """Sleep before attempt ``attempt + 1``; False (without sleeping) when the budget does not allow it."""
        pause = self.delay(attempt)
        if pause > self._left:
            return False
        self._left -= pause  # taken before sleeping: changes waiting at the same time share one pool
        await asyncio.sleep(pause)
        return True
