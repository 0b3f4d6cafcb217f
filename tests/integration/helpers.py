"""Helpers for integration tests: uploads, following a socket, reading the database."""

from __future__ import annotations

import asyncio
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
