"""Batch analytics over HTTP, in ChemAudit 2.0's shapes.

    GET  /api/v1/batch/{job_id}/analytics           status per type + the results that are ready
    POST /api/v1/batch/{job_id}/analytics/{type}    start one (JSON params body, optional)
    POST /api/v1/batch/{job_id}/mcs                 {"index_a", "index_b"}: waits for the result
    GET  /api/v1/analytics/{run_id}                 one run: its message, params and result
    WS   /ws/analytics/{run_id}                     its progress live (service/progress/analytics_socket.py)

A run is durable work in PostgreSQL computed by the analytics workers; the same type with the
same params is not started twice (`already_computing` / `already_complete`).
"""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

from aiohttp import web

from chemaudit.analytics.messages import analytics_message
from chemaudit.analytics.params import normalise
from chemaudit.broker import BROKER_ERRORS
from chemaudit.db import analytics_queries as aq
from chemaudit.db.analytics_schema import RUN_TERMINAL
from chemaudit.errors import ChemAuditError, NotFound, RateLimited
from service.db import fetchall, fetchone, fetchrow
from service.http.auth import request_owner
from service.http.json_body import parse_object
from service.keys import BROKER, POOL
from service.progress.analytics_socket import analytics_socket, parse_run_id
from service.progress.source import parse_job_id

log = logging.getLogger("chemaudit.analytics.api")

API = "/api/v1"
EXAMPLE = '{"cutoff": 0.35}'
MCS_WAIT = 30.0  # seconds POST /mcs waits for its run (FindMCS stops at 10 s)
MAX_OPEN_RUNS = 20  # runs of one job pending or running at once; more are refused (429)


class JobNotFinished(ChemAuditError):
    status = 409
    code = "job_not_finished"


def setup_analytics_routes(app: web.Application) -> None:
    app.router.add_get(f"{API}/batch/{{job_id}}/analytics", job_analytics)
    app.router.add_post(f"{API}/batch/{{job_id}}/analytics/{{analysis_type}}", start_analysis)
    app.router.add_post(f"{API}/batch/{{job_id}}/mcs", compare_pair)
    app.router.add_get(f"{API}/analytics/{{run_id}}", run_details)
    app.router.add_get("/ws/analytics/{run_id}", analytics_socket)


async def _job(request: web.Request) -> tuple[UUID, dict]:
    job_id = parse_job_id(request.match_info["job_id"])
    owner = request_owner(request)
    job = await fetchone(request.app[POOL], aq.analysed_job(job_id, owner, owner is not None))
    if job is None:
        raise NotFound(f"No job with id {job_id}.", code="job_not_found")
    return job_id, job


def _status(run: dict) -> dict:
    finished = run["finished_at"]
    return {"status": run["status"], "computed_at": finished.timestamp() if finished else None,
            "error": run["error"], "run_id": run["id"], "params": run["params"],
            "processed": run["processed"], "total": run["total"]}


async def job_analytics(request: web.Request) -> web.Response:
    job_id, _ = await _job(request)
    runs = await fetchall(request.app[POOL], aq.latest_runs(job_id))
    body: dict = {"job_id": str(job_id), "status": {run["type"]: _status(run) for run in runs}}
    for run in runs:
        body[run["type"]] = run["summary"] if run["status"] == "complete" else None
    return web.json_response(body)


async def _body(request: web.Request) -> dict:
    raw = await request.read()
    return parse_object(raw, EXAMPLE) if raw.strip() else {}


async def _start(request: web.Request, analysis_type: str, raw_params: dict) -> tuple[dict, bool]:
    """(the run, whether it is new) for this job, type and params."""
    params = await asyncio.to_thread(normalise, analysis_type, raw_params)
    job_id, job = await _job(request)
    if job["status"] == "processing":
        raise JobNotFinished("The job is still being audited; analytics start once it has ended.")
    pool = request.app[POOL]
    existing = await fetchone(pool, aq.matching_run(job_id, analysis_type, params))
    if existing is not None:
        return existing, False
    if (await fetchrow(pool, aq.open_runs(job_id)))["n"] >= MAX_OPEN_RUNS:
        raise RateLimited(f"This job has {MAX_OPEN_RUNS} analyses waiting or running; start more once"
                          " some have ended.", code="too_many_analyses").with_header("Retry-After", "10")
    run = await fetchrow(pool, aq.insert_run(job_id, analysis_type, params, 0))
    try:
        await asyncio.to_thread(request.app[BROKER].enqueue, analytics_message(run["id"]))
    except BROKER_ERRORS as exc:  # the run is stored; the analytics sweeper sends its token
        log.warning("analytics run %s: token not sent (%s); the sweeper will send it", run["id"], exc)
    return run, True


def _trigger_answer(run: dict, new: bool) -> dict:
    if new:
        status = "queued"
    else:
        status = "already_complete" if run["status"] == "complete" else "already_computing"
    return {"job_id": str(run["job_id"]), "analysis_type": run["type"], "status": status, "run_id": run["id"],
            "socket": f"/ws/analytics/{run['id']}"}


async def start_analysis(request: web.Request) -> web.Response:
    run, new = await _start(request, request.match_info["analysis_type"], await _body(request))
    return web.json_response(_trigger_answer(run, new), status=202 if new else 200)


async def compare_pair(request: web.Request) -> web.Response:
    """ChemAudit answers MCS synchronously: wait for the run, then answer its result (or 202)."""
    run, new = await _start(request, "mcs", await _body(request))
    pool = request.app[POOL]
    deadline = asyncio.get_running_loop().time() + MCS_WAIT
    while run["status"] not in RUN_TERMINAL and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.1)
        polled = await fetchone(pool, aq.run_row(run["id"]))
        if polled is None:  # its job was deleted meanwhile, the run with it
            raise NotFound(f"No analytics run with id {run['id']}.", code="run_not_found")
        run = polled
    if run["status"] == "complete":
        return web.json_response(run["summary"])
    if run["status"] == "failed":
        raise ChemAuditError(run["error"] or "The comparison failed.", code="mcs_failed", status=422)
    return web.json_response(_trigger_answer(run, new), status=202)


async def run_details(request: web.Request) -> web.Response:
    run_id = parse_run_id(request.match_info["run_id"])
    owner = request_owner(request)
    run = await fetchone(request.app[POOL], aq.run_row(run_id, owner, owner is not None))
    if run is None:
        raise NotFound(f"No analytics run with id {run_id}.", code="run_not_found")
    return web.json_response({**run["message"], "params": run["params"], "attempts": run["attempts"],
                              "created_at": _iso(run["created_at"]), "started_at": _iso(run["started_at"]),
                              "finished_at": _iso(run["finished_at"]), "result": run["summary"]})


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None



