"""The REST API under ``/api``: parse, call a core use-case, map errors to ``{"code", "detail"}``.

Imports only core and FastAPI. ``install_api(app, services)`` mounts it on any FastAPI app: NiceGUI's
in ``main.py``, a bare one in tests.
"""

from __future__ import annotations

import hmac
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request
from fastapi import Body as BodyParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from core import catalog, probes, providers, uniapi
from core.catalog import BatchResult, Changes, ModelPublic, Rename
from core.desired import desired_secrets
from core.errors import (
    AlreadyExists,
    ConfirmationRequired,
    InvalidInput,
    LpmError,
    NotFound,
    StalePlan,
    SyncInProgress,
    Unauthorized,
    UpstreamError,
    UpstreamTimeout,
)
from core.probes import ConnectionCheckRequest, KeyCheck, ModelTestResult, ProviderTestResult
from core.providers import FetchOutcome, FetchResult, ProviderCreate, ProviderCreated, ProviderPublic, ProviderUpdate
from core.services import Services
from core.shapes import MAX_DB_ID, Body, DbId
from core.sync import GptLoadStatus, SyncRecordPublic

log = logging.getLogger(__name__)


class MethodNotAllowed(LpmError):
    """A known /api path asked with a method it does not serve."""

    code = "method_not_allowed"

    def __init__(self, detail: str, allowed: list[str]) -> None:
        super().__init__(detail)
        self.allowed = allowed


STATUS = (  # most specific first
    (UpstreamTimeout, 504),
    (UpstreamError, 502),
    (NotFound, 404),
    (AlreadyExists, 409),
    (ConfirmationRequired, 409),
    (SyncInProgress, 409),
    (StalePlan, 409),
    (InvalidInput, 400),
    (Unauthorized, 401),
    (MethodNotAllowed, 405),
)
PathId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


class ProviderIds(Body):
    provider_ids: list[DbId] | None = None


class ModelIds(Body):
    model_ids: list[DbId]


class ModelDeletion(ModelIds):
    confirm_delete_all: bool = False


class ManualModel(Body):
    original_name: str
    confirm_duplicates: bool = False


class NormalizeRequest(Body):
    normalized_name: str | None
    confirm_duplicates: bool = False


class ConfirmDuplicates(Body):
    confirm_duplicates: bool = False


class BatchNormalize(Body):
    changes: list[Rename]
    confirm_duplicates: bool = False


class ProviderBatch(Body):
    renames: list[Rename] = Field(default_factory=list)
    deletions: list[DbId] = Field(default_factory=list)
    confirm_duplicates: bool = False
    confirm_delete_all: bool = False


class SyncRequest(Body):
    checksum: str | None = None


class SyncStatus(BaseModel):
    running: bool
    sync_id: int | None
    stage: str | None
    step: str | None
    done: int
    total: int


class Health(BaseModel):
    status: str
    version: str


