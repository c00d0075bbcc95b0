"""Sync runs on the page: the stages of one run as a stepper (done, running, failed), what came of it, and the
history (one row per run, changes done / planned) with each run's details inside its own panel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from nicegui import ui

from ui.plan_table import STAGE_TITLES

if TYPE_CHECKING:
    from core.sync import Progress, SyncRecordPublic

UNFINISHED = {"failed", "interrupted"}
HISTORY_DETAILS = 5  # runs whose details have a panel
DETAIL_LINES = 200  # results shown in a panel; the rest is one REST call away
WAITING_STEP = "waiting for GPT-Load"  # the engine's step while GPT-Load loads new groups, before api.yaml


class RunStepper:
    """The six stages; the one a run reached is marked running, failed (an error icon) or done."""

    def __init__(self) -> None:
        with ui.stepper().props("flat header-nav=false").classes("w-full").mark("sync-stepper") as self.stepper:
            self.steps = {stage: ui.step(title).props("active-icon=sync") for stage, title in STAGE_TITLES.items()}
        self.stage = ui.label("").mark("sync-stage")
        self.bar = ui.linear_progress(value=0, show_value=False).mark("sync-progress")

    def show_progress(self, progress: Progress) -> None:
        title = STAGE_TITLES.get(progress.stage or "", progress.stage or "planning")
        self.stage.set_text(f"{title}: {progress.step or ''} ({progress.done}/{progress.total})")
        self.bar.value = progress.done / progress.total if progress.total else 0
        if progress.stage in STAGE_TITLES:
            self.mark(progress.stage, failed=False, finished=False)

    def show_record(self, record: SyncRecordPublic) -> None:
        done, planned = done_and_planned(record)
        stage = record_stage(record)
        self.stage.set_text(
            f"{STAGE_TITLES.get(stage or '', 'planning')}: {record.failed_step or ''} ({done}/{planned})"
        )
        self.bar.value = done / planned if planned else (1 if record.status == "succeeded" else 0)
        last = next(reversed(STAGE_TITLES)) if record.status == "succeeded" else stage
        if last:
            self.mark(last, failed=record.status in UNFINISHED, finished=record.status == "succeeded")

    def mark(self, stage: str, *, failed: bool, finished: bool) -> None:
        """Stages before ``stage`` done; ``stage`` itself failed, done or (still running) current."""
        self.stepper.value = STAGE_TITLES[stage]
        order = list(STAGE_TITLES)
        for name, step in self.steps.items():
            before = order.index(name) < order.index(stage)
            step.props(remove="done error")
            if before or (name == stage and finished):
                step.props("done")
            if name == stage and failed:
                step.props("error error-icon=error")


def record_stage(record: SyncRecordPublic) -> str | None:
    """The stage a finished run reached: from its checkpoint ("stage members") or the change that failed."""
    step = record.failed_step or ""
    if step.startswith("stage "):
        return step.removeprefix("stage ")
    if step.startswith(WAITING_STEP):
        return "uniapi"
    for change in (record.plan or {}).get("changes", []):
        if f"{change['kind']} {change['target']}" == step:
            return change["stage"]
    return None


def done_and_planned(record: SyncRecordPublic) -> tuple[int, int]:
    """Changes carried out (results that succeeded) and changes planned."""
    planned = sum(record.counts.values())
    if record.status == "succeeded":
        return planned, planned
    return sum(1 for r in record.results or [] if r.get("ok") and r.get("kind") != "note"), planned


def outcome_view(record: SyncRecordPublic, retry: Callable[[int], Any]) -> None:
    if record.status == "succeeded":
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in record.counts.items()) or "no changes"
        with ui.row().classes("items-center gap-2"):
            ui.icon("check_circle", color="positive")
            ui.label(f"Sync {record.id} succeeded in {record.duration_ms} ms: {counts}.").classes("text-positive").mark(
                "sync-success"
            )
        return
    done, planned = done_and_planned(record)
    verb = "was interrupted" if record.status == "interrupted" else "failed"
    with ui.row().classes("items-center gap-2 no-wrap"):
        ui.icon("error", color="negative", size="sm").mark("sync-failure-icon")
        ui.label(f"Sync {record.id} {verb} at {record.failed_step or 'its start'}: {record.error}").classes(
            "text-negative"
        ).mark("sync-failure")
    ui.label(f"{done} of {planned} planned changes were carried out; Retry applies what the plan shows.").classes(
        "text-sm"
    )
    ui.button("Retry", icon="replay", on_click=lambda: retry(record.id)).props("color=negative").mark("retry")


# ----- history


def history_table(records: list[SyncRecordPublic]) -> None:
    """``records``: detailed for runs that did not succeed (their results say how far they got)."""
    rows = []
    for r in records:
        done, planned = done_and_planned(r)
        rows.append(
            {
                "id": r.id,
                "started": r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                "duration": f"{r.duration_ms} ms" if r.duration_ms is not None else "",
                "status": r.status,
                "changes": f"{done} / {planned}",
                "error": r.error or "",
            }
        )
    columns = [{"name": k, "label": k.title(), "field": k, "align": "left"} for k in rows[0]] if rows else []
    for column in columns:
        if column["name"] == "changes":
            column["label"] = "Changes (done / planned)"
    ui.table(columns=columns, rows=rows, row_key="id").classes("w-full").mark("history")


def detail_panels(records: list[SyncRecordPublic], load: Callable[[int], Awaitable[SyncRecordPublic]]) -> None:
    """A panel per recent run; opening it loads the run's results into the panel itself."""
    loaded: set[int] = set()
    for record in records[:HISTORY_DETAILS]:
        with (
            ui.expansion(f"Details of sync {record.id} ({record.status})")
            .classes("w-full")
            .mark(f"details-{record.id}") as panel
        ):
            body = ui.column().classes("w-full gap-1")

        async def opened(event, body: ui.column = body, sync_id: int = record.id) -> None:
            if event.value and sync_id not in loaded:
                loaded.add(sync_id)
                shown = await load(sync_id)
                with body:
                    run_details(shown)

        panel.on_value_change(opened)


def run_details(record: SyncRecordPublic) -> None:
    results = record.results or []
    if record.failed_step and record.status != "succeeded":
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon("error", color="negative")
            ui.label(f"Stopped at {record.failed_step}: {record.error}").classes("text-negative")
    # Failures first: with many results, the one that matters is never cut off.
    ordered = sorted(results, key=lambda r: bool(r.get("ok")))
    with ui.column().classes("w-full gap-0 max-h-96 overflow-auto").mark("details-lines"):
        for result in ordered[:DETAIL_LINES]:
            ok = result.get("ok")
            mark = "ok" if ok else f"failed: {result.get('error', '')}"
            if result.get("kind") == "note":  # a wait of the run (uni-api loading api.yaml), not a change
                ui.label(f"{result['target']}: {result.get('note', '')}").classes("text-sm font-mono text-grey-8")
                continue
            ui.label(f"{result['kind']} {result['target']} · {result.get('ms', '?')} ms · {mark}").classes(
                "text-sm font-mono" + ("" if ok else " text-negative")
            )
    if len(results) > DETAIL_LINES:
        ui.label(
            f"Showing {DETAIL_LINES} of {len(results)} results (failures first); "
            f"all of them: GET /api/config/sync/{record.id}"
        ).classes("text-sm text-warning").mark("details-truncated")
    done, planned = done_and_planned(record)
    ui.label(f"{done} of {planned} planned changes carried out").mark("details-count")
