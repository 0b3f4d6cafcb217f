"""The pipeline end to end in one process: real PostgreSQL, real broker, real worker threads."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest

from service.app import create_app
from tests.integration.helpers import (
    assert_monotonic,
    count_rows,
    follow,
    upload,
    wait_for_status,
)
from tests.support.molecules import NCI_SDF_200, write_csv

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(settings, aiohttp_client):
    # `settings` first: its database must outlive the app, so it is set up before the client.
    return await aiohttp_client(create_app(settings))


async def test_sdf_upload_streams_progress_to_completion(client, start_worker, database_url):
    start_worker()
    accepted = await upload(client, NCI_SDF_200)
    assert accepted["status"] == "processing" and accepted["total_molecules"] == 200
    job_id = accepted["job_id"]
    messages, close_code = await follow(client, job_id)
    assert close_code == 1000
    assert messages, "the server sent nothing"
    assert_monotonic(messages)
    final = messages[-1]
    assert final["status"] == "complete"
    assert final["processed"] == final["total"] == 200
    assert final["progress"] == 100 and final["eta_seconds"] == 0
    assert count_rows(database_url, "results", job_id) == 200

    page = await (await client.get(f"/api/v1/batch/{job_id}", params={"page": 2, "page_size": 100})).json()
    assert page["total_results"] == 200 and page["total_pages"] == 2
    assert [item["index"] for item in page["results"]] == list(range(100, 200))
    first = page["results"][0]
    assert first["validation"]["inchikey"] and first["status"] == "success"


async def test_late_connect_gets_terminal_message_then_close(client, start_worker):
    start_worker()
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    await wait_for_status(client, job_id, lambda body: body["status"] == "complete")
    messages, close_code = await follow(client, job_id, timeout=5)
    assert [m["status"] for m in messages] == ["complete"]
    assert close_code == 1000


async def test_unknown_and_malformed_job_ids_are_refused(client):
    for job_id in (str(uuid.uuid4()), "not-a-uuid"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(f"/ws/batch/{job_id}")
        assert refused.value.status == 404
        response = await client.get(f"/api/v1/batch/{job_id}/status")
        assert response.status == 404
        body = await response.json()
        assert set(body) >= {"error", "detail"}


async def test_cancel_mid_job_keeps_results_and_writes_no_more(client, start_worker, tmp_path, database_url):
    start_worker(threads=1)
    job_id = (await upload(client, write_csv(tmp_path / "nci.csv", 2_000)))["job_id"]
    await wait_for_status(client, job_id, lambda body: body["processed"] > 0)
    cancel = await client.delete(f"/api/v1/batch/{job_id}")
    assert cancel.status == 200
    assert (await cancel.json())["status"] == "cancelled"
    at_cancel = count_rows(database_url, "results", job_id)
    await asyncio.sleep(1.5)
    final = await (await client.get(f"/api/v1/batch/{job_id}/status")).json()
    assert final["status"] == "cancelled"
    assert final["processed"] < final["total"]
    assert count_rows(database_url, "results", job_id) == at_cancel == final["processed"]


async def test_upload_is_accepted_when_its_messages_cannot_be_sent_and_the_sweeper_sends_them(
        client, start_worker, database_url):
    from service.keys import BROKER

    client.server.app[BROKER].close()  # its connection pool: every enqueue now fails
    job_id = (await upload(client, NCI_SDF_200))["job_id"]  # asserts the 202
    start_worker()  # stale chunks (5 s untouched in these settings) are re-sent by its sweeper
    messages, _ = await follow(client, job_id, timeout=60)
    assert messages[-1]["status"] == "complete" and messages[-1]["processed"] == 200
    assert count_rows(database_url, "results", job_id) == 200


async def test_a_chunk_delivered_twice_counts_once(client, start_worker, settings, database_url):
    from chemaudit.broker import enqueue_chunks, make_broker

    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    broker = make_broker(settings)
    try:
        # The upload already enqueued every chunk once; send them all again before any worker runs.
        enqueue_chunks(broker, job_id, range(200 // settings.chunk_size))
    finally:
        broker.close()
    start_worker()
    messages, _ = await follow(client, job_id)
    assert_monotonic(messages)
    assert messages[-1]["status"] == "complete"
    assert messages[-1]["processed"] == 200
    assert count_rows(database_url, "results", job_id) == 200


async def test_ping_is_ignored_and_never_answered(client, start_worker):
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    async with client.ws_connect(f"/ws/batch/{job_id}") as ws:
        first = await ws.receive_json(timeout=5)
        assert first["status"] == "processing" and first["processed"] == 0
        for _ in range(5):
            await ws.send_str("ping")
        start_worker()
        async for msg in ws:
            assert msg.type == aiohttp.WSMsgType.TEXT
            assert set(msg.json()) >= {"job_id", "status", "progress", "processed", "total", "eta_seconds"}


async def test_after_seq_resumes_without_repeats(client, start_worker):
    start_worker()
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    complete = await wait_for_status(client, job_id, lambda body: body["status"] == "complete")
    assert complete["seq"] >= 2
    messages, close_code = await follow(client, job_id, after_seq=1)
    assert [m["seq"] for m in messages] == list(range(2, complete["seq"] + 1))
    assert close_code == 1000


async def test_listener_killed_mid_job_still_delivers_terminal(client, start_worker, tmp_path, database_url):
    import psycopg

    job_id = (await upload(client, write_csv(tmp_path / "nci.csv", 1_000)))["job_id"]
    async with client.ws_connect(f"/ws/batch/{job_id}") as ws:
        await ws.receive_json(timeout=5)
        with psycopg.connect(database_url, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'chemaudit-listener' AND datname = current_database()"
            ).fetchall()
        assert killed, "no listener connection was found to kill"
        start_worker()
        messages = [msg.json() async for msg in ws if msg.type == aiohttp.WSMsgType.TEXT]
    assert messages[-1]["status"] == "complete"
    assert_monotonic(messages)
    health = await (await client.get("/api/v1/health")).json()
    assert health["listener_reconnects"] >= 1


async def test_health_reports_database_and_listener(client):
    async with asyncio.timeout(10):
        while (response := await client.get("/api/v1/health")).status != 200:
            await asyncio.sleep(0.1)
    body = await response.json()
    assert body["status"] == "healthy"
    assert body["database"] == "up" and body["listener"] == "up"
