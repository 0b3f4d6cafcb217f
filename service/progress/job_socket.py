"""WS /ws/batch/{job_id}: the current state at once, then every change, then close 1000.

Rules the documented clients rely on: unknown ids are refused at the handshake (404); text
from the client (`ping`) is ignored and never answered; only progress messages are sent;
`?after_seq=N` resumes with exactly N+1, N+2, ... (see `service/progress/job_stream.py`); a client too
slow to keep up is closed with 1013.
"""

from __future__ import annotations

from aiohttp import web

from chemaudit.errors import NotFound, RateLimited
from service.http.auth import request_owner
from service.http.results_params import int_param
from service.keys import HUB, POOL, SETTINGS
from service.progress.job_stream import Backlog, JobSubscriber, stream_job
from service.progress.socket_loop import direct_sender, progress_socket, run_socket
from service.progress.source import latest_message, parse_job_id


async def job_socket(request: web.Request) -> web.WebSocketResponse:
    settings = request.app[SETTINGS]
    pool = request.app[POOL]
    hub = request.app[HUB]
    job_id = parse_job_id(request.match_info["job_id"])
    after_seq = int_param(request, "after_seq", 0, 0, 2**31 - 1)
    if await latest_message(pool, job_id, request_owner(request)) is None:
        raise NotFound(f"No job with id {job_id}.", code="job_not_found")
    key = str(job_id)
    address = request.remote or ""
    if hub.count(key) >= settings.ws_max_per_job:
        raise RateLimited("Too many sockets follow this job; try again later.", code="too_many_sockets")
    if hub.count_address(address) >= settings.ws_max_per_address:
        raise RateLimited("Too many sockets from this address; try again later.", code="too_many_sockets")

    async with progress_socket(request) as ws:
        subscriber = JobSubscriber(key, settings.ws_queue_size, address, direct_sender(ws, request))
        hub.subscribe(subscriber)  # before the catch-up is read; live messages are held until it is sent
        try:
            await run_socket(ws, stream_job(ws, subscriber, Backlog(pool, job_id), after_seq))
        finally:
            hub.unsubscribe(subscriber)
    return ws
