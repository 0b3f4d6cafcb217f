"""GET /api/v1/health: 200 only when the database answers and the LISTEN connection is up."""

from __future__ import annotations

import asyncio

import psycopg
from aiohttp import web
from psycopg_pool import PoolTimeout

from chemaudit.db import queries as q
from service.db import fetchone
from service.keys import LISTENER, POOL

DB_TIMEOUT = 2.0


async def _database_ok(request: web.Request) -> bool:
    try:
        row = await asyncio.wait_for(fetchone(request.app[POOL], q.ping()), DB_TIMEOUT)
    except (psycopg.Error, PoolTimeout, asyncio.TimeoutError, OSError):
        return False
    return row is not None


async def health(request: web.Request) -> web.Response:
    database = await _database_ok(request)
    listener = request.app[LISTENER].is_up
    healthy = database and listener
    body = {
        "status": "healthy" if healthy else "degraded",
        "database": "up" if database else "down",
        "listener": "up" if listener else "down",
        "listener_reconnects": request.app[LISTENER].reconnects,
    }
    return web.json_response(body, status=200 if healthy else 503)
