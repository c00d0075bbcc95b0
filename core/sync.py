"""Sync = plan, then apply (DESIGN §6). One sync at a time; every run is recorded.

``build_plan()`` reads the registry and GPT-Load and changes nothing. ``start()`` recomputes the
plan, refuses a checksum that no longer matches, records the run and applies it in the
background, stage by stage (standard groups -> keys -> aggregates -> memberships -> api.yaml ->
removals, once uni-api has loaded api.yaml: core.changes.STAGES), changes within a stage in parallel up
to GPTLOAD_CONCURRENCY or the stage's own limit. The first failure stops the run; the next plan picks
up what is left, so a retry is simply a new run.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from core.actual import forget_applied, is_managed, remember_applied
from core.changes import STAGE_LIMITS, STAGES, Change, sort_changes
from core.client_names import EntryChange, client_name_changes, current_names, topology_names
from core.clients.gptload import GptLoadClient
from core.crypto import redact
from core.desired import DesiredMemo, DesiredState, remembered_desired_state, without
from core.errors import LpmError, NotFound, StalePlan, SyncInProgress, UnsafePlan
from core.gptload_offline import CONNECT_HINT, not_configured, read_or_empty, refuse_preview
from core.models import ManagedGroup, Provider, SyncRecord
from core.phrases import Phrase
from core.plan import ActualGroup, Plan, diff_groups, find_conflicts, safety_of, uniapi_change
from core.retry import RetryBudget
from core.route_warnings import route_warnings
from core.settings import Settings
from core.sync_apply import ApplyContext, apply_with_retries
from core.sync_steps import (
    PLANNING,
    WAITING_FOR_GPTLOAD,
    WAITING_FOR_UNIAPI,
    Step,
    change_step,
    recorded_step,
    stage_step,
)
from core.uniapi_state import RenderMemo, settle, uniapi_state

if TYPE_CHECKING:
    from core.services import Services  # a type only: services builds the engine (no import cycle)

log = logging.getLogger(__name__)


@dataclass
class PlanBundle:
    """A plan plus what applying it needs (never serialized: it holds plaintext secrets)."""

    plan: Plan
    desired: DesiredState
    actual: list[ActualGroup]
    uniapi_text: str
    uniapi_digest: str  # of the entries the text is rendered from (core.uniapi_state)
    uniapi_spliced: bool = False  # the text is valid by construction (core.uniapi_state.UniapiState.spliced)


@dataclass
class Progress:
    running: bool = False
    sync_id: int | None = None
    stage: str | None = None
    at: Step | None = None  # the step the run is at (core.sync_steps)
    done: int = 0
    total: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def step(self) -> str | None:
        """The step in words, as REST shows it."""
        return self.at.text if self.at else None


class SyncRecordPublic(BaseModel):
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    counts: dict[str, int]
    conflicts: int
    error: str | None
    failed_step: str | None
    retry_of: int | None
    plan: dict[str, Any] | None = None
    results: list[dict[str, Any]] | None = None
    failed_at: Step | None = None  # ``failed_step`` as a step (core.sync_steps); None for a text no step has


class GptLoadStatus(BaseModel):
    url: str
    reachable: bool
    group_count: int | None
    managed_group_count: int | None
    error: str | None
    last_sync: SyncRecordPublic | None
    hint: str | None = None  # how to connect GPT-Load, while it is not reachable


class SyncEngine:
    def __init__(self, services: Services, gptload: GptLoadClient) -> None:
        self.services = services
        self.gptload = gptload
        self.progress = Progress()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._hidden: list[str] = []  # the running sync's secrets (see _manager_secrets)
        self._budget = RetryBudget(0)
        self._memo = RenderMemo()
        self._desired = DesiredMemo()

    async def build_plan(self, *, verify: bool = False) -> PlanBundle:
        """Desired vs actual, without side effects on GPT-Load or api.yaml.

        ``verify`` reads every managed group's keys and members and reports drift (``core.actual``). Without
        GPT-Load (unreachable or not configured) the plan is a preview against an empty one (``core.gptload_offline``).
        """
        desired = await remembered_desired_state(self.services, self._desired)
        reading = await read_or_empty(self.gptload, self.services.settings, desired.specs, verify=verify)
        actual, drift = reading.actual, reading.drift
        conflicts = find_conflicts([s.name for s in desired.specs], actual)
        desired = without(desired, {c.name for c in conflicts})
        changes = diff_groups(desired.specs, actual)
        path = self.services.settings.uniapi_config_path
        state = await uniapi_state(path, desired.entries, desired.client_key, self._memo)
        before, text = state.before, state.text
        # The operator's own keys in the file too (their providers' `api`, `api_keys`), found without a parse.
        secrets = [desired.proxy_key, desired.client_key, *state.file_secrets] if before != text else []
        change = uniapi_change(str(path), before, text, lambda shown: redact(shown, secrets))
        warnings = route_warnings(desired.topology, await _failed_tests(), {g.name: g.invalid_keys for g in actual})
        clients = await self._client_changes(desired, actual, state.managed_now) if changes or change else []
        settings = self.services.settings
        safety = safety_of(
            changes,
            sum(g.managed for g in actual),
            max_percent=settings.sync_max_delete_percent,
            max_count=settings.sync_max_delete_count,
            empty=not desired.specs,
        )
        changes = sort_changes(changes + ([change] if change else []))  # api.yaml goes before the removals
        plan = Plan(changes, conflicts, warnings, clients, safety, verify and reading.reachable, drift,
                    gptload_reachable=reading.reachable, gptload_error=reading.unreachable,
                    gptload_unconfigured=reading.unconfigured)  # fmt: skip
        return PlanBundle(plan, desired, actual, text, state.digest, state.spliced)

    async def _client_changes(
        self, desired: DesiredState, actual: list[ActualGroup], managed_now: set[str]
    ) -> list[EntryChange]:
        """The names clients gain, lose or see renamed; none when nothing changes (the plan is empty)."""
        identities = dict(await ManagedGroup.exclude(identity=None).values_list("name", "identity"))
        now = current_names(managed_now, actual, identities)
        return client_name_changes(now, topology_names(desired.topology))

    async def start(
        self, checksum: str | None = None, *, retry_of: int | None = None, force: bool = False, verify: bool = False
    ) -> int:
        """Plan again, check the checksum and the safety verdict, record the run and apply it in the background.

        Returns the run id. An unsafe plan (see ``core.plan.safety_of``) needs ``force``.
        """
        if self._lock.locked():
            raise SyncInProgress(f"Sync {self.progress.sync_id} is still running; wait for it to finish.")
        await self._lock.acquire()
        try:
            try:
                bundle = await self.build_plan(verify=verify)
                refuse_preview(bundle.plan)
            except LpmError as exc:
                # A run that could not even plan (GPT-Load down, api.yaml unreadable) is still a run.
                record = await SyncRecord.create(
                    status="failed", error=exc.detail, failed_step=PLANNING.text, retry_of=retry_of, finished_at=_now()
                )
                self.progress = Progress(sync_id=record.id, stage="plan")
                raise
            if checksum is not None and checksum != bundle.plan.checksum():
                raise StalePlan("The plan changed since it was previewed; review the new plan and apply that one.")
            safety = bundle.plan.safety
            if safety.unsafe and not force:
                raise UnsafePlan(f"{safety.reason} Review it, then apply with force.", extra=safety.public())
            record = await SyncRecord.create(status="running", plan=bundle.plan.public(), retry_of=retry_of)
        except BaseException:
            self._lock.release()
            raise
        self.progress = Progress(running=True, sync_id=record.id, total=len(bundle.plan.changes))
        self._task = asyncio.create_task(self._run(record, bundle))
        return record.id

    async def wait(self) -> None:
        """Until the running sync (if any) has finished; for tests and shutdown."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def retry(self, sync_id: int, *, force: bool = False) -> int:
        record = await SyncRecord.get_or_none(id=sync_id)
        if record is None:
            raise NotFound(f"Sync {sync_id} does not exist.")
        return await self.start(retry_of=sync_id, force=force)

    async def history(self, limit: int = 50) -> list[SyncRecordPublic]:
        return [public(r) for r in await SyncRecord.all().order_by("-id").limit(limit)]

    async def record(self, sync_id: int) -> SyncRecordPublic:
        record = await SyncRecord.get_or_none(id=sync_id)
        if record is None:
            raise NotFound(f"Sync {sync_id} does not exist.")
        return public(record, detailed=True)

    async def gptload_status(self) -> GptLoadStatus:
        last = await SyncRecord.all().order_by("-id").first()
        status = dict(url=self.gptload.display_url, last_sync=public(last) if last else None)
        offline = dict(reachable=False, group_count=None, managed_group_count=None, hint=CONNECT_HINT)
        reason = not_configured(self.services.settings)
        if reason is not None:
            return GptLoadStatus(error=str(reason), **offline, **status)
        try:
            groups = await self.gptload.list_groups()
        except LpmError as exc:
            return GptLoadStatus(error=exc.detail, **offline, **status)
        known = set(await ManagedGroup.all().values_list("gptload_id", flat=True))
        ours = [g for g in groups if is_managed(g, known)]
        return GptLoadStatus(
            reachable=True, group_count=len(groups), managed_group_count=len(ours), error=None, **status
        )

    async def _run(self, record: SyncRecord, bundle: PlanBundle) -> None:
        started = time.perf_counter()
        error: LpmError | None = None
        failed_step = None
        self._hidden = _manager_secrets(bundle, self.services.settings)
        self._budget = RetryBudget(self.services.settings.sync_retry_budget)
        try:
            await self._adopt(bundle.actual)
            await forget_applied({c.target for c in bundle.plan.changes if c.stage != "uniapi"})
            context = ApplyContext(self.gptload, bundle, self.services.settings)
            for stage in STAGES:
                changes = [c for c in bundle.plan.changes if c.stage == stage]
                if changes:
                    await self._checkpoint(record, stage_step(stage))
                if stage == "uniapi" and changes:
                    self.progress.stage, self.progress.at = "uniapi", WAITING_FOR_GPTLOAD
                    await context.wait_until_visible()
                if stage == "removals" and changes:
                    self.progress.stage, self.progress.at = "uniapi", WAITING_FOR_UNIAPI
                    self._note(await context.wait_until_uniapi_loaded(self.services.uniapi))
                failure = await self._run_stage(stage, changes, context)
                if failure is not None:
                    failed_step, error = failure
                    break
            else:
                await context.remember_identities()
                await self._remember_applied(bundle, context)
                await settle(self.services.settings.uniapi_config_path, bundle.uniapi_digest)
        except LpmError as exc:
            error, failed_step = exc, self.progress.step
        except Exception as exc:  # a bug: record it, never leave the run "running"
            log.exception("sync: run %s crashed", record.id)
            error, failed_step = LpmError(f"Internal error: {type(exc).__name__}"), self.progress.step
        finally:
            record.status = "failed" if error else "succeeded"
            record.error = redact(error.detail, self._hidden) if error else None
            record.failed_step = failed_step
            record.results = self.progress.results
            record.finished_at = _now()
            await record.save()
            self.progress.running = False
            self._lock.release()
            log.info("sync: run=%s status=%s ms=%d", record.id, record.status, (time.perf_counter() - started) * 1000)

    async def _checkpoint(self, record: SyncRecord, step: Step) -> None:
        """Store how far the run got, so a crash (kill -9, power loss) leaves a record that says where it stopped."""
        record.failed_step, record.results = step.text, self.progress.results
        await record.save(update_fields=["failed_step", "results"])

    async def recover_interrupted(self) -> list[int]:
        """At start-up: runs still marked running were cut off by a crash; mark them interrupted (retry offered)."""
        stale = await SyncRecord.filter(status="running")
        for record in stale:
            record.status = "interrupted"
            record.error = "The manager stopped while this sync ran; what it reached is below. Retry to finish it."
            record.finished_at = record.finished_at or _now()
            await record.save(update_fields=["status", "error", "finished_at"])
            log.warning("sync: run %s was interrupted at %s; marked interrupted", record.id, record.failed_step)
        return [r.id for r in stale]

    async def _run_stage(self, stage: str, changes: list[Change], context: ApplyContext) -> tuple[str, LpmError] | None:
        self.progress.stage = stage
        failure: list[tuple[str, LpmError]] = []
        limit = min(self.services.settings.gptload_concurrency, STAGE_LIMITS.get(stage, 1_000))
        gate = asyncio.Semaphore(limit)

        async def one(change: Change) -> None:
            async with gate:
                if failure:
                    return  # a change of this stage failed: start nothing new
                self.progress.at = change_step(change)
                began = time.perf_counter()
                attempts, error = await apply_with_retries(change, context, self._budget)
                if error is not None:
                    failure.append((change.step, error))
                self._result(change, began, attempts, error=error)

        await asyncio.gather(*(one(c) for c in changes))
        return failure[0] if failure else None

    def _note(self, said: Phrase) -> None:
        """A step of the run that is not a change (a wait), in the results so the record shows it: in English
        (``note``) and as core's sentence (``said``, for a page to say in its language)."""
        note = {"kind": "note", "target": "uni-api", "ok": True, "attempts": 1, "note": str(said)}
        self.progress.results.append(note | {"said": said.public()})

    def _result(self, change: Change, began: float, attempts: int, *, error: LpmError | None = None) -> None:
        self.progress.done += 1
        entry = {"kind": change.kind, "target": change.target, "ok": error is None, "attempts": attempts}
        entry["ms"] = round((time.perf_counter() - began) * 1000)
        if error is not None:
            entry.update(code=error.code, error=redact(error.detail, self._hidden))
        self.progress.results.append(entry)

    async def _remember_applied(self, bundle: PlanBundle, context: ApplyContext) -> None:
        """What GPT-Load holds after the run, with its updated_at: as the plan read it, or as GPT-Load answered
        this run's creates and updates. No second read of 12,000 groups; a stamp that moved anyway (a key
        change, if GPT-Load stamps those) only makes the next plan read that group."""
        groups = {g.name: g.fields for g in bundle.actual} | context.answers
        await remember_applied(list(groups.values()), bundle.desired.specs)

    async def _adopt(self, actual: list[ActualGroup]) -> None:
        """Groups that carry our marker but are missing from the table (restored or lost database)."""
        known = set(await ManagedGroup.all().values_list("gptload_id", flat=True))
        for group in actual:
            if group.managed and group.id not in known:
                await ManagedGroup.update_or_create(
                    name=group.name, defaults={"gptload_id": group.id, "group_type": group.group_type}
                )
                log.info("sync: adopted group %s (id=%s)", group.name, group.id)


def _manager_secrets(bundle: PlanBundle, settings: Settings) -> list[str]:
    """Every secret a run handles: what its records and results are redacted with (an error may echo any)."""
    keys = {key for spec in bundle.desired.specs for key in spec.keys}
    return [bundle.desired.proxy_key, bundle.desired.client_key, *settings.secret_values, *keys]


async def _failed_tests() -> dict[int, str | None]:
    return dict(await Provider.filter(last_test_ok=False).values_list("id", "last_test_error"))


def _now() -> datetime:
    return datetime.now(UTC)


def public(record: SyncRecord, *, detailed: bool = False) -> SyncRecordPublic:
    finished = record.finished_at
    return SyncRecordPublic(
        id=record.id,
        status=record.status,
        started_at=record.started_at,
        finished_at=finished,
        duration_ms=round((finished - record.started_at).total_seconds() * 1000) if finished else None,
        counts=(record.plan or {}).get("counts", {}),
        conflicts=len((record.plan or {}).get("conflicts", [])),
        error=record.error,
        failed_step=record.failed_step,
        retry_of=record.retry_of,
        plan=record.plan if detailed else None,
        results=record.results if detailed else None,
        failed_at=recorded_step(record.failed_step, (record.plan or {}).get("changes", [])),
    )
