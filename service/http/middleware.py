"""Request middleware: one JSON error shape everywhere, and one log line per request.

The line is at info level, unless the handler set another on its response (`LOG_LEVEL`): a
progress socket that ended normally logs at debug, since a job's end closes hundreds at once.
A client that goes away before its answer is complete (connection reset, broken pipe: aiohttp
raises a `ConnectionError` once the transport is gone, or cancels the handler when the server runs
with handler cancellation) is no server error: the request's line is logged at info with status
499 (nginx's "client closed request"), and counted so.
"""

from __future__ import annotations

import asyncio
import logging
import time

import psycopg
from aiohttp import web
from psycopg_pool import PoolTimeout

from chemaudit.errors import ChemAuditError
from service.ops.metrics_registry import REQUESTS

log = logging.getLogger("chemaudit.http")

CLIENT_CLOSED_REQUEST = 499
LOG_LEVEL = web.ResponseKey("chemaudit_log_level", int)  # of the request's line; info if not set
_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               413: "too_large", 415: "unsupported_format", 422: "invalid_option"}


def error_response(status: int, code: str, detail: str, headers=None) -> web.Response:
    return web.json_response({"error": code, "detail": detail}, status=status, headers=headers)


@web.middleware
async def errors_middleware(request: web.Request, handler):
    started = time.perf_counter()
    status, note, level = 500, "", logging.INFO
    try:
        response = await handler(request)
        status = response.status
        level = response.get(LOG_LEVEL, logging.INFO)
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
    except ConnectionError as exc:
        if not _client_gone(request):
            return _internal_error(request)
        status, note = CLIENT_CLOSED_REQUEST, f" (the client went away: {exc or type(exc).__name__})"
        return web.Response(status=CLIENT_CLOSED_REQUEST)  # never sent: there is no one to send it to
    except asyncio.CancelledError:  # with handler_cancellation on, a client leaving cancels its handler
        if _client_gone(request):
            status, note = CLIENT_CLOSED_REQUEST, " (the client went away: handler cancelled)"
        raise
    except Exception:  # the process boundary of a request: log it, never leak a trace
        return _internal_error(request)
    finally:
        REQUESTS.labels(request.method, str(status)).inc()
        elapsed = (time.perf_counter() - started) * 1000
        log.log(level, "%s %s %s %.1fms%s", request.method, request.path, status, elapsed, note)


def _internal_error(request: web.Request) -> web.Response:
    """For the except clause of an unexpected error: log it with its trace, answer 500."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "The server hit an unexpected error; it was logged.")


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _keep_allow(exc: web.HTTPException):
    allow = exc.headers.get("Allow")
    return {"Allow": allow} if allow else None


async def post_only(request: web.Request) -> web.Response:
    """For a POST-only resource's other methods: a 405 allowing POST alone."""
    raise web.HTTPMethodNotAllowed(request.method, ["POST"])
