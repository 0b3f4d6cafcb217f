"""Writing a streamed response to a client that may stop reading.

A write waits while the transport's buffer is full, and a client that reads nothing keeps it
full forever, with whatever the handler holds (an export: a database connection and its
snapshot). The guard cuts such a client off: a write during which the client has taken nothing
for `seconds` aborts the connection and raises `ClientStalled`. The deadline moves with every
byte the client takes, so a slow but steady reader is never cut off.

What the client has taken is read from what is still waiting for it: the transport's buffer
plus, on Linux, the kernel's send queue (bytes not yet acknowledged by the peer). The kernel's
part matters: its send buffer can hold megabytes and only asks the transport for more once a
good part of it is free, so the transport's buffer alone can stand still for seconds while a
slow client is reading.
"""

from __future__ import annotations

import asyncio
import fcntl
import struct
import termios
from collections.abc import Awaitable, Callable


class ClientStalled(ConnectionResetError):
    """The client took nothing for the guard's time; the connection has been aborted."""


class StallGuard:
    def __init__(self, transport: asyncio.Transport | None, seconds: float,
                 on_stall: Callable[[], None] | None = None):
        self.transport = transport
        self.seconds = seconds
        # Called when a client is cut off: the handler may be cancelled (its connection is gone)
        # before the exception reaches it, so this is where a stall is counted.
        self.on_stall = on_stall
        self.step = min(1.0, seconds / 4)
        sock = transport.get_extra_info("socket") if transport is not None else None
        self.fd = sock.fileno() if sock is not None else -1

    def waiting(self) -> int:
        """Bytes written but not yet taken by the client."""
        size = self.transport.get_write_buffer_size() if self.transport is not None else 0
        if self.fd >= 0:
            try:  # SIOCOUTQ (= TIOCOUTQ on Linux): the socket's unacknowledged bytes
                size += struct.unpack("i", fcntl.ioctl(self.fd, termios.TIOCOUTQ, b"\0" * 4))[0]
            except OSError:
                self.fd = -1  # not a TCP socket this ioctl knows: the transport's buffer alone
        return size

    async def run(self, write: Awaitable) -> None:
        """Await one write (or prepare, or write_eof) under the guard."""
        transport = self.transport
        if transport is None or transport.is_closing():
            await write
            return
        loop = asyncio.get_running_loop()
        least: int | None = None  # the smallest buffer seen since the write put its data in
        handle: asyncio.TimerHandle | None = None
        try:
            async with asyncio.timeout(self.seconds) as deadline:
                def watch() -> None:
                    nonlocal least, handle
                    size = self.waiting()
                    # The first sample is the baseline (the write has added its data by then);
                    # after it, the client taking any of the buffer starts the clock again.
                    if least is None or size < least:
                        least = size
                        deadline.reschedule(loop.time() + self.seconds)
                    handle = loop.call_later(self.step, watch)

                handle = loop.call_later(self.step, watch)
                await write
        except TimeoutError:
            # abort, not close: close would wait for the buffer to drain, which never happens.
            transport.abort()
            if self.on_stall is not None:
                self.on_stall()
            raise ClientStalled(f"it read nothing for {self.seconds:g} s, so the download was cut off") from None
        finally:
            if handle is not None:
                handle.cancel()
