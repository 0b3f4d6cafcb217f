"""HTTP requests over plain sockets with a tiny receive buffer, for clients that read slowly or never."""

from __future__ import annotations

import json
import socket
import time

import psycopg


def open_get(host: str, port: int, path: str, headers: dict | None = None, rcvbuf: int = 1024) -> socket.socket:
    """Send a GET and read nothing: the answer waits in buffers that fill after a few KiB."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((host, port))
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode())
    return sock


def read_head(sock: socket.socket, timeout: float = 30) -> tuple[int, dict, bytes]:
    """Status, headers (lower-case names) and the body bytes that came with them; blocking, so
    call it in a thread. Reads little more than the head, so a stalled reader stays stalled."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(256)
        if not piece:
            raise ConnectionError(f"closed before the head: {data[:80]!r}")
        data += piece
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, rest


def read_json_answer(sock: socket.socket, timeout: float = 30) -> tuple[int, dict, dict | None]:
    """Status, headers and, for an answer that is not a 200 (an error, short), its JSON body;
    of a 200 only the head is read."""
    status, headers, body = read_head(sock, timeout)
    if status == 200:
        return status, headers, None
    while len(body) < int(headers.get("content-length", 0)):
        body += sock.recv(65536)
    return status, headers, json.loads(body)


def drain_until_closed(sock: socket.socket, timeout: float = 30) -> tuple[int, bool]:
    """Read everything until the server ends the connection: (bytes read, whether it was cut off
    rather than ended with the final chunk of a chunked body)."""
    sock.settimeout(timeout)
    total, tail = 0, b""
    try:
        while piece := sock.recv(1 << 20):
            total += len(piece)
            tail = (tail + piece)[-16:]
    except ConnectionResetError:
        return total, True
    return total, not tail.endswith(b"0\r\n\r\n")


def export_connections(database_url: str) -> int:
    """Connections the web node holds open for exports (their application_name) on this database."""
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                            " AND application_name = 'chemaudit-export'").fetchone()[0]


def wait_until(predicate, timeout: float, step: float = 0.1) -> float:
    """Seconds until `predicate()` held (blocking); AssertionError after `timeout`."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(step)
    return time.monotonic() - started
