"""Settings from the environment (a ``.env`` file is honoured), validated once at start-up.

Every variable is declared in ``VARIABLES`` with its default and meaning; the README's configuration
table is checked against that list. An invalid value raises ``StartupError`` with one line that
names the variable, so the operator knows what to fix.
"""

from __future__ import annotations

import grp
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from dotenv import dotenv_values

from core.errors import StartupError
from core.http_guard import parse_allowed_hosts

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Variable:
    name: str
    default: str | None
    help: str


VARIABLES: tuple[Variable, ...] = (
    Variable("ENCRYPTION_KEY", None, "Fernet key that encrypts API keys at rest. Required; `make run` creates one."),
    Variable("DATA_DIR", "data", "Directory for the SQLite database and generated files."),
    Variable(
        "DATABASE_URL",
        "sqlite://{DATA_DIR}/manager.db",
        "Database URL: SQLite, or PostgreSQL as `postgres://user:password@host:5432/db` (the `postgres` extra).",
    ),
    Variable("HOST", "127.0.0.1", "Bind address. Anything but loopback requires ADMIN_PASSWORD."),
    Variable("PORT", "8080", "HTTP port of the UI and the REST API."),
    Variable("ADMIN_PASSWORD", "", "UI login password and REST bearer token; required off loopback."),
    Variable("STORAGE_SECRET", "", "Secret for UI session cookies; derived from ENCRYPTION_KEY when empty."),
    Variable(
        "ALLOWED_HOSTS",
        "",
        "More names the manager answers to (comma-separated, `name` or `name:port`; `*` = any). "
        "Always allowed: `localhost`, `127.0.0.1`, `[::1]` and HOST.",
    ),
    Variable("SESSION_IDLE_HOURS", "12", "Hours without a page load after which a UI login expires."),
    Variable("MAX_BODY_BYTES", "2097152", "Largest request body in bytes (2 MiB); a larger one is refused with 413."),
    Variable("GPTLOAD_URL", "http://127.0.0.1:3001", "Base URL of GPT-Load."),
    Variable("GPTLOAD_AUTH_KEY", "", "GPT-Load's AUTH_KEY (admin key)."),
    Variable("GPTLOAD_CONCURRENCY", "8", "How many GPT-Load admin requests a sync sends at once."),
    Variable("GPTLOAD_CACHE_WAIT", "30", "Seconds a sync waits for GPT-Load's proxy to load new groups."),
    Variable(
        "SYNC_MAX_DELETE_PERCENT",
        "30",
        "A plan deleting or replacing more than this % of the managed groups (and more than the count) needs force.",
    ),
    Variable(
        "SYNC_MAX_DELETE_COUNT", "10", "...and more than this many groups; deleting all of them always needs force."
    ),
    Variable(
        "SYNC_RETRY_BUDGET",
        "60",
        "Seconds one sync may spend retrying GPT-Load's transient failures (busy database, 502-504, timeouts).",
    ),
    Variable(
        "UNIAPI_GPTLOAD_URL",
        "",
        "GPT-Load's URL as uni-api reaches it (compose: http://gptload:3001); empty = GPTLOAD_URL.",
    ),
    Variable("UNIAPI_CONFIG_PATH", "{DATA_DIR}/uni-api/api.yaml", "Where uni-api's api.yaml is written."),
    Variable("UNIAPI_WRITE_MODE", "auto", "`atomic` (rename), `in-place` (single-file bind mounts), `auto`: detect."),
    Variable(
        "UNIAPI_CONFIG_GROUP",
        "",
        "Group (name or gid) that may read api.yaml: it gets that group and mode 0640. Empty: mode 0600.",
    ),
    Variable(
        "UNIAPI_MODEL_LISTS",
        "explicit",
        "`explicit`: every entry lists its models; `auto`: `model: []` where uni-api can discover them.",
    ),
    Variable(
        "UNIAPI_URL",
        "",
        "uni-api's URL as the manager reaches it (compose: `http://uni-api:8000`). Set: a sync waits until uni-api "
        "serves the new api.yaml (`GET /v1/api_config`) before removing old groups. "
        "Empty: it waits `UNIAPI_RELOAD_WAIT`.",
    ),
    Variable(
        "UNIAPI_RELOAD_WAIT",
        "10",
        "Seconds a sync gives uni-api to load a new api.yaml before removing old groups: with `UNIAPI_URL`, the "
        "longest it watches (it goes on once the file is served); without, the time it always waits.",
    ),
    Variable("UPSTREAM_TIMEOUT", "20", "Seconds a provider or GPT-Load may take for one complete answer."),
    Variable("TEST_CONCURRENCY", "8", "How many provider or model tests (and key checks) run at once."),
    Variable(
        "FETCH_INTERVAL",
        "0",
        "Minutes between scheduled fetches of every provider's model list (what changed goes to the inbox); 0 = off.",
    ),
    Variable("LOG_LEVEL", "INFO", "Python logging level."),
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "asyncpg", "psycopg")
MODEL_LIST_MODES = ("auto", "explicit")
WRITE_MODES = ("auto", "atomic", "in-place")


