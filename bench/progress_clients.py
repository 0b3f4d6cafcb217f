"""The clients of the progress benchmark (bench/progress.py), run in child processes.

A minimal WebSocket client on a bare asyncio Protocol: it stamps each frame in data_received, the
earliest moment the process sees it, and costs a fraction of a full client library's CPU per
message (on 2 cores the clients share the CPU with the server they measure).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time

from bench.common import raise_open_files


class _Socket(asyncio.Protocol):
    def __init__(self, host: str, path: str, job_index: int, sink: list, done: asyncio.Future,
                 snapshot: asyncio.Future):
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode()
        self.job_index, self.sink, self.done, self.snapshot = job_index, sink, done, snapshot
        self.buffer = bytearray()
        self.upgraded = False
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in self.buffer[:end].split(b"\r\n", 1)[0]:
                self._finish(RuntimeError(bytes(self.buffer[:80]).decode(errors="replace")))
                return
            self.upgraded = True
            del self.buffer[:end + 4]
        while len(self.buffer) >= 2:
            opcode, length, pos = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F, 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                length, pos = int.from_bytes(self.buffer[2:4], "big"), 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                length, pos = int.from_bytes(self.buffer[2:10], "big"), 10
            if len(self.buffer) < pos + length:
                return
            payload = bytes(self.buffer[pos:pos + length])
            del self.buffer[:pos + length]
            if opcode == 0x1:
                self._text(payload, now)
            elif opcode == 0x8:  # the server closes after the terminal message: answer and go
                self._send(0x8, payload[:2] or (1000).to_bytes(2, "big"))
                self.transport.close()
                self._finish(None)
                return

    def _text(self, payload: bytes, now: float) -> None:
        data = json.loads(payload)
        if not self.snapshot.done():
            self.snapshot.set_result(True)  # the current state, sent at once on connect
            return
        self.sink.append((self.job_index, data["seq"], now))

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)  # client frames are always masked
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def _finish(self, exc: BaseException | None) -> None:
        for future in (self.snapshot, self.done):
            if not future.done():
                if exc is None:
                    future.set_result(False)
                else:
                    future.set_exception(exc)
        if exc is not None and self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self._finish(exc)


async def _clients(ws_base: str, job_ids: list[tuple[int, str]], deadline: float, ready) -> dict:
    loop = asyncio.get_running_loop()
    host_port = ws_base.split("://", 1)[1]
    host, port = host_port.rsplit(":", 1)
    receipts: list[tuple[int, int, float]] = []  # (job index, seq, time.time() at receipt)
    failures: list[str] = []
    semaphore = asyncio.Semaphore(50)
    sockets = []

    async def connect(job_index: int, job_id: str):
        snapshot, done = loop.create_future(), loop.create_future()
        async with semaphore:
            try:
                await loop.create_connection(
                    lambda: _Socket(host_port, f"/ws/batch/{job_id}", job_index, receipts, done, snapshot),
                    host, int(port))
                await asyncio.wait_for(asyncio.shield(snapshot), 60)
            except (TimeoutError, OSError, RuntimeError) as exc:
                failures.append(repr(exc)[:200])
                return None
        return done

    opened = await asyncio.gather(*(connect(i, job_id) for i, job_id in job_ids))
    sockets = [done for done in opened if done is not None]
    ready.put(("ready", os.getpid(), len(sockets), failures[:3]))
    if sockets:
        finished, _pending = await asyncio.wait(sockets, timeout=max(1.0, deadline - time.time()))
        failures += [repr(f.exception())[:200] for f in finished if f.exception() is not None]
    return {"receipts": receipts, "failures": failures, "connected": len(sockets)}


def client_process(ws_base: str, job_ids: list, deadline: float, ready, results) -> None:
    raise_open_files(len(job_ids) + 256)
    out = {"receipts": [], "failures": ["did not run"], "connected": 0}
    try:
        out = asyncio.run(_clients(ws_base, job_ids, deadline, ready))
    finally:
        results.put(out)
