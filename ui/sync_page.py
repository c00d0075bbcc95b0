"""Sync: the plan preview first (Verify reads every group), then apply with live progress, the result, retry,
history, topology."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from nicegui import background_tasks, ui

from core import import_offer
from core.errors import LpmError
from core.services import Services
from core.topology_rows import Row, keys_per_provider, topology_rows
from ui.events import status_changed
from ui.i18n import t
from ui.messages import describe
from ui.sync_plan import apply_button, confirm_apply, offline_reason, plan_preview
from ui.sync_runs import UNFINISHED, RunStepper, detail_panels, history_table, outcome_view
from ui.topology_view import TopologyView

if TYPE_CHECKING:
    from core.plan import Plan
    from core.sync import PlanBundle, SyncEngine, SyncRecordPublic

HISTORY_SIZE = 20
TICK_SECONDS = 0.2


async def sync_page(services: Services) -> None:
    # The plan reads the registry and GPT-Load (about a second at 12,100 groups): start it at once, so it runs
    # while the browser loads the page and the history is read, instead of after them.
    planning = asyncio.create_task(services.sync.build_plan())
    try:
        page = SyncPage(services)
        if services.sync.progress.running:
            page.watch()  # a sync already running is shown, not started twice
        await page.load_history(show_unfinished=not services.sync.progress.running)
        await page.load_plan(planning=planning)
    finally:
        planning.cancel()  # a page that failed or was left: nobody waits for its plan (a no-op once done)


class SyncPage:
    """The page's state; each area is a refreshable view of it, re-rendered after the work that changes it."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.engine: SyncEngine = services.sync
        self.current_plan: Plan | None = None
        self.plan_error: str | None = None
        self.offer_import = False  # the plan is refused as unsafe and the registry is empty: a lost database?
        self.rows: list[Row] | None = None  # the topology, one row per group serving a name
        self.watching = False
        self.verifying = False
        # The run whose result is shown: the one watched, or a failed or interrupted last run (Retry offered).
        self.outcome: SyncRecordPublic | None = None
        self.records: list[SyncRecordPublic] = []
        self.dialogs = ui.element()
        self.plan()
        self.progress()
        ui.label(t("sync.history")).classes("text-h6")
        self.history()
        self.topology()

    # ----- work: each step loads or starts something, then refreshes the areas that show it

    async def load_plan(self, *, verify: bool = False, planning: Awaitable[PlanBundle] | None = None) -> None:
        """``verify``: read every managed group's keys and members from GPT-Load (slow at thousands of groups);
        ``planning``: a plan already being built."""
        try:
            bundle = await (planning or self.engine.build_plan(verify=verify))
        except LpmError as exc:
            self.current_plan, self.plan_error = None, describe(exc)
        else:
            self.current_plan, self.plan_error = bundle.plan, None
            self.offer_import = bundle.plan.safety.unsafe and await import_offer.registry_empty()
            topology = bundle.desired.topology
            rows = topology_rows(topology, keys_per_provider(topology, bundle.desired.specs))
            if rows != self.rows:  # the same topology keeps its table, its page and the names selected in it
                self.rows = rows
                self.topology.refresh()
        self.plan.refresh()

    async def plan_again(self) -> None:
        """Plan afresh (GPT-Load may answer now), showing the spinner meanwhile; the header looks again too."""
        self.current_plan = None
        self.plan.refresh()
        status_changed(self.services).emit()
        await self.load_plan()

    async def verify(self) -> None:
        self.verifying = True
        self.plan.refresh()
        try:
            await self.load_plan(verify=True)
        finally:
            self.verifying = False
            self.plan.refresh()

    async def apply(self, plan: Plan, retry_of: int | None = None) -> None:
        """An unsafe plan is forced: the operator typed the count of its deletions in the confirmation."""
        try:
            await self.engine.start(plan.checksum(), retry_of=retry_of, force=plan.safety.unsafe, verify=plan.verified)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            await self.load_plan()
            return
        self.watch()

    async def retry(self, sync_id: int) -> None:
        """Retry = apply what is left now (planned afresh, confirmed), linked to the run it retries."""
        await self.load_plan()
        plan = self.current_plan
        if plan is None:
            ui.notify(self.plan_error or t("sync.no_plan"), type="negative", multi_line=True)
            return
        if not plan.gptload_reachable:
            ui.notify(t("sync.not_connected", error=offline_reason(plan)), type="negative", multi_line=True)
            return
        if await confirm_apply(plan, self.dialogs, retry_of=sync_id):
            await self.apply(plan, retry_of=sync_id)

    def watch(self) -> None:
        self.watching, self.outcome = True, None
        self.progress.refresh()
        self.plan.refresh()

    async def finished(self, sync_id: int | None) -> None:
        status_changed(self.services).emit()
        outcome = await self.engine.record(sync_id) if sync_id is not None else None
        await self.load_plan()  # what is left, before the result (and its Retry) appears
        self.watching, self.outcome = False, outcome
        self.progress.refresh()
        self.plan.refresh()
        await self.load_history(show_unfinished=False)

    async def load_history(self, *, show_unfinished: bool) -> None:
        records = await self.engine.history(HISTORY_SIZE)
        # Runs that stopped partway: the detailed record says how many changes were carried out.
        self.records = [await self.engine.record(r.id) if r.status in UNFINISHED else r for r in records]
        if show_unfinished and self.records and self.records[0].status in UNFINISHED:
            self.outcome = self.records[0]
            self.progress.refresh()
            self.plan.refresh()  # Retry replaces Apply
        self.history.refresh()

    # ----- areas

    @ui.refreshable_method
    def plan(self) -> None:
        if self.plan_error is not None:
            ui.label(self.plan_error).classes("text-negative").mark("plan-error")
            return
        plan = self.current_plan
        if plan is None:
            with ui.row().classes("items-center gap-2").mark("planning"):
                ui.spinner()
                ui.label(t("sync.planning"))
            return
        if plan.safety.unsafe and self.offer_import:
            reimport_offer()
        plan_preview(plan)
        if self.watching:
            return
        # One way forward: after a failed or interrupted run that is its Retry (next to the run), not Apply too.
        offers_retry = self.outcome is not None and self.outcome.status in UNFINISHED
        if not plan.gptload_reachable:  # a preview made without GPT-Load: nothing to apply or verify
            again = ui.button(t("sync.check_again"), icon="refresh", on_click=self.plan_again).props("outline")
            again.mark("plan-again")
            return
        with ui.row().classes("items-center gap-2"):
            if not plan.is_empty and not offers_retry:
                apply_button(plan, self.apply, self.dialogs)
            verify = (
                ui.button(t("sync.verify"), icon="fact_check", on_click=self.verify).props("outline").mark("verify")
            )
            verify.tooltip(t("sync.verify_tip"))
            if self.verifying:
                verify.props("loading")

    @ui.refreshable_method
    def progress(self) -> None:
        """The stages of the running (or last watched) sync; its result once it has finished."""
        if not self.watching and self.outcome is None:
            return
        view = RunStepper()
        if self.outcome is not None:  # the run is over: its last state, and what came of it
            view.show_record(self.outcome)
            outcome_view(self.outcome, self.retry)
            return

        def tick() -> None:
            progress = self.engine.progress
            view.show_progress(progress)
            if not progress.running:
                timer.cancel()
                # Not awaited here: the timer's own task ends with the timer, and so would this work.
                background_tasks.create(self.finished(progress.sync_id), name="sync-finished")

        timer = ui.timer(TICK_SECONDS, tick)

    @ui.refreshable_method
    def history(self) -> None:
        history_table(self.records)
        detail_panels(self.records, self.engine.record)

    @ui.refreshable_method
    def topology(self) -> None:
        if self.rows is not None:
            TopologyView(self.rows)


def reimport_offer() -> None:
    with ui.card().classes("w-full border-l-4 border-red-600 bg-red-1 text-black").mark("reimport-offer"):
        ui.label(t("sync.reimport"))
        ui.link(t("sync.reimport_link"), "/import").mark("reimport-link")
