"""Start the real GPT-Load and uni-api binaries a developer already has, each from its own empty directory.

Nothing here builds or downloads them: ``GPTLOAD_BIN`` is GPT-Load v1.4.9, ``UNIAPI_BIN`` is uni-api's Rust
runtime ``uni-api-front`` (1.7.252). Both listen on a free port; GPT-Load binds 127.0.0.1 (``HOST``), while
uni-api-front binds 0.0.0.0 whatever ``HOST`` says (it has no setting for it), so tests only ever call it on
127.0.0.1. uni-api-front writes fixed /tmp paths unless told otherwise: each instance gets its own.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fakes.server import free_port

GPTLOAD_BIN = "GPTLOAD_BIN"
UNIAPI_BIN = "UNIAPI_BIN"
UNIAPI_SRC = "UNIAPI_SRC"
START_DEADLINE = 30.0


@dataclass
class RealServer:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    workdir: Path
    log: Path
    extra: dict[str, str] = field(default_factory=dict)

    def output(self, limit: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-limit:]
        except OSError:
            return ""


def binary(variable: str) -> Path | None:
    """The executable the variable names, or None when it is unset; an unusable path is an error."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise RuntimeError(f"{variable}={value} is not an executable file")
    return path.resolve()


def _base_env() -> dict[str, str]:
    # Only what a server needs from us: never this session's settings or secrets.
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR")
    return {k: os.environ[k] for k in keep if k in os.environ}


def _wait(server: RealServer, path: str, deadline: float) -> None:
    limit = time.monotonic() + deadline
    last = "no answer yet"
    while time.monotonic() < limit:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{server.output()}")
        try:
            response = httpx.get(f"{server.url}{path}", timeout=1)
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            last = type(exc).__name__
        time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not answer {path} within {deadline:g} s ({last}):\n{server.output()}")


def _stop(server: RealServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@contextmanager
def _running(
    name: str, path: Path, where: Path, port: int, env: dict[str, str], health: str, deadline: float
) -> Iterator[RealServer]:
    """``path`` started in ``where`` with ``env``, its output in a log there; yields once ``health`` answers."""
    log = where / f"{name.lower()}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([str(path)], cwd=where, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = RealServer(name, f"http://127.0.0.1:{port}", process, where, log)
    try:
        _wait(server, health, deadline)
        yield server
    finally:
        _stop(server)


@contextmanager
def gptload(
    path: Path, auth_key: str, *, workdir: Path | None = None, deadline: float = START_DEADLINE, **env: str
) -> Iterator[RealServer]:
    """GPT-Load on a free loopback port, SQLite database in an empty directory; yields once /health answers."""
    with tempfile.TemporaryDirectory(prefix="lpm-gptload-") as scratch:
        where = workdir or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        port = free_port()
        values = {
            **_base_env(),
            "AUTH_KEY": auth_key,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "DATABASE_DSN": str(where / "gpt-load.db"),
            "LOG_ENABLE_FILE": "false",
            **env,
        }
        with _running("GPT-Load", path, where, port, values, "/health", deadline) as server:
            yield server


def uniapi_env(where: Path, port: int, config_path: Path) -> dict[str, str]:
    """uni-api-front's environment: its port, our api.yaml, and a private path for everything it writes."""
    private = where / "tmp"
    private.mkdir(parents=True, exist_ok=True)
    return {
        **_base_env(),
        "PORT": str(port),
        "HOST": "127.0.0.1",  # ignored by uni-api-front (binds 0.0.0.0); harmless
        "UNI_API_CONFIG_PATH": str(config_path),
        "DISABLE_DATABASE": "true",
        "DB_PATH": str(where / "stats.db"),
        "RUST_RESPONSES_CONFIG_SNAPSHOT_PATH": str(private / "responses-config.json"),
        "UNI_API_SHARED_MEMORY_RESERVATION_PATH": str(private / "shared-memory-reservation"),
        "RUST_REQUEST_SPOOL_DIRECTORY": str(private / "spool"),
        "CODEX_REFRESH_TOKEN_STORE_PATH": str(private / "codex_refresh_tokens.json"),
        "TMPDIR": str(private),
    }


@contextmanager
def uniapi(
    path: Path, config_path: Path, *, workdir: Path | None = None, deadline: float = START_DEADLINE
) -> Iterator[RealServer]:
    """uni-api-front reading ``config_path`` (it must already hold a usable provider: it exits otherwise)."""
    with tempfile.TemporaryDirectory(prefix="lpm-uniapi-") as scratch:
        where = workdir or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = uniapi_env(where, port, config_path)
        with _running("uni-api", path, where, port, env, "/healthz", deadline) as server:
            yield server


def missing_message() -> str:
    return (
        "make test-real runs against binaries you already have; set\n"
        f"  {GPTLOAD_BIN}=/path/to/gpt-load          (GPT-Load v1.4.9)\n"
        f"  {UNIAPI_BIN}=/path/to/uni-api-front      (uni-api 1.7.252, Rust runtime)\n"
        f"  ({UNIAPI_SRC}, uni-api's Python runtime, is not supported yet)\n"
        "Nothing was run."
    )


def main() -> int:
    """``python -m tests.real.servers``: 0 when GPTLOAD_BIN and UNIAPI_BIN name executables; 1 (saying what to set)
    when one is unset; 2 when one names no executable."""
    try:
        found = [binary(GPTLOAD_BIN), binary(UNIAPI_BIN)]
    except RuntimeError as exc:  # set but wrong: a failure, not a quiet "nothing to run"
        print(exc)
        return 2
    if None in found:
        if os.environ.get(UNIAPI_SRC) and found[0] is not None:
            print(f"{UNIAPI_SRC} (uni-api's Python runtime) is not supported yet.")
        print(missing_message())
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
