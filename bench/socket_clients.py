"""The clients of the sockets benchmark (bench/sockets.py): lean WebSocket readers in child processes.

Each client is a bare non-blocking socket read by an event-loop reader callback (no client
library). Two stamps per read: the kernel's own receive time of the data (SO_TIMESTAMPNS, Linux:
when the bytes reached this socket, however long this process then took to read them) and the
time the process read it. The first is the latency figure: so the client processes, which share
the two cores with the server and run at the lowest CPU priority (nice 19) to leave them to it,
are not what is measured. When two frames come in one read, both carry the later receive time
(never an earlier one), and so does a frame that sat unread when the next one came: the kernel
merges a TCP socket's unread segments and keeps the newest one's time. A job's terminal message
read after the close frame arrived therefore carries the close frame's time, which is kept too,
so the benchmark can tell such stamps (upper bounds) apart. Only each text frame's `seq` is kept (a regular expression, no JSON
parse); the first frame is the snapshot sent on connect; the close frame's code is kept.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import socket
import struct
import time

from bench.common import raise_open_files

SEQ = re.compile(rb'"seq": (\d+)')
CONNECT_CONCURRENCY = 25  # per process: under the server's listen backlog (128) for 4 processes
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux's value (asm-generic/socket.h)
NICE = 19


def kernel_time(ancillary: list[tuple[int, int, bytes]], default: float) -> float:
    """The kernel's receive time in a recvmsg's ancillary data (SO_TIMESTAMPNS), else `default`."""
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
            seconds, nanoseconds = struct.unpack("qq", payload[:16])
            return seconds + nanoseconds / 1e9
    return default


class Client:
    def __init__(self, sock: socket.socket, snapshot: asyncio.Future, done: asyncio.Future):
        self.sock, self.snapshot, self.done = sock, snapshot, done
        self.buffer = bytearray()
        self.upgraded = False
        self.snapshot_seq: int | None = None
        self.seqs: list[int] = []
        self.kernel_times: list[float] = []
        self.read_times: list[float] = []
        self.close_code: int | None = None
        self.close_at: float | None = None  # the kernel's receive time stamped on the close frame

    def readable(self) -> None:
        try:
            data, ancillary, _flags, _address = self.sock.recvmsg(65536, 64)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._finish(exc)
            return
        read_at = time.time()
        if not data:
            self._finish(None)
            return
        self._feed(data, kernel_time(ancillary, read_at), read_at)

    def _feed(self, data: bytes, kernel_at: float, read_at: float) -> None:
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
                    self.kernel_times.append(kernel_at)
                    self.read_times.append(read_at)
            elif opcode == 0x8:  # the server closes after the terminal message: answer and go
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self.close_at = kernel_at
                mask = os.urandom(4)  # client frames are always masked
                reply = payload[:2] or (1000).to_bytes(2, "big")
                try:
                    self.sock.send(bytes([0x88, 0x80 | len(reply)]) + mask
                                   + bytes(b ^ mask[i % 4] for i, b in enumerate(reply)))
                except OSError:
                    pass
                self._finish(None)
                return

    def _finish(self, exc: BaseException | None) -> None:
        if self.sock.fileno() >= 0:
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            self.sock.close()
        for future in (self.snapshot, self.done):
            if not future.done():
                if exc is None:
                    future.set_result(False)
                else:
                    future.set_exception(exc)


def _request(host: str, port: int, path: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()


async def _run(host: str, port: int, assignment: list[tuple[int, int, str]], ready, finish) -> dict:
    loop = asyncio.get_running_loop()
    semaphore = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failures: list[str] = []
    clients: list[tuple[int, int, Client]] = []

    async def connect(client_no: int, job_index: int, job_id: str) -> None:
        snapshot, done = loop.create_future(), loop.create_future()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        client = Client(sock, snapshot, done)
        async with semaphore:
            try:
                await loop.sock_connect(sock, (host, port))
                await loop.sock_sendall(sock, _request(host, port, f"/ws/batch/{job_id}"))
                loop.add_reader(sock.fileno(), client.readable)
                await asyncio.wait_for(asyncio.shield(snapshot), 120)
            except (TimeoutError, OSError, RuntimeError) as exc:
                failures.append(repr(exc)[:200])
                if sock.fileno() >= 0:
                    loop.remove_reader(sock.fileno())
                    sock.close()
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
    for future in pending:  # given up on: counted as not closed by the server
        future.cancel()
    return {"clients": [(no, job, c.snapshot_seq, c.seqs, c.kernel_times, c.close_code, c.read_times, c.close_at)
                        for no, job, c in clients],
            "failures": failures, "lags": lags}


async def _sample_lag(lags: list[float], interval: float = 0.01) -> None:
    """How late a 10 ms timer of this client process fires (how long its reads wait)."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + interval
        await asyncio.sleep(interval)
        lags.append(loop.time() - due)


def client_process(host: str, port: int, assignment: list[tuple[int, int, str]], ready, finish, results) -> None:
    """Connect every (client number, job index, job id) of `assignment`, report, then read until
    every socket is closed by the server or `finish` is set; put the receipts on `results`."""
    os.nice(NICE)
    raise_open_files(len(assignment) + 256)
    out: dict = {"clients": [], "failures": ["did not run"]}
    try:
        out = asyncio.run(_run(host, port, assignment, ready, finish))
    finally:
        results.put(out)
