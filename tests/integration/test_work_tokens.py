"""Work tokens on the real PostgreSQL broker: cancel drops exactly the surplus, the sweeper tops
up to one token per waiting chunk and never more, and a leased chunk gets none."""

from __future__ import annotations

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from chemaudit.broker import QUEUE, make_broker
from service.app import create_app
from tasks.chunk_runner import ChunkRunner
from tasks.sweeper import sweep_once
from tests.integration.helpers import upload
from tests.support.molecules import write_csv

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def pool(database_url):
    pool = ConnectionPool(database_url, min_size=1, max_size=2, open=True)
    yield pool
    pool.close()


def tokens(database_url: str) -> dict[str, int]:
    """Queued tokens per job id they name."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT message -> 'args' ->> 0, count(*) FROM dramatiq.queue"
                            " WHERE queue_name = %s AND state = 'queued' GROUP BY 1", (QUEUE,)).fetchall()
    return dict(rows)


def drop_tokens(database_url: str, job_id: str, count: int) -> None:
    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM dramatiq.queue WHERE message_id IN (SELECT message_id FROM dramatiq.queue"
                     " WHERE message -> 'args' ->> 0 = %s LIMIT %s)", (job_id, count))


async def test_cancel_drops_as_many_tokens_as_the_job_had_unclaimed_chunks(client, settings, pool, database_url,
                                                                          tmp_path):
    first = (await upload(client, write_csv(tmp_path / "a.csv", 200)))["job_id"]  # 4 chunks of 50
    second = (await upload(client, write_csv(tmp_path / "b.csv", 200)))["job_id"]
    assert tokens(database_url) == {first: 4, second: 4}
    runner = ChunkRunner(pool, settings)
    claims = [runner.claim() for _ in range(2)]  # fair: one chunk of each (one owner, two jobs)
    assert {str(c["job_id"]) for c in claims} == {first, second}
    drop_tokens(database_url, first, 2)  # the two tokens those claims came from
    # Left: 2 tokens of the first job, 4 of the second; unclaimed: 3 chunks of the first, 3 of the second.
    cancel = await client.delete(f"/api/v1/batch/{first}")
    assert cancel.status == 200
    assert tokens(database_url) == {second: 3}  # the second job's 3 waiting chunks keep a token each


async def test_the_sweeper_tops_up_to_one_token_per_waiting_chunk_and_no_more(client, settings, pool,
                                                                             database_url, tmp_path):
    job_id = (await upload(client, write_csv(tmp_path / "a.csv", 300)))["job_id"]  # 6 chunks
    broker = make_broker(settings)
    try:
        assert sweep_once(pool, broker, stale_seconds=0.0) == 0  # every chunk has its token
        drop_tokens(database_url, job_id, 6)  # the tokens are lost
        ChunkRunner(pool, settings).claim()  # and one chunk is being audited (leased)
        assert sweep_once(pool, broker, stale_seconds=0.0) == 5  # the 5 waiting chunks, not the leased one
        assert sweep_once(pool, broker, stale_seconds=0.0) == 0
        assert sum(tokens(database_url).values()) == 5
    finally:
        broker.close()


async def test_the_sweeper_leaves_a_just_uploaded_job_alone(client, settings, pool, database_url, tmp_path):
    job_id = (await upload(client, write_csv(tmp_path / "a.csv", 100)))["job_id"]
    drop_tokens(database_url, job_id, 2)  # as if the sweep ran between the upload's commit and its enqueue
    broker = make_broker(settings)
    try:
        assert sweep_once(pool, broker, stale_seconds=60.0) == 0  # its tokens may still be on their way
    finally:
        broker.close()