@dataclass(frozen=True)
class Settings:
    encryption_key: str = field(repr=False)
    data_dir: Path
    database_url: str = field(repr=False)
    host: str
    port: int
    admin_password: str = field(repr=False)
    storage_secret: str = field(repr=False)
    allowed_hosts: tuple[str, ...]
    session_idle_hours: float
    max_body_bytes: int
    gptload_url: str
    gptload_auth_key: str = field(repr=False)
    gptload_concurrency: int
    gptload_cache_wait: float
    sync_retry_budget: float
    sync_max_delete_percent: float
    sync_max_delete_count: int
    uniapi_gptload_url: str
    uniapi_config_path: Path
    uniapi_model_lists: str
    uniapi_write_mode: str
    upstream_timeout: float
    test_concurrency: int
    log_level: str
    uniapi_config_group: str = ""  # a group name or a gid, checked at start-up; "" = owner only
    uniapi_url: str = ""  # where the manager reaches uni-api; "" = do not observe its reloads
    uniapi_reload_wait: float = 10.0
    fetch_interval: int = 0  # minutes between scheduled fetches of every provider; 0 = off

    @property
    def gptload_display_url(self) -> str:
        """GPTLOAD_URL as it may be shown or logged: without ``user:password@``."""
        return without_userinfo(self.gptload_url)

    @property
    def secret_values(self) -> tuple[str, ...]:
        """The secrets the settings themselves carry, for redaction: GPT-Load's admin key, the admin password and
        DATABASE_URL's password (as written, percent-encoded or not, and as the driver gets it)."""
        password = urlsplit(self.database_url).password or ""
        return self.gptload_auth_key, self.admin_password, password, unquote(password)

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, require_key: bool = True) -> Settings:
        """Read and validate settings; ``env`` defaults to ``.env`` overlaid by the process environment."""
        env = load_environment() if env is None else env
        # An empty value means the default, as if unset: docker-compose passes `${VAR:-}` through that way.
        raw = {v.name: (env.get(v.name) or "").strip() or v.default for v in VARIABLES}

        key = raw["ENCRYPTION_KEY"] or ""
        if require_key and not key:
            raise StartupError(
                "ENCRYPTION_KEY is not set. Run `make run` once to create .env with a fresh key, or generate one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
            )
        # Relative paths are taken from the project root, so the app finds its data from any working directory.
        data_dir = PROJECT_ROOT / (raw["DATA_DIR"] or "data")
        database_url = (raw["DATABASE_URL"] or "").replace("{DATA_DIR}", data_dir.as_posix())
        scheme = urlsplit(database_url).scheme
        if scheme not in DATABASE_SCHEMES:
            # Only the scheme is repeated: the rest of the URL may carry a password.
            raise StartupError(
                f"DATABASE_URL must start with sqlite:// or postgres://, got a {scheme or 'bare'!r} URL."
            )
        host = raw["HOST"] or "127.0.0.1"
        port = _integer("PORT", raw["PORT"], 1, 65535)
        admin_password = raw["ADMIN_PASSWORD"] or ""
        if not is_loopback_host(host) and not admin_password:
            raise StartupError(
                f"HOST={host} exposes the manager beyond this machine; set ADMIN_PASSWORD too, or bind to 127.0.0.1."
            )
        try:
            allowed_hosts = parse_allowed_hosts(raw["ALLOWED_HOSTS"] or "")
        except ValueError as exc:
            raise StartupError(f"ALLOWED_HOSTS must list host names separated by commas: {exc}.") from None
        gptload_url = (raw["GPTLOAD_URL"] or "").rstrip("/")
        if urlsplit(gptload_url).scheme not in ("http", "https") or not urlsplit(gptload_url).hostname:
            raise StartupError(f"GPTLOAD_URL must be an http(s) URL, got {gptload_url!r}.")
        uniapi_gptload_url = (raw["UNIAPI_GPTLOAD_URL"] or gptload_url).rstrip("/")
        if urlsplit(uniapi_gptload_url).scheme not in ("http", "https") or not urlsplit(uniapi_gptload_url).hostname:
            raise StartupError(f"UNIAPI_GPTLOAD_URL must be an http(s) URL, got {uniapi_gptload_url!r}.")
        uniapi_path = Path((raw["UNIAPI_CONFIG_PATH"] or "").replace("{DATA_DIR}", data_dir.as_posix()))
        model_lists = (raw["UNIAPI_MODEL_LISTS"] or "").lower()
        if model_lists not in MODEL_LIST_MODES:
            raise StartupError(f"UNIAPI_MODEL_LISTS must be one of {', '.join(MODEL_LIST_MODES)}, got {model_lists!r}.")
        write_mode = (raw["UNIAPI_WRITE_MODE"] or "").lower()
        if write_mode not in WRITE_MODES:
            raise StartupError(f"UNIAPI_WRITE_MODE must be one of {', '.join(WRITE_MODES)}, got {write_mode!r}.")
        timeout = _number("UPSTREAM_TIMEOUT", raw["UPSTREAM_TIMEOUT"], 0.1, 600)
        concurrency = _integer("TEST_CONCURRENCY", raw["TEST_CONCURRENCY"], 1, 256)
        config_group = raw["UNIAPI_CONFIG_GROUP"] or ""
        if config_group and not config_group.isdigit() and not _group_exists(config_group):
            raise StartupError(
                f"UNIAPI_CONFIG_GROUP must be a group name of this system or a numeric gid, got {config_group!r}."
            )
        log_level = (raw["LOG_LEVEL"] or "").upper()
        if log_level not in LOG_LEVELS:
            raise StartupError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level!r}.")
        return cls(
            encryption_key=key,
            data_dir=data_dir,
            database_url=database_url,
            host=host,
            port=port,
            admin_password=admin_password,
            storage_secret=raw["STORAGE_SECRET"] or "",
            allowed_hosts=allowed_hosts,
            session_idle_hours=_number("SESSION_IDLE_HOURS", raw["SESSION_IDLE_HOURS"], 0.01, 8760, unit="hours"),
            max_body_bytes=_integer("MAX_BODY_BYTES", raw["MAX_BODY_BYTES"], 1024, 1024**3),
            gptload_url=gptload_url,
            gptload_auth_key=raw["GPTLOAD_AUTH_KEY"] or "",
            gptload_concurrency=_integer("GPTLOAD_CONCURRENCY", raw["GPTLOAD_CONCURRENCY"], 1, 100),
            gptload_cache_wait=_number("GPTLOAD_CACHE_WAIT", raw["GPTLOAD_CACHE_WAIT"], 0, 600),
            sync_retry_budget=_number("SYNC_RETRY_BUDGET", raw["SYNC_RETRY_BUDGET"], 0, 3600),
            sync_max_delete_percent=_number("SYNC_MAX_DELETE_PERCENT", raw["SYNC_MAX_DELETE_PERCENT"], 0, 100),
            sync_max_delete_count=_integer("SYNC_MAX_DELETE_COUNT", raw["SYNC_MAX_DELETE_COUNT"], 0, 1_000_000),
            uniapi_gptload_url=uniapi_gptload_url,
            uniapi_config_path=uniapi_path,
            uniapi_model_lists=model_lists,
            uniapi_write_mode=write_mode,
            upstream_timeout=timeout,
            test_concurrency=concurrency,
            log_level=log_level,
            uniapi_config_group=config_group,
            uniapi_url=_optional_url("UNIAPI_URL", raw["UNIAPI_URL"]),
            uniapi_reload_wait=_number("UNIAPI_RELOAD_WAIT", raw["UNIAPI_RELOAD_WAIT"], 0, 600),
            fetch_interval=_integer("FETCH_INTERVAL", raw["FETCH_INTERVAL"], 0, 10080),
        )


