"""Following one job to its end: the WebSocket first, polling /status when no socket can be had.

A socket that drops mid-job is reopened with backoff, resuming with `?after_seq=N` (the last
`seq` seen), so no message is shown twice. When the server stays out of reach for `give_up`
seconds the follower stops with Unreachable.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing

from chemaudit_client.api import SocketLost, SocketRefused, Unreachable

TERMINAL = frozenset({"complete", "failed", "cancelled"})

OpenSocket = Callable[[int], AsyncGenerator[dict, None]]  # closed with aclose() when left early
FetchStatus = Callable[[], Awaitable[dict]]


class Backoff:
    """Delays that double from `initial` up to `maximum`, with jitter; reset after a success."""

    def __init__(self, initial: float = 0.5, maximum: float = 8.0, factor: float = 2.0,
                 jitter: float = 0.2, rng: random.Random | None = None):
        self.initial, self.maximum, self.factor, self.jitter = initial, maximum, factor, jitter
        self.rng = rng or random.Random()
        self.attempt = 0

    def next(self) -> float:
        base = min(self.maximum, self.initial * self.factor ** self.attempt)
        self.attempt += 1
        return base * (1 + self.jitter * self.rng.uniform(-1, 1))

    def reset(self) -> None:
        self.attempt = 0


class Follower:
    """Delivers each new progress message of one job to `on_message` until a terminal one."""

    def __init__(self, open_socket: OpenSocket, fetch_status: FetchStatus,
                 on_message: Callable[[dict], None], *, on_note: Callable[[str], None] = lambda _: None,
                 backoff: Backoff | None = None, poll_interval: float = 1.0, give_up: float = 60.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, clock=time.monotonic):
        self.open_socket = open_socket
        self.fetch_status = fetch_status
        self.on_message = on_message
        self.on_note = on_note
        self.backoff = backoff or Backoff()
        self.poll_interval = poll_interval
        self.give_up = give_up
        self.sleep = sleep
        self.clock = clock
        self.last_seq = 0
        self.last: dict | None = None
        self.polling = False
        self.reconnects = 0

    def deliver(self, message: dict) -> bool:
        """Pass on a message not seen before; True when it is terminal."""
        seq = message.get("seq")
        if isinstance(seq, int):
            if seq <= self.last_seq:
                return False
            self.last_seq = seq
        self.last = message
        self.on_message(message)
        return message.get("status") in TERMINAL

    async def run(self) -> dict:
        """Follow the job; return its terminal message."""
        contact = self.clock()
        while True:
            received = 0
            try:
                async with aclosing(self.open_socket(self.last_seq)) as messages:
                    async for message in messages:
                        received += 1
                        contact = self.clock()
                        self.backoff.reset()
                        if self.deliver(message):
                            return message
            except SocketRefused as exc:
                self.on_note(f"WebSocket not available ({exc}); polling the job status every "
                             f"{self.poll_interval:g} s instead.")
                return await self.poll()
            except SocketLost as exc:
                if self.clock() - contact > self.give_up:
                    raise Unreachable(f"Lost the server for over {self.give_up:.0f} s: {exc}") from None
            else:
                if received == 0:  # opened and closed without a word: this socket is no use
                    self.on_note("The WebSocket closed without sending progress; polling the job status instead.")
                    return await self.poll()
            self.reconnects += 1
            delay = self.backoff.next()
            self.on_note(f"Connection to the job's socket lost; reconnecting in {delay:.1f} s.")
            await self.sleep(delay)

    async def poll(self) -> dict:
        """Ask /status every poll_interval seconds until the job ends."""
        self.polling = True
        contact = self.clock()
        while True:
            try:
                message = await self.fetch_status()
            except Unreachable:
                if self.clock() - contact > self.give_up:
                    raise
                await self.sleep(self.backoff.next())
                continue
            contact = self.clock()
            self.backoff.reset()
            if self.deliver(message) or message.get("status") in TERMINAL:
                return message
            await self.sleep(self.poll_interval)
