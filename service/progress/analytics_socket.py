"""Analytics progress live: NOTIFY on `chemaudit_analytics` -> one LISTEN connection -> sockets.

`WS /ws/analytics/{run_id}` sends the run's current message at once, then every change, and
closes with 1000 after `complete` or `failed`. A message is
`{"type": "analytics", "run_id", "job_id", "analysis_type", "status", "progress", "processed",
"total", "seq", "error"}` (status pending / running / complete / failed). Unlike batch sockets,
the latest state is what counts: a reconnecting client gets the current message, and progress
messages lost while the LISTEN connection was down are not replayed (the listener re-sends
every followed run's state when it reconnects). Batch sockets and their six-field message are
untouched: this is another channel, another listener, another path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict

from aiohttp import WSCloseCode, web
from psycopg_pool import AsyncConnectionPool

from chemaudit.db import analytics_queries as aq
from chemaudit.db.analytics_schema import ANALYTICS_CHANNEL, RUN_TERMINAL
from chemaudit.errors import NotFound, RateLimited
from service.db import fetchone
from service.http.auth import request_owner
from service.keys import POOL, SETTINGS
from service.progress.listener import ProgressListener
from service.progress.socket_io import close_socket, send_message
from service.progress.socket_loop import progress_socket, run_socket


class AnalyticsFeed:
    """Each socket's bounded queue of one run's messages; a full queue closes it (1013)."""

    def __init__(self) -> None:
        self._by_run: dict[int, set[asyncio.Queue]] = defaultdict(set)

    def subscribe(self, run_id: int, size: int) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=size)
        self._by_run[run_id].add(queue)
        return queue

    def unsubscribe(self, run_id: int, queue: asyncio.Queue) -> None:
        queues = self._by_run.get(run_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._by_run[run_id]

    def publish(self, message: dict) -> None:
        run_id = message.get("run_id")
        for queue in tuple(self._by_run.get(run_id, ())) if run_id is not None else ():
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(None)  # the writer closes with 1013

    def watched_jobs(self) -> list[int]:  # the listener's name for what to resync
        return list(self._by_run)

    def count(self, run_id: int) -> int:
        return len(self._by_run.get(run_id, ()))


FEED = web.AppKey("analytics_feed", AnalyticsFeed)


class AnalyticsListener(ProgressListener[int]):
    channel = ANALYTICS_CHANNEL

    def decode(self, payload: str) -> dict:
        message = json.loads(payload)
        if not isinstance(message, dict) or "run_id" not in message:
            raise ValueError("not an analytics message")
        return message


async def run_message(pool: AsyncConnectionPool, run_id: int) -> dict | None:
    row = await fetchone(pool, aq.run_message(run_id))
    return row["message"] if row is not None else None


def parse_run_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound(f"No analytics run with id {raw[:40]!r}.", code="run_not_found")
    return int(raw)


async def analytics_socket(request: web.Request) -> web.WebSocketResponse:
    pool, settings, feed = request.app[POOL], request.app[SETTINGS], request.app[FEED]
    run_id = parse_run_id(request.match_info["run_id"])
    owner = request_owner(request)
    if await fetchone(pool, aq.run_row(run_id, owner, owner is not None)) is None:
        raise NotFound(f"No analytics run with id {run_id}.", code="run_not_found")
    if feed.count(run_id) >= settings.ws_max_per_job:
        raise RateLimited("Too many sockets follow this run; try again later.", code="too_many_sockets")
    async with progress_socket(request) as ws:
        queue = feed.subscribe(run_id, settings.ws_queue_size)  # before the snapshot: nothing falls between
        try:
            await run_socket(ws, _stream(ws, pool, run_id, queue))
        finally:
            feed.unsubscribe(run_id, queue)
    return ws


async def _stream(ws: web.WebSocketResponse, pool: AsyncConnectionPool, run_id: int, queue: asyncio.Queue) -> None:
    message = await run_message(pool, run_id)
    if message is None:
        await close_socket(ws, WSCloseCode.OK, b"run not found")
        return
    sent = -1
    while True:
        if message is None:
            await close_socket(ws, WSCloseCode.TRY_AGAIN_LATER, b"client too slow")
            return
        if message["seq"] > sent:
            sent = message["seq"]
            await send_message(ws, message)
            if message["status"] in RUN_TERMINAL:
                await close_socket(ws, WSCloseCode.OK, b"analysis finished")
                return
        message = await queue.get()


async def analytics_listener(app: web.Application):
    """cleanup_ctx: the feed and its dedicated LISTEN connection."""
    feed = AnalyticsFeed()
    pool = app[POOL]
    listener = AnalyticsListener(app[SETTINGS].sync_database_url, feed,
                                 lambda run_id: run_message(pool, run_id),
                                 probe_interval=app[SETTINGS].listener_probe_interval)
    app[FEED] = feed
    task = asyncio.create_task(listener.run(), name="chemaudit-analytics-listener")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await listener.close()
