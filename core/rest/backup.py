"""``/api/backup`` (the encrypted bundle, after re-authentication) and ``/api/export`` (the registry, secret-free).

A backup holds every key in a form anyone with the passphrase can read, so a valid bearer token or UI session
is not enough: the request must also carry the admin password in ``X-Admin-Password`` (a stolen session or a
token left in a script cannot take the keys away). Without an admin password (loopback only) the header carries
``ENCRYPTION_KEY``: whoever knows it can read the database anyway. Wrong attempts are throttled with the UI
login's rule (``core.login_guard.LoginThrottle``): from the 5th wrong one on, each waits twice as long.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import Field

from core import backup, export
from core.errors import Unauthorized
from core.login_guard import retry_message
from core.rest.auth import is_admin_password
from core.rest.deps import ServicesDep
from core.settings import Settings
from core.shapes import Body

log = logging.getLogger(__name__)
router = APIRouter(tags=["backup"])

REAUTH_HEADER = "X-Admin-Password"
# Far above any passphrase a person types; bounds the work one request can ask of scrypt.
MAX_PASSPHRASE = 1024


class BackupRequest(Body):
    passphrase: str = Field(max_length=MAX_PASSPHRASE, description="At least 12 characters; opens the bundle")


@router.post(
    "/backup",
    response_class=Response,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The encrypted bundle (`.lpmbak`)"},
        401: {"description": "`reauth_required`: `X-Admin-Password` missing or wrong"},
        429: {"description": "`reauth_throttled`: too many wrong passwords; `Retry-After` says when to try again"},
    },
)
async def create_backup(
    request: Request,
    services: ServicesDep,
    data: BackupRequest,
    password: Annotated[str | None, Header(alias=REAUTH_HEADER)] = None,
) -> Response:
    """The registry sealed with `passphrase`: needs `X-Admin-Password` (or `ENCRYPTION_KEY` when no password is set)."""
    throttle = services.password_throttle
    client = request.client.host if request.client else "unknown"
    wait = throttle.wait(client)
    if wait > 0:
        # No password is checked while waiting, not even the right one: guessing gains nothing from the wait.
        return _throttled(wait)
    if not _reauthenticated(password, services.settings):
        # A missing header is no guess; only wrong passwords count towards the wait.
        wait = throttle.failed(client) if password else 0.0
        log.warning("backup: refused, %s from %s", "wrong password" if password else "no re-authentication", client)
        raise Unauthorized(_reauth_hint(services.settings, wait), code="reauth_required")
    throttle.succeeded(client)
    bundle = await backup.make_backup(services, data.passphrase)
    log.info("backup: %d bytes sealed for %s", len(bundle), client)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {
        "Content-Disposition": f'attachment; filename="lpm-backup-{stamp}.lpmbak"',
        "Cache-Control": "no-store",
    }
    return Response(bundle, media_type="application/octet-stream", headers=headers)


@router.get("/export", response_class=PlainTextResponse)
async def export_registry(
    services: ServicesDep,
    output_format: Annotated[Literal["yaml"], Query(alias="format", description="Only `yaml` for now")] = "yaml",
) -> PlainTextResponse:
    """Providers (keys as fingerprints), their models and the managed groups as YAML, without any secret."""
    return PlainTextResponse(await export.registry_yaml(services), media_type="application/yaml")


def _reauthenticated(candidate: str | None, settings: Settings) -> bool:
    expected = settings.admin_password or settings.encryption_key
    return is_admin_password(candidate, expected)


def _reauth_hint(settings: Settings, wait: float) -> str:
    what = "the admin password" if settings.admin_password else "ENCRYPTION_KEY (no ADMIN_PASSWORD is set)"
    hint = f"A backup needs re-authentication: send {what} in the {REAUTH_HEADER} header."
    return f"{hint} {retry_message(wait)}" if wait > 0 else hint


def _throttled(wait: float) -> JSONResponse:
    return JSONResponse(
        {"code": "reauth_throttled", "detail": retry_message(wait)},
        status_code=429,
        headers={"Retry-After": str(max(1, math.ceil(wait)))},
    )
