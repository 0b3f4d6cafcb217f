"""GET /api/v1/health: 200 only when the database answers and the LISTEN connection is up.

It also shows the database's schema revision (`schema_revision`, read now) next to the one this
code was built for (`schema_head`); a difference is reported, not judged: during a rolling
upgrade old nodes keep serving after `chemaudit migrate` has moved the database on.
"""

from __future__ import annotations

import asyncio
import functools
import os

import psycopg
from aiohttp import web
from psycopg_pool import PoolTimeout

from chemaudit.db import migrate
from chemaudit.db import queries as q
from service.db import fetchone
from service.keys import LISTENER, POOL

DB_TIMEOUT = 2.0
DB_ERRORS = (psycopg.Error, PoolTimeout, asyncio.TimeoutError, OSError)


async def _database_ok(request: web.Request) -> bool:
    try:
        row = await asyncio.wait_for(fetchone(request.app[POOL], q.ping()), DB_TIMEOUT)
    except DB_ERRORS:
        return False
    return row is not None


async def _schema_revision(request: web.Request) -> str | None:
    try:
        row = await asyncio.wait_for(fetchone(request.app[POOL], q.schema_revision()), DB_TIMEOUT)
    except DB_ERRORS:
        return None
    return row["version_num"] if row else None


async def health(request: web.Request) -> web.Response:
    database = await _database_ok(request)
    listener = request.app[LISTENER].is_up
    healthy = database and listener
    body = {
        "status": "healthy" if healthy else "degraded",
        "database": "up" if database else "down",
        "listener": "up" if listener else "down",
        "listener_reconnects": request.app[LISTENER].reconnects,
        "schema_revision": await _schema_revision(request) if database else None,
        "schema_head": _head(),
        "pid": os.getpid(),  # which of the node's web processes answered (`--processes N`)
    }
    return web.json_response(body, status=200 if healthy else 503)


@functools.cache
def _head() -> str:
    """This code's migration head, read from the scripts once per process."""
    return migrate.head_revision()
