"""Spreads a burst of server-side socket closes over several turns of the event loop.

A job's end closes all its sockets at once. Each close is a handful of short steps (the close
frame, waking the reader, the client's reply, the transport's teardown, the request's end), and
with every socket of the job in the same step at the same time, each step of hundreds of sockets
runs in one turn of the loop: tens of milliseconds in which no other job's NOTIFY is read. The
pacer lets at most PER_TURN closes start per turn, so each turn holds a few sockets' steps and the
loop polls for I/O in between. The messages are not delayed (the terminal frame is already out
when its socket waits here); only the close handshake is.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque

PER_TURN = 8


class ClosePacer:
    def __init__(self, loop: asyncio.AbstractEventLoop, per_turn: int = PER_TURN):
        self.loop = loop
        self.per_turn = per_turn
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._releasing = False

    async def turn(self) -> None:
        """Wait until this close may start (at once, if no more than PER_TURN wait)."""
        future: asyncio.Future[None] = self.loop.create_future()
        self._waiting.append(future)
        if not self._releasing:
            self._releasing = True
            self.loop.call_soon(self._release)
        await future

    def _release(self) -> None:
        released = 0
        while self._waiting and released < self.per_turn:
            future = self._waiting.popleft()
            if not future.done():  # a waiter cancelled meanwhile takes no slot
                future.set_result(None)
                released += 1
        if self._waiting:
            self.loop.call_soon(self._release)  # called back on the loop's next turn, after its I/O poll
        else:
            self._releasing = False

    @property
    def waiting(self) -> int:
        return sum(not future.done() for future in self._waiting)


_PACERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ClosePacer] = weakref.WeakKeyDictionary()


def close_pacer() -> ClosePacer:
    """The running loop's pacer (one per loop, so every socket of a process shares it)."""
    loop = asyncio.get_running_loop()
    pacer = _PACERS.get(loop)
    if pacer is None:
        pacer = _PACERS[loop] = ClosePacer(loop)
    return pacer
