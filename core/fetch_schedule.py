"""Scheduled fetches (``FETCH_INTERVAL``): every provider's model list re-read every N minutes, in the background.

A plain asyncio task, started and stopped by the composition root (``main.py``) with the server's lifespan. What a
run finds goes to the churn inbox like any fetch (``core.catalog.store_listing``). Runs never overlap: the next one
waits the whole interval after the previous one ended, and a run asked for while one goes on is skipped. A failing
provider is logged with its id, error code and detail (error texts never carry a key, ``core.errors``); an
unexpected failure of a whole run is logged by its type only, and the loop goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from core.fetching import FetchOutcome, fetch_many
from core.services import Services

log = logging.getLogger(__name__)


class FetchSchedule:
    """``interval``: seconds between the end of one run and the start of the next (0 = off). ``on_run`` is called
    after every run (the composition root tells the open pages, so the inbox badge is read again)."""

    def __init__(self, services: Services, interval: float, *, on_run: Callable[[], object] | None = None) -> None:
        self.services = services
        self.interval = interval
        self.on_run = on_run
        self.runs = 0  # completed runs
        self.running = False
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    @property
    def started(self) -> bool:
        """The loop is on (between ``start`` and ``stop``)."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the loop (nothing when off or started already); the first run comes after one interval."""
        if not self.enabled or self._task is not None:
            return
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._loop(), name="scheduled-fetch")
        log.info("scheduled fetch: every %g minutes", self.interval / 60)

    async def stop(self) -> None:
        """Stop the loop; a run in progress is cancelled (a fetch writes in one transaction, so it rolls back)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run_once(self) -> list[FetchOutcome] | None:
        """Fetch every provider now; None (and nothing done) while another run goes on."""
        if self._lock.locked():
            return None
        async with self._lock:
            self.running = True
            try:
                outcomes = await fetch_many(self.services, None)
            finally:
                self.running = False
            self.runs += 1
        self._report(outcomes)
        if self.on_run is not None:
            self.on_run()
        return outcomes

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            if self._stopping.is_set():
                return
            try:
                await self.run_once()
            except Exception as exc:  # one bad run must not end the schedule; the next one retries
                log.error("scheduled fetch: the run failed (%s); the next one follows in %g s", type(exc).__name__,
                          self.interval)  # fmt: skip

    @staticmethod
    def _report(outcomes: list[FetchOutcome]) -> None:
        added = sum(len(o.result.added) for o in outcomes if o.result is not None)
        vanished = sum(len(o.result.disappeared) for o in outcomes if o.result is not None)
        failed = [o for o in outcomes if not o.ok]
        log.info("scheduled fetch: providers=%d added=%d vanished=%d failed=%d", len(outcomes), added, vanished,
                 len(failed))  # fmt: skip
        for outcome in failed:
            log.warning("scheduled fetch: provider %s failed: %s %s", outcome.provider_id, outcome.code, outcome.detail)
