"""The fair-share claim rule on a real PostgreSQL: owners first, then an owner's jobs by priority.

Jobs and chunks are created with the service's own queries; claims are made by the workers'
own `ChunkRunner.claim`, one at a time, so each expected order is exact.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from chemaudit.db import queries as q
from chemaudit.db import scheduling_queries as sq
from tasks.chunk_runner import ChunkRunner

pytestmark = pytest.mark.integration


@pytest.fixture
def runner(settings):
    pool = ConnectionPool(settings.database_url, min_size=1, max_size=2, open=True)
    yield ChunkRunner(pool, settings.replace(stale_chunk_seconds=1.0, molecule_timeout=0.1, chunk_max_attempts=3))
    pool.close()


def make_job(database_url: str, owner: str | None, chunks: int, priority: str = "normal") -> uuid.UUID:
    job_id = uuid.uuid4()
    with psycopg.connect(database_url) as conn:
        for query in (q.insert_job(job_id, "t.smi", {}, owner, priority),
                      q.finish_upload(job_id, "smiles", False, 0, chunks * 10, 10),
                      q.append_event(job_id, 0)):
            conn.execute(query.sql, query.params)
    time.sleep(0.002)  # distinct created_at, as real uploads have
    return job_id


def claim_and_finish(runner: ChunkRunner, count: int) -> list[uuid.UUID]:
    """Claim `count` chunks one after another, marking each done at once (nothing in flight)."""
    order = []
    for _ in range(count):
        claim = runner.claim()
        assert claim is not None
        finish = sq.renew_chunk(claim["job_id"], claim["chunk_no"], True, 1.0)
        with runner.pool.connection() as conn:
            conn.execute(finish.sql, finish.params)
        order.append(claim["job_id"])
    return order


def test_owners_alternate_while_their_chunks_are_in_flight(runner, database_url):
    first = make_job(database_url, "owner-a", 10)  # uploaded first: FIFO would give it every claim
    second = make_job(database_url, "owner-b", 10)
    order = [runner.claim()["job_id"] for _ in range(4)]
    assert order == [first, second, first, second]


def test_a_lone_job_gets_half_the_claims_against_an_owner_with_three(runner, database_url):
    busy = [make_job(database_url, "busy", 10) for _ in range(3)]
    lone = make_job(database_url, "lone", 10)
    counts = Counter(claim_and_finish(runner, 12))
    assert counts[lone] == 6
    assert [counts[job] for job in busy] == [2, 2, 2]


def test_priority_weighs_jobs_within_an_owner(runner, database_url):
    normal = make_job(database_url, None, 50)
    high = make_job(database_url, None, 50, "high")
    low = make_job(database_url, None, 50, "low")
    counts = Counter(claim_and_finish(runner, 70))
    # Weights 4 : 2 : 1 give 40 : 20 : 10; the first round's tie-break may shift one claim.
    assert abs(counts[high] - 40) <= 1 and abs(counts[normal] - 20) <= 1 and abs(counts[low] - 10) <= 1


def test_a_new_job_is_served_next_and_then_shares_without_a_burst(runner, database_url):
    old = make_job(database_url, None, 20)
    claim_and_finish(runner, 5)
    new = make_job(database_url, None, 20)
    assert claim_and_finish(runner, 6) == [new, old, new, old, new, old]


def test_a_leased_chunk_is_never_claimed_twice_until_its_lease_runs_out(runner, database_url):
    job = make_job(database_url, None, 1)
    first = runner.claim()
    assert (first["job_id"], first["chunk_no"], first["resumed"]) == (job, 0, False)
    assert runner.claim() is None  # a duplicate token finds nothing to do
    time.sleep(runner.lease_seconds + 0.3)  # the lease runs out unreleased: a dead worker
    again = runner.claim()
    assert (again["chunk_no"], again["attempts"], again["resumed"]) == (0, 2, True)


def test_failures_are_counted_apart_from_claims_and_end_the_job_failed(runner, database_url):
    job = make_job(database_url, None, 1)
    for attempt in range(1, 4):
        claim = runner.claim()
        assert claim is not None and claim["resumed"] is False and claim["failures"] == attempt - 1
        runner.record_failure(job, 0, RuntimeError(f"disk on fire #{attempt}\nsecond line"))
        assert runner.claim() is None or attempt == 3  # held back for the backoff
        time.sleep(1.1)
    with psycopg.connect(database_url) as conn:
        status, error = conn.execute("SELECT status, error_message FROM jobs WHERE id = %s", (job,)).fetchone()
        attempts, failures, last_error = conn.execute(
            "SELECT attempts, failures, last_error FROM chunks WHERE job_id = %s", (job,)).fetchone()
    assert status == "failed"
    assert error == "Chunk 0 failed after 3 attempts: disk on fire #3 (builtins.RuntimeError)"
    assert (attempts, failures) == (3, 3) and last_error.startswith("disk on fire #3")


def test_cancelled_and_finished_jobs_are_not_claimed(runner, database_url):
    cancelled = make_job(database_url, "a", 3)
    running = make_job(database_url, "b", 3)
    with psycopg.connect(database_url) as conn:
        query = q.cancel_job(cancelled)
        conn.execute(query.sql, query.params)
    assert {job for job in claim_and_finish(runner, 3)} == {running}
    assert runner.claim() is None


def test_the_fifo_setting_serves_jobs_in_upload_order(runner, database_url):
    fifo = ChunkRunner(runner.pool, runner.settings.replace(scheduling="fifo"))
    first = make_job(database_url, "owner-a", 3)
    second = make_job(database_url, "owner-b", 3)
    assert [fifo.claim()["job_id"] for _ in range(4)] == [first, first, first, second]


def test_the_lease_outlasts_the_slowest_molecule_the_watchdog_allows(settings):
    runner = ChunkRunner(None, settings.replace(stale_chunk_seconds=60.0, molecule_timeout=90.0))
    assert runner.lease_seconds > 90.0
    assert ChunkRunner(None, settings.replace(stale_chunk_seconds=60.0, molecule_timeout=10.0)).lease_seconds == 60.0
