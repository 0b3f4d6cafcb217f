"""The ETA a worker writes, read from a real database: the service's rate shared by the fair rule."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from chemaudit.db import queries as q
from tasks.progress_eta import job_eta

pytestmark = pytest.mark.integration


def running_job(conn, owner: str, total: int, processed_then: int, processed_now: int) -> uuid.UUID:
    """A job started 20 s ago with a progress event 16 s ago and one now."""
    job_id = uuid.uuid4()
    insert = q.insert_job(job_id, "t.smi", {}, owner)
    conn.execute(insert.sql, insert.params)
    conn.execute("UPDATE jobs SET total = %s, processed = %s, chunk_count = 1, last_seq = 2,"
                 " started_at = now() - interval '20 s' WHERE id = %s", (total, processed_now, job_id))
    conn.execute("INSERT INTO job_events (job_id, seq, status, processed, total, eta_seconds, at) VALUES"
                 " (%s, 1, 'processing', %s, %s, 0, now() - interval '16 s'),"
                 " (%s, 2, 'processing', %s, %s, 0, now())",
                 (job_id, processed_then, total, job_id, processed_now, total))
    return job_id


def test_a_job_is_told_it_speeds_up_when_its_neighbour_finishes(database_url):
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        long_job = running_job(conn, "a", 1_000, 300, 600)  # 20 molecules/s, 400 left
        short_job = running_job(conn, "b", 700, 300, 600)  # 20 molecules/s, 100 left
        with conn.cursor() as cur:
            job = {"processed": 600, "total": 1_000, "running_for": 20.0}
            # Service: 600 molecules in 15 s = 40/s, shared 20 + 20; the short job ends after 5 s,
            # then the long one has 300 left at 40/s: 7.5 s more. Its own rate alone would say 20 s.
            assert job_eta(cur, long_job, job) == 13
            assert job_eta(cur, short_job, {**job, "total": 700}) == 5


def test_a_job_that_just_arrived_is_told_its_share_at_once(database_url):
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        busy = running_job(conn, "a", 10_000, 0, 600)  # alone until now: 40 molecules/s
        newcomer = uuid.uuid4()
        for query in (q.insert_job(newcomer, "n.smi", {}, "b"),
                      q.finish_upload(newcomer, "smiles", False, 0, 200, 200),
                      q.append_event(newcomer, 0)):
            conn.execute(query.sql, query.params)
        with conn.cursor() as cur:
            # Half of 40/s for the newcomer's 200 molecules: 10 s; and the busy job now sees the split.
            assert job_eta(cur, newcomer, {"processed": 0, "total": 200, "running_for": 0.0}) == 10
            assert job_eta(cur, busy, {"processed": 600, "total": 10_000, "running_for": 20.0}) == 10 + (9_400 - 200) // 40


async def test_the_first_progress_event_of_a_running_job_has_an_eta(settings, aiohttp_client, start_worker, tmp_path):
    from service.app import create_app
    from tests.integration.helpers import follow, upload
    from tests.support.molecules import write_csv

    client = await aiohttp_client(create_app(settings))
    start_worker()
    job_id = (await upload(client, write_csv(tmp_path / "nci.csv", 1_000)))["job_id"]
    messages, _ = await follow(client, job_id)
    running = [m for m in messages if m["status"] == "processing" and 0 < m["processed"] < m["total"]]
    assert running, messages
    assert running[0]["eta_seconds"] > 0, running[0]  # 0 would tell the user it is finished
