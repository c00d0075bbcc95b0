"""``/api/config``: the sync plan, applying it, its progress and history, and the written api.yaml."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Query, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from core import uniapi
from core.client_names import EntryChange
from core.desired import desired_secrets
from core.errors import ChecksumRequired, NotFound
from core.rest.auth import is_admin_password
from core.rest.deps import PathId, ServicesDep
from core.route_warnings import RouteWarning
from core.shapes import Body as RequestBody
from core.sync import SyncRecordPublic

router = APIRouter(prefix="/config", tags=["sync"])


class PlanChange(BaseModel):
    """One change of a plan; besides these three, each kind carries its own fields (``fields``, ``diff``, ...)."""

    # extra="allow": the kind-specific fields pass through as core/plan.py made them, in the same order.
    model_config = ConfigDict(extra="allow")

    kind: str = Field(description="create_group, update_group, replace_group, add_keys, ..., write_uniapi")
    stage: str = Field(description="standard, keys, aggregates, members, removals or uniapi")
    target: str = Field(description="The GPT-Load group name, or the api.yaml path")


class PlanConflict(BaseModel):
    """A desired group name that GPT-Load already holds under a group this manager does not own."""

    name: str
    reason: str


class PlanDrift(BaseModel):
    """A group whose keys or members were changed in GPT-Load since the last sync (found by a verify plan)."""

    group: str
    summary: str


class PlanSafety(BaseModel):
    unsafe: bool
    removals: int = Field(description="Managed groups the plan deletes or replaces")
    managed: int = Field(description="Managed groups GPT-Load holds now")
    reason: str | None


class PlanPublic(BaseModel):
    """What a sync would do now; apply it by passing ``checksum`` back."""

    checksum: str = Field(description="sha256 of the changes; a sync refuses to start if the plan differs")
    empty: bool
    counts: dict[str, int] = Field(description="Changes per kind")
    changes: list[PlanChange]
    conflicts: list[PlanConflict]
    warnings: list[RouteWarning] = Field(
        default_factory=list, description="Providers it routes to although their test failed or keys are blacklisted"
    )
    client_changes: list[EntryChange] = Field(
        default_factory=list, description="Per uni-api entry, the model names clients gain, lose or see renamed"
    )
    safety: PlanSafety = Field(description="Whether the plan deletes too much to apply without force")
    verified: bool = Field(
        default=False, description="Whether every managed group's keys and members were read (`?verify=true`)"
    )
    drift: list[PlanDrift] = Field(
        default_factory=list, description="Groups changed by hand in GPT-Load since the last sync (verify plans)"
    )
    gptload_reachable: bool = Field(
        default=True,
        description="False: GPT-Load is unreachable or GPTLOAD_AUTH_KEY is empty, so this is a preview against an "
        "empty GPT-Load (what a first sync would create); applying it answers 503 `gptload_unreachable`",
    )
    gptload_error: str | None = Field(default=None, description="Why GPT-Load was not read (when not reachable)")


class SyncStarted(BaseModel):
    """A sync runs in the background; follow it at ``/api/config/sync/status`` or ``/api/config/sync/{sync_id}``."""

    sync_id: int


class SyncRequest(RequestBody):
    checksum: str | None = Field(default=None, description="The previewed plan's checksum; required to apply")
    force: bool = Field(default=False, description="Apply a plan the safety check calls unsafe (409 unsafe_plan)")
    verify: bool = Field(default=False, description="The checksum is of a verify plan (`?verify=true`): plan so again")


class RetryRequest(RequestBody):
    force: bool = False


class SyncStatus(BaseModel):
    running: bool
    sync_id: int | None
    stage: str | None
    step: str | None
    done: int
    total: int


async def current_plan(services: ServicesDep, *, verify: bool = False) -> PlanPublic:
    return PlanPublic.model_validate((await services.sync.build_plan(verify=verify)).plan.public())


Verify = Annotated[
    bool, Query(description="Read every managed group's keys and members (slow at thousands), report drift")
]


@router.get("/plan")
async def show_plan(services: ServicesDep, verify: Verify = False) -> PlanPublic:
    """The changes a sync would make now (no side effects), with conflicts and the checksum.

    A normal plan reads keys and members only of groups whose desired state changed or that GPT-Load
    says were edited since the last sync; `?verify=true` reads all of them and lists drift. While GPT-Load is
    unreachable or not configured, the answer is a preview against an empty GPT-Load (`gptload_reachable: false`).
    """
    return await current_plan(services, verify=verify)


# response_model=None: the status says which of the two bodies this is, so document each under its own status.
@router.post(
    "/sync",
    response_model=None,
    responses={
        200: {"model": PlanPublic, "description": "With `?dry_run=true`: the plan, nothing changed"},
        202: {"model": SyncStarted, "description": "The sync started"},
    },
)
async def start_sync(
    services: ServicesDep,
    response: Response,
    dry_run: Annotated[bool, Query()] = False,
    verify: Verify = False,
    data: Annotated[SyncRequest | None, Body()] = None,
) -> PlanPublic | SyncStarted:
    """`?dry_run=true` returns the plan; otherwise start applying it (pass the previewed `checksum`).

    Without GPT-Load the plan is only a preview and applying answers 503 `gptload_unreachable`.
    """
    if dry_run:
        return await current_plan(services, verify=verify)
    if data is None or not data.checksum:
        raise ChecksumRequired('Send the checksum of the plan you previewed: {"checksum": "..."}.')
    response.status_code = 202
    started = await services.sync.start(data.checksum, force=data.force, verify=data.verify or verify)
    return SyncStarted(sync_id=started)


@router.get("/sync/status")
async def sync_status(services: ServicesDep) -> SyncStatus:
    """The running (or last) sync: stage, step, done/total."""
    p = services.sync.progress
    return SyncStatus(running=p.running, sync_id=p.sync_id, stage=p.stage, step=p.step, done=p.done, total=p.total)


@router.get("/sync/history")
async def sync_history(
    services: ServicesDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[SyncRecordPublic]:
    """Past runs, newest first, with status, duration, change counts and error."""
    return await services.sync.history(limit)


@router.get("/sync/{sync_id:int}")
async def sync_record(services: ServicesDep, sync_id: PathId) -> SyncRecordPublic:
    """One run with its plan and per-change results."""
    return await services.sync.record(sync_id)


@router.post("/sync/{sync_id:int}/retry", status_code=202)
async def retry_sync(
    services: ServicesDep, sync_id: PathId, data: Annotated[RetryRequest | None, Body()] = None
) -> SyncStarted:
    """Plan and apply again; the new run finishes what the failed one left (an unsafe plan needs `force`)."""
    return SyncStarted(sync_id=await services.sync.retry(sync_id, force=bool(data and data.force)))


@router.get("/uni-api/download", response_class=PlainTextResponse)
async def download_uniapi(
    services: ServicesDep, password: Annotated[str | None, Header(alias="X-Admin-Password")] = None
) -> PlainTextResponse:
    """The api.yaml as written, secrets masked; unmasked only with `X-Admin-Password` (when one is set)."""
    text = uniapi.read_config(services.settings.uniapi_config_path)
    if text is None:
        raise NotFound("No api.yaml has been written yet; run a sync first.")
    if not is_admin_password(password, services.settings.admin_password):
        text = uniapi.masked(text, await desired_secrets(services))
    headers = {"Content-Disposition": 'attachment; filename="api.yaml"'}
    return PlainTextResponse(text, media_type="application/yaml", headers=headers)
