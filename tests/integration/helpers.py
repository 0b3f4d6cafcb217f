"""Helpers for integration tests: uploads, following a socket, reading the database."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from pathlib import Path

import aiohttp
import psycopg

TERMINAL = {"complete", "failed", "cancelled"}


async def upload(client, path: Path, **fields) -> dict:
    form = aiohttp.FormData()
    for key, value in fields.items():
        form.add_field(key, str(value))
    form.add_field("file", path.read_bytes(), filename=path.name)
    response = await client.post("/api/v1/batch/upload", data=form)
    body = await response.json()
    assert response.status == 202, body
    return body


async def follow(client, job_id: str, timeout: float = 120, **params) -> tuple[list[dict], int | None]:
    """Every message of the job's socket until the server closes it; and the close code."""
    messages = []
    async with client.ws_connect(f"/ws/batch/{job_id}", params=params or None) as ws:
        async with asyncio.timeout(timeout):
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    messages.append(msg.json())
        return messages, ws.close_code


async def wait_for_status(client, job_id: str, predicate, timeout: float = 60) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            body = await (await client.get(f"/api/v1/batch/{job_id}/status")).json()
            if predicate(body):
                return body
            await asyncio.sleep(0.05)


def assert_monotonic(messages: list[dict]) -> None:
    for before, after in zip(messages, messages[1:]):
        assert after["processed"] >= before["processed"], (before, after)
        assert after["progress"] >= before["progress"], (before, after)
        assert after["seq"] > before["seq"], (before, after)
    for message in messages:
        assert 0 <= message["processed"] <= message["total"]
        assert 0 <= message["progress"] <= 100
        assert message["status"] in {"processing", "complete", "failed", "cancelled"}
        assert isinstance(message["eta_seconds"], int)


def count_rows(database_url: str, table: str, job_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            psycopg.sql.SQL("SELECT count(*) FROM {} WHERE job_id = %s").format(psycopg.sql.Identifier(table)),
            (job_id,),
        ).fetchone()[0]


def raw_websocket(host: str, port: int, path: str) -> socket.socket:
    """A WebSocket handshake over a plain blocking socket with a tiny receive buffer, nothing read:
    a client that does not keep up. `read_frames` reads it later (in a thread)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.connect((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    return sock


def read_frames(sock: socket.socket, timeout: float = 20) -> list[tuple[int, bytes]]:
    """(opcode, payload) of every frame after the handshake, up to and including a close frame."""
    sock.settimeout(timeout)
    data = bytearray()
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    assert data.startswith(b"HTTP/1.1 101"), bytes(data[:80])
    del data[:data.index(b"\r\n\r\n") + 4]
    frames: list[tuple[int, bytes]] = []
    while True:
        while len(data) >= 2:
            length, start = data[1] & 0x7F, 2
            if length == 126:
                length, start = int.from_bytes(data[2:4], "big"), 4
            elif length == 127:
                length, start = int.from_bytes(data[2:10], "big"), 10
            if len(data) < start + length:
                break
            frames.append((data[0] & 0x0F, bytes(data[start:start + length])))
            del data[:start + length]
            if frames[-1][0] == 0x8:
                return frames
        chunk = sock.recv(1 << 20)
        if not chunk:
            return frames
        data += chunk
