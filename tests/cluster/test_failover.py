"""Database failover: a primary and a synchronous hot standby on two hosts, the service given
both in its URL; the primary is killed mid-job and the standby promoted."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest

from chemaudit.db import migrate
from tests.cluster import jobs
from tests.cluster.conftest import Deployment
from tests.cluster.services import Services


def _wait_sync_standby(primary_url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(primary_url, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"
                           ).fetchone()[0] < 1:
            assert time.monotonic() < deadline, "the standby never became synchronous"
            time.sleep(0.2)


@pytest.fixture(scope="module")
def failover(network, server_root, tmp_path_factory):
    primary = server_root.server(network.hosts["db"], "primary").init()
    # Only on the command line, so the standby (a copy of the data folder) does not inherit it
    # and, once promoted, does not wait for a standby of its own.
    primary.start(synchronous_standby_names="*", synchronous_commit="on")
    standby = server_root.server(network.hosts["db2"], "standby").init_standby_of(primary).start()
    _wait_sync_standby(primary.url())
    migrate.upgrade(primary.url())
    url = (f"postgresql://postgres@{primary.address},{standby.address}/postgres"
           "?target_session_attrs=read-write&connect_timeout=3")
    services = Services(url, tmp_path_factory.mktemp("failover-logs"))
    try:
        services.start([network.hosts["web1"], network.hosts["web2"]],
                       [network.hosts["worker1"], network.hosts["worker2"]])
        deployment = Deployment(network, services, url)
        deployment.primary, deployment.standby = primary, standby
        yield deployment
    finally:
        services.stop()
        standby.stop()
        primary.stop()


def _committed(url: str, job_id: str) -> tuple[int, set[int]]:
    with psycopg.connect(url, connect_timeout=5) as conn:
        processed = conn.execute("SELECT processed FROM jobs WHERE id = %s", (job_id,)).fetchone()[0]
        rows = conn.execute("SELECT idx FROM result_rows WHERE job_id = %s", (job_id,)).fetchall()
    return processed, {idx for (idx,) in rows}


class HealthLog:
    """Every /health answer of the web nodes, with when its request started and ended."""

    def __init__(self, webs):
        self.webs = webs
        self.samples: list[tuple[float, float, str, int, str]] = []

    async def run(self) -> None:
        while True:
            for web in self.webs:
                started = time.monotonic()
                try:
                    status, body = await asyncio.to_thread(web.health)
                    database = body["database"]
                except OSError:
                    status, database = 0, "unanswered"
                self.samples.append((started, time.monotonic(), web.base, status, database))
            await asyncio.sleep(0.2)

    def between(self, start: float, end: float) -> list[tuple]:
        return [s for s in self.samples if s[0] >= start and s[1] <= end]


async def test_primary_killed_standby_promoted_mid_job(failover, tmp_path):
    total = 1_200
    web1, web2 = failover.web1, failover.web2
    job_id = await jobs.start_job(web1.base, tmp_path, total)
    followers = [jobs.follow(job_id, web.ws_base) for web in (web1, web2)]
    reconnects = {web.base: (await asyncio.to_thread(web.health))[1]["listener_reconnects"] for web in (web1, web2)}
    health = HealthLog([web1, web2])
    sampler = asyncio.create_task(health.run())
    try:
        await jobs.wait_processed(web1.base, job_id, 200)
        before_processed, before_rows = _committed(failover.primary.url(), job_id)
        await asyncio.to_thread(failover.primary.kill)
        killed = time.monotonic()
        # Synchronous commit: what the primary had committed is on the standby already.
        on_standby_processed, on_standby_rows = _committed(failover.standby.url(), job_id)
        assert on_standby_processed >= before_processed and before_rows <= on_standby_rows
        await asyncio.sleep(3)  # no primary at all for a while: /health must say so
        promoting = time.monotonic()
        await asyncio.to_thread(failover.standby.promote)
        for web in (web1, web2):
            body = await _healthy(web)
            assert body["listener_reconnects"] > reconnects[web.base]  # it follows the new primary
        await asyncio.gather(*(task for _, task in followers))
    finally:
        sampler.cancel()
    for follower, _ in followers:
        follower.check(total)
    jobs.check_results(failover.standby.url(), job_id, total)
    _, after_rows = _committed(failover.standby.url(), job_id)
    assert before_rows <= after_rows
    without_primary = health.between(killed, promoting)
    assert without_primary and all(s[3] == 503 and s[4] == "down" for s in without_primary), without_primary
    assert any(s[3] == 200 for s in health.samples if s[0] >= promoting)


async def _healthy(web, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status, body = await asyncio.to_thread(web.health)
        if status == 200:
            return body
        assert time.monotonic() < deadline, f"{web.base} never healthy again: {body}"
        await asyncio.sleep(0.2)
