"""WS /ws/batch/{job_id}: the current state at once, then every change, then close 1000.

Rules the documented clients rely on: unknown ids are refused at the handshake (404); text
from the client (`ping`) is ignored and never answered; only progress messages are sent;
`?after_seq=N` resumes with exactly N+1, N+2, ... (see `service/progress/job_stream.py`); a client too
slow to keep up is closed with 1013.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from chemaudit.errors import NotFound, RateLimited
from service.http.auth import request_owner
from service.http.results_params import int_param
from service.keys import HUB, POOL, SETTINGS
from service.progress.job_stream import Backlog, JobSubscriber, stream_job
from service.progress.socket_io import CLOSE_TIMEOUT, DirectSender, read_until_closed
from service.progress.source import latest_message, parse_job_id

MAX_CLIENT_FRAME = 4096


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

    ws = web.WebSocketResponse(max_msg_size=MAX_CLIENT_FRAME, heartbeat=None)
    await ws.prepare(request)
    direct = DirectSender(ws, request.transport) if request.transport is not None else None
    subscriber = JobSubscriber(key, settings.ws_queue_size, address, direct)
    hub.subscribe(subscriber)  # before the catch-up is read; live messages are held until it is sent
    try:
        writer = asyncio.create_task(stream_job(ws, subscriber, Backlog(pool, job_id), after_seq))
        reader = asyncio.create_task(read_until_closed(ws))
        await asyncio.wait({writer, reader}, return_when=asyncio.FIRST_COMPLETED)
        if writer.done() and not reader.done():
            # We closed (job ended, or client too slow): wait briefly for the client's close reply.
            await asyncio.wait({reader}, timeout=CLOSE_TIMEOUT)
        for task in (writer, reader):
            task.cancel()
        await asyncio.gather(writer, reader, return_exceptions=True)
    finally:
        hub.unsubscribe(subscriber)
        if request.transport is not None and not ws.closed:
            request.transport.close()  # a peer that never answers our close is cut off
    return ws
