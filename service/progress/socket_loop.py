"""The life of a progress socket, shared by /ws/batch, /ws/jobs and /ws/analytics: prepare it, run
the handler's writer next to a reader that ignores client text, end both together, cut off a peer
that never answers our close. What differs (the hub, the catch-up, the writer) stays in each handler.

A job's end closes all its sockets at once, so what one socket's end costs the event loop is paid
hundreds of times in a row: the reader runs in the handler's own task (one task per socket, the
writer, instead of a writer, a reader and a wait on both), and a socket that ended normally logs
its request line at debug level (service/http/middleware.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import WSCloseCode, web

from service.http.middleware import LOG_LEVEL
from service.progress.socket_io import DirectSender, close_socket, ended_normally, read_until_closed

log = logging.getLogger("chemaudit.ws")

MAX_CLIENT_FRAME = 4096


class SocketTally:
    """Progress sockets opened and closed by this process (what its GC policy watches)."""

    def __init__(self) -> None:
        self.opened = 0
        self.closed = 0

    @property
    def open(self) -> int:
        return self.opened - self.closed


TALLY = SocketTally()


@asynccontextmanager
async def progress_socket(request: web.Request) -> AsyncIterator[web.WebSocketResponse]:
    """The prepared socket; on leaving, a peer that never answered our close is cut off."""
    ws = web.WebSocketResponse(max_msg_size=MAX_CLIENT_FRAME, heartbeat=None)
    await ws.prepare(request)
    TALLY.opened += 1
    try:
        yield ws
    finally:
        TALLY.closed += 1
        if request.transport is not None and not ws.closed:
            request.transport.close()
        ws[LOG_LEVEL] = logging.DEBUG if ended_normally(ws) else logging.INFO


def direct_sender(ws: web.WebSocketResponse, request: web.Request) -> DirectSender | None:
    return DirectSender(ws, request.transport) if request.transport is not None else None


async def run_socket(ws: web.WebSocketResponse, writer: Coroutine[Any, Any, None],
                     *alongside: Coroutine[Any, Any, None]) -> None:
    """Run the writer (a task) and the reader (this task) until either ends; the tasks
    `alongside` end with them.

    The reader ends once the socket is closing, whoever closed it: the client, or the writer
    (aiohttp hands a close made in another task to the waiting reader). A writer that ends any
    other way closes the socket itself (1011), which ends the reader too.
    """
    write = asyncio.create_task(_write_then_close(ws, writer))
    tasks = [write, *(asyncio.create_task(coro) for coro in alongside)]
    try:
        await read_until_closed(ws)
        if not write.done():
            # A writer whose close ended the reading has been woken and ends on this turn of
            # the loop; one still waiting for a message (the client closed) is cancelled below.
            await asyncio.sleep(0)
    finally:
        pending = [task for task in tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        for task in tasks:
            _report(task)


async def _write_then_close(ws: web.WebSocketResponse, writer: Coroutine[Any, Any, None]) -> None:
    try:
        await writer
    finally:
        if not ws.closed:  # it failed, or returned without closing: do not leave the reader waiting
            await close_socket(ws, WSCloseCode.INTERNAL_ERROR, b"server error, reconnect")


def _report(task: asyncio.Task) -> None:
    """Log what a socket's task raised, but a client gone away (the connection reset)."""
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None and not isinstance(exc, ConnectionError):
        log.error("progress socket task %s failed", task.get_coro(), exc_info=exc)
