"""The REST API under ``/api``: one router per resource; parse, call a core use-case, map errors to statuses.

Imports only core and FastAPI. ``install_api(app, services)`` mounts it on any FastAPI app: NiceGUI's
in ``main.py``, a bare one in tests. Routes reach the services through ``deps.ServicesDep``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from core.http_guard import HttpGuard
from core.rest import backup, exposed, gptload, health, importing, inbox, models, normalization, providers, sync
from core.rest.auth import require_admin
from core.rest.deps import bind_services
from core.rest.errors import install_api_fallback, install_error_handlers
from core.services import Services

API_PREFIX = "/api"
OPEN_ROUTERS = (health.open_router,)
GUARDED_ROUTERS = (
    health.router,
    providers.router,
    models.router,
    exposed.router,
    sync.router,
    gptload.router,
    importing.router,
    backup.router,
    inbox.router,
    normalization.router,
)


def build_router(services: Services) -> APIRouter:
    """Every ``/api`` route, bound to ``services``; all but the open ones behind the admin guard."""
    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(bind_services(services))])
    for router in OPEN_ROUTERS:
        api.include_router(router)
    for router in GUARDED_ROUTERS:
        api.include_router(router, dependencies=[Depends(require_admin)])
    return api


def install_api(app: FastAPI, services: Services) -> None:
    """Mount the routes, the error handlers and the JSON 404/405 for unknown ``/api`` paths.

    Also the HTTP guard (foreign Host, cross-site writes, non-JSON bodies, body size) in front of the
    whole app, so it covers NiceGUI's pages, assets and websockets as well as ``/api``.
    """
    app.add_middleware(HttpGuard, settings=lambda: services.settings)
    app.include_router(build_router(services))
    install_error_handlers(app)
    install_api_fallback(app, API_PREFIX, served_routes())


def served_routes() -> list[APIRoute]:
    """Every route of the API, with its path below ``/api``."""
    return [
        route for router in (*OPEN_ROUTERS, *GUARDED_ROUTERS) for route in router.routes if isinstance(route, APIRoute)
    ]
