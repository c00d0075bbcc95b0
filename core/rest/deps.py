"""Request-scoped dependencies of the REST routers, as ``Annotated`` aliases (the FastAPI template's style)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Path, Request

from core.services import Services
from core.shapes import MAX_DB_ID


def bind_services(services: Services) -> Callable[[Request], Awaitable[None]]:
    """A router dependency that hands ``services`` to each request it serves; ``ServicesDep`` reads them back.

    The services travel with the router ``build_router(services)`` made, not in app state, so two apps in one
    process (tests with other settings, NiceGUI's test runner) never see each other's services.
    """

    async def bind(request: Request) -> None:
        request.state.services = services

    return bind


async def get_services(request: Request) -> Services:
    return request.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
# A database id in a path: anything else is a 422 before any query (SQLite's integers end at 2**63 - 1).
PathId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
