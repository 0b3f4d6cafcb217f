"""The clients of the sockets benchmark (bench/sockets.py): lean WebSocket readers in child processes.

Each client is a bare asyncio Protocol (no client library): it stamps the bytes with time.time()
the moment `data_received` sees them, cuts frames, and keeps only each text frame's `seq` (read
with a regular expression, not a JSON parse) and that stamp. Its first frame is the snapshot the
server sends on connect; the close frame's code is kept. So a client process costs little more
than its sockets' reads, and on 2 cores the clients take as little CPU as they can from the
server they measure.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import time

from bench.common import raise_open_files

SEQ = re.compile(rb'"seq": (\d+)')
CONNECT_CONCURRENCY = 25  # per process: under the server's listen backlog (128) for 4 processes


class Client(asyncio.Protocol):
    def __init__(self, host: str, path: str, snapshot: asyncio.Future, done: asyncio.Future):
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode()
        self.snapshot, self.done = snapshot, done
        self.buffer = bytearray()
        self.upgraded = False
        self.transport: asyncio.Transport | None = None
        self.snapshot_seq: int | None = None
        self.seqs: list[int] = []
        self.times: list[float] = []
        self.close_code: int | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer
        buffer += data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status_line = bytes(buffer[:buffer.find(b"\r\n")])
            if b" 101 " not in status_line:
                self._finish(RuntimeError(status_line.decode(errors="replace")))
                return
            self.upgraded = True
            del buffer[:end + 4]
        while len(buffer) >= 2:
            opcode, length, pos = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, pos = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, pos = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < pos + length:
                return
            payload = bytes(buffer[pos:pos + length])
            del buffer[:pos + length]
            if opcode == 0x1:
                found = SEQ.search(payload)
                seq = int(found.group(1)) if found else -1
                if self.snapshot_seq is None:
                    self.snapshot_seq = seq
                    if not self.snapshot.done():
                        self.snapshot.set_result(True)
                else:
                    self.seqs.append(seq)
                    self.times.append(now)
            elif opcode == 0x8:  # the server closes after the terminal message: answer and go
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self._send_close(payload[:2] or (1000).to_bytes(2, "big"))
                assert self.transport is not None
                self.transport.close()
                self._finish(None)
                return

    def _send_close(self, payload: bytes) -> None:
        mask = os.urandom(4)  # client frames are always masked
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        assert self.transport is not None
        self.transport.write(bytes([0x88, 0x80 | len(payload)]) + mask + masked)

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


async def _run(host: str, port: int, assignment: list[tuple[int, int, str]], ready, finish) -> dict:
    loop = asyncio.get_running_loop()
    semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failures: list[str] = []
    clients: list[tuple[int, int, Client]] = []

    async def connect(client_no: int, job_index: int, job_id: str) -> None:
        snapshot, done = loop.create_future(), loop.create_future()
        async with semaphore:
            try:
                _transport, client = await loop.create_connection(
                    lambda: Client(f"{host}:{port}", f"/ws/batch/{job_id}", snapshot, done), host, port)
                await asyncio.wait_for(asyncio.shield(snapshot), 120)
            except (TimeoutError, OSError, RuntimeError) as exc:
                failures.append(repr(exc)[:200])
                return
        clients.append((client_no, job_index, client))

    await asyncio.gather(*(connect(*entry) for entry in assignment))
    ready.put((os.getpid(), len(clients), failures[:3], len(failures)))
    lags: list[float] = []
    sampler = asyncio.create_task(_sample_lag(lags))
    pending = {client.done for _no, _job, client in clients}
    while pending and not finish.is_set():
        _done, pending = await asyncio.wait(pending, timeout=0.2)
    sampler.cancel()
    for future in pending:  # given up on: closed by us, and counted as not closed by the server
        future.cancel()
    return {"clients": [(no, job, c.snapshot_seq, c.seqs, c.times, c.close_code) for no, job, c in clients],
            "failures": failures, "lags": lags}


async def _sample_lag(lags: list[float], interval: float = 0.01) -> None:
    """How late a 10 ms timer of this client process fires: how long a frame may wait here,
    unread, before its stamp (the client's own share of a measured latency)."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + interval
        await asyncio.sleep(interval)
        lags.append(loop.time() - due)


def client_process(host: str, port: int, assignment: list[tuple[int, int, str]], ready, finish, results) -> None:
    """Connect every (client number, job index, job id) of `assignment`, report, then read until
    every socket is closed by the server or `finish` is set; put the receipts on `results`."""
    raise_open_files(len(assignment) + 256)
    out: dict = {"clients": [], "failures": ["did not run"]}
    try:
        out = asyncio.run(_run(host, port, assignment, ready, finish))
    finally:
        results.put(out)
