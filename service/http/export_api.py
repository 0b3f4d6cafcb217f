"""Streamed exports: GET|POST /batch/{id}/export, POST /batch/{id}/subset/export, GET /export-formats.

An export streams from server-side cursors on a connection of its own (not the pool's: a slow
download must not hold a pooled connection), inside one REPEATABLE READ transaction, so its row
count, its rows (in every pass an encoder asks for; see chemaudit/export/base.py) and (JSON) the
job's status and statistics are the same snapshot. Encoding runs off the event loop.

Each export holds a slot (`service/http/budgets.py`: a cap per node and per client, 503/429 beyond)
for as long as it holds its connection, and every write is under a stall guard: a client that
stops reading is cut off after `export_stall_timeout` seconds, and its connection is freed. A
client that goes away mid-export is the middleware's business (an info line, status 499).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import psycopg
from aiohttp import web
from psycopg.rows import dict_row

from chemaudit.db import results_queries as rq
from chemaudit.export import encoder_class
from chemaudit.export.base import ExportContext
from chemaudit.export.formats import catalog
from service.db import run
from service.http.auth import request_owner
from service.http.budgets import EXPORT_SLOTS
from service.http.export_params import ExportRequest, check_in_job, export_request, subset_request
from service.http.rate_limit import client_id
from service.http.results_api import API, order_statistics, require_job
from service.http.results_params import content_disposition, result_filter, result_order
from service.http.stall_guard import StallGuard
from service.keys import SETTINGS
from service.ops.metrics_registry import EXPORTS_IN_PROGRESS, EXPORTS_STARTED, EXPORTS_TIMED_OUT
from service.progress.source import parse_job_id

log = logging.getLogger("chemaudit.results")

EXPORT_BATCH = 500
EXPORT_APPLICATION = "chemaudit-export"  # application_name of export connections (pg_stat_activity)
# Encoding threads of their own, one per export slot (an export runs one step at a time): a
# burst of exports never queues other work of the default executor (name lookups, to_thread)
# behind it, nor the other way round.
ENCODERS = web.AppKey("export_encoders", ThreadPoolExecutor)


def setup_export_routes(app: web.Application) -> None:
    app.cleanup_ctx.append(_encoders)
    app.router.add_get(f"{API}/batch/{{job_id}}/export", export_results)
    app.router.add_post(f"{API}/batch/{{job_id}}/export", export_results)
    app.router.add_post(f"{API}/batch/{{job_id}}/subset/export", export_subset)
    app.router.add_get(f"{API}/export-formats", export_formats)


async def _encoders(app: web.Application):
    """cleanup_ctx entry: the encoding threads live as long as the app."""
    pool = ThreadPoolExecutor(max(1, app[SETTINGS].max_concurrent_exports), thread_name_prefix="export")
    app[ENCODERS] = pool
    yield
    pool.shutdown(wait=False, cancel_futures=True)


async def export_formats(request: web.Request) -> web.Response:
    """GET /api/v1/export-formats: every format and option (the dashboard builds its menu from it)."""
    return web.json_response(catalog())


async def export_results(request: web.Request) -> web.StreamResponse:
    """GET|POST /api/v1/batch/{job_id}/export?format=...: every matching result, streamed."""
    job_id = parse_job_id(request.match_info["job_id"])
    return await _export(request, job_id, await export_request(request), "results")


async def export_subset(request: web.Request) -> web.StreamResponse:
    """POST /api/v1/batch/{job_id}/subset/export {"indices": [...], "format": ...}: those rows."""
    job_id = parse_job_id(request.match_info["job_id"])
    return await _export(request, job_id, await subset_request(request), "subset")


async def _export(request: web.Request, job_id, wanted: ExportRequest, suffix: str) -> web.StreamResponse:
    flt, order = result_filter(request), result_order(request)
    job = await require_job(request, job_id)
    check_in_job(wanted.indices, job["total"])
    flt = replace(flt, indices=wanted.indices)
    settings = request.app[SETTINGS]
    with request.app[EXPORT_SLOTS].hold(client_id(request, request_owner(request))):
        EXPORTS_STARTED.inc()
        with EXPORTS_IN_PROGRESS.track_inprogress():
            conn = await psycopg.AsyncConnection.connect(settings.sync_database_url, row_factory=dict_row,
                                                         application_name=EXPORT_APPLICATION)
            try:
                await conn.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
                await conn.set_read_only(True)
                async with conn.transaction():
                    guard = StallGuard(request.transport, settings.export_stall_timeout, EXPORTS_TIMED_OUT.inc)
                    return await _stream(request, conn, guard, job, wanted, flt, order, suffix)
            finally:
                await conn.close()


async def _snapshot_header(conn, job: dict, count: int, statistics_wanted: bool) -> dict:
    """The job's fields for the encoder (JSON: before "results"), read in the export's snapshot."""
    job_id = job["id"]
    row = await (await run(conn, rq.job_header(job_id))).fetchone()
    header = {"job_id": str(job_id), "filename": job["filename"], "status": row["status"],
              "total_results": count}
    if statistics_wanted:
        statistics = row["statistics"] if row["status"] != "processing" else None
        if statistics is None:  # running, or ended without stored statistics (read-only: not stored here)
            computed = await (await run(conn, rq.statistics(job_id))).fetchone()
            statistics = computed["statistics"] if computed else None
        header["statistics"] = order_statistics(statistics)
    return header


async def _stream(request, conn, guard: StallGuard, job: dict, wanted: ExportRequest, flt, order,
                  suffix: str) -> web.StreamResponse:
    job_id, fmt = job["id"], wanted.fmt
    count = (await (await run(conn, rq.filtered_count(job_id, flt))).fetchone())["n"]  # the snapshot
    cls = encoder_class(fmt.name)
    header = await _snapshot_header(conn, job, count, getattr(cls, "needs_statistics", False))
    loop, threads = asyncio.get_running_loop(), request.app[ENCODERS]
    encoder = await loop.run_in_executor(threads, cls.from_context, ExportContext(header, count, wanted.options))
    response = web.StreamResponse(headers={
        "Content-Type": fmt.media_type,
        "Content-Disposition": content_disposition(job["filename"], job_id, fmt.extension, suffix),
        "X-Total-Results": str(count),
    })
    await guard.run(response.prepare(request))

    async def send(step, *args) -> None:
        # Encoding (RDKit, deflate, a PDF's layout) runs off the event loop.
        piece = await loop.run_in_executor(threads, step, *args)
        if piece:
            await guard.run(response.write(piece))

    try:
        await send(encoder.begin)
        for number, step in enumerate(encoder.passes):
            await send(encoder.start_pass, step.name)
            query = rq.export_rows(job_id, flt, order, fmt.rows, step.order)
            async with conn.cursor(name=f"chemaudit_export_{number}") as cursor:
                await cursor.execute(query.sql, query.params)
                while rows := await cursor.fetchmany(EXPORT_BATCH):
                    await send(encoder.encode, rows)
        await send(encoder.end)
        await guard.run(response.write_eof())
    except psycopg.Error:
        # Headers are sent: end the connection without the final chunk, so the client sees an
        # incomplete download rather than a file that merely looks shorter.
        log.exception("export of job %s (%s) failed mid-stream", job_id, fmt.name)
        if request.transport is not None:
            request.transport.close()
    return response