def _optional_url(name: str, value: str | None) -> str:
    url = (value or "").strip().rstrip("/")
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
        raise StartupError(f"{name} must be an http(s) URL or empty, got {without_userinfo(url)!r}.")
    return url


def env_file_path() -> Path:
    """``.env`` in the project root, or wherever ``ENV_FILE`` points."""
    return Path(os.environ.get("ENV_FILE") or PROJECT_ROOT / ".env")


def load_environment(env_file: Path | None = None) -> dict[str, str]:
    """The ``.env`` file's values overlaid by the real environment (which always wins)."""
    env_file = env_file or env_file_path()
    merged = {k: v for k, v in dotenv_values(env_file).items() if v is not None} if env_file.is_file() else {}
    merged.update(os.environ)
    return merged


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _integer(name: str, value: str | None, low: int, high: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        raise StartupError(f"{name} must be a whole number from {low} to {high}, got {value!r}.") from None
    if not low <= number <= high:
        raise StartupError(f"{name} must be a whole number from {low} to {high}, got {value!r}.")
    return number


def _number(name: str, value: str | None, low: float, high: float, *, unit: str = "seconds") -> float:
    try:
        number = float(value or "")
    except ValueError:
        raise StartupError(f"{name} must be a number of {unit} from {low} to {high}, got {value!r}.") from None
    if not low <= number <= high:  # NaN too
        raise StartupError(f"{name} must be a number of {unit} from {low} to {high}, got {value!r}.")
    return number


def without_userinfo(url: str, *, keep_user: bool = False) -> str:
    """A URL without the ``user:password@`` part, for everything that shows or logs it; with ``keep_user`` only the
    password goes (a database's refused login is about its user)."""
    parts = urlsplit(url)
    if not (parts.username or parts.password):
        return url
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    netloc += f":{parts.port}" if parts.port else ""
    if keep_user and parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit(parts._replace(netloc=netloc))
