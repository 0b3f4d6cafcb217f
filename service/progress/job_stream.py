"""One job's progress stream on a socket: the catch-up, then live messages, with no seq missing.

The socket's subscriber is registered with the hub *before* the catch-up is read, and holds the
live messages that arrive meanwhile. The writer sends the catch-up (the latest state, or every
event after `?after_seq=N`), then releases what was held, newer than what it sent, in seq order.
From then on the stream is contiguous: a live message that skips ahead of the last one sent
(notifications lost while the LISTEN connection was down, a held message pushed out of a full
hold) is preceded by the missing events, read from the table. So a stream that starts at seq S
goes S, S+1, S+2, ... to the job's terminal message, then closes with 1000.

An `after_seq` greater than the job's last seq counts as its last seq; when that job has ended
there is nothing left to send and the socket closes with 1000 at once, without a frame.
"""

from __future__ import annotations

import logging
from collections import deque
from uuid import UUID

import psycopg
from aiohttp import WSCloseCode, web
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from service.progress.hub import Subscriber, is_terminal
from service.progress.socket_io import close_socket, send_message
from service.progress.source import latest_message, messages_after

log = logging.getLogger("chemaudit.ws")


# What a job socket's writer finds in its queue once the hub wrote the terminal message itself.
TERMINAL_WRITTEN: dict = {"_terminal_written": True}


class JobSubscriber(Subscriber):
    """A per-job subscriber that holds live messages until the catch-up is sent, and lets a
    message skip the writer only when it directly follows the last one sent."""

    job_id: str  # never the firehose's None

    def __init__(self, job_id: str, queue_size: int, address: str = "", direct=None):
        super().__init__(job_id, queue_size, 0, address, direct)
        self.held: deque[dict] | None = deque(maxlen=queue_size)  # newest kept; gaps are refilled
        self.sent_seq = 0

    def offer(self, message: dict) -> None:
        if self.held is not None:
            self.held.append(message)
            return
        super().offer(message)

    def release(self, sent_seq: int) -> None:
        """The catch-up up to `sent_seq` is sent: offer what was held (newer ones only), in order."""
        held, self.held = self.held or (), None
        self.sent_seq = sent_seq
        self.last_seq[self.job_id] = max(self.last_seq[self.job_id], sent_seq)
        for message in sorted(held, key=lambda m: m.get("seq", 0)):
            self.offer(message)

    def may_write_at_once(self, message: dict) -> bool:
        return message.get("seq", 0) == self.sent_seq + 1

    def written_at_once(self, message: dict) -> None:
        self.sent_seq = message["seq"]
        if is_terminal(message):  # the writer closes the socket; the frame is already out
            self.queue.put_nowait(TERMINAL_WRITTEN)


class Backlog:
    """The job's messages as stored in the tables (what the stream sends when not live)."""

    def __init__(self, pool: AsyncConnectionPool, job_id: UUID):
        self.pool = pool
        self.job_id = job_id

    async def latest(self) -> dict | None:
        return await latest_message(self.pool, self.job_id)

    async def after(self, after_seq: int, before_seq: int | None = None) -> list[dict]:
        return await messages_after(self.pool, self.job_id, after_seq, before_seq)


async def stream_job(ws: web.WebSocketResponse, subscriber: JobSubscriber, backlog: Backlog,
                     after_seq: int) -> None:
    """The socket's writer: catch-up, held messages, live messages (gaps filled), then close."""
    try:
        if await _catch_up(ws, subscriber, backlog, after_seq):
            await _follow(ws, subscriber, backlog)
    except (psycopg.Error, PoolTimeout) as exc:  # a client gone away is the handler's business
        log.warning("progress socket of job %s: cannot read its events (%s); closing", backlog.job_id, exc)
        await close_socket(ws, WSCloseCode.INTERNAL_ERROR, b"events unavailable, reconnect")


async def _send(ws: web.WebSocketResponse, subscriber: JobSubscriber, message: dict) -> bool:
    """Send one message; False once the stream is over (terminal sent, socket closed)."""
    await send_message(ws, message)
    subscriber.sent_seq = message["seq"]
    if is_terminal(message):
        await close_socket(ws, WSCloseCode.OK, b"job finished")
        return False
    return True


async def _catch_up(ws, subscriber: JobSubscriber, backlog: Backlog, after_seq: int) -> bool:
    """Send what the client must see first; False when the stream is already over."""
    latest = await backlog.latest()
    if latest is None:  # purged since the handshake
        await close_socket(ws, WSCloseCode.OK, b"job not found")
        return False
    if after_seq:
        sent = min(after_seq, latest["seq"])
        first = await backlog.after(sent) if sent < latest["seq"] else []
    else:
        sent, first = latest["seq"] - 1, [latest]
    subscriber.sent_seq = sent
    for message in first:
        if not await _send(ws, subscriber, message):
            return False
    if not first and is_terminal(latest):  # it ended, and the client has seen its end
        await close_socket(ws, WSCloseCode.OK, b"job finished")
        return False
    subscriber.release(subscriber.sent_seq)
    return True


async def _follow(ws, subscriber: JobSubscriber, backlog: Backlog) -> None:
    while True:
        message = await subscriber.next_message()
        if message is None:  # overflow sentinel
            await close_socket(ws, WSCloseCode.TRY_AGAIN_LATER, b"client too slow")
            return
        if message is TERMINAL_WRITTEN:
            await close_socket(ws, WSCloseCode.OK, b"job finished")
            return
        seq = message["seq"]
        if seq <= subscriber.sent_seq:
            continue
        if seq > subscriber.sent_seq + 1:
            for missing in await backlog.after(subscriber.sent_seq, seq):
                if not await _send(ws, subscriber, missing):
                    return
        if not await _send(ws, subscriber, message):
            return
