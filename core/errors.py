"""The one exception tree of LLM Provider Manager.

Codes, not messages, cross layers: REST maps each class to a status and ``{"code", "detail"}``,
the UI maps codes to sentences. No error text ever carries an unmasked secret.

    LpmError
    ├── StartupError              missing or wrong encryption key, invalid settings
    ├── UpstreamError             anything about talking to GPT-Load or a provider
    │   ├── UpstreamUnreachable   connect error, DNS, refused                 -> cannot_connect
    │   │   └── UpstreamTimeout   no complete answer within the deadline      -> timeout
    │   ├── UpstreamAuthError     401/403                                     -> invalid_auth
    │   └── UpstreamResponseError other 4xx/5xx, non-JSON, wrong shape        -> bad_response
    ├── NotFound                  registry lookups                            -> not_found
    ├── AlreadyExists             unique names                                -> already_configured
    ├── InvalidInput              bad URL, empty key, bad name; before any network call
    ├── InvalidResolution         an inbox resolve naming what the inbox does not hold    -> not_in_inbox, ...
    ├── Unauthorized              REST call without the admin bearer token
    ├── ConfirmationRequired      a legal change that needs an explicit flag (duplicates, delete-all)
    ├── StalePlan                 apply's checksum differs from a freshly computed plan
    ├── UnsafePlan                a plan deleting or replacing too many managed groups, without force
    ├── ChecksumRequired          apply without the checksum of a previewed plan (REST)
    ├── SyncInProgress            a second sync while one runs
    ├── GptLoadUnavailable        applying a plan made without GPT-Load (unreachable or not configured)
    └── ConfigWriteError          api.yaml invalid, unreadable, or not writable
"""

from __future__ import annotations

import copy
from typing import Any


class LpmError(Exception):
    """Base of every error this application raises on purpose."""

    code = "unknown"

    def __init__(self, detail: str, *, code: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra or {}

    def reworded(self, detail: str) -> LpmError:
        """The same error (class, code, status) with another text, e.g. prefixed by which key failed."""
        clone = copy.copy(self)
        clone.detail = detail
        clone.args = (detail,)
        return clone


class StartupError(LpmError):
    """The process cannot start; ``detail`` is one line naming the cause and the fix."""

    code = "startup_failed"


class UpstreamError(LpmError):
    """Talking to a provider or to GPT-Load failed."""

    code = "upstream_error"

    def __init__(self, detail: str, *, status: int | None = None, upstream_code: str | None = None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.status = status
        self.upstream_code = upstream_code


class UpstreamUnreachable(UpstreamError):
    """No HTTP answer at all: DNS, refused connection, TLS or protocol failure."""

    code = "cannot_connect"


class UpstreamTimeout(UpstreamUnreachable):
    """The server did not answer completely within the deadline."""

    code = "timeout"


class UpstreamAuthError(UpstreamError):
    """The server rejected the credentials (401 or 403)."""

    code = "invalid_auth"


class UpstreamResponseError(UpstreamError):
    """The server answered, but with an error status, non-JSON, or a body of the wrong shape."""

    code = "bad_response"


class NotFound(LpmError):
    """A provider or model id that does not exist."""

    code = "not_found"


class AlreadyExists(LpmError):
    """A unique name is already taken."""

    code = "already_configured"


class InvalidInput(LpmError):
    """User input that can never succeed as given; raised before any network call."""

    code = "invalid_input"


class InvalidChoice(LpmError):
    """An import resolution, adoption or skip that names something the preview did not offer."""

    code = "invalid_choice"


class InvalidResolution(LpmError):
    """An inbox resolution naming a model the inbox does not hold, deleting one that did not vanish, or one
    model twice."""

    code = "invalid_resolution"


class Unauthorized(LpmError):
    """A REST call without the right ``Authorization: Bearer <ADMIN_PASSWORD>``."""

    code = "unauthorized"


class ConfirmationRequired(LpmError):
    """A legal change with consequences the caller must confirm with an explicit flag."""

    code = "confirmation_required"


class StalePlan(LpmError):
    """The plan changed since it was previewed: what was reviewed is not what would be applied."""

    code = "stale_plan"


class UnsafePlan(LpmError):
    """The plan would delete or replace more managed groups than the safety thresholds allow."""

    code = "unsafe_plan"


class ChecksumRequired(LpmError):
    """Applying needs the checksum of the plan that was previewed: nobody applies what nobody saw."""

    code = "checksum_required"


class SyncInProgress(LpmError):
    """Only one sync runs at a time."""

    code = "sync_in_progress"


class GptLoadUnavailable(LpmError):
    """GPT-Load is unreachable or not configured: its plan is a preview against an empty GPT-Load, never applied."""

    code = "gptload_unreachable"


class ConfigWriteError(LpmError):
    """uni-api's api.yaml is invalid, cannot be read or understood, or cannot be written; nothing was written."""

    code = "config_write_failed"
