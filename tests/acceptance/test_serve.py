"""Acceptance: the real `chemaudit serve` (subprocess), real uploads, real WebSocket clients."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp
import psycopg
import pytest

from tests.support.molecules import NCI_SDF_200, nci_smiles, write_csv

pytestmark = pytest.mark.acceptance

CLIENT = Path(__file__).with_name("documented_client.py")


async def _upload(session: aiohttp.ClientSession, base: str, path: Path) -> dict:
    form = aiohttp.FormData()
    form.add_field("file", path.open("rb"), filename=path.name)
    async with session.post(f"{base}/api/v1/batch/upload", data=form) as response:
        body = await response.json()
        assert response.status == 202, body
        return body


async def _upload_and_follow(service, path: Path) -> tuple[dict, list[dict], int]:
    async with aiohttp.ClientSession() as session:
        accepted = await _upload(session, service.base, path)
        messages = []
        async with session.ws_connect(f"{service.ws_base}/ws/batch/{accepted['job_id']}") as ws:
            first = await ws.receive(timeout=2)  # the current state comes at once
            assert first.type == aiohttp.WSMsgType.TEXT
            messages.append(first.json())
            async with asyncio.timeout(300):
                async for msg in ws:
                    messages.append(msg.json())
            close_code = ws.close_code
    return accepted, messages, close_code


def _result_rows(service, job_id: str) -> int:
    with psycopg.connect(service.database_url) as conn:
        return conn.execute("SELECT count(*) FROM results WHERE job_id = %s", (job_id,)).fetchone()[0]


def _check_stream(messages: list[dict], total: int) -> None:
    for before, after in zip(messages, messages[1:]):
        assert after["processed"] >= before["processed"]
        assert after["progress"] >= before["progress"]
    assert all(m["processed"] <= m["total"] == total and m["progress"] <= 100 for m in messages)
    assert messages[-1]["status"] == "complete"
    assert messages[-1]["processed"] == total


@pytest.mark.parametrize("make_file", ["sdf", "csv"])
async def test_serve_upload_socket_to_completion(service, tmp_path, make_file):
    path = NCI_SDF_200 if make_file == "sdf" else write_csv(tmp_path / "nci_1000.csv", 1_000)
    accepted, messages, close_code = await _upload_and_follow(service, path)
    total = accepted["total_molecules"]
    assert total == (200 if make_file == "sdf" else 1_000)
    _check_stream(messages, total)
    assert close_code == 1000
    assert _result_rows(service, accepted["job_id"]) == total


async def test_documented_python_client_runs_unchanged(service, tmp_path):
    path = write_csv(tmp_path / "nci_1000.csv", 1_000)
    async with aiohttp.ClientSession() as session:
        accepted = await _upload(session, service.base, path)
    url = f"{service.ws_base}/ws/batch/{accepted['job_id']}"
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, str(CLIENT), url], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith("complete: 100.0% (1000/1000)")


def _metric(text: str, name: str, labels: str = "") -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + (labels or "")) and not line.startswith("#"):
            head, value = line.rsplit(" ", 1)
            if head == name + labels or (not labels and head.split("{")[0] == name):
                total += float(value)
    return total


async def test_metrics_move_during_a_job(service, tmp_path):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{service.base}/metrics") as response:
            before = await response.text()
        # Molecules the other tests of this module did not upload: a job the cache cannot serve.
        unseen = nci_smiles(5_000)[-600:]
        path = tmp_path / "m.csv"
        path.write_text("SMILES,Name\n" + "".join(f"{smiles},{name}\n" for smiles, name in unseen))
        accepted = await _upload(session, service.base, path)
        async with session.ws_connect(f"{service.ws_base}/ws/batch/{accepted['job_id']}") as ws:
            await ws.receive(timeout=5)
            async with session.get(f"{service.base}/metrics") as response:
                during = await response.text()
            with psycopg.connect(service.database_url, autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE application_name = 'chemaudit-listener'")
            async for _ in ws:
                pass
        await asyncio.sleep(1)
        async with session.get(f"{service.base}/metrics") as response:
            after = await response.text()
    assert _metric(during, "chemaudit_websocket_connections") >= 1
    assert _metric(after, "chemaudit_listener_reconnects") >= 1
    for name in ("chemaudit_chunk_seconds_count", "chemaudit_molecule_seconds_count",
                 "chemaudit_molecules_audited_total", "chemaudit_molecules_processed",
                 "chemaudit_notify_to_send_seconds_count", "chemaudit_http_requests_total",
                 "chemaudit_result_cache_misses_total"):
        assert _metric(after, name) > _metric(before, name), name
    assert _metric(after, "chemaudit_jobs", '{status="complete"}') >= 1
    assert "chemaudit_queue_depth_chunks" in after
