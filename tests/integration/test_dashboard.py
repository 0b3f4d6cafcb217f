"""The dashboard's files and the `/ws/jobs` firehose, on the real app with real worker threads."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
import psycopg
import pytest

from chemaudit.progress_fields import CORE_FIELDS
from service.app import create_app
from service.dashboard.routes import STATIC, STATIC_DIR
from service.http.auth import hash_key
from service.keys import HUB
from tests.integration.helpers import TERMINAL, assert_monotonic, raw_websocket, read_frames, upload
from tests.support.molecules import NCI_SDF_200, write_csv

pytestmark = pytest.mark.integration

PROGRESS_FIELDS = set(CORE_FIELDS)


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings))


async def frames_until(ws, done, timeout: float = 90) -> list[dict]:
    """Every frame of the socket (each must be a progress message) until `done(messages)`."""
    messages: list[dict] = []
    async with asyncio.timeout(timeout):
        async for msg in ws:
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            message = msg.json()
            assert PROGRESS_FIELDS <= message.keys(), message
            messages.append(message)
            if done(messages):
                return messages
    raise AssertionError(f"the socket closed ({ws.close_code}) before the expected messages: {messages}")


def ended(job_id: str):
    return lambda messages: any(m["job_id"] == job_id and m["status"] in TERMINAL for m in messages)


async def test_index_and_every_static_file_are_served(client):
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert '<script type="module" src="/static/app.js">' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    for name in ("upload-form", "jobs-body", "results-table", "filter-form", "cancel-button", "export-links"):
        assert f'id="{name}"' in page, name
    for name, content_type in STATIC.items():
        response = await client.get(f"/static/{name}")
        assert response.status == 200, name
        assert response.content_type == content_type, name
        assert await response.read() == (STATIC_DIR / name).read_bytes()


def test_every_module_import_and_page_reference_is_served():
    """A file the page or a module refers to but the server does not serve breaks the page."""
    referenced = set(re.findall(r'(?:href|src)="/static/([^"]+)"', (STATIC_DIR / "index.html").read_text()))
    for name in [n for n in STATIC if n.endswith(".js")]:
        referenced |= set(re.findall(r'from "\./([^"]+)"', (STATIC_DIR / name).read_text()))
    assert referenced, "no references found"
    assert referenced <= STATIC.keys(), referenced - STATIC.keys()


async def test_unknown_static_file_is_a_json_404(client):
    for path in ("/static/nope.js", "/static/..%2Fapp.py", "/static/index.html"):
        response = await client.get(path)
        assert response.status == 404, path
        body = await response.json()
        assert body["error"] == "not_found" and body["detail"], body


async def test_firehose_carries_every_progress_message_of_an_uploaded_job(client, start_worker):
    async with client.ws_connect("/ws/jobs") as ws:
        await ws.send_str("ping")  # ignored: never answered
        start_worker()
        job_id = (await upload(client, NCI_SDF_200))["job_id"]
        messages = await frames_until(ws, ended(job_id))
    mine = [m for m in messages if m["job_id"] == job_id]
    assert_monotonic(mine)
    assert len(mine) >= 3, mine  # queued, at least one step of progress, complete
    assert mine[-1]["status"] == "complete"
    assert mine[-1]["processed"] == mine[-1]["total"] == 200 and mine[-1]["progress"] == 100
    assert any(0 < m["processed"] < 200 for m in mine), "no intermediate progress was streamed"


async def test_firehose_sends_the_state_of_running_jobs_on_connect_and_stays_open(client, start_worker, tmp_path):
    waiting = (await upload(client, write_csv(tmp_path / "a.csv", 120)))["job_id"]  # no worker yet
    async with client.ws_connect("/ws/jobs") as ws:
        first = await frames_until(ws, lambda messages: True, timeout=10)
        assert first[0]["job_id"] == waiting
        assert first[0]["status"] == "processing" and first[0]["processed"] == 0
        start_worker()
        await frames_until(ws, ended(waiting))
        # One job's end does not close the firehose: the next job comes through the same socket.
        later = (await upload(client, write_csv(tmp_path / "b.csv", 60)))["job_id"]
        messages = await frames_until(ws, ended(later))
    assert [m for m in messages if m["job_id"] == later][-1]["status"] == "complete"


async def test_after_a_listen_reconnect_the_firehose_resends_what_was_missed(client, database_url, tmp_path):
    job_id = (await upload(client, write_csv(tmp_path / "a.csv", 50)))["job_id"]  # no worker: waits
    async with client.ws_connect("/ws/jobs") as ws:
        assert (await frames_until(ws, lambda messages: True, timeout=10))[0]["job_id"] == job_id
        with psycopg.connect(database_url, autocommit=True) as conn:
            # The cancel's NOTIFY is lost (as if sent while LISTEN was down)...
            conn.execute("ALTER TABLE job_events DISABLE TRIGGER job_events_notify")
            assert (await client.delete(f"/api/v1/batch/{job_id}")).status == 200
            with pytest.raises(TimeoutError):
                await frames_until(ws, lambda messages: True, timeout=1.5)
            # ...until the LISTEN connection drops and comes back: then the state is sent again.
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE application_name = 'chemaudit-listener' AND datname = current_database()")
            messages = await frames_until(ws, ended(job_id), timeout=20)
    assert messages[-1]["job_id"] == job_id and messages[-1]["status"] == "cancelled"


def _padded(seq: int, pad: str) -> dict:
    return {"job_id": "00000000-0000-0000-0000-000000000001", "status": "processing", "progress": 0.0,
            "processed": 0, "total": 10, "eta_seconds": 0, "seq": seq, "pad": pad}


async def _idle_writer(hub, count: int = 1) -> None:
    async with asyncio.timeout(10):
        while hub.count() < count:  # the handler registers its subscriber, sends the snapshot,
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)  # and its writer then waits for the next message


async def test_a_client_that_does_not_read_is_closed_with_1013_after_what_it_could_take(settings,
                                                                                       aiohttp_client):
    client = await aiohttp_client(create_app(settings.replace(ws_queue_size=2)))
    hub = client.server.app[HUB]
    sock = raw_websocket(client.host, client.port, "/ws/jobs")
    try:
        await _idle_writer(hub)
        # 150 x 64 kB, more than the kernel's buffers hold (the client reads nothing meanwhile):
        # written at once while the socket takes them, then queued, then the queue overflows.
        for seq in range(1, 151):
            hub.publish(_padded(seq, "x" * 65_000))
        frames = await asyncio.to_thread(read_frames, sock)
    finally:
        sock.close()
    seqs = [json.loads(payload)["seq"] for opcode, payload in frames if opcode == 0x1]
    assert seqs == list(range(1, len(seqs) + 1)) and 0 < len(seqs) < 150  # in order, no gap
    assert frames[-1][0] == 0x8 and int.from_bytes(frames[-1][1][:2], "big") == 1013


async def test_frames_written_at_once_reach_a_real_client_intact(client):
    hub = client.server.app[HUB]
    async with client.ws_connect("/ws/jobs") as ws:
        await _idle_writer(hub)
        sent = [_padded(1, "x"), _padded(2, "\u00e9\u6f22" * 60), _padded(3, "y" * 70_000)]  # 3 length forms
        for message in sent:
            hub.publish(message)
        assert all("_frame" in message for message in sent)  # each was written by the hub, not queued
        received = [await ws.receive_json(timeout=5) for _ in sent]
    assert received == [{k: v for k, v in m.items() if not k.startswith("_")} for m in sent]


async def test_binary_frames_close_the_socket(client):
    async with client.ws_connect("/ws/jobs") as ws:
        await ws.send_bytes(b"\x00\x01")
        async with asyncio.timeout(10):
            msg = await ws.receive()
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg
        assert ws.close_code == 1003


async def test_with_api_keys_the_firehose_needs_a_key_and_carries_only_its_jobs(settings, aiohttp_client,
                                                                               start_worker, tmp_path):
    keyed = settings.replace(api_key_hashes=f"{hash_key('alice-key')},{hash_key('bob-key')}")
    client = await aiohttp_client(create_app(keyed))
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/jobs")
    assert refused.value.status == 401
    async with client.ws_connect("/ws/jobs", params={"api_key": "alice-key"}) as ws:
        start_worker(keyed)
        form = aiohttp.FormData()
        form.add_field("file", write_csv(tmp_path / "bob.csv", 60).read_bytes(), filename="bob.csv")
        bob = await client.post("/api/v1/batch/upload", data=form, headers={"X-API-Key": "bob-key"})
        assert bob.status == 202, await bob.text()
        bob_job = (await bob.json())["job_id"]
        form = aiohttp.FormData()
        form.add_field("file", write_csv(tmp_path / "alice.csv", 60).read_bytes(), filename="alice.csv")
        alice = await client.post("/api/v1/batch/upload", data=form, headers={"X-API-Key": "alice-key"})
        alice_job = (await alice.json())["job_id"]
        # Wait for Bob's job to end too, so its messages had every chance to leak.
        async with asyncio.timeout(90):
            while (await (await client.get(f"/api/v1/batch/{bob_job}/status",
                                           headers={"X-API-Key": "bob-key"})).json())["status"] not in TERMINAL:
                await asyncio.sleep(0.1)
        messages = await frames_until(ws, ended(alice_job))
    assert {m["job_id"] for m in messages} == {alice_job}