def install_api(app: FastAPI, services: Services) -> None:
    """Mount the router, the error handlers and the JSON 404 for unknown ``/api`` paths (NiceGUI serves HTML)."""
    router = build_router(services)
    app.include_router(router)
    app.add_exception_handler(LpmError, _lpm_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
    known = [route for sub in router.routes for route in getattr(sub, "original_router", sub).routes]

    @app.api_route("/api/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    async def unknown_api_route(request: Request, path: str) -> None:
        allowed = sorted({m for r in known if r.path_regex.match(request.url.path) for m in r.methods})
        if allowed:
            raise MethodNotAllowed(f"{request.method} is not allowed here; use {', '.join(allowed)}.", allowed)
        raise NotFound(f"There is no API endpoint /api/{path}.")


def build_router(services: Services) -> APIRouter:
    s = services
    open_router = APIRouter(prefix="/api", tags=["health"])
    router = APIRouter(prefix="/api", dependencies=[Depends(_bearer_guard(s.settings.admin_password))])

    @open_router.get("/health")
    async def health() -> Health:
        """Liveness: answers without authentication."""
        return Health(status="ok", version=_version())

    @router.get("/stats", tags=["health"])
    async def stats() -> providers.RegistryStats:
        return await providers.registry_stats()

    @router.get("/providers", tags=["providers"])
    async def list_providers() -> list[ProviderPublic]:
        return await providers.list_providers(s)

    @router.post("/providers", status_code=201, tags=["providers"])
    async def create_provider(data: ProviderCreate) -> ProviderCreated:
        """Check every key by listing models, then store the provider and its models. Fails without storing."""
        return await providers.create_provider(s, data)

    @router.post("/providers/check", tags=["providers"])
    async def check_connection(data: ConnectionCheckRequest) -> list[KeyCheck]:
        """Test a URL and keys without storing anything (the add dialog's "Test connection")."""
        return await probes.check_unsaved(s, data)

    @router.post("/providers/test", tags=["providers"])
    async def test_providers(data: ProviderIds) -> list[ProviderTestResult]:
        """Test many providers in parallel (all when `provider_ids` is null)."""
        return await probes.probe_providers(s, data.provider_ids)

    @router.post("/providers/fetch-models", tags=["providers"])
    async def fetch_all_models(data: ProviderIds) -> list[FetchOutcome]:
        """Fetch models for many providers in parallel (all when `provider_ids` is null)."""
        return await providers.fetch_many(s, data.provider_ids)

    @router.get("/providers/{provider_id:int}", tags=["providers"])
    async def get_provider(provider_id: PathId) -> ProviderPublic:
        return await providers.get_provider(s, provider_id)

    @router.put("/providers/{provider_id:int}", tags=["providers"])
    async def update_provider(provider_id: PathId, data: ProviderUpdate) -> ProviderPublic:
        """Change any field; `api_keys` replaces the keys, `add_api_keys` adds to them."""
        return await providers.update_provider(s, provider_id, data)

    @router.delete("/providers/{provider_id:int}", status_code=204, tags=["providers"])
    async def delete_provider(provider_id: PathId) -> None:
        """Delete the provider and all its models."""
        await providers.delete_provider(s, provider_id)

    @router.post("/providers/{provider_id:int}/fetch-models", tags=["providers"])
    async def fetch_models(provider_id: PathId) -> FetchResult:
        return await providers.fetch_models(s, provider_id)

    @router.post("/providers/{provider_id:int}/test", tags=["providers"])
    async def test_provider(provider_id: PathId) -> ProviderTestResult:
        return await probes.probe_provider(s, provider_id)

    @router.get("/providers/{provider_id:int}/models", tags=["models"])
    async def list_models(provider_id: PathId) -> list[ModelPublic]:
        return await catalog.list_models(provider_id)

    @router.post("/providers/{provider_id:int}/models", status_code=201, tags=["models"])
    async def add_model(provider_id: PathId, data: ManualModel) -> ModelPublic:
        """Add a model by hand."""
        return await catalog.add_model(s, provider_id, data.original_name, confirm_duplicates=data.confirm_duplicates)

    @router.post("/providers/{provider_id:int}/models/batch", tags=["models"])
    async def save_pending_changes(provider_id: PathId, data: ProviderBatch) -> BatchResult:
        """Apply any number of renames and deletions of one provider's models, all or nothing."""
        changes = Changes(
            renames={r.model_id: r.normalized_name for r in data.renames},
            deletions=set(data.deletions),
            confirm_duplicates=data.confirm_duplicates,
            confirm_delete_all=data.confirm_delete_all,
            provider_id=provider_id,
        )
        return await catalog.apply_changes(s, changes)

    @router.put("/models/batch-normalize", tags=["models"])
    async def batch_normalize(data: BatchNormalize) -> BatchResult:
        renames = {c.model_id: c.normalized_name for c in data.changes}
        return await catalog.apply_changes(s, Changes(renames=renames, confirm_duplicates=data.confirm_duplicates))

    async def delete_many(data: ModelDeletion) -> BatchResult:
        """Mark many models deleted at once, all or nothing."""
        return await catalog.apply_changes(s, _deletion(data))

    # One behaviour under three spellings; distinct operation ids keep the OpenAPI schema valid.
    for method, path, operation in [
        ("POST", "/models/batch-delete", "batch_delete"),
        ("DELETE", "/models/batch-delete", "batch_delete_by_delete"),
        ("POST", "/models/bulk-delete", "bulk_delete"),
    ]:
        router.add_api_route(path, delete_many, methods=[method], operation_id=operation, tags=["models"])

    @router.post("/models/test", tags=["models"])
    async def test_models(data: ModelIds) -> list[ModelTestResult]:
        """Test many models in parallel, one result each."""
        return await probes.probe_models(s, data.model_ids)

    @router.put("/models/{model_id:int}/normalize", tags=["models"])
    async def normalize_model(model_id: PathId, data: NormalizeRequest) -> ModelPublic:
        """Set the normalized name; empty or the original name resets it."""
        changes = Changes(renames={model_id: data.normalized_name}, confirm_duplicates=data.confirm_duplicates)
        return _only(await catalog.apply_changes(s, changes), model_id)

    @router.post("/models/{model_id:int}/reset", tags=["models"])
    async def reset_model(
        model_id: PathId, data: Annotated[ConfirmDuplicates | None, BodyParam()] = None
    ) -> ModelPublic:
        """Back to the original name and active again."""
        confirm = data.confirm_duplicates if data else False
        return _only(await catalog.apply_changes(s, Changes(restores={model_id}, confirm_duplicates=confirm)), model_id)

    @router.delete("/models/{model_id:int}", tags=["models"])
    async def delete_model(model_id: PathId, confirm_delete_all: Annotated[bool, Query()] = False) -> ModelPublic:
        """Mark the model deleted (inactive); a reset or the batch endpoints bring it back."""
        changes = Changes(deletions={model_id}, confirm_delete_all=confirm_delete_all)
        return _only(await catalog.apply_changes(s, changes), model_id)

    @router.post("/models/{model_id:int}/test", tags=["models"])
    async def test_model(model_id: PathId) -> ModelTestResult:
        """The smallest chat request (one output token) to this model, under its original name."""
        return await probes.probe_model(s, model_id)

    @router.get("/config/plan", tags=["sync"])
    async def show_plan() -> dict:
        """The changes a sync would make now (no side effects), with conflicts and the checksum."""
        return (await s.sync.build_plan()).plan.public()

    @router.post("/config/sync", tags=["sync"])
    async def sync(
        response: Response,
        dry_run: Annotated[bool, Query()] = False,
        data: Annotated[SyncRequest | None, BodyParam()] = None,
    ) -> dict:
        """`?dry_run=true` returns the plan; otherwise start applying it (pass the previewed `checksum`)."""
        if dry_run:
            return (await s.sync.build_plan()).plan.public()
        response.status_code = 202
        return {"sync_id": await s.sync.start(data.checksum if data else None)}

    @router.get("/config/sync/status", tags=["sync"])
    async def sync_status() -> SyncStatus:
        """The running (or last) sync: stage, step, done/total."""
        p = s.sync.progress
        return SyncStatus(running=p.running, sync_id=p.sync_id, stage=p.stage, step=p.step, done=p.done, total=p.total)

    @router.get("/config/sync/history", tags=["sync"])
    async def sync_history(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[SyncRecordPublic]:
        return await s.sync.history(limit)

    @router.get("/config/sync/{sync_id:int}", tags=["sync"])
    async def sync_record(sync_id: PathId) -> SyncRecordPublic:
        """One run with its plan and per-change results."""
        return await s.sync.record(sync_id)

    @router.post("/config/sync/{sync_id:int}/retry", status_code=202, tags=["sync"])
    async def retry_sync(sync_id: PathId) -> dict:
        """Plan and apply again; the new run finishes what the failed one left."""
        return {"sync_id": await s.sync.retry(sync_id)}

    @router.get("/config/uni-api/download", tags=["sync"])
    async def download_uniapi(password: Annotated[str | None, Header(alias="X-Admin-Password")] = None) -> Response:
        """The api.yaml as written, secrets masked; unmasked only with `X-Admin-Password` (when one is set)."""
        text = uniapi.read_config(s.settings.uniapi_config_path)
        if text is None:
            raise NotFound("No api.yaml has been written yet; run a sync first.")
        admin = s.settings.admin_password
        if not (admin and password and hmac.compare_digest(password.encode(), admin.encode())):
            state = await desired_secrets(s)
            text = uniapi.masked(text, state)
        headers = {"Content-Disposition": 'attachment; filename="api.yaml"'}
        return PlainTextResponse(text, media_type="application/yaml", headers=headers)

    @router.get("/gptload/status", tags=["sync"])
    async def gptload_status() -> GptLoadStatus:
        """Whether GPT-Load answers, how many groups it has and how many are ours, and the last sync."""
        return await s.sync.gptload_status()

    combined = APIRouter()
    combined.include_router(open_router)
    combined.include_router(router)
    return combined


def _deletion(data: ModelDeletion) -> Changes:
    return Changes(deletions=set(data.model_ids), confirm_delete_all=data.confirm_delete_all)


def _only(result: BatchResult, model_id: int) -> ModelPublic:
    return next(m for m in result.models if m.id == model_id)


def _bearer_guard(password: str):
    async def guard(request: Request) -> None:
        if not password:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        # compare_digest: the time taken must not reveal how much of the password matched.
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), password.encode()):
            raise Unauthorized("This API needs the header `Authorization: Bearer <ADMIN_PASSWORD>`.")

    return guard


async def _lpm_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LpmError)
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 500)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, MethodNotAllowed):
        headers = {"Allow": ", ".join(exc.allowed)}
    if status == 500:
        log.error("api: %s %s failed: %s", request.method, request.url.path, exc.code)
    return JSONResponse({"code": exc.code, "detail": exc.detail, **exc.extra}, status_code=status, headers=headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug, not a user error: logged with its traceback, answered without any of its text."""
    log.error("api: %s %s failed", request.method, request.url.path, exc_info=exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"code": "internal_error", "detail": "Internal error; see the server log."}, 500)
    return PlainTextResponse("Internal Server Error", status_code=500)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in exc.errors()
    )
    return JSONResponse({"code": "invalid_input", "detail": problems}, status_code=422)


def _version() -> str:
    try:
        return version("llm-provider-manager")
    except PackageNotFoundError:
        return "unknown"
