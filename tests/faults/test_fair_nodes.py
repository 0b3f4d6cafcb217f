"""Fair scheduling across worker nodes: two `chemaudit worker` processes claim by the same rule."""

from __future__ import annotations

import asyncio

import pytest

from tests.faults import client
from tests.faults.cluster import Cluster
from tests.support.molecules import write_csv

pytestmark = pytest.mark.faults


async def test_two_worker_nodes_serve_a_small_job_before_a_big_one_ends(fresh_database, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    node_a = Cluster(fresh_database, tmp_path / "a").start_web().start_workers(1)
    node_b = Cluster(fresh_database, tmp_path / "b").start_workers(1)
    try:
        big = (await client.upload(node_a.base, write_csv(tmp_path / "big.csv", 2_000)))["job_id"]
        await client.wait_status(node_a.base, big, lambda s: s["processed"] >= 100)
        small = (await client.upload(node_a.base, write_csv(tmp_path / "small.csv", 100)))["job_id"]
        follower = asyncio.create_task(client.follow(node_a.ws_base, big))
        small_messages, _ = await client.follow(node_a.ws_base, small)
        at_small_end = await client.status(node_a.base, big)
        assert small_messages[-1]["status"] == "complete" and small_messages[-1]["processed"] == 100
        assert at_small_end["status"] == "processing" and at_small_end["processed"] <= 1_500, at_small_end
        big_messages, _ = await follower
        client.check_stream(big_messages)
        assert big_messages[-1]["status"] == "complete" and big_messages[-1]["processed"] == 2_000
        for job_id, total in ((big, 2_000), (small, 100)):
            counts = client.result_counts(fresh_database, job_id)
            assert counts["rows"] == counts["distinct"] == total
    finally:
        node_a.stop()
        node_b.stop()
