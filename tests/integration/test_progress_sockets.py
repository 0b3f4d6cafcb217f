"""Progress sockets: `?after_seq` resumes with every event, an ended job's socket closes, and
every message on a socket has one shape. Real PostgreSQL, the real LISTEN connection and hub,
real sockets; real worker threads where a job must run."""

from __future__ import annotations

import asyncio
import random

import aiohttp
import psycopg
import pytest

from chemaudit.db import queries as q
from chemaudit.progress_fields import MESSAGE_FIELDS
from service.app import create_app
from service.keys import HUB, LISTENER
from service.progress import source as progress_source
from service.progress.hub import Subscriber
from tests.integration.helpers import follow, upload, wait_for_status
from tests.support.molecules import NCI_SDF_200, write_csv

pytestmark = pytest.mark.integration


@pytest.fixture
async def client(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings))
    await asyncio.wait_for(client.server.app[LISTENER].connected.wait(), 10)
    return client


def append_events(database_url: str, job_id: str, count: int, notify: bool = True) -> None:
    """`count` more progress events of a running job (each a few molecules further on), the way
    a worker appends them; with `notify=False` the NOTIFY trigger does not fire (as if the
    notifications were lost)."""
    with psycopg.connect(database_url) as conn:
        if not notify:
            conn.execute("SET session_replication_role = replica")  # ordinary triggers off
        for _ in range(count):
            conn.execute("UPDATE jobs SET processed = least(total, processed + 3) WHERE id = %s", (job_id,))
            query = q.append_event(job_id, 7)
            conn.execute(query.sql, query.params)
            conn.commit()


async def receive_until(ws, last_seq: int, timeout: float = 15) -> list[dict]:
    """Messages of a socket until one with seq >= last_seq (the job goes on: no close)."""
    messages: list[dict] = []
    async with asyncio.timeout(timeout):
        while not messages or messages[-1]["seq"] < last_seq:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, (msg, messages)
            messages.append(msg.json())
    return messages


async def next_seq(subscriber: Subscriber, seq: int) -> None:
    while (await subscriber.queue.get())["seq"] < seq:
        pass


async def test_a_live_message_during_the_catch_up_read_loses_nothing(client, database_url, monkeypatch):
    """The reported case: events 1..10 stored, a client asks for those after 4, and event 11
    is NOTIFYed (and reaches the hub) while the socket reads its catch-up from the table."""
    hub = client.server.app[HUB]
    job_id = (await upload(client, NCI_SDF_200))["job_id"]  # no worker: event 1, processing
    append_events(database_url, job_id, 9)  # events 2..10
    real_fetchall = progress_source.fetchall
    injected = []

    async def fetchall_then_a_live_message(pool, query):
        rows = await real_fetchall(pool, query)
        if "after" in query.params and not injected:  # the catch-up read, done
            injected.append(True)
            probe = Subscriber(job_id, 100)
            hub.subscribe(probe)
            try:
                await asyncio.to_thread(append_events, database_url, job_id, 1)  # event 11
                await asyncio.wait_for(next_seq(probe, 11), 10)  # the hub has offered it to the socket
            finally:
                hub.unsubscribe(probe)
        return rows

    monkeypatch.setattr(progress_source, "fetchall", fetchall_then_a_live_message)
    async with client.ws_connect(f"/ws/batch/{job_id}", params={"after_seq": 4}) as ws:
        messages = await receive_until(ws, 11)
    assert injected
    assert [m["seq"] for m in messages] == list(range(5, 12))


