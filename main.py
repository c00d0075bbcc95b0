"""Composition root: settings -> encryption key -> database -> services -> REST API + pages -> server."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import importlib.util
import logging
import os
import sys

from nicegui import app, ui

from core.db import prepare_database
from core.diagnostics import gptload_first_contact, uniapi_directory
from core.envfile import ensure_env_file
from core.errors import StartupError
from core.services import Services
from core.settings import Settings, env_file_path
from ui import mount

log = logging.getLogger("main")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="LLM Provider Manager")
    parser.add_argument("--init-env", action="store_true", help="create .env with a fresh ENCRYPTION_KEY if missing")
    parser.add_argument("--native", action="store_true", help="open in a native window (pywebview)")
    return parser.parse_args(argv)


def start(settings: Settings, *, native: bool = False) -> None:
    services = Services.build(settings)
    # The key check and migrations finish before the server starts, so a failure never half-starts it.
    asyncio.run(prepare_database(settings.database_url, services.box))
    if finding := uniapi_directory(settings):
        log.log(finding.level, finding.message)
    mount(services)
    app.on_startup(lambda: report_gptload(services))
    log.info("start: http://%s:%s (API docs at /docs)", settings.host, settings.port)
    ui.run(
        title="LLM Provider Manager",
        host=settings.host,
        port=settings.port,
        reload=False,
        show=False,
        native=native,
        fastapi_docs=True,
        storage_secret=settings.storage_secret or _derived_secret(settings.encryption_key),
        show_welcome_message=False,
    )


async def report_gptload(services: Services) -> None:
    """One line about GPT-Load at start-up: connected, or what to fix (the manager runs either way)."""
    finding = await gptload_first_contact(services.settings, services.gptload)
    log.log(finding.level, finding.message)


def native_window_available() -> str | None:
    """Why a native window cannot open here (None when it can): no display, or no pywebview."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "there is no display (DISPLAY and WAYLAND_DISPLAY are unset)"
    if importlib.util.find_spec("webview") is None:
        return "pywebview is not installed (pip install 'llm-provider-manager[native]')"
    return None


def _derived_secret(key: str) -> str:
    return hashlib.sha256(b"storage-secret:" + key.encode()).hexdigest()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.init_env:
        if done := ensure_env_file(env_file_path()):
            print(f"{done} Back up ENCRYPTION_KEY: without it the stored API keys cannot be decrypted.")
        return
    try:
        settings = Settings.from_env()
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if settings.log_level != "DEBUG":
            logging.getLogger("tortoise").setLevel(logging.WARNING)  # it announces every open and close at INFO
        native = args.native
        if native and (reason := native_window_available()):
            print(f"No native window: {reason}. Serving in browser mode at http://{settings.host}:{settings.port}/")
            native = False
        start(settings, native=native)
    except StartupError as exc:
        print(f"LLM Provider Manager cannot start: {exc.detail}", file=sys.stderr)
        sys.exit(2)


if __name__ in {"__main__", "__mp_main__"}:
    main()
