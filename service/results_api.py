"""Reading results: one page with filters and sorts, statistics, streamed exports, job history.

Everything is evaluated in SQL. An export streams from a server-side cursor on a connection of
its own (not the pool's: a slow download must not hold a pooled connection), inside one
REPEATABLE READ transaction so its row count, its rows and (JSON) the job's status and
statistics are the same snapshot. A client that goes away mid-export is the middleware's
business (an info line, status 499).

Each export holds a slot (`service/budgets.py`: a cap per node and per client, 503/429 beyond)
for as long as it holds its connection, and every write is under a stall guard: a client that
stops reading is cut off after `export_stall_timeout` seconds, and its connection is freed.
"""

from __future__ import annotations

import asyncio
import logging
import math
from uuid import UUID

import psycopg
from aiohttp import web
from psycopg.rows import dict_row

from chemaudit.db import results_queries as rq
from chemaudit.errors import NotFound
from chemaudit.export import FORMATS, ROW_SHAPES, make_encoder
from chemaudit.result_rows import to_item
from service.auth import request_owner
from service.budgets import EXPORT_SLOTS
from service.db import fetchall, fetchone, run
from service.keys import POOL, SETTINGS
from service.metrics_registry import EXPORTS_IN_PROGRESS, EXPORTS_STARTED, EXPORTS_TIMED_OUT
from service.rate_limit import client_id
from service.stall_guard import StallGuard
from service.progress_source import parse_job_id, require_message
from service.results_params import (
    bool_param, choice_param, content_disposition, decode_cursor, encode_cursor, int_param, iso,
    result_filter, result_order, time_param,
)

log = logging.getLogger("chemaudit.results")

API = "/api/v1"
MAX_PAGE_SIZE = 100
EXPORT_BATCH = 500
EXPORT_APPLICATION = "chemaudit-export"  # application_name of export connections (pg_stat_activity)
JOB_STATUSES = ("processing", "complete", "failed", "cancelled")
STAT_ORDER = (
    "total", "successful", "errors", "avg_validation_score", "avg_ml_readiness_score",
    "avg_qed_score", "avg_sa_score", "lipinski_pass_rate", "safety_pass_rate",
    "score_distribution", "alert_summary", "issue_summary", "duplicates",
    "processing_time_seconds", "molecules_per_second",
)


def setup_results_routes(app: web.Application) -> None:
    app.router.add_get(f"{API}/batch", job_history)
    app.router.add_get(f"{API}/batch/{{job_id}}", job_results)
    app.router.add_get(f"{API}/batch/{{job_id}}/stats", job_stats)
    app.router.add_get(f"{API}/batch/{{job_id}}/export", export_results)


def _ordered(statistics: dict | None) -> dict | None:
    if statistics is None:
        return None
    known = {key: statistics[key] for key in STAT_ORDER if key in statistics}
    return {**known, **{key: value for key, value in statistics.items() if key not in known}}


async def job_statistics(pool, job_id: UUID, status: str, stored: dict | None) -> dict | None:
    """Stored statistics of an ended job; else computed now (and kept, once the job has ended)."""
    if stored is not None and status != "processing":
        return _ordered(stored)
    if status != "processing":
        row = await fetchone(pool, rq.store_statistics_if_ended(job_id))
        if row is not None:
            return _ordered(row["statistics"])
    row = await fetchone(pool, rq.statistics(job_id))
    return _ordered(row["statistics"]) if row else None


async def _require_job(request: web.Request, job_id: UUID) -> dict:
    """The job row; 404 when unknown or, with API keys on, when it belongs to another key."""
    owner = request_owner(request)
    job = await fetchone(request.app[POOL], rq.job_header(job_id, owner, check_owner=owner is not None))
    if job is None:
        raise NotFound(f"No job with id {job_id}.", code="job_not_found")
    return job


async def job_results(request: web.Request) -> web.Response:
    """GET /api/v1/batch/{job_id}: status, statistics and one page of (filtered, sorted) results."""
    pool = request.app[POOL]
    job_id = parse_job_id(request.match_info["job_id"])
    page = int_param(request, "page", 1, 1, 10_000_000)
    page_size = int_param(request, "page_size", 50, 1, MAX_PAGE_SIZE)
    flt, order = result_filter(request), result_order(request)
    job = await _require_job(request, job_id)
    message = await require_message(pool, job_id)
    rows = await fetchall(pool, rq.results_page(job_id, flt, order, (page - 1) * page_size, page_size))
    total_results = (await fetchone(pool, rq.filtered_count(job_id, flt)))["n"]
    statistics = await job_statistics(pool, job_id, job["status"], job["statistics"])
    body = {
        "job_id": str(job_id),
        "status": message["status"],
        "statistics": statistics,
        "results": [to_item(row) for row in rows],
        "page": page,
        "page_size": page_size,
        "total_results": total_results,
        "total_pages": math.ceil(total_results / page_size),
    }
    body.update({key: value for key, value in message.items() if key not in body})
    return web.json_response(body)


