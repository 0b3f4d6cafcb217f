"""GET /metrics: Prometheus text for this web node, the workers sharing its metrics directory,
and job-level gauges read from the database at scrape time."""

from __future__ import annotations

import os
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from chemaudit.db import queries as q
from service.db import fetchall, fetchone
from service.keys import HUB, LISTENER, POOL

REGISTRY = CollectorRegistry()
JOBS = Gauge("chemaudit_jobs", "Jobs by status", ["status"], registry=REGISTRY)
MOLECULES_PROCESSED = Gauge("chemaudit_molecules_processed", "Molecules processed over all jobs",
                            registry=REGISTRY)
QUEUE_DEPTH = Gauge("chemaudit_queue_depth_chunks", "Chunks of running jobs not done yet", registry=REGISTRY)
SOCKETS = Gauge("chemaudit_websocket_connections", "Open progress sockets on this node", registry=REGISTRY)
RECONNECTS = Gauge("chemaudit_listener_reconnects", "LISTEN connection re-establishments on this node",
                   registry=REGISTRY)
NOTIFY_TO_SEND = Histogram(
    "chemaudit_notify_to_send_seconds", "From a NOTIFY reaching this node to its frame being written",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1), registry=REGISTRY)
REQUESTS = Counter("chemaudit_http_requests_total", "HTTP requests", ["method", "status"], registry=REGISTRY)


def stamp(message: dict) -> None:
    """Mark when a progress message reached this node (read back when it is sent)."""
    message.setdefault("_received", time.perf_counter())


def observe_sent(message: dict) -> None:
    received = message.get("_received")
    if received is not None:
        NOTIFY_TO_SEND.observe(time.perf_counter() - received)


async def metrics(request: web.Request) -> web.Response:
    pool = request.app[POOL]
    JOBS.clear()
    for row in await fetchall(pool, q.jobs_by_status()):
        JOBS.labels(row["status"]).set(row["n"])
    totals = await fetchone(pool, q.work_totals())
    MOLECULES_PROCESSED.set(totals["processed"] or 0)
    QUEUE_DEPTH.set(totals["pending_chunks"] or 0)
    SOCKETS.set(request.app[HUB].count())
    RECONNECTS.set(request.app[LISTENER].reconnects)
    body = generate_latest(REGISTRY)
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and os.path.isdir(directory):
        workers = CollectorRegistry()
        MultiProcessCollector(workers, path=directory)
        body += generate_latest(workers)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
