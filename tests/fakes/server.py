"""Run an ASGI app on a real loopback port in a background thread (for tests that need real sockets)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def loopback_server(app, *, port: int | None = None) -> Iterator[str]:
    """Yield ``http://127.0.0.1:PORT`` while ``app`` serves there; always binds to loopback only."""
    with serving(app, host="127.0.0.1", port=port or free_port()) as url:
        yield url


@contextmanager
def serving(app, *, host: str, port: int = 0) -> Iterator[str]:
    """Yield ``http://HOST:PORT`` while ``app`` serves there (``port`` 0: one the system picks). Only a test that
    must be reached from elsewhere binds beyond loopback (tests/compose: from containers, on Docker's bridge)."""
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"fake server did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
