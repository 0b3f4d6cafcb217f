"""Request middleware: one JSON error shape everywhere, and one log line per request."""

from __future__ import annotations

import logging
import time

import psycopg
from aiohttp import web
from psycopg_pool import PoolTimeout

from chemaudit.errors import ChemAuditError
from service.metrics_registry import REQUESTS

log = logging.getLogger("chemaudit.http")

_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               413: "too_large", 415: "unsupported_format", 422: "invalid_option"}


def error_response(status: int, code: str, detail: str, headers=None) -> web.Response:
    return web.json_response({"error": code, "detail": detail}, status=status, headers=headers)


@web.middleware
async def errors_middleware(request: web.Request, handler):
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except ChemAuditError as exc:
        status = exc.status
        return error_response(exc.status, exc.code, exc.detail, headers=exc.headers or None)
    except web.HTTPException as exc:
        status = exc.status
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        return error_response(exc.status, code, exc.reason or code, headers=_keep_allow(exc))
    except (psycopg.OperationalError, PoolTimeout) as exc:
        status = 503
        log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
        return error_response(503, "unavailable", "The database is not reachable right now; try again shortly.",
                              headers={"Retry-After": "5"})
    except Exception:  # the process boundary of a request: log it, never leak a trace
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "The server hit an unexpected error; it was logged.")
    finally:
        REQUESTS.labels(request.method, str(status)).inc()
        elapsed = (time.perf_counter() - started) * 1000
        log.info("%s %s %s %.1fms", request.method, request.path, status, elapsed)


def _keep_allow(exc: web.HTTPException):
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else None
