"""Logging that never writes a secret: one redacting filter on every handler, third-party loggers included.

httpcore and httpx log request and response headers at DEBUG (``Authorization: Bearer …``, ``x-api-key``),
and any library may log a URL with a Gemini ``?key=``. A filter on a logger sees only that logger's own
records, so the filter sits on the root handlers, where every record ends up: whatever logger wrote it,
its text is redacted with every secret the manager knows, in every spelling ``core.crypto.redact`` knows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from core.crypto import redact

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Chatty below WARNING and never needed by an operator: they announce every connection and query.
QUIET = ("tortoise", "aiosqlite", "asyncio")
# The password of any URL with one (``scheme://user:password@``). Tortoise logs its connection URL at DEBUG with
# the first third of the password left readable: no known secret matches that fragment, this does.
URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@'\"]*:)[^\s/@'\"]+@")


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) with ``secrets()`` masked."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        super().__init__()
        self._secrets = secrets

    def use(self, secrets: Callable[[], Iterable[str]]) -> None:
        """Switch to the full set once the services (and the database's keys) are there."""
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = list(self._secrets())
        message = record.getMessage()
        cleaned = _cleaned(message, secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _cleaned(record.exc_text, secrets)
        return True


def _cleaned(text: str, secrets: list[str]) -> str:
    """``text`` without any known secret, nor the password of any URL in it."""
    return URL_PASSWORD.sub(r"\1***@", redact(text, secrets))


def configure_logging(level: str, secrets: Callable[[], Iterable[str]]) -> RedactingFilter:
    """Root handler with the redacting filter; returns the filter (tests attach it to their capture)."""
    logging.basicConfig(level=level, format=FORMAT)
    guard = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(guard)
    if level != "DEBUG":
        for name in QUIET:
            logging.getLogger(name).setLevel(logging.WARNING)
    return guard
