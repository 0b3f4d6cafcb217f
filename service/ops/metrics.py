"""GET /metrics: Prometheus text for this web node (all its web processes), the workers sharing
its metrics directory, and job-level gauges read from the database at scrape time."""

from __future__ import annotations

import asyncio

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from chemaudit.db import queries as q
from chemaudit.db import scheduling_queries as sq
from service.db import fetchall, fetchrow
from service.http.auth import require_metrics_key
from service.keys import HUB, LISTENER, POOL
from service.ops.metrics_registry import (
    JOBS,
    MOLECULES_PROCESSED,
    OWNER_CHUNKS_IN_FLIGHT,
    OWNER_QUEUED_CHUNKS,
    OWNER_RUNNING_JOBS,
    QUEUE_DEPTH,
    RECONNECTS,
    SOCKETS,
)
from service.ops.shared_metrics import render


async def metrics(request: web.Request) -> web.Response:
    require_metrics_key(request)
    pool = request.app[POOL]
    JOBS.clear()
    for row in await fetchall(pool, q.jobs_by_status()):
        JOBS.labels(row["status"]).set(row["n"])
    totals = await fetchrow(pool, q.work_totals())
    MOLECULES_PROCESSED.set(totals["processed"] or 0)
    QUEUE_DEPTH.set(totals["pending_chunks"] or 0)
    for gauge in (OWNER_RUNNING_JOBS, OWNER_QUEUED_CHUNKS, OWNER_CHUNKS_IN_FLIGHT):
        gauge.clear()  # an owner whose jobs all ended disappears rather than staying at its last value
    for row in await fetchall(pool, sq.work_by_owner()):
        OWNER_RUNNING_JOBS.labels(row["owner"]).set(row["running_jobs"])
        OWNER_QUEUED_CHUNKS.labels(row["owner"]).set(row["queued_chunks"])
        OWNER_CHUNKS_IN_FLIGHT.labels(row["owner"]).set(row["chunks_in_flight"])
    SOCKETS.set(request.app[HUB].count())
    RECONNECTS.set(request.app[LISTENER].reconnects)
    # In a thread: reading every worker's metric files takes tens of milliseconds on a busy node,
    # which the event loop (and every socket it serves) would otherwise wait for.
    body = await asyncio.to_thread(render)  # this web process, and all that share its metrics folder
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
