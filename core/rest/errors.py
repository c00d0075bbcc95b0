"""Every error of core/errors.py's tree mapped to a documented status, and the handlers that answer them.

Errors answer ``{"code", "detail", **extra}``; a malformed request 422 ``invalid_input``; a bug 500
``internal_error`` without any of its text. The README's REST section lists the same statuses.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from core.errors import (
    AlreadyExists,
    ChecksumRequired,
    ConfigWriteError,
    ConfirmationRequired,
    GptLoadUnavailable,
    InvalidChoice,
    InvalidInput,
    InvalidResolution,
    LpmError,
    NotFound,
    StalePlan,
    StartupError,
    SyncInProgress,
    Unauthorized,
    UnsafePlan,
    UpstreamAuthError,
    UpstreamError,
    UpstreamResponseError,
    UpstreamTimeout,
    UpstreamUnreachable,
)

log = logging.getLogger(__name__)
# OPTIONS and HEAD too: this API grants no CORS preflight, and every answer keeps the {code, detail} shape.
FALLBACK_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
# Codes of the errors Starlette and FastAPI raise themselves (router 405, body parsing 400, ...).
HTTP_CODES = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
}


class MethodNotAllowed(LpmError):
    """A known /api path asked with a method it does not serve."""

    code = "method_not_allowed"

    def __init__(self, detail: str, allowed: list[str]) -> None:
        super().__init__(detail)
        self.allowed = allowed


# One explicit row per class (a test checks it for core/errors.py), so a new error never drifts into a 500.
STATUS: dict[type[LpmError], int] = {
    LpmError: 500,  # raised bare only by a bug
    StartupError: 500,  # stops the process before the API serves anything
    UpstreamError: 502,
    UpstreamUnreachable: 502,
    UpstreamTimeout: 504,
    UpstreamAuthError: 502,  # the provider refused the stored key; our own 401 means the admin token
    UpstreamResponseError: 502,
    NotFound: 404,
    AlreadyExists: 409,
    InvalidInput: 400,
    Unauthorized: 401,
    ConfirmationRequired: 409,
    StalePlan: 409,
    UnsafePlan: 409,
    ChecksumRequired: 422,
    SyncInProgress: 409,
    GptLoadUnavailable: 503,  # a plan made without GPT-Load: a preview until GPT-Load answers
    ConfigWriteError: 409,  # the api.yaml on disk is invalid or unwritable: the operator can fix it
    MethodNotAllowed: 405,
    InvalidChoice: 422,  # an import resolution or adoption the preview did not offer
    InvalidResolution: 422,  # an inbox resolve naming a model the inbox does not hold, or one twice
}


def status_of(error: LpmError) -> int:
    """The status of the error's own class, else of its nearest ancestor in the table."""
    return next(STATUS[kind] for kind in type(error).__mro__ if kind in STATUS)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LpmError, _lpm_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def install_api_fallback(app: FastAPI, prefix: str, served: Iterable[APIRoute]) -> None:
    """JSON 405 (with ``Allow``) or 404 for any ``prefix`` path no route serves; NiceGUI would answer HTML."""
    patterns = [(compile_path(prefix + route.path)[0], route.methods) for route in served]

    @app.api_route(f"{prefix}/{{path:path}}", methods=FALLBACK_METHODS, include_in_schema=False)
    async def unknown_api_route(request: Request, path: str) -> None:
        allowed = sorted({method for regex, methods in patterns if regex.match(request.url.path) for method in methods})
        if allowed:
            raise MethodNotAllowed(f"{request.method} is not allowed here; use {', '.join(allowed)}.", allowed)
        raise NotFound(f"There is no API endpoint {prefix}/{path}.")


async def _lpm_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LpmError)
    status = status_of(exc)
    headers = None
    if isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, MethodNotAllowed):
        headers = {"Allow": ", ".join(exc.allowed)}
    if status == 500:
        log.error("api: %s %s failed: %s", request.method, request.url.path, exc.code)
    return JSONResponse({"code": exc.code, "detail": exc.detail, **exc.extra}, status_code=status, headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    """A framework-level error: under /api in our shape; elsewhere as FastAPI answers it (NiceGUI pages)."""
    assert isinstance(exc, StarletteHTTPException)
    if not (request.url.path == "/api" or request.url.path.startswith("/api/")):
        return await http_exception_handler(request, exc)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else "The request was refused."
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"code": code, "detail": detail}, status_code=exc.status_code, headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(f"{_location(e['loc'])}: {e['msg']}" for e in exc.errors())
    return JSONResponse({"code": "invalid_input", "detail": problems}, status_code=422)


def _location(loc: Iterable[object]) -> str:
    """``("body", "api_keys", 0)`` -> ``api_keys.0``; the body itself -> ``body``."""
    return ".".join(str(part) for part in loc if part != "body") or "body"


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug, not a user error: logged with its traceback, answered without any of its text."""
    log.error("api: %s %s failed", request.method, request.url.path, exc_info=exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"code": "internal_error", "detail": "Internal error; see the server log."}, 500)
    return PlainTextResponse("Internal Server Error", status_code=500)
