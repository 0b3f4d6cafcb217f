"""Raw-socket uploads for budget tests: a body declared large and sent a byte at a time, or not at all."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

BOUNDARY = "slowboundary"


def multipart_head(filename: str = "big.smi", fields: dict[str, str] | None = None) -> bytes:
    """The form's text fields, then the opening of its file part (the file's bytes come next)."""
    out = [f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
           for name, value in (fields or {}).items()]
    out.append(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
               "Content-Type: application/octet-stream\r\n\r\n")
    return "".join(out).encode()


class SlowUpload:
    """An upload over a plain socket: headers and the file part's head at once, then the file
    `step` bytes every `interval` seconds (never, with interval=None) until stopped."""

    def __init__(self, host: str, port: int, *, key: str | None = None, declared: int = 1_000_000_000,
                 interval: float | None = 0.5, step: bytes = b"C\n", first: bytes = b"CCO ethanol\n"):
        self.host, self.port, self.key, self.declared = host, port, key, declared
        self.interval, self.step, self.first = interval, step, first
        self.sent = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._trickle: asyncio.Task | None = None

    async def start(self) -> SlowUpload:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        headers = (f"POST /api/v1/batch/upload HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                   f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                   f"Content-Length: {self.declared}\r\n")
        if self.key:
            headers += f"X-API-Key: {self.key}\r\n"
        self._writer.write(headers.encode() + b"\r\n" + multipart_head() + self.first)
        await self._writer.drain()
        if self.interval is not None:
            self._trickle = asyncio.create_task(self._send_slowly())
        return self

    async def _send_slowly(self) -> None:
        with contextlib.suppress(ConnectionError):
            while True:
                await asyncio.sleep(self.interval)
                for byte in self.step:
                    self._writer.write(bytes([byte]))
                    await self._writer.drain()
                    self.sent += 1

    def answered(self) -> bool:
        """Whether the server has sent anything back (or closed the connection)."""
        return self._reader.at_eof() or len(getattr(self._reader, "_buffer", b"")) > 0

    async def response(self, timeout: float) -> tuple[int, dict, dict | None]:
        """The server's answer: status, headers (lower-case names), JSON body."""
        async with asyncio.timeout(timeout):
            status_line = await self._reader.readline()
            status = int(status_line.split()[1])
            headers = {}
            while (line := await self._reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            body = await self._reader.readexactly(length) if length else b""
        return status, headers, json.loads(body) if body else None

    async def close(self) -> None:
        if self._trickle is not None:
            self._trickle.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._trickle
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()


async def timed(coro) -> tuple[float, object]:
    """(seconds taken, result) of awaiting `coro`."""
    started = time.perf_counter()
    result = await coro
    return time.perf_counter() - started, result
