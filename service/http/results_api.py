"""Reading results: one page with filters and sorts, statistics and job history (exports:
service/http/export_api.py).

Everything is evaluated in SQL.
"""

from __future__ import annotations

import math
from uuid import UUID

from aiohttp import web

from chemaudit.db import results_queries as rq
from chemaudit.db.schema import JOB_STATUSES
from chemaudit.errors import NotFound
from chemaudit.result_rows import to_item
from service.db import fetchall, fetchone, fetchrow
from service.http.auth import request_owner
from service.http.results_params import (
    choice_param,
    decode_cursor,
    encode_cursor,
    int_param,
    iso,
    result_filter,
    result_order,
    time_param,
)
from service.keys import POOL
from service.progress.source import parse_job_id, require_message

API = "/api/v1"
MAX_PAGE_SIZE = 100
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


def order_statistics(statistics: dict | None) -> dict | None:
    if statistics is None:
        return None
    known = {key: statistics[key] for key in STAT_ORDER if key in statistics}
    return {**known, **{key: value for key, value in statistics.items() if key not in known}}


async def job_statistics(pool, job_id: UUID, status: str, stored: dict | None) -> dict | None:
    """Stored statistics of an ended job; else computed now (and kept, once the job has ended)."""
    if stored is not None and status != "processing":
        return order_statistics(stored)
    if status != "processing":
        row = await fetchone(pool, rq.store_statistics_if_ended(job_id))
        if row is not None:
            return order_statistics(row["statistics"])
    row = await fetchone(pool, rq.statistics(job_id))
    return order_statistics(row["statistics"]) if row else None


async def require_job(request: web.Request, job_id: UUID) -> dict:
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
    job = await require_job(request, job_id)
    message = await require_message(pool, job_id)
    rows = await fetchall(pool, rq.results_page(job_id, flt, order, (page - 1) * page_size, page_size))
    total_results = (await fetchrow(pool, rq.filtered_count(job_id, flt)))["n"]
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
    job = await require_job(request, job_id)
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
