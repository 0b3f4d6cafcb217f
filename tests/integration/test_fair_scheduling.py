"""Fair scheduling end to end: real PostgreSQL, real broker, real worker threads in-process.

With a FIFO queue a job waits behind every chunk uploaded before it; here a small job uploaded
behind a big one is served within about one chunk, and the big one still finishes. The jobs share
molecules, so they audit afresh (reuse=false): the result cache would otherwise blur the shares.
"""

from __future__ import annotations

import asyncio

import pytest

from service.app import create_app
from tests.integration.helpers import count_rows, upload, wait_for_status
from tests.support.molecules import write_csv

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings))


async def test_a_small_job_overtakes_a_big_one_uploaded_before_it(client, start_worker, tmp_path, database_url):
    start_worker(threads=2)
    big = (await upload(client, write_csv(tmp_path / "big.csv", 2_000), reuse="false"))["job_id"]  # 40 chunks of 50
    await wait_for_status(client, big, lambda s: s["processed"] > 0)
    small = (await upload(client, write_csv(tmp_path / "small.csv", 50), reuse="false"))["job_id"]
    await wait_for_status(client, small, lambda s: s["status"] == "complete")
    at_small_end = await (await client.get(f"/api/v1/batch/{big}/status")).json()
    # FIFO would finish all 2,000 first; a fair claim serves the small job after a chunk or two.
    assert at_small_end["status"] == "processing" and at_small_end["processed"] <= 1_000, at_small_end
    final = await wait_for_status(client, big, lambda s: s["status"] == "complete", timeout=180)
    assert final["processed"] == 2_000 and count_rows(database_url, "results", big) == 2_000


async def test_a_big_job_is_not_starved_by_small_jobs_that_keep_arriving(client, start_worker, tmp_path, database_url):
    start_worker(threads=2)
    big = (await upload(client, write_csv(tmp_path / "big.csv", 600), reuse="false"))["job_id"]
    smalls = []
    progress_seen = []
    for n in range(12):
        smalls.append((await upload(client, write_csv(tmp_path / f"small{n}.csv", 50), reuse="false"))["job_id"])
        progress_seen.append((await (await client.get(f"/api/v1/batch/{big}/status")).json())["processed"])
        await asyncio.sleep(0.25)
    final = await wait_for_status(client, big, lambda s: s["status"] == "complete", timeout=180)
    assert final["processed"] == 600 and count_rows(database_url, "results", big) == 600
    # It kept its share while the small jobs arrived, rather than waiting for all of them.
    assert progress_seen[-1] > 0, progress_seen
    for job_id in smalls:
        done = await wait_for_status(client, job_id, lambda s: s["status"] == "complete", timeout=60)
        assert done["processed"] == 50


async def test_a_high_priority_job_outpaces_a_normal_one_of_the_same_owner(client, start_worker, tmp_path):
    normal = (await upload(client, write_csv(tmp_path / "normal.csv", 1_000), reuse="false"))["job_id"]
    high = (await upload(client, write_csv(tmp_path / "high.csv", 1_000), priority="high", reuse="false"))["job_id"]
    start_worker(threads=1)  # both are queued before any worker runs: the rule alone decides
    await wait_for_status(client, high, lambda s: s["status"] == "complete", timeout=120)
    at_high_end = await (await client.get(f"/api/v1/batch/{normal}/status")).json()
    assert at_high_end["processed"] <= 600, at_high_end  # weights 4 : 2, so about half of it


async def test_an_invalid_priority_is_refused_with_422(client, tmp_path):
    form_path = write_csv(tmp_path / "x.csv", 5)
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("priority", "urgent")
    form.add_field("file", form_path.read_bytes(), filename="x.csv")
    response = await client.post("/api/v1/batch/upload", data=form)
    body = await response.json()
    assert response.status == 422 and body["error"] and "priority" in body["detail"]


async def test_metrics_show_running_jobs_and_queued_chunks_per_owner(client, tmp_path):
    await upload(client, write_csv(tmp_path / "a.csv", 500))  # 10 chunks of 50, no worker yet
    await upload(client, write_csv(tmp_path / "b.csv", 120))  # 3 chunks
    text = await (await client.get("/metrics")).text()
    values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
              if line.startswith("chemaudit_owner_")}
    assert values['chemaudit_owner_running_jobs{owner="anonymous"}'] == 2
    assert values['chemaudit_owner_queued_chunks{owner="anonymous"}'] == 13
    assert values['chemaudit_owner_chunks_in_flight{owner="anonymous"}'] == 0
