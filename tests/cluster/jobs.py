"""Jobs through the cluster: an upload of real molecules, socket followers, the final checks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg

from tests.faults.client import TERMINAL, wait_status
from tests.support.molecules import write_csv


async def upload(base: str, path: Path) -> dict:
    """Upload with reuse off, so every molecule is audited (no result comes from the cache)."""
    async with aiohttp.ClientSession() as session:
        form = aiohttp.FormData()
        form.add_field("file", path.read_bytes(), filename=path.name)
        form.add_field("reuse", "false")
        async with session.post(f"{base}/api/v1/batch/upload", data=form) as response:
            body = await response.json()
            assert response.status == 202, body
            return body


async def start_job(base: str, tmp_path: Path, count: int) -> str:
    return (await upload(base, write_csv(tmp_path / f"nci-{count}.csv", count)))["job_id"]


@dataclass
class Follower:
    """A socket client that reconnects with after_seq, to the web node `bases()` names now."""

    job_id: str
    bases: list[str]  # the ws base it uses; the test may change it (move to the other node)
    messages: list[dict] = field(default_factory=list)
    segments: list[int] = field(default_factory=list)  # index in messages where each connection began
    after_seqs: list[int] = field(default_factory=list)

    async def run(self, timeout: float = 150) -> Follower:
        async with asyncio.timeout(timeout), aiohttp.ClientSession() as session:
            while not self.done:
                after = self.messages[-1]["seq"] if self.messages else 0
                params = {"after_seq": after} if after else None
                self.segments.append(len(self.messages))
                self.after_seqs.append(after)
                try:
                    async with session.ws_connect(f"{self.bases[0]}/ws/batch/{self.job_id}",
                                                  params=params, heartbeat=None) as ws:
                        self.socket = ws
                        async for msg in ws:
                            if msg.type == aiohttp.WSMsgType.TEXT:
                                self.messages.append(msg.json())
                except (aiohttp.ClientError, OSError):
                    pass
                if not self.done:
                    await asyncio.sleep(0.2)
        return self

    @property
    def done(self) -> bool:
        return bool(self.messages) and self.messages[-1]["status"] in TERMINAL

    @property
    def reconnects(self) -> int:
        return len(self.segments) - 1

    async def move_to(self, base: str) -> None:
        """Leave the current node and reconnect to `base` with after_seq."""
        self.bases[0] = base
        socket = getattr(self, "socket", None)
        if socket is not None and not socket.closed:
            await socket.close()

    def check(self, total: int) -> None:
        """Terminal `complete` seen; from the first message on, every seq once and none missing."""
        assert self.messages, "the client saw nothing"
        last = self.messages[-1]
        assert last["status"] == "complete" and last["processed"] == total, last
        seqs = [m["seq"] for m in self.messages]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"gap or repeat in {seqs}"
        for before, after in zip(self.messages, self.messages[1:]):
            assert after["processed"] >= before["processed"] and after["progress"] >= before["progress"]
        assert all(m["processed"] <= m["total"] for m in self.messages)


def follow(job_id: str, ws_base: str) -> tuple[Follower, asyncio.Task]:
    follower = Follower(job_id, [ws_base])
    return follower, asyncio.create_task(follower.run())


def check_results(database_url: str, job_id: str, total: int) -> None:
    """The job ended complete with exactly one result row per input record."""
    with psycopg.connect(database_url, connect_timeout=10) as conn:
        status, processed = conn.execute("SELECT status, processed FROM jobs WHERE id = %s",
                                         (job_id,)).fetchone()
        rows, distinct = conn.execute("SELECT count(*), count(DISTINCT idx) FROM results WHERE job_id = %s",
                                      (job_id,)).fetchone()
    assert (status, processed) == ("complete", total)
    assert rows == distinct == total, f"{rows} rows, {distinct} distinct indexes, {total} records"


async def wait_processed(base: str, job_id: str, at_least: int, timeout: float = 120) -> dict:
    return await wait_status(base, job_id, lambda s: s["processed"] >= at_least, timeout)