async def job_stats(request: web.Request) -> web.Response:
    """GET /api/v1/batch/{job_id}/stats: computed now while the job runs, stored once it ended."""
    pool = request.app[POOL]
    job_id = parse_job_id(request.match_info["job_id"])
    job = await _require_job(request, job_id)
    return web.json_response(await job_statistics(pool, job_id, job["status"], job["statistics"]))


async def job_history(request: web.Request) -> web.Response:
    """GET /api/v1/batch?status=&since=&until=&limit=&cursor=: jobs newest first, keyset-paged."""
    limit = int_param(request, "limit", 50, 1, 500)
    status = choice_param(request, "status", JOB_STATUSES, None)
    since, until = time_param(request, "since"), time_param(request, "until")
    before = decode_cursor(request.query.get("cursor"))
    owner = request_owner(request)
    query = rq.job_history(limit + 1, status, since, until, before, owner, check_owner=owner is not None)
    rows = await fetchall(request.app[POOL], query)
    more = len(rows) > limit
    rows = rows[:limit]
    return web.json_response({
        "jobs": [_history_item(row) for row in rows],
        "limit": limit,
        "next_cursor": encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else None,
    })


def _history_item(row: dict) -> dict:
    duration = row["duration_seconds"]
    rate = round(row["processed"] / duration, 1) if duration and duration > 0 else None
    return {
        "job_id": str(row["id"]), "filename": row["filename"], "format": row["format"],
        "compressed": row["compressed"], "upload_bytes": row["upload_bytes"],
        "status": row["status"], "total": row["total"], "processed": row["processed"],
        "successful": row["processed"] - row["errors"], "errors": row["errors"],
        "created_at": iso(row["created_at"]), "started_at": iso(row["started_at"]),
        "finished_at": iso(row["finished_at"]),
        "duration_seconds": round(duration, 3) if duration is not None else None,
        "molecules_per_second": rate, "error_message": row["error_message"],
        "parent_job_id": str(row["parent_job_id"]) if row["parent_job_id"] else None,
    }


async def export_results(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/batch/{job_id}/export?format=...&raw_text=...: every matching result, streamed."""
    job_id = parse_job_id(request.match_info["job_id"])
    fmt = choice_param(request, "format", FORMATS, "csv")
    raw_text = bool_param(request, "raw_text", False)
    flt, order = result_filter(request), result_order(request)
    job = await _require_job(request, job_id)
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
                    return await _stream(request, conn, guard, job, fmt, flt, order, raw_text)
            finally:
                await conn.close()


async def _snapshot_header(conn, job: dict, count: int) -> dict:
    """The JSON export's fields before "results", read in the export's own snapshot."""
    job_id = job["id"]
    row = await (await run(conn, rq.job_header(job_id))).fetchone()
    statistics = row["statistics"] if row["status"] != "processing" else None
    if statistics is None:  # running, or ended without stored statistics (read-only: not stored here)
        computed = await (await run(conn, rq.statistics(job_id))).fetchone()
        statistics = computed["statistics"] if computed else None
    return {"job_id": str(job_id), "filename": job["filename"], "status": row["status"],
            "total_results": count, "statistics": _ordered(statistics)}


async def _stream(request, conn, guard: StallGuard, job: dict, fmt: str, flt, order,
                  raw_text: bool) -> web.StreamResponse:
    job_id = job["id"]
    count = (await (await run(conn, rq.filtered_count(job_id, flt))).fetchone())["n"]  # the snapshot
    header = await _snapshot_header(conn, job, count) if fmt == "json" else None
    encoder = make_encoder(fmt, header=header, row_count=count, raw_text=raw_text)
    response = web.StreamResponse(headers={
        "Content-Type": encoder.content_type,
        "Content-Disposition": content_disposition(job["filename"], job_id, encoder.extension),
        "X-Total-Results": str(count),
    })
    await guard.run(response.prepare(request))
    loop = asyncio.get_running_loop()
    query = rq.export_rows(job_id, flt, order, ROW_SHAPES[fmt])
    try:
        await guard.run(response.write(encoder.begin()))
        async with conn.cursor(name="chemaudit_export") as cursor:
            await cursor.execute(query.sql, query.params)
            while rows := await cursor.fetchmany(EXPORT_BATCH):
                # Encoding (RDKit for SDF, deflate for XLSX) runs off the event loop.
                await guard.run(response.write(await loop.run_in_executor(None, encoder.encode, rows)))
        await guard.run(response.write(encoder.end()))
        await guard.run(response.write_eof())
    except psycopg.Error:
        # Headers are sent: end the connection without the final chunk, so the client sees an
        # incomplete download rather than a file that merely looks shorter.
        log.exception("export of job %s (%s) failed mid-stream", job_id, fmt)
        if request.transport is not None:
            request.transport.close()
    return response
