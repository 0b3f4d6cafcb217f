"""What a careful client does: upload, follow with reconnects (`after_seq`), poll status."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import psycopg

TERMINAL = {"complete", "failed", "cancelled"}


async def upload(base: str, path: Path, headers: dict | None = None) -> dict:
    async with aiohttp.ClientSession(headers=headers) as session:
        form = aiohttp.FormData()
        form.add_field("file", path.read_bytes(), filename=path.name)
        async with session.post(f"{base}/api/v1/batch/upload", data=form) as response:
            body = await response.json()
            assert response.status == 202, body
            return body


async def status(base: str, job_id: str) -> dict:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/api/v1/batch/{job_id}/status") as response:
            return await response.json()


async def wait_status(base: str, job_id: str, predicate, timeout: float = 120) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            try:
                body = await status(base, job_id)
                if predicate(body):
                    return body
            except aiohttp.ClientError:
                pass  # the web node may be restarting
            await asyncio.sleep(0.1)


async def follow(ws_base: str, job_id: str, timeout: float = 180) -> tuple[list[dict], int]:
    """Every message until a terminal one, reconnecting with after_seq; and the reconnect count."""
    messages: list[dict] = []
    reconnects = -1
    async with asyncio.timeout(timeout), aiohttp.ClientSession() as session:
        while not messages or messages[-1]["status"] not in TERMINAL:
            reconnects += 1
            params = {"after_seq": messages[-1]["seq"]} if messages else None
            try:
                async with session.ws_connect(f"{ws_base}/ws/batch/{job_id}", params=params) as ws:
                    async for msg in ws:
                        if msg.type == aiohttp.WSMsgType.TEXT:
                            messages.append(msg.json())
            except aiohttp.ClientError:
                pass
            if not messages or messages[-1]["status"] not in TERMINAL:
                await asyncio.sleep(0.2)
    return messages, reconnects


def check_stream(messages: list[dict]) -> None:
    seqs = [m["seq"] for m in messages]
    assert seqs == sorted(set(seqs)), f"repeated or out-of-order messages: {seqs}"
    for before, after in zip(messages, messages[1:]):
        assert after["processed"] >= before["processed"]
        assert after["progress"] >= before["progress"]
    assert all(m["processed"] <= m["total"] for m in messages)


def result_counts(database_url: str, job_id: str) -> dict:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'error'), count(DISTINCT idx)"
            " FROM results WHERE job_id = %s", (job_id,)).fetchone()
    return {"rows": row[0], "errors": row[1], "distinct": row[2]}
