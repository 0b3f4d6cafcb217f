"""Hostile uploads over HTTP, cancellation races, WebSocket abuse and access control."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp
import psycopg
import pytest

from service.app import create_app
from service.http.auth import hash_key
from tests.integration.helpers import count_rows, follow, raw_websocket, upload, wait_for_status
from tests.support.molecules import NCI_SDF_200, write_csv

pytestmark = pytest.mark.integration

HOSTILE = Path(__file__).parents[1] / "data" / "hostile"


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=10_000)))


def _hostile_files(tmp_dir: Path) -> list[Path]:
    subprocess.run([sys.executable, str(HOSTILE / "generate.py"), "--big", str(tmp_dir)], check=True,
                   capture_output=True)
    files = [p for p in HOSTILE.iterdir() if p.is_file() and p.name not in {"README.md", "generate.py"}]
    return sorted(files) + sorted(p for p in tmp_dir.iterdir() if p.is_file())


async def test_every_hostile_upload_is_a_4xx_or_a_job_never_a_5xx(settings, aiohttp_client, tmp_path,
                                                                   database_url):
    # Limits a production node might set; with them the gzip bomb and the 10 MB line are refused.
    limited = settings.replace(upload_rate_per_minute=10_000, max_decompressed_bytes=64 * 1024 * 1024)
    client = await aiohttp_client(create_app(limited))
    files = _hostile_files(tmp_path)
    assert len(files) >= 40
    outcomes = {}
    for path in files:
        form = aiohttp.FormData()
        form.add_field("file", path.read_bytes(), filename=path.name)
        response = await client.post("/api/v1/batch/upload", data=form)
        body = await response.json()
        outcomes[path.name] = response.status
        assert response.status < 500, (path.name, body)
        if response.status == 202:
            assert body["total_molecules"] > 0
        else:
            assert set(body) >= {"error", "detail"} and "Traceback" not in body["detail"], (path.name, body)
    assert (await client.get("/api/v1/health")).status == 200
    with psycopg.connect(database_url) as conn:
        accepted = conn.execute("SELECT count(*) FROM jobs").fetchone()[0]
        half_written = conn.execute(
            "SELECT count(*) FROM jobs j WHERE total = 0 OR chunk_count = 0"
            " OR total <> (SELECT count(*) FROM job_inputs i WHERE i.job_id = j.id)").fetchone()[0]
    assert accepted == sum(status == 202 for status in outcomes.values())
    assert half_written == 0
    assert any(status == 202 for status in outcomes.values()) and any(s == 413 for s in outcomes.values())


async def test_multipart_without_a_file_and_non_multipart_bodies(client):
    response = await client.post("/api/v1/batch/upload", data=aiohttp.FormData({"smiles_column": "x"}))
    assert response.status == 400 and (await response.json())["error"] == "missing_file"
    response = await client.post("/api/v1/batch/upload", data=b"CCO", headers={"Content-Type": "text/plain"})
    assert response.status == 400
    form = aiohttp.FormData({"include_standardization": "perhaps"})
    form.add_field("file", b"CCO ethanol\n", filename="x.smi")
    response = await client.post("/api/v1/batch/upload", data=form)
    assert response.status == 422


async def test_get_on_the_upload_url_is_405_not_a_missing_job(client):
    response = await client.get("/api/v1/batch/upload")
    assert response.status == 405
    assert response.headers["Allow"] == "POST"
    assert (await response.json())["error"] == "method_not_allowed"
    response = await client.put("/api/v1/batch/upload")
    assert response.status == 405 and "POST" in response.headers["Allow"].split(",")


async def test_cancel_while_queued_then_workers_write_nothing(client, start_worker, database_url):
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    assert (await (await client.delete(f"/api/v1/batch/{job_id}")).json())["status"] == "cancelled"
    start_worker()
    await asyncio.sleep(2)
    status = await (await client.get(f"/api/v1/batch/{job_id}/status")).json()
    assert status["status"] == "cancelled" and status["processed"] == 0
    assert count_rows(database_url, "results", job_id) == 0


def queued_messages(database_url: str, job_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM dramatiq.queue WHERE state = 'queued'"
                            " AND message -> 'args' ->> 0 = %s", (job_id,)).fetchone()[0]


async def test_cancel_drops_the_jobs_queued_messages_and_only_those(client, database_url):
    cancelled = (await upload(client, NCI_SDF_200))["job_id"]
    other = (await upload(client, NCI_SDF_200))["job_id"]
    assert queued_messages(database_url, cancelled) == queued_messages(database_url, other) == 200 // 50
    assert (await client.delete(f"/api/v1/batch/{cancelled}")).status == 200
    assert queued_messages(database_url, cancelled) == 0
    assert queued_messages(database_url, other) == 4


async def test_cancel_after_completion_changes_nothing(client, start_worker):
    start_worker()
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    await wait_for_status(client, job_id, lambda body: body["status"] == "complete")
    response = await client.delete(f"/api/v1/batch/{job_id}")
    body = await response.json()
    assert response.status == 200 and body["status"] == "complete" and "already ended" in body["message"]


async def test_upload_aborted_midway_leaves_no_job(client, database_url):
    payload = (write_csv(Path("/tmp") / "abort_nci.csv", 3_000)).read_bytes()
    boundary = "xyzboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()

    async def body():
        yield head
        yield payload[: len(payload) // 2]
        await asyncio.sleep(0.2)
        raise ConnectionResetError("client went away")

    with pytest.raises((aiohttp.ClientError, ConnectionResetError)):
        await client.post("/api/v1/batch/upload", data=body(),
                          headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    await asyncio.sleep(0.5)
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM job_inputs").fetchone()[0] == 0


async def test_websocket_oversized_and_binary_frames_are_closed(client):
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    async with client.ws_connect(f"/ws/batch/{job_id}") as ws:
        await ws.receive_json(timeout=5)
        await ws.send_str("x" * 100_000)
        await ws.receive(timeout=5)
        assert ws.close_code == 1009
    async with client.ws_connect(f"/ws/batch/{job_id}") as ws:
        await ws.receive_json(timeout=5)
        await ws.send_bytes(b"\x00\x01")
        await ws.receive(timeout=5)
        assert ws.close_code == 1003


async def test_websocket_ping_flood_is_never_answered(client):
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    async with client.ws_connect(f"/ws/batch/{job_id}") as ws:
        await ws.receive_json(timeout=5)
        for _ in range(2_000):
            await ws.send_str("ping")
        with pytest.raises(asyncio.TimeoutError):
            await ws.receive(timeout=0.5)


async def test_many_idle_sockets_and_the_per_job_cap(client, settings, aiohttp_client):
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    connector = aiohttp.TCPConnector(limit=0)  # the default connector stops at 100 connections
    async with asyncio.timeout(120), aiohttp.ClientSession(connector=connector) as session:
        url = client.make_url(f"/ws/batch/{job_id}")
        idle = [await session.ws_connect(url) for _ in range(1_000)]
        assert (await client.get("/api/v1/health")).status == 200  # still serving with 1,000 idle sockets
        for ws in idle:
            await ws.close()
    capped = await aiohttp_client(create_app(settings.replace(ws_max_per_job=2)))
    async with asyncio.timeout(30):
        keep = [await capped.ws_connect(f"/ws/batch/{job_id}") for _ in range(2)]
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await capped.ws_connect(f"/ws/batch/{job_id}")
        assert refused.value.status == 429
        for ws in keep:
            await ws.close()


async def test_a_client_that_never_reads_is_dropped_and_others_unaffected(settings, aiohttp_client,
                                                                         start_worker, tmp_path):
    from service.keys import HUB

    small_queue = await aiohttp_client(create_app(settings.replace(ws_queue_size=2, event_min_interval=0.0)))
    job_id = (await upload(small_queue, write_csv(tmp_path / "nci.csv", 1_500)))["job_id"]
    stalled = raw_websocket(small_queue.host, small_queue.port, f"/ws/batch/{job_id}")
    try:
        await asyncio.sleep(0.5)
        hub = small_queue.server.app[HUB]
        assert hub.count(job_id) == 1
        start_worker()
        messages, close_code = await follow(small_queue, job_id)
        assert messages[-1]["status"] == "complete" and close_code == 1000
        async with asyncio.timeout(10):
            while hub.count(job_id):  # the silent socket is cut off after the close grace period
                await asyncio.sleep(0.1)
    finally:
        stalled.close()


async def test_api_keys_isolate_jobs(settings, aiohttp_client):
    keyed = settings.replace(api_key_hashes=f"{hash_key('alice-key')},{hash_key('bob-key')}",
                             upload_rate_per_minute=2)
    api = await aiohttp_client(create_app(keyed))
    alice, bob = {"X-API-Key": "alice-key"}, {"X-API-Key": "bob-key"}

    form = aiohttp.FormData()
    form.add_field("file", NCI_SDF_200.read_bytes(), filename=NCI_SDF_200.name)
    assert (await api.post("/api/v1/batch/upload", data=form)).status == 401
    form = aiohttp.FormData()
    form.add_field("file", NCI_SDF_200.read_bytes(), filename=NCI_SDF_200.name)
    created = await api.post("/api/v1/batch/upload", data=form, headers=alice)
    job_id = (await created.json())["job_id"]

    for method, path in (("GET", f"/api/v1/batch/{job_id}/status"), ("GET", f"/api/v1/batch/{job_id}"),
                         ("GET", f"/api/v1/batch/{job_id}/stats"), ("GET", f"/api/v1/batch/{job_id}/export"),
                         ("DELETE", f"/api/v1/batch/{job_id}")):
        assert (await api.request(method, path, headers=bob)).status == 404, path
    assert (await api.get(f"/api/v1/batch/{job_id}/status", headers=alice)).status == 200
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await api.ws_connect(f"/ws/batch/{job_id}", params={"api_key": "bob-key"})
    assert refused.value.status == 404
    async with api.ws_connect(f"/ws/batch/{job_id}", params={"api_key": "alice-key"}) as ws:
        assert (await ws.receive_json(timeout=5))["job_id"] == job_id

    form = aiohttp.FormData()
    form.add_field("file", NCI_SDF_200.read_bytes(), filename=NCI_SDF_200.name)
    await api.post("/api/v1/batch/upload", data=form, headers=alice)
    form = aiohttp.FormData()
    form.add_field("file", NCI_SDF_200.read_bytes(), filename=NCI_SDF_200.name)
    limited = await api.post("/api/v1/batch/upload", data=form, headers=alice)
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
