"""The cluster itself: a job uploaded on one web host, followed on both, done by both worker hosts."""

from __future__ import annotations

import asyncio

from tests.cluster import jobs


async def test_job_across_hosts(deployment, tmp_path):
    total = 300
    job_id = await jobs.start_job(deployment.web1.base, tmp_path, total)
    followers = [jobs.follow(job_id, web.ws_base) for web in (deployment.web1, deployment.web2)]
    for follower, task in followers:
        await task
        follower.check(total)
    jobs.check_results(deployment.database_url, job_id, total)
    status, body = await asyncio.to_thread(deployment.web2.health)
    assert status == 200 and body["listener"] == "up"
