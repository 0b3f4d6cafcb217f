"""Upload budgets over real sockets: slow uploads hold no pooled connection, an idle one is cut off,
and the per-node and per-key caps answer 503/429 with Retry-After (issue 16, items 1 and 4)."""

from __future__ import annotations

import asyncio
import statistics

import aiohttp
import psycopg
import pytest

from service.app import create_app
from service.http.auth import hash_key
from tests.integration.helpers import upload
from tests.integration.slow_clients import BOUNDARY, SlowUpload, multipart_head, timed
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

SLOW = 20  # twice as many uploads as the node has pooled connections (10)
KEYS = [f"user-{n}" for n in range(SLOW)] + ["other"]


def _jobs(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM jobs").fetchone()[0]


def _small_form() -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("file", b"CCO ethanol\nCCN ethylamine\n", filename="small.smi")
    return form


@pytest.fixture
def keyed(settings):
    return settings.replace(api_key_hashes=",".join(hash_key(k) for k in KEYS), upload_rate_per_minute=10_000)


async def test_slow_uploads_do_not_starve_other_requests(keyed, aiohttp_client, database_url):
    client = await aiohttp_client(create_app(keyed))
    other = {"X-API-Key": "other"}
    job_id = (await (await client.post("/api/v1/batch/upload", data=_small_form(), headers=other)).json())["job_id"]
    slow = [await SlowUpload(client.host, client.port, key=KEYS[n]).start() for n in range(SLOW)]
    try:
        await asyncio.sleep(1.0)
        latencies: dict[str, list[float]] = {"status": [], "health": [], "upload": []}
        # Past the pool's 10 s wait: a starved pool would have answered 503 by then.
        for _ in range(6):
            took, response = await timed(client.get(f"/api/v1/batch/{job_id}/status", headers=other))
            assert response.status == 200, await response.text()
            latencies["status"].append(took)
            took, response = await timed(client.get("/api/v1/health"))
            body = await response.json()
            assert response.status == 200 and body["database"] == "up", body
            latencies["health"].append(took)
            took, response = await timed(client.post("/api/v1/batch/upload", data=_small_form(), headers=other))
            assert response.status == 202, await response.text()
            latencies["upload"].append(took)
            await asyncio.sleep(1.5)
        for name, values in latencies.items():
            print(f"{name} during {SLOW} stalled uploads: median {statistics.median(values) * 1000:.0f} ms,"
                  f" max {max(values) * 1000:.0f} ms")
            assert max(values) < 1.0, (name, values)
        assert not any(s.answered() for s in slow)  # still sending: honest slow uploads are not cut off
        assert all(s.sent > 0 for s in slow)
    finally:
        for s in slow:
            await s.close()
    await asyncio.sleep(0.5)
    assert _jobs(database_url) == 1 + 6  # the slow uploads never finished: none is stored


async def test_an_idle_upload_is_cut_off_and_nothing_is_stored(settings, aiohttp_client, database_url):
    client = await aiohttp_client(create_app(settings.replace(upload_idle_timeout=1.0)))
    idle = await SlowUpload(client.host, client.port, interval=None).start()
    try:
        took, (status, _headers, body) = await timed(idle.response(timeout=10))
    finally:
        await idle.close()
    assert status == 408 and body["error"] == "upload_idle", body
    assert "1 s" in body["detail"] and set(body) == {"error", "detail"}
    assert 0.9 < took < 5
    assert _jobs(database_url) == 0
    assert (await client.get("/api/v1/health")).status == 200


async def test_upload_caps_per_key_and_per_node_answer_429_and_503_with_retry_after(keyed, aiohttp_client,
                                                                                    database_url):
    client = await aiohttp_client(create_app(keyed.replace(max_uploads_per_client=2, max_concurrent_uploads=3)))
    held = [await SlowUpload(client.host, client.port, key=key).start() for key in ("user-0", "user-0", "user-1")]
    extra: list[SlowUpload] = []
    try:
        await asyncio.sleep(0.5)
        over_key = await SlowUpload(client.host, client.port, key="user-0").start()
        over_node = await SlowUpload(client.host, client.port, key="user-2").start()
        extra += [over_key, over_node]
        status, headers, body = await over_key.response(timeout=5)
        assert status == 429 and int(headers["retry-after"]) >= 1, body
        assert body["error"] == "too_many_uploads" and "2 uploads" in body["detail"]
        status, headers, body = await over_node.response(timeout=5)
        assert status == 503 and int(headers["retry-after"]) >= 1, body
        assert body["error"] == "uploads_busy" and set(body) == {"error", "detail"}
        assert not any(s.answered() for s in held)
    finally:
        for s in held + extra:
            await s.close()
    # A client that went away frees its slots: the same key uploads again at once.
    async with asyncio.timeout(5):
        while True:
            response = await client.post("/api/v1/batch/upload", data=_small_form(), headers={"X-API-Key": "user-0"})
            if response.status == 202:
                break
            assert response.status == 429
            await asyncio.sleep(0.1)
    assert _jobs(database_url) == 1


async def _health_latencies(client, stop: asyncio.Event) -> list[float]:
    out = []
    while not stop.is_set():
        took, response = await timed(client.get("/api/v1/health"))
        assert response.status == 200
        out.append(took)
        await asyncio.sleep(0.02)
    return out


async def test_many_tiny_form_fields_are_refused_quickly_without_stalling_others(settings, aiohttp_client,
                                                                                database_url):
    client = await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=10_000)))
    fields = {f"f{n}": "x" for n in range(50_000)}
    body = multipart_head("a.smi", fields) + b"CCO ethanol\n" + f"\r\n--{BOUNDARY}--\r\n".encode()
    async with asyncio.timeout(10):  # the LISTEN connection comes up just after start
        while (await client.get("/api/v1/health")).status != 200:
            await asyncio.sleep(0.05)
    stop = asyncio.Event()
    watcher = asyncio.create_task(_health_latencies(client, stop))
    await asyncio.sleep(0.1)
    took, response = await timed(client.post(
        "/api/v1/batch/upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}))
    stop.set()
    latencies = await watcher
    answer = await response.json()
    print(f"50,000 fields: answered {response.status} in {took * 1000:.0f} ms; health max"
          f" {max(latencies) * 1000:.0f} ms over {len(latencies)} requests")
    assert response.status == 400 and answer["error"] == "too_many_fields", answer
    assert "32" in answer["detail"]
    assert took < 1.5 and max(latencies) < 0.5
    assert _jobs(database_url) == 0


async def test_a_huge_form_field_is_refused_naming_the_limit(settings, aiohttp_client, database_url):
    client = await aiohttp_client(create_app(settings))
    form = aiohttp.FormData()
    form.add_field("comment", "x" * 5_000_000)
    form.add_field("file", NCI_SDF_200.read_bytes(), filename=NCI_SDF_200.name)
    response = await client.post("/api/v1/batch/upload", data=form)
    body = await response.json()
    assert response.status == 400 and body["error"] == "field_too_long", body
    assert "'comment'" in body["detail"] and "1,024 bytes" in body["detail"]
    assert _jobs(database_url) == 0
    await upload(client, NCI_SDF_200)  # the node is fine afterwards
