"""Job endpoints: progress status and cancel (results live in results_api)."""

from __future__ import annotations

import logging

from aiohttp import web

from chemaudit.broker import QUEUE, is_postgres
from chemaudit.db import queries as q
from chemaudit.db import scheduling_queries as sq
from service.db import run
from service.http.auth import request_owner
from service.keys import BROKER, POOL
from service.progress.source import parse_job_id, require_message

log = logging.getLogger("chemaudit.jobs")


async def job_status(request: web.Request) -> web.Response:
    job_id = parse_job_id(request.match_info["job_id"])
    return web.json_response(await require_message(request.app[POOL], job_id, request_owner(request)))


async def cancel_job(request: web.Request) -> web.Response:
    pool = request.app[POOL]
    job_id = parse_job_id(request.match_info["job_id"])
    await require_message(pool, job_id, request_owner(request))
    async with pool.connection() as conn, conn.transaction():
        cancelled = await (await run(conn, q.cancel_job(job_id))).fetchone()
        if cancelled is not None:
            await run(conn, q.append_event(job_id, 0))
            if is_postgres(request.app[BROKER]):
                dropped = (await run(conn, sq.drop_surplus_tokens(job_id, QUEUE))).rowcount
            else:
                dropped = 0  # Redis: surplus tokens are consumed as no-ops
            log.info("job %s cancelled; %d queued work tokens dropped", job_id, dropped)
    message = await require_message(pool, job_id)
    note = "Job cancelled; results so far are kept." if cancelled else f"Job had already ended ({message['status']})."
    return web.json_response({**message, "message": note})
