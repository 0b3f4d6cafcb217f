"""The floor under the sockets benchmark: one event to N sockets with nothing but `send()`.

No server, no event loop, no framework: this process accepts N loopback TCP connections from a
reader process (at nice 19 and with SO_TIMESTAMPNS, like bench/socket_clients.py), then, per
round, writes one ready-made progress frame to each socket in a plain Python loop. What that
takes is what one event to N sockets costs this machine's kernel (on loopback it runs the TCP of
both ends in the sender's `send()`) plus the least Python can add: no server can fan out faster
here, so when the floor's p99 is over the target, so is every server's on this machine. Printed:
the loop's wall time, its user and system CPU per send, and the latency from the round's start
to each socket's kernel receive time, measured the same way as the benchmark's.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import resource
import selectors
import socket
import threading
import time

from bench.common import percentile, raise_open_files
from bench.socket_clients import NICE, SEQ, SO_TIMESTAMPNS, kernel_time
from service.progress.socket_io import text_frame

PAUSE = 0.5  # between rounds: the reader drains, the next round starts on idle sockets


def progress_frame(seq: int) -> bytes:
    """A frame of the size the service sends (a progress message of a real job)."""
    message = {"job_id": "0b6f7c1e-5d3a-4f0e-9a8b-2c4d6e8f0a1b", "status": "processing", "progress": 41.5,
               "processed": 4150, "total": 10000, "eta_seconds": 12, "seq": seq}
    return text_frame(json.dumps(message).encode())


def _reader(port: int, count: int, ready, results) -> None:
    """Child: open `count` connections, read every frame, report (seq, kernel receive time)s."""
    os.nice(NICE)
    raise_open_files(count + 256)
    selector = selectors.DefaultSelector()
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    ready.put(count)
    received: list[tuple[int, float]] = []
    open_ = count
    while open_:
        for key, _ in selector.select(timeout=5):
            sock = key.fileobj
            data, ancillary, _flags, _addr = sock.recvmsg(65536, 64)
            if not data:
                selector.unregister(sock)
                sock.close()
                open_ -= 1
                continue
            at = kernel_time(ancillary, time.time())
            received += [(int(seq), at) for seq in SEQ.findall(data)]
    results.put(received)


def _accept(listener: socket.socket, count: int, into: list[socket.socket]) -> None:
    while len(into) < count:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.setblocking(False)
        into.append(conn)


def _wait_ready(ready, reader) -> None:
    deadline = time.monotonic() + 300
    while True:
        try:
            ready.get(timeout=1)
            return
        except queue.Empty:
            if reader.exitcode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the floor's reader did not connect (exit code {reader.exitcode})") from None


def _send_all(slices: list[list[socket.socket]], frame: bytes) -> None:
    """One frame to every socket: a plain loop, or one thread per slice (send() releases the GIL,
    so the kernel's part runs on every core at once, as in several server processes)."""
    if len(slices) == 1:
        for conn in slices[0]:
            conn.send(frame)
        return
    threads = [threading.Thread(target=_send_all, args=([part], frame)) for part in slices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def measure_floor(count: int, rounds: int = 10, senders: int = 1) -> dict:
    """Per round: wall time of the send loop, CPU per send, latencies to every socket."""
    raise_open_files(2 * count + 1024)
    listener = socket.create_server(("127.0.0.1", 0), backlog=min(count, 4096))
    port = listener.getsockname()[1]
    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    reader = context.Process(target=_reader, args=(port, count, ready, results), daemon=True)
    conns: list[socket.socket] = []
    acceptor = threading.Thread(target=_accept, args=(listener, count, conns), daemon=True)
    acceptor.start()
    reader.start()
    try:
        _wait_ready(ready, reader)
        acceptor.join(timeout=60)
        slices = [conns[n::senders] for n in range(senders)]
        started: dict[int, float] = {}
        walls, cpu = [], [0.0, 0.0]
        for seq in range(1, rounds + 1):
            frame = progress_frame(seq)
            time.sleep(PAUSE)
            before = resource.getrusage(resource.RUSAGE_SELF)
            started[seq] = time.time()
            t0 = time.perf_counter()
            _send_all(slices, frame)
            walls.append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_SELF)
            cpu[0] += after.ru_utime - before.ru_utime
            cpu[1] += after.ru_stime - before.ru_stime
        time.sleep(PAUSE)
        for conn in conns:
            conn.close()
        received = results.get(timeout=120)
    finally:
        listener.close()
        reader.join(10)
        if reader.is_alive():
            reader.kill()
    latency = [at - started[seq] for seq, at in received if seq in started]
    sends = count * rounds
    return {"sockets": count, "rounds": rounds, "senders": senders, "received": len(received), "expected": sends,
            "wall": sorted(walls), "user_us": 1e6 * cpu[0] / sends, "system_us": 1e6 * cpu[1] / sends,
            "p50": percentile(latency, 50), "p99": percentile(latency, 99)}
