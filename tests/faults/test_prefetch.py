"""Real worker processes hold at most one chunk message per thread, so none hoards work."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from tests.faults import client
from tests.support.molecules import write_csv

pytestmark = pytest.mark.faults


def held_per_worker(database_url: str) -> list[int]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT count(*) FROM dramatiq.queue WHERE state = 'consumed' GROUP BY worker_id"
                            ).fetchall()
    return [r[0] for r in rows]


async def test_each_worker_holds_one_chunk_at_a_time(make_cluster, tmp_path, fresh_database):
    cluster = make_cluster().start_web().start_workers(2)  # chunks of 50 molecules
    cluster.wait_worker_pids(2)
    job_id = (await client.upload(cluster.base, write_csv(tmp_path / "nci.csv", 1_000)))["job_id"]
    samples: list[list[int]] = []
    while (await client.status(cluster.base, job_id))["status"] == "processing":
        samples.append(await asyncio.to_thread(held_per_worker, fresh_database))
        await asyncio.sleep(0.05)
    assert (await client.status(cluster.base, job_id))["status"] == "complete"
    busy = [s for s in samples if s]
    assert len(busy) >= 5, "the job ran without ever being seen in progress"
    assert max(max(s) for s in busy) == 1, f"a worker held several chunks: {max(busy, key=max)}"
