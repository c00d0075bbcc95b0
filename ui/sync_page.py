"""Sync: the plan preview first, then apply with live progress, the result, retry, history, topology."""

from __future__ import annotations

from nicegui import background_tasks, ui

from core.errors import LpmError
from core.services import Services
from core.topology import Topology
from ui.messages import describe

STAGE_TITLES = {
    "standard": "Standard groups",
    "keys": "Keys",
    "aggregates": "Aggregate groups",
    "members": "Memberships",
    "removals": "Removals",
    "uniapi": "api.yaml",
}


async def sync_page(services: Services) -> None:
    engine = services.sync
    plan_area = ui.column().classes("w-full")
    progress_area = ui.column().classes("w-full")
    ui.label("History").classes("text-h6")
    history_area = ui.column().classes("w-full")
    details_area = ui.column().classes("w-full")
    topology_area = ui.column().classes("w-full")

    async def show_plan() -> None:
        plan_area.clear()
        try:
            bundle = await engine.build_plan()
        except LpmError as exc:
            with plan_area:
                ui.label(describe(exc)).classes("text-negative").mark("plan-error")
            return
        plan = bundle.plan
        with plan_area:
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
                ui.button("Apply", on_click=lambda: apply(plan.checksum())).mark("apply")
        show_topology(bundle.desired.topology)

    async def apply(checksum: str | None) -> None:
        try:
            await engine.start(checksum)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            await show_plan()
            return
        watch()

    def watch() -> None:
        progress_area.clear()
        with progress_area:
            with ui.stepper().props("flat header-nav=false").classes("w-full").mark("sync-stepper") as stepper:
                for title in STAGE_TITLES.values():
                    ui.step(title)
            stage = ui.label("").mark("sync-stage")
            bar = ui.linear_progress(value=0, show_value=False).mark("sync-progress")

        async def tick() -> None:
            p = engine.progress
            stage.set_text(
                f"{STAGE_TITLES.get(p.stage or '', p.stage or 'planning')}: {p.step or ''} ({p.done}/{p.total})"
            )
            bar.value = p.done / p.total if p.total else 0
            if p.stage in STAGE_TITLES:
                stepper.value = STAGE_TITLES[p.stage]
            if not p.running:
                timer.cancel()
                # Not awaited here: the timer's own task ends with the timer, and so would this work.
                background_tasks.create(finished(p.sync_id), name="sync-finished")

        timer = ui.timer(0.2, tick)

    async def finished(sync_id: int | None) -> None:
        if sync_id is None:
            return
        record = await engine.record(sync_id)
        with progress_area:
            if record.status == "succeeded":
                counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in record.counts.items()) or "no changes"
                ui.label(f"Sync {record.id} succeeded in {record.duration_ms} ms: {counts}.").classes(
                    "text-positive"
                ).mark("sync-success")
            else:
                ui.label(f"Sync {record.id} failed at {record.failed_step}: {record.error}").classes(
                    "text-negative"
                ).mark("sync-failure")
                ui.button("Retry", on_click=lambda: retry(record.id)).mark("retry")
        await show_history()
        await show_plan()

    async def retry(sync_id: int) -> None:
        try:
            await engine.retry(sync_id)
        except LpmError as exc:
            ui.notify(describe(exc), type="negative", multi_line=True)
            return
        watch()

    async def show_history() -> None:
        history_area.clear()
        records = await engine.history(20)
        rows = [
            {
                "id": r.id,
                "started": r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                "duration": f"{r.duration_ms} ms" if r.duration_ms is not None else "",
                "status": r.status,
                "changes": sum(r.counts.values()),
                "error": r.error or "",
            }
            for r in records
        ]
        columns = [{"name": k, "label": k.title(), "field": k, "align": "left"} for k in rows[0]] if rows else []
        with history_area:
            ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").mark("history")
            for record in records[:5]:
                with ui.expansion(f"Details of sync {record.id} ({record.status})").classes("w-full"):
                    ui.button("Show", on_click=lambda r=record: show_details(r.id)).props("flat dense")
            details_area.clear()

    async def show_details(sync_id: int) -> None:
        record = await engine.record(sync_id)
        details_area.clear()
        with details_area:
            ui.label(f"Sync {record.id}: {record.status}").classes("font-bold")
            if record.failed_step:
                ui.label(f"Failed at {record.failed_step}: {record.error}").classes("text-negative")
            for result in (record.results or [])[:200]:
                mark = "ok" if result["ok"] else f"failed: {result.get('error', '')}"
                ui.label(f"{result['kind']} {result['target']} · {result['ms']} ms · {mark}").classes("text-sm")
            ui.label(f"{len(record.results or [])} changes carried out").mark("details-count")

    def show_topology(topology: Topology) -> None:
        topology_area.clear()
        with topology_area:
            ui.label("Topology: uni-api entries → aggregate groups → standard groups → providers").classes("text-h6")
            ui.mermaid(mermaid_source(topology)).classes("w-full")

    if engine.progress.running:
        watch()  # a sync already running is shown, not started twice
    await show_plan()
    await show_history()


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
