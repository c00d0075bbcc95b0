"""Sync: the plan preview first, then apply with live progress, the result, retry, history, topology."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import background_tasks, ui

from core.errors import LpmError
from core.services import Services
from core.topology import Topology
from ui.messages import describe

if TYPE_CHECKING:
    from core.plan import Plan
    from core.sync import Progress, SyncEngine, SyncRecordPublic

STAGE_TITLES = {
    "standard": "Standard groups",
    "keys": "Keys",
    "aggregates": "Aggregate groups",
    "members": "Memberships",
    "removals": "Removals",
    "uniapi": "api.yaml",
}
HISTORY_SIZE = 20
HISTORY_DETAILS = 5
DETAIL_LINES = 200
TICK_SECONDS = 0.2


async def sync_page(services: Services) -> None:
    page = SyncPage(services.sync)
    if services.sync.progress.running:
        page.watch()  # a sync already running is shown, not started twice
    await page.load_plan()
    await page.load_history()


class SyncPage:
    """The page's state; each area is a refreshable view of it, re-rendered after the work that changes it."""

    def __init__(self, engine: SyncEngine) -> None:
        self.engine = engine
        self.current_plan: Plan | None = None
        self.plan_error: str | None = None
        self.desired: Topology | None = None
        self.watching = False
        self.outcome: SyncRecordPublic | None = None
        self.records: list[SyncRecordPublic] = []
        self.shown: SyncRecordPublic | None = None
        self.plan()
        self.progress()
        ui.label("History").classes("text-h6")
        self.history()
        self.details()
        self.topology()

    # ----- work: each step loads or starts something, then refreshes the areas that show it

    async def load_plan(self) -> None:
        try:
            bundle = await self.engine.build_plan()
        except LpmError as exc:
            self.current_plan, self.plan_error = None, describe(exc)
        else:
            self.current_plan, self.plan_error = bundle.plan, None
            self.desired = bundle.desired.topology
        self.plan.refresh()
        self.topology.refresh()

    async def apply(self, checksum: str | None) -> None:
        try:
            await self.engine.start(checksum)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            await self.load_plan()
            return
        self.watch()

    async def retry(self, sync_id: int) -> None:
        try:
            await self.engine.retry(sync_id)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            return
        self.watch()

    def watch(self) -> None:
        self.watching, self.outcome = True, None
        self.progress.refresh()

    async def finished(self, sync_id: int | None) -> None:
        if sync_id is None:
            return
        self.outcome = await self.engine.record(sync_id)
        self.progress.refresh()
        await self.load_history()
        await self.load_plan()

    async def load_history(self) -> None:
        self.records = await self.engine.history(HISTORY_SIZE)
        self.shown = None
        self.history.refresh()
        self.details.refresh()

    async def show_details(self, sync_id: int) -> None:
        self.shown = await self.engine.record(sync_id)
        self.details.refresh()

    # ----- areas

    @ui.refreshable_method
    def plan(self) -> None:
        if self.plan_error is not None:
            ui.label(self.plan_error).classes("text-negative").mark("plan-error")
            return
        plan = self.current_plan
        if plan is None:
            return
        ui.label("Plan preview").classes("text-h6")
        if plan.is_empty:
            ui.label("Everything is in sync: nothing to change.").mark("plan-empty")
        for stage, title in STAGE_TITLES.items():
            changes = [c for c in plan.changes if c.stage == stage]
            if changes:
                with ui.expansion(f"{title}: {len(changes)}").classes("w-full"):
                    for change in changes:
                        ui.label(f"{change.kind.replace('_', ' ')} · {change.target}").classes("text-sm")
        for conflict in plan.conflicts:
            ui.label(f"Conflict: {conflict.name}: {conflict.reason}").classes("text-warning").mark("conflict")
        if not plan.is_empty:
            ui.button("Apply", on_click=lambda: self.apply(plan.checksum())).mark("apply")

    @ui.refreshable_method
    def progress(self) -> None:
        """The stages of the running (or last watched) sync; its result once it has finished."""
        if not self.watching:
            return
        with ui.stepper().props("flat header-nav=false").classes("w-full").mark("sync-stepper") as stepper:
            for title in STAGE_TITLES.values():
                ui.step(title)
        stage = ui.label("").mark("sync-stage")
        bar = ui.linear_progress(value=0, show_value=False).mark("sync-progress")

        def tick() -> None:
            progress = self.engine.progress
            show_progress(progress, stepper, stage, bar)
            if not progress.running:
                timer.cancel()
                # Not awaited here: the timer's own task ends with the timer, and so would this work.
                background_tasks.create(self.finished(progress.sync_id), name="sync-finished")

        if self.outcome is None:
            timer = ui.timer(TICK_SECONDS, tick)
        else:  # the run is over: its last state, and what came of it
            show_progress(self.engine.progress, stepper, stage, bar)
            self.outcome_view(self.outcome)

    def outcome_view(self, record: SyncRecordPublic) -> None:
        if record.status == "succeeded":
            counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in record.counts.items()) or "no changes"
            ui.label(f"Sync {record.id} succeeded in {record.duration_ms} ms: {counts}.").classes("text-positive").mark(
                "sync-success"
            )
        else:
            ui.label(f"Sync {record.id} failed at {record.failed_step}: {record.error}").classes("text-negative").mark(
                "sync-failure"
            )
            ui.button("Retry", on_click=lambda: self.retry(record.id)).mark("retry")

    @ui.refreshable_method
    def history(self) -> None:
        rows = [
            {
                "id": r.id,
                "started": r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                "duration": f"{r.duration_ms} ms" if r.duration_ms is not None else "",
                "status": r.status,
                "changes": sum(r.counts.values()),
                "error": r.error or "",
            }
            for r in self.records
        ]
        columns = [{"name": k, "label": k.title(), "field": k, "align": "left"} for k in rows[0]] if rows else []
        ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").mark("history")
        for record in self.records[:HISTORY_DETAILS]:
            with ui.expansion(f"Details of sync {record.id} ({record.status})").classes("w-full"):
                ui.button("Show", on_click=lambda r=record: self.show_details(r.id)).props("flat dense")

    @ui.refreshable_method
    def details(self) -> None:
        record = self.shown
        if record is None:
            return
        ui.label(f"Sync {record.id}: {record.status}").classes("font-bold")
        if record.failed_step:
            ui.label(f"Failed at {record.failed_step}: {record.error}").classes("text-negative")
        for result in (record.results or [])[:DETAIL_LINES]:
            mark = "ok" if result["ok"] else f"failed: {result.get('error', '')}"
            ui.label(f"{result['kind']} {result['target']} · {result['ms']} ms · {mark}").classes("text-sm")
        ui.label(f"{len(record.results or [])} changes carried out").mark("details-count")

    @ui.refreshable_method
    def topology(self) -> None:
        if self.desired is None:
            return
        ui.label("Topology: uni-api entries → aggregate groups → standard groups → providers").classes("text-h6")
        ui.mermaid(mermaid_source(self.desired)).classes("w-full")