async def test_notifications_lost_while_following_are_filled_in_from_the_table(client, database_url):
    """Events committed while no NOTIFY reaches the node, then the listener's resync after a
    reconnect (the latest state only): the socket still sends every event, in order."""
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    async with client.ws_connect(f"/ws/batch/{job_id}", params={"after_seq": 0}) as ws:
        first = await ws.receive_json(timeout=5)
        assert first["seq"] == 1
        append_events(database_url, job_id, 3, notify=False)  # events 2..4, never NOTIFYed
        listener = client.server.app[LISTENER]
        reconnects = listener.reconnects
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE application_name = 'chemaudit-listener' AND datname = current_database()")
        messages = await receive_until(ws, 4)
        assert listener.reconnects > reconnects
        append_events(database_url, job_id, 1)  # event 5, live again
        messages += await receive_until(ws, 5)
    assert [m["seq"] for m in messages] == [2, 3, 4, 5]
    assert [m["processed"] for m in messages] == [3, 6, 9, 12]


async def test_resumed_streams_are_complete_while_the_job_runs(client, start_worker, tmp_path):
    """End to end: sockets resume at random points of a running job, and each one gets every
    event after its after_seq up to the terminal one, then 1000."""
    job_id = (await upload(client, write_csv(tmp_path / "nci.csv", 1_500)))["job_id"]
    start_worker(threads=2)
    rng = random.Random(16)
    followers = [asyncio.create_task(follow(client, job_id, timeout=120, after_seq=1))]
    seen = 1
    while True:
        status = await (await client.get(f"/api/v1/batch/{job_id}/status")).json()
        if status["status"] != "processing":
            break
        if status["seq"] > seen:
            seen = status["seq"]
            after = max(1, seen - rng.randint(0, 3))
            followers.append(asyncio.create_task(follow(client, job_id, timeout=120, after_seq=after)))
        await asyncio.sleep(rng.uniform(0.01, 0.08))
    final = await wait_for_status(client, job_id, lambda body: body["status"] == "complete", timeout=120)
    assert len(followers) >= 5, "too few resumes while the job ran"
    for task in followers:
        messages, close_code = await task
        assert close_code == 1000
        seqs = [m["seq"] for m in messages]
        assert seqs == list(range(seqs[0], final["seq"] + 1)), seqs
        assert messages[-1]["status"] == "complete"


async def test_after_seq_at_or_past_the_end_of_an_ended_job_closes_at_once(client):
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    assert (await client.delete(f"/api/v1/batch/{job_id}")).status == 200  # event 2: cancelled
    for after_seq in (2, 3, 1_000):
        messages, close_code = await follow(client, job_id, timeout=5, after_seq=after_seq)
        assert (messages, close_code) == ([], 1000), after_seq
    messages, close_code = await follow(client, job_id, timeout=5, after_seq=1)
    assert [(m["seq"], m["status"]) for m in messages] == [(2, "cancelled")] and close_code == 1000


async def test_after_seq_past_the_end_of_a_running_job_still_gets_its_end(client):
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    async with client.ws_connect(f"/ws/batch/{job_id}", params={"after_seq": 50}) as ws:
        await asyncio.sleep(0.3)  # the catch-up is read: nothing after the job's last seq (1)
        assert (await client.delete(f"/api/v1/batch/{job_id}")).status == 200
        messages = await receive_until(ws, 2, timeout=5)
        closing = await ws.receive(timeout=5)
    assert [(m["seq"], m["status"]) for m in messages] == [(2, "cancelled")]
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 1000)  # the server's close frame


async def test_snapshot_and_live_messages_have_one_shape(client, database_url):
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    async with client.ws_connect(f"/ws/batch/{job_id}") as job_ws, client.ws_connect("/ws/jobs") as all_ws:
        snapshot = await job_ws.receive_json(timeout=5)
        dashboard_snapshot = await all_ws.receive_json(timeout=5)
        append_events(database_url, job_id, 1)
        live = await job_ws.receive_json(timeout=5)
        dashboard_live = await all_ws.receive_json(timeout=5)
    shape = list(MESSAGE_FIELDS)  # the six progress fields, then seq and error_message
    for message in (snapshot, live, dashboard_snapshot, dashboard_live):
        assert list(message) == shape, message
    assert (snapshot["seq"], live["seq"]) == (1, 2) and dashboard_live == live
    status = await (await client.get(f"/api/v1/batch/{job_id}/status")).json()
    assert list(status) == [*shape, "started_at", "finished_at"]
