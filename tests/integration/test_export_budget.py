"""Exports have a budget: a cap per node (503) and per client (429), both with Retry-After; a
client that stops reading is cut off after the stall timeout and its connection freed; the
rest of the node keeps answering; /metrics counts them. Real sockets that never read (a 1 KiB
receive buffer), a real aiohttp server, real PostgreSQL (pg_stat_activity is the witness)."""

from __future__ import annotations

import asyncio
import re
import statistics
import time

import pytest

from service.app import create_app
from tests.integration.audited_jobs import audit_files, copy_job, job_settings
from tests.integration.stalled_readers import (
    drain_until_closed,
    export_connections,
    open_get,
    read_head,
    read_json_answer,
    wait_until,
)
from tests.support import pg
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

IDLE_EXPORTS = 100
ROWS = 5_000  # a JSON export of ~20 MB: far more than the buffers between server and client hold


@pytest.fixture(scope="module")
def export_job(pg_admin_url, template_database):
    name = pg.unique_name("chemaudit_exports")
    url = pg.create_database(pg_admin_url, name, template=template_database)
    settings = job_settings(url)
    audited = audit_files(settings, [(NCI_SDF_200, {})])[0]
    yield settings, copy_job(url, audited, ROWS), audited  # a copy has results but no progress events
    pg.drop_database(pg_admin_url, name)


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def scrape(client) -> str:
    return await (await client.get("/metrics")).text()


async def open_exports(client, job_id: str, count: int, headers=None, rcvbuf: int = 1024) -> list:
    path = f"/api/v1/batch/{job_id}/export?format=json"
    return [open_get(client.host, client.port, path, headers, rcvbuf) for _ in range(count)]


async def timed_get(client, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    response = await client.get(path)
    await response.read()
    return response.status, time.perf_counter() - started


async def test_idle_exports_are_capped_and_the_node_keeps_answering(export_job, aiohttp_client):
    settings, job_id, audited = export_job
    client = await aiohttp_client(create_app(settings.replace(
        max_concurrent_exports=8, max_exports_per_client=IDLE_EXPORTS, export_stall_timeout=600)))
    before = await scrape(client)
    sockets = await open_exports(client, job_id, IDLE_EXPORTS)
    try:
        heads = await asyncio.gather(*(asyncio.to_thread(read_json_answer, sock) for sock in sockets),
                                     return_exceptions=True)
        statuses = [head[0] if isinstance(head, tuple) else None for head in heads]
        # Only the first eight are being streamed; which eight is up to the scheduler. The rest
        # were told at once to come back later.
        accepted = [sock for sock, status in zip(sockets, statuses) if status == 200]
        refused = [head for head in heads if isinstance(head, tuple) and head[0] == 503]
        assert len(accepted) == 8 and len(refused) == IDLE_EXPORTS - 8, statuses
        for _, headers, body in refused:
            assert int(headers["retry-after"]) >= 1
            assert body["error"] == "exports_busy" and body["detail"].endswith(".")
        assert export_connections(settings.database_url) == 8

        timings: dict[str, list[float]] = {}
        for name, path in (("health", "/api/v1/health"), ("status", f"/api/v1/batch/{audited}/status"),
                           ("results page", f"/api/v1/batch/{audited}?page_size=20"),
                           ("stats", f"/api/v1/batch/{job_id}/stats")):
            for _ in range(10):
                status, seconds = await timed_get(client, path)
                assert status == 200, path
                timings.setdefault(name, []).append(seconds)
        print("\nwith 8 exports streaming to clients that never read and 92 refused:")
        for name, values in timings.items():
            print(f"  {name}: median {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms")
        assert max(max(values) for values in timings.values()) < 2.0

        after = await scrape(client)
        assert metric(after, "chemaudit_exports_in_progress") == 8
        assert metric(after, 'chemaudit_exports_refused_total{reason="node"}') - \
            metric(before, 'chemaudit_exports_refused_total{reason="node"}') == IDLE_EXPORTS - 8
        assert metric(after, "chemaudit_exports_started_total") - metric(before, "chemaudit_exports_started_total") == 8
    finally:
        for sock in sockets:
            sock.close()
    # Clients that leave free their exports' connections.
    await asyncio.to_thread(wait_until, lambda: export_connections(settings.database_url) == 0, 20)
    assert metric(await scrape(client), "chemaudit_exports_in_progress") == 0


async def test_one_client_gets_a_few_exports_at_once(export_job, aiohttp_client):
    settings, job_id, _ = export_job
    client = await aiohttp_client(create_app(settings.replace(
        max_exports_per_client=2, export_stall_timeout=600, trusted_proxies="127.0.0.1")))
    mine = await open_exports(client, job_id, 3, {"X-Forwarded-For": "198.51.100.1"})
    other = await open_exports(client, job_id, 1, {"X-Forwarded-For": "198.51.100.2"})
    try:
        answers = sorted([await asyncio.to_thread(read_json_answer, sock) for sock in mine], key=lambda a: a[0])
        assert [answer[0] for answer in answers] == [200, 200, 429]
        _, headers, body = answers[2]
        assert int(headers["retry-after"]) >= 1
        assert body["error"] == "too_many_exports" and set(body) == {"error", "detail"}
        assert (await asyncio.to_thread(read_head, other[0]))[0] == 200  # another user behind the proxy
    finally:
        for sock in mine + other:
            sock.close()


async def test_a_reader_that_stops_is_cut_off_and_a_slow_one_is_not(export_job, aiohttp_client):
    settings, job_id, _ = export_job
    client = await aiohttp_client(create_app(settings.replace(export_stall_timeout=1.0)))
    before = await scrape(client)
    stalled, = await open_exports(client, job_id, 1)
    try:
        assert (await asyncio.to_thread(read_head, stalled))[0] == 200
        assert export_connections(settings.database_url) == 1
        freed_after = await asyncio.to_thread(wait_until, lambda: export_connections(settings.database_url) == 0,
                                              10, 0.05)
        after = await scrape(client)
        assert metric(after, "chemaudit_exports_timed_out_total") - metric(before, "chemaudit_exports_timed_out_total") == 1
        assert metric(after, "chemaudit_exports_in_progress") == 0
        received, cut = await asyncio.to_thread(drain_until_closed, stalled, 10)
        assert cut, received  # a download cut short, never one that looks complete
    finally:
        stalled.close()
    assert 0.8 < freed_after < 5, freed_after

    slow, = await open_exports(client, job_id, 1, rcvbuf=128 * 1024)
    try:
        def read_slowly() -> int:
            # 32 KiB every 0.1 s for 3 s, three times the stall timeout: slow, but always moving
            # (on loopback the window opens 64 KiB at a time, so slower would look stalled for 1 s).
            read_head(slow)
            taken, until = 0, time.monotonic() + 3
            while time.monotonic() < until:
                taken += len(slow.recv(32 * 1024))
                time.sleep(0.1)
            return taken

        taken = await asyncio.to_thread(read_slowly)
        assert taken > 500_000
        assert export_connections(settings.database_url) == 1  # still streaming
        assert metric(await scrape(client), "chemaudit_exports_timed_out_total") == \
            metric(after, "chemaudit_exports_timed_out_total")
    finally:
        slow.close()
    print(f"\na reader that stopped was cut off and its connection freed {freed_after:.2f} s after its"
          f" answer began (stall timeout 1 s); a slow reader took {taken / 1024:.0f} KiB in 3 s and was not")
    await asyncio.to_thread(wait_until, lambda: export_connections(settings.database_url) == 0, 20)
