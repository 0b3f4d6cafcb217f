"""The Redis broker option: the same work tokens, the sweeper's idle path, broker errors survived.

Needs the Redis server this machine kind runs at 127.0.0.1:6379 (.ci/run starts it if down).
"""

from __future__ import annotations

import pytest
import redis

from service.app import create_app
from tests.integration.helpers import count_rows, follow, upload
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

REDIS_DB = 7  # a database of its own, emptied before and after each test


@pytest.fixture
def redis_settings(settings):
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    server = redis.Redis.from_url(url)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis server at 127.0.0.1:6379 (start one: redis-server --daemonize yes)")
    server.flushdb()
    yield settings.replace(broker_url=url)
    server.flushdb()
    server.close()


@pytest.fixture
async def redis_client(redis_settings, aiohttp_client):
    return await aiohttp_client(create_app(redis_settings))


async def test_a_job_runs_to_completion_through_redis(redis_client, redis_settings, start_worker, database_url):
    start_worker(redis_settings)
    job_id = (await upload(redis_client, NCI_SDF_200))["job_id"]
    messages, close_code = await follow(redis_client, job_id)
    assert close_code == 1000 and messages[-1]["status"] == "complete"
    assert messages[-1]["processed"] == 200 and count_rows(database_url, "results", job_id) == 200


async def test_lost_tokens_are_resent_by_the_sweeper_of_an_idle_job(redis_client, redis_settings, start_worker,
                                                                     database_url):
    job_id = (await upload(redis_client, NCI_SDF_200))["job_id"]
    redis.Redis.from_url(redis_settings.broker_url).flushdb()  # every token of the job is gone
    start_worker(redis_settings)  # its sweeper finds the job idle after 5 s and re-sends its chunks
    messages, _ = await follow(redis_client, job_id, timeout=60)
    assert messages[-1]["status"] == "complete" and messages[-1]["processed"] == 200
    assert count_rows(database_url, "results", job_id) == 200


async def test_an_unreachable_redis_neither_fails_a_committed_upload_nor_kills_the_sweeper(
        settings, aiohttp_client, database_url):
    from psycopg_pool import ConnectionPool

    from chemaudit.broker import make_broker
    from tasks.sweeper import Sweeper

    down = settings.replace(broker_url="redis://127.0.0.1:1/0")  # nothing listens there
    client = await aiohttp_client(create_app(down))
    accepted = await upload(client, NCI_SDF_200)  # 202: the job is stored, the tokens will follow
    assert count_rows(database_url, "job_inputs", accepted["job_id"]) == 200
    pool = ConnectionPool(database_url, min_size=1, max_size=2, open=True)
    broker = make_broker(down.replace(stale_chunk_seconds=0.0))
    try:
        sweeper = Sweeper(pool, broker, down.replace(stale_chunk_seconds=0.0))
        assert sweeper.sweep() == 0  # the enqueue failed; logged, not raised
    finally:
        broker.close()
        pool.close()
