"""Sync runs on the page: the stages of one run as a stepper (done, running, failed), what came of it, and the
history (one row per run, changes done / planned) with each run's details inside its own panel.

A run's status, stage and step are core's values (records, REST, the tests branch on them); the page shows them
in words (``status_text``, ``step_text``: a step is a ``core.sync_steps.Step``, read by its code, never by its
text). A wait's note is core's sentence (``said``). An error a change met is GPT-Load's (or core's) own text: shown
as it is, in an element of its own (marker ``gptload-error``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from nicegui import ui

from core import sync_steps
from core.phrases import phrase_from
from ui.i18n import t, translator
from ui.messages import joined, said
from ui.plan_table import STAGE_KEYS

if TYPE_CHECKING:
    from core.sync import Progress, SyncRecordPublic
    from core.sync_steps import Step

UNFINISHED = {"failed", "interrupted"}
HISTORY_DETAILS = 5  # runs whose details have a panel
DETAIL_LINES = 200  # results shown in a panel; the rest is one REST call away
# The engine's steps that are not a change or a stage's checkpoint (core.sync_steps): the plan and the waits.
STEP_KEYS = {
    sync_steps.PLAN: "runs.step_plan",
    sync_steps.WAITING_GPTLOAD: "runs.step_waiting_gptload",
    sync_steps.WAITING_UNIAPI: "runs.step_waiting_uniapi",
}
STAGE_STEP_KEYS = {
    "standard": "runs.step_stage_standard",
    "keys": "runs.step_stage_keys",
    "aggregates": "runs.step_stage_aggregates",
    "members": "runs.step_stage_members",
    "uniapi": "runs.step_stage_uniapi",
    "removals": "runs.step_stage_removals",
}
STATUS_KEYS = {
    "succeeded": "runs.status_succeeded",
    "failed": "runs.status_failed",
    "interrupted": "runs.status_interrupted",
    "running": "runs.status_running",
}


def status_text(status: str, tr: Callable[..., str] = t) -> str:
    return tr(STATUS_KEYS[status]) if status in STATUS_KEYS else status


def step_text(step: Step | None, recorded: str | None, tr: Callable[..., str] = t) -> str:
    """A step (a stage's checkpoint, a change, a wait) in words; ``recorded``: its text, shown as it is when core
    knows no step by it (a record of an older version), or the run's start when there is none."""
    if step is None:
        return recorded or tr("runs.step_start")
    if step.code == sync_steps.STAGE and step.stage in STAGE_STEP_KEYS:
        return tr(STAGE_STEP_KEYS[step.stage])
    if step.code == sync_steps.CHANGE:
        return change_text(step.kind or "", step.target or "", tr)
    return tr(STEP_KEYS[step.code]) if step.code in STEP_KEYS else step.text


def change_text(kind: str, target: str, tr: Callable[..., str] = t) -> str:
    return f"{tr(f'kind.{kind}')} {target}"


class RunStepper:
    """The six stages; the one a run reached is marked running, failed (an error icon) or done. Each step is
    named for its stage (``STAGE_KEYS``); its title is in the page's words."""

    def __init__(self) -> None:
        self.tr = translator()  # show_progress() runs from the page's timer
        with ui.stepper().props("flat header-nav=false").classes("w-full").mark("sync-stepper") as self.stepper:
            self.steps = {
                stage: ui.step(stage, title=self.tr(key)).props("active-icon=sync") for stage, key in STAGE_KEYS.items()
            }
        self.stage = ui.label("").mark("sync-stage")
        self.bar = ui.linear_progress(value=0, show_value=False).mark("sync-progress")

    def show_progress(self, progress: Progress) -> None:
        tr = self.tr
        title = tr(STAGE_KEYS[progress.stage]) if progress.stage in STAGE_KEYS else tr("runs.planning")
        step = step_text(progress.at, progress.step, tr) if progress.at else ""
        self.stage.set_text(tr("runs.stage_line", stage=title, step=step, done=progress.done, total=progress.total))
        self.bar.value = progress.done / progress.total if progress.total else 0
        if progress.stage in STAGE_KEYS:
            self.mark(progress.stage, failed=False, finished=False)

    def show_record(self, record: SyncRecordPublic) -> None:
        tr = self.tr
        done, planned = done_and_planned(record)
        stage = record_stage(record)
        title = tr(STAGE_KEYS[stage]) if stage in STAGE_KEYS else tr("runs.planning")
        step = step_text(record.failed_at, record.failed_step, tr) if record.failed_step else ""
        self.stage.set_text(tr("runs.stage_line", stage=title, step=step, done=done, total=planned))
        self.bar.value = done / planned if planned else (1 if record.status == "succeeded" else 0)
        last = next(reversed(STAGE_KEYS)) if record.status == "succeeded" else stage
        if last:
            self.mark(last, failed=record.status in UNFINISHED, finished=record.status == "succeeded")

    def mark(self, stage: str, *, failed: bool, finished: bool) -> None:
        """Stages before ``stage`` done; ``stage`` itself failed, done or (still running) current."""
        self.stepper.value = stage
        order = list(STAGE_KEYS)
        for name, step in self.steps.items():
            before = order.index(name) < order.index(stage)
            step.props(remove="done error")
            if before or (name == stage and finished):
                step.props("done")
            if name == stage and failed:
                step.props("error error-icon=error")


def record_stage(record: SyncRecordPublic) -> str | None:
    """The stage a finished run reached: its checkpoint's, the wait's or the failed change's (core.sync_steps)."""
    return record.failed_at.stage if record.failed_at else None


def done_and_planned(record: SyncRecordPublic) -> tuple[int, int]:
    """Changes carried out (results that succeeded) and changes planned."""
    planned = sum(record.counts.values())
    if record.status == "succeeded":
        return planned, planned
    return sum(1 for r in record.results or [] if r.get("ok") and r.get("kind") != "note"), planned


def outcome_view(record: SyncRecordPublic, retry: Callable[[int], Any]) -> None:
    if record.status == "succeeded":
        counts = joined(t("runs.kind_count", count=n, kind=t(f"kind.{k}")) for k, n in record.counts.items())
        text = t("runs.succeeded", sync_id=record.id, ms=record.duration_ms, counts=counts or t("runs.no_changes"))
        with ui.row().classes("items-center gap-2"):
            ui.icon("check_circle", color="positive")
            ui.label(text).classes("text-positive").mark("sync-success")
        return
    done, planned = done_and_planned(record)
    headline = "runs.interrupted_at" if record.status == "interrupted" else "runs.failed_at"
    with ui.row().classes("items-center gap-2 no-wrap"):
        ui.icon("error", color="negative", size="sm").mark("sync-failure-icon")
        step = step_text(record.failed_at, record.failed_step)
        why_it_stopped(t(headline, sync_id=record.id, step=step), record, "sync-failure")
    ui.label(t("runs.carried_out_retry", done=done, planned=planned)).classes("text-sm")
    ui.button(t("runs.retry"), icon="replay", on_click=lambda: retry(record.id)).props("color=negative").mark("retry")


def why_it_stopped(headline: str, record: SyncRecordPublic, marker: str) -> None:
    """Where the run stopped (our words), then why, flowing as one text. An interrupted run's reason is known here
    (core.sync.recover_interrupted), in words; any other is the words of GPT-Load (or core) the run met, as they
    are, in an element of their own."""
    with ui.element("div").classes("text-negative"):
        ui.label(headline).classes("inline").mark(marker)
        if record.status == "interrupted":
            ui.label(t("runs.interrupted_error")).classes("inline q-ml-xs").mark(marker)
        elif record.error:
            ui.label(record.error).classes("inline q-ml-xs").mark(f"{marker} gptload-error")


# ----- history


def history_table(records: list[SyncRecordPublic]) -> None:
    """``records``: detailed for runs that did not succeed (their results say how far they got). A row holds
    the run's ``status`` (what code reads) and the words shown for it."""
    rows = []
    for r in records:
        done, planned = done_and_planned(r)
        rows.append(
            {
                "id": r.id,
                "started": r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                "duration": t("runs.ms", ms=r.duration_ms) if r.duration_ms is not None else "",
                "status": r.status,
                "status_text": status_text(r.status),
                "changes": f"{done} / {planned}",
                "error": t("runs.interrupted_error") if r.status == "interrupted" else r.error or "",
            }
        )
    columns = [
        {"name": name, "label": t(key), "field": field, "align": "left"}
        for name, field, key in (
            ("id", "id", "runs.col_id"),
            ("started", "started", "runs.col_started"),
            ("duration", "duration", "runs.col_duration"),
            ("status", "status_text", "runs.col_status"),
            ("changes", "changes", "runs.col_changes"),
            ("error", "error", "runs.col_error"),
        )
    ]
    history = ui.table(columns=columns if rows else [], rows=rows, row_key="id").classes("w-full").mark("history")
    history.props["no-data-label"] = t("runs.no_runs")  # Quasar's own "No data available" is English


def detail_panels(records: list[SyncRecordPublic], load: Callable[[int], Awaitable[SyncRecordPublic]]) -> None:
    """A panel per recent run; opening it loads the run's results into the panel itself."""
    loaded: set[int] = set()
    for record in records[:HISTORY_DETAILS]:
        title = t("runs.details", sync_id=record.id, status=status_text(record.status))
        with ui.expansion(title).classes("w-full").mark(f"details-{record.id}") as panel:
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
            step = step_text(record.failed_at, record.failed_step)
            why_it_stopped(t("runs.stopped_at", step=step), record, "details-error")
    # Failures first: with many results, the one that matters is never cut off.
    ordered = sorted(results, key=lambda r: bool(r.get("ok")))
    with ui.column().classes("w-full gap-0 max-h-96 overflow-auto").mark("details-lines"):
        for result in ordered[:DETAIL_LINES]:
            result_line(result)
    if len(results) > DETAIL_LINES:
        ui.label(t("runs.truncated", shown=DETAIL_LINES, total=len(results), sync_id=record.id)).classes(
            "text-sm text-warning"
        ).mark("details-truncated")
    done, planned = done_and_planned(record)
    ui.label(t("runs.carried_out", done=done, planned=planned)).mark("details-count")


def result_line(result: dict[str, Any]) -> None:
    """One result: a change, how long it took and how it ended (a failure with GPT-Load's words), or a note."""
    if result.get("kind") == "note":  # a wait of the run (uni-api loading api.yaml), not a change: core's sentence
        words = phrase_from(result.get("said"))  # a record of an older version has only the English
        note = said(words) if words else result.get("note", "")
        line = joined([result["target"], note], "label")
        ui.label(line).classes("text-sm font-mono text-grey-8").mark("details-note")
        return
    change = change_text(result["kind"], result["target"])
    ms = result.get("ms", "?")
    if result.get("ok"):
        ui.label(t("runs.line_ok", change=change, ms=ms)).classes("text-sm font-mono").mark("details-line")
        return
    with ui.element("div").classes("text-sm font-mono text-negative").mark("details-line"):
        ui.label(t("runs.line_failed", change=change, ms=ms)).classes("inline")
        ui.label(result.get("error", "")).classes("inline q-ml-xs").mark("gptload-error")
