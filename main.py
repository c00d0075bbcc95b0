"""Composition root: settings -> encryption key -> database -> services -> REST API + pages -> server.

The only place that wires things together: services are built once here (or by the UI tests' root,
``tests/ui/app_main.py``, through the same ``compose``) and passed to the REST API and the pages.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from nicegui import app, ui
from tortoise.connection import get_connection
from tortoise.contrib.fastapi import RegisterTortoise

from core import backup_cli
from core.db import prepare_database, tortoise_config
from core.diagnostics import gptload_first_contact, uniapi_directory
from core.envfile import ensure_env_file
from core.errors import StartupError
from core.fetch_schedule import FetchSchedule
from core.logs import RedactingFilter, configure_logging
from core.rest import install_api
from core.services import Services
from core.settings import Settings, env_file_path

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from ui.native_window import NativeWindow

log = logging.getLogger("main")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="LLM Provider Manager")
    parser.add_argument("--init-env", action="store_true", help="create .env with a fresh ENCRYPTION_KEY if missing")
    parser.add_argument("--native", action="store_true", help="open in a native window (pywebview)")
    backup_cli.add_commands(parser)
    return parser.parse_args(argv)


def start(settings: Settings, *, native: bool = False, log_guard: RedactingFilter | None = None) -> None:
    services = Services.build(settings)
    if log_guard is not None:
        log_guard.use(services.secrets)
    # The key check and migrations finish before the server starts, so a failure never half-starts it.
    asyncio.run(prepare_database(settings.database_url, services.box))
    if finding := uniapi_directory(settings):
        log.log(finding.level, finding.message)
    compose(services)
    app.on_startup(lambda: report_gptload(services))
    log.info("start: http://%s:%s (API docs at /docs)", settings.host, settings.port)
    window = open_native_window(settings) if native else None
    from ui.tailwind import use_prebuilt_stylesheet  # looked up per call, as in compose()

    prebuilt = use_prebuilt_stylesheet()
    try:
        ui.run(
            title="LLM Provider Manager",
            host=settings.host,
            port=settings.port,
            reload=False,
            show=False,
            native=False,  # our own window process (ui/native_window.py), not NiceGUI's: see that module
            fastapi_docs=True,
            storage_secret=settings.storage_secret or _derived_secret(settings.encryption_key),
            show_welcome_message=False,
            tailwind=not prebuilt,
            gzip_middleware_factory=light_gzip,
        )
    finally:  # the server did not start (port taken): no window left behind
        if window is not None:
            window.close()


def light_gzip(asgi: ASGIApp) -> GZipMiddleware:
    """Compression level 1, not Starlette's 9: a cold load's 2.4 MB of NiceGUI's libraries (AG Grid, Quasar, Vue)
    then take about 40 ms of the event loop instead of 160, for 20 % more bytes (777 KiB instead of 645)."""
    return GZipMiddleware(asgi, minimum_size=500, compresslevel=1)


def open_native_window(settings: Settings) -> NativeWindow:
    """The desktop window onto this server: closing it stops the server, stopping the server closes it."""
    from ui.native_window import NativeWindow, window_url

    window = NativeWindow(
        window_url(settings.host, settings.port), settings.data_dir / "window", on_closed=app.shutdown
    )
    # uvicorn re-raises SIGTERM / SIGINT after its shutdown, which skips code after ui.run: close it in there.
    app.on_shutdown(window.close)
    window.open()
    return window


def compose(services: Services, *, prepare_database_in_lifespan: bool = False) -> None:
    """Wire the services onto NiceGUI's app: the REST API, the pages, and the database for the server's life.

    ``start`` prepares the database (key check, migrations) before the server exists. The UI tests' root runs
    inside pytest's event loop, where it cannot ``asyncio.run``: it asks the lifespan to prepare instead.
    Either way the database is prepared exactly once per app run.
    """
    from ui import register_pages  # looked up per call: NiceGUI's test runner drops ui from sys.modules per test
    from ui.events import status_changed

    install_api(app, services)
    register_pages(services)
    # FETCH_INTERVAL: every open header reads the inbox count again after each scheduled run.
    schedule = FetchSchedule(services, services.settings.fetch_interval * 60, on_run=status_changed(services).emit)
    # NiceGUI's test runner executes the root again for every test, on the same app: wrap NiceGUI's own
    # lifespan every time, never our previous wrapper (which would stack them).
    if not hasattr(app.state, "nicegui_lifespan"):
        app.state.nicegui_lifespan = app.router.lifespan_context
    app.router.lifespan_context = database_lifespan(
        services, app.state.nicegui_lifespan, prepare=prepare_database_in_lifespan, schedule=schedule
    )


def database_lifespan(
    services: Services,
    inner: Callable[[FastAPI], AbstractAsyncContextManager],
    *,
    prepare: bool,
    schedule: FetchSchedule | None = None,
) -> Callable[[FastAPI], AbstractAsyncContextManager]:
    """Tortoise around NiceGUI's lifespan; every connection is opened and closed in the server's loop.

    The connection opens before the first request. Opened lazily, the first query of a page build could
    be the one NiceGUI cancels at shutdown, in the middle of opening it: aiosqlite's worker thread then
    finishes alone and reports into the event loop, which may be closed by then ("Event loop is closed").
    The services close (a running sync finishes) before Tortoise closes, so no task reopens a connection; the
    scheduled fetches (``schedule``) start once the database is open and stop before the services close.
    """
    config = tortoise_config(services.settings.database_url)

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[object]:
        if prepare:
            await prepare_database(services.settings.database_url, services.box)
        async with RegisterTortoise(application, config=config):
            await get_connection("default").execute_query("SELECT 1")
            await services.secrets.refresh()
            await services.sync.recover_interrupted()
            if schedule is not None:
                schedule.start()
            try:
                async with inner(application) as state:
                    yield state
            finally:
                if schedule is not None:
                    await schedule.stop()
                await services.aclose()

    return lifespan


async def report_gptload(services: Services) -> None:
    """One line about GPT-Load at start-up: connected, or what to fix (the manager runs either way)."""
    finding = await gptload_first_contact(services.settings, services.gptload)
    log.log(finding.level, finding.message)


def native_window_available() -> str | None:
    """Why a native window cannot open here (None: try it): no display, or no pywebview (the backend is checked
    by the window process itself, which says what to install)."""
    from ui.native_window import has_pywebview, unavailable_reason

    return unavailable_reason(os.environ, sys.platform, has_pywebview())


def _derived_secret(key: str) -> str:
    return hashlib.sha256(b"storage-secret:" + key.encode()).hexdigest()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is not None:  # backup or restore: a short job, no server
        sys.exit(backup_cli.run(args))
    if args.init_env:
        if done := ensure_env_file(env_file_path()):
            print(f"{done} Back up ENCRYPTION_KEY: without it the stored API keys cannot be decrypted.")
        return
    try:
        settings = Settings.from_env()
        # Every file this process creates (database, its -wal/-shm, UI session storage, api.yaml) holds
        # secrets or what protects them: readable by this user only.
        os.umask(0o077)
        log_guard = configure_logging(settings.log_level, lambda: settings.secret_values)
        native = args.native
        if native and (reason := native_window_available()):
            from ui.native_window import fallback_line, window_url

            print(fallback_line(reason, window_url(settings.host, settings.port)), flush=True)
            native = False
        start(settings, native=native, log_guard=log_guard)
    except StartupError as exc:
        print(f"LLM Provider Manager cannot start: {exc.detail}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl+C: uvicorn has shut down and re-raised it; no traceback for a normal stop
        sys.exit(130)


# Only as the program: a process spawned by multiprocessing imports this file as __mp_main__ and must not start.
if __name__ == "__main__":
    main()
