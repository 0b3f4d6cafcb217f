"""WS /ws/jobs: every job's progress message as it happens, for dashboards.

On connect the server sends the current state of the most recent running jobs, then every
progress message of every job (the same messages as `/ws/batch/{job_id}`, never anything else).
The socket stays open across job ends. After the web process's LISTEN connection reconnects,
the state of those jobs is sent again (NOTIFYs sent during the outage are lost for good).
The rules of the per-job socket hold here too: text from the client (`ping`) is ignored and
never answered, binary frames close the socket (1003), and a client too slow to keep up with
its bounded queue is closed with 1013.

With API keys enabled the key is required (header or `api_key` query parameter) and the
socket carries only the jobs of that key: whose job a message belongs to is looked up once per
job and remembered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import psycopg
from aiohttp import WSCloseCode, web
from psycopg_pool import PoolTimeout

from chemaudit.db import results_queries as rq
from chemaudit.errors import RateLimited
from service.db import fetchall, fetchone
from service.http.auth import request_owner
from service.keys import HUB, LISTENER, POOL, SETTINGS
from service.progress.hub import Subscriber
from service.progress.socket_io import close_socket, send_message
from service.progress.socket_loop import direct_sender, progress_socket, run_socket
from service.progress.source import latest_message

log = logging.getLogger("chemaudit.ws.jobs")

RECENT_RUNNING = 50  # running jobs whose state a new dashboard receives at once
RESYNC_SEEN = 200  # jobs this socket has seen whose state is sent again after a LISTEN reconnect
OWNER_CACHE = 10_000


class Visibility:
    """Which jobs a socket may see: all without API keys, else only those of its key."""

    def __init__(self, pool, owner: str | None):
        self.pool = pool
        self.owner = owner
        self._known: dict[str, bool] = {}

    async def allows(self, job_id: str) -> bool:
        if self.owner is None:
            return True
        seen = self._known.get(job_id)
        if seen is None:
            try:
                row = await fetchone(self.pool, rq.job_header(job_id, self.owner, check_owner=True))
            except (OSError, psycopg.Error, PoolTimeout) as exc:
                log.warning("cannot tell whose job %s is (%s); not sending it", job_id, exc)
                return False  # fail closed, and ask again next time
            seen = row is not None
            if len(self._known) >= OWNER_CACHE:
                self._known.clear()
            self._known[job_id] = seen
        return seen


async def running_snapshot(pool, owner: str | None, also: Sequence[str] = ()) -> list[dict]:
    """The current message of each of the most recent running jobs (and of `also`), oldest first."""
    jobs = await fetchall(pool, rq.job_history(RECENT_RUNNING, "processing", owner=owner,
                                               check_owner=owner is not None))
    job_ids = list(dict.fromkeys([*also, *(str(job["id"]) for job in reversed(jobs))]))
    messages = []
    for job_id in job_ids:
        message = await latest_message(pool, job_id, owner)
        if message is not None:
            messages.append(message)
    return messages


async def resync_after_reconnects(listener, pool, owner: str | None, subscriber: Subscriber,
                                  interval: float) -> None:
    """NOTIFYs sent while the LISTEN connection was down are lost: after each reconnect, send
    again the state of the running jobs and of the jobs this socket has seen (offer() drops
    what it already had)."""
    seen_reconnects = listener.reconnects
    while True:
        await asyncio.sleep(interval)
        if listener.reconnects == seen_reconnects or not listener.is_up:
            continue
        seen_reconnects = listener.reconnects
        try:
            messages = await running_snapshot(pool, owner, list(subscriber.last_seq)[-RESYNC_SEEN:])
        except (OSError, psycopg.Error, PoolTimeout) as exc:
            log.warning("dashboard resync failed: %s", exc)
            continue
        for message in messages:
            subscriber.offer(message)


async def jobs_socket(request: web.Request) -> web.WebSocketResponse:
    settings = request.app[SETTINGS]
    pool = request.app[POOL]
    hub = request.app[HUB]
    listener = request.app[LISTENER]
    owner = request_owner(request)
    address = request.remote or ""
    if hub.count_address(address) >= settings.ws_max_per_address:
        raise RateLimited("Too many sockets from this address; try again later.", code="too_many_sockets")

    async with progress_socket(request) as ws:
        # Without API keys every message may be written at once; with them, whose job it is must be
        # looked up (asynchronously) first, so messages go through the writer.
        direct = direct_sender(ws, request) if owner is None else None
        subscriber = Subscriber(None, settings.ws_queue_size, address=address, direct=direct)
        hub.subscribe(subscriber)  # registered before the snapshot read: nothing falls in between
        try:
            for message in await running_snapshot(pool, owner):
                subscriber.offer(message)
            await run_socket(ws, _write(ws, subscriber, Visibility(pool, owner)),
                             resync_after_reconnects(listener, pool, owner, subscriber,
                                                     settings.listener_probe_interval))
        finally:
            hub.unsubscribe(subscriber)
    return ws


async def _write(ws: web.WebSocketResponse, subscriber: Subscriber, visibility: Visibility) -> None:
    while True:
        message = await subscriber.next_message()
        if message is None:  # overflow sentinel
            await close_socket(ws, WSCloseCode.TRY_AGAIN_LATER, b"client too slow")
            return
        if await visibility.allows(str(message["job_id"])):
            await send_message(ws, message)