def show_progress(progress: Progress, stepper: ui.stepper, stage: ui.label, bar: ui.linear_progress) -> None:
    title = STAGE_TITLES.get(progress.stage or "", progress.stage or "planning")
    stage.set_text(f"{title}: {progress.step or ''} ({progress.done}/{progress.total})")
    bar.value = progress.done / progress.total if progress.total else 0
    if progress.stage in STAGE_TITLES:
        stepper.value = STAGE_TITLES[progress.stage]


def mermaid_source(topology: Topology) -> str:
    lines = ["graph LR"]
    node = {}

    def ref(kind: str, name: str) -> str:
        key = (kind, name)
        if key not in node:
            node[key] = f"n{len(node)}"
            lines.append(f'  {node[key]}["{kind}: {name}"]')
        return node[key]

    for route in topology.routes:
        ref("uni-api", route.group)
    for aggregate in topology.aggregates:
        lines.append(f"  {ref('uni-api', aggregate.name)} --> {ref('aggregate', aggregate.name)}")
        for member in sorted(aggregate.members):
            lines.append(f"  {ref('aggregate', aggregate.name)} --> {ref('group', member)}")
    for group in topology.standard:
        if not group.single:
            lines.append(f"  {ref('uni-api', group.name)} --> {ref('group', group.name)}")
        lines.append(f"  {ref('group', group.name)} --> {ref('provider', group.provider_name)}")
    return "\n".join(lines)
