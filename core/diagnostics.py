"""Start-up diagnostics that do not stop the manager: one log line each, with the cause and the fix.

Problems that make starting pointless (no key, wrong key, bad setting, unwritable data directory)
raise ``StartupError`` where they are found. The two here only disable syncing, and the registry is
useful without it, so the manager starts and says once, clearly, what to fix.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from core.clients.gptload import GptLoadClient
from core.errors import UpstreamAuthError, UpstreamError, UpstreamUnreachable
from core.settings import Settings


@dataclass(frozen=True)
class Finding:
    level: int  # a logging level
    message: str


def uniapi_directory(settings: Settings) -> Finding | None:
    """A warning when api.yaml cannot be written where UNIAPI_CONFIG_PATH points (checked before any sync)."""
    path = settings.uniapi_config_path
    directory = _nearest_existing(path.parent)
    if path.exists() and not path.is_file():
        problem = "is not a file"
    elif not directory.is_dir():
        problem = f"cannot be created: {directory} is not a directory"
    elif not os.access(directory, os.W_OK | os.X_OK):
        problem = f"cannot be written: {directory} is not writable by uid {os.getuid()}"
    elif path.is_file() and not os.access(path, os.W_OK):
        problem = f"is not writable by uid {os.getuid()}"
    else:
        return None
    return Finding(
        logging.WARNING,
        f"uni-api config {path} {problem}; syncs will fail at their last step. Fix: give that directory to "
        f"uid {os.getuid()} (`chown -R {os.getuid()} {directory}`) or point UNIAPI_CONFIG_PATH elsewhere.",
    )


async def gptload_first_contact(settings: Settings, gptload: GptLoadClient) -> Finding:
    """What the first request to GPT-Load's admin API says about GPTLOAD_URL and GPTLOAD_AUTH_KEY."""
    url = settings.gptload_display_url
    if not settings.gptload_auth_key:
        return Finding(
            logging.WARNING,
            f"GPTLOAD_AUTH_KEY is not set, so syncs cannot use GPT-Load at {url}. Fix: set it to the AUTH_KEY "
            "GPT-Load was started with (docker-compose gives both the same value).",
        )
    try:
        groups = await gptload.list_groups()
    except UpstreamUnreachable as exc:
        return Finding(
            logging.WARNING,
            f"GPT-Load is unreachable at first contact. {exc.detail.rstrip('.')}. Providers can be managed; "
            "syncs fail until it answers. Fix: start GPT-Load, or point GPTLOAD_URL at it (compose: "
            "http://gptload:3001).",
        )
    except UpstreamAuthError:
        return Finding(
            logging.WARNING,
            f"GPT-Load at {url} rejected GPTLOAD_AUTH_KEY (HTTP 401). Fix: set GPTLOAD_AUTH_KEY to the AUTH_KEY "
            "GPT-Load was started with.",
        )
    except UpstreamError as exc:
        return Finding(
            logging.WARNING,
            f"GPTLOAD_URL={url} does not answer like GPT-Load v1.4: {exc.detail.rstrip('.')}. Fix: point "
            "GPTLOAD_URL at GPT-Load's own address (port 3001 by default), not at uni-api or a proxy path.",
        )
    return Finding(logging.INFO, f"GPT-Load at {url}: connected, {len(groups)} groups.")


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
