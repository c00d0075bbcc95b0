"""The admin guard: when ``ADMIN_PASSWORD`` is set, every route but ``/api/health`` needs it as a bearer token."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.errors import Unauthorized
from core.rest.deps import ServicesDep

# auto_error=False: a missing or non-Bearer header must answer our 401 shape, not FastAPI's own error.
# Declaring the scheme (rather than reading the header by hand) puts it in the OpenAPI schema.
bearer_scheme = HTTPBearer(auto_error=False, description="`ADMIN_PASSWORD`, when one is set")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def require_admin(services: ServicesDep, credentials: BearerCredentials) -> None:
    """Refuse the request unless it carries ``Authorization: Bearer <ADMIN_PASSWORD>`` (no password: open)."""
    password = services.settings.admin_password
    token = credentials.credentials if credentials else None
    if password and not is_admin_password(token, password):
        raise Unauthorized("This API needs the header `Authorization: Bearer <ADMIN_PASSWORD>`.")


def is_admin_password(candidate: str | None, password: str) -> bool:
    """Whether ``candidate`` is the (non-empty) admin password."""
    # compare_digest: the time taken must not reveal how much of the password matched.
    return bool(password and candidate and hmac.compare_digest(candidate.encode(), password.encode()))
