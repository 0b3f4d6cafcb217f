"""The life of a progress socket, shared by /ws/batch, /ws/jobs and /ws/analytics: prepare it, run
the handler's writer next to a reader that ignores client text, end both together, cut off a peer
that never answers our close. What differs (the hub, the catch-up, the writer) stays in each handler.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from service.progress.socket_io import CLOSE_TIMEOUT, DirectSender, read_until_closed

MAX_CLIENT_FRAME = 4096


@asynccontextmanager
async def progress_socket(request: web.Request) -> AsyncIterator[web.WebSocketResponse]:
    """The prepared socket; on leaving, a peer that never answered our close is cut off."""
    ws = web.WebSocketResponse(max_msg_size=MAX_CLIENT_FRAME, heartbeat=None)
    await ws.prepare(request)
    try:
        yield ws
    finally:
        if request.transport is not None and not ws.closed:
            request.transport.close()


def direct_sender(ws: web.WebSocketResponse, request: web.Request) -> DirectSender | None:
    return DirectSender(ws, request.transport) if request.transport is not None else None


async def run_socket(ws: web.WebSocketResponse, writer: Coroutine[Any, Any, None],
                     *alongside: Coroutine[Any, Any, None]) -> None:
    """Run the writer and the reader until either ends (the tasks `alongside` end with them)."""
    write = asyncio.create_task(writer)
    read = asyncio.create_task(read_until_closed(ws))
    others = [asyncio.create_task(coro) for coro in alongside]
    tasks = (write, read, *others)
    await asyncio.wait({write, read}, return_when=asyncio.FIRST_COMPLETED)
    if write.done() and not read.done():
        # We closed (the stream ended, or the client was too slow): wait briefly for its close reply.
        await asyncio.wait({read}, timeout=CLOSE_TIMEOUT)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
