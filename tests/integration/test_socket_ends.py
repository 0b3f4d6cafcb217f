"""How a progress socket ends: its request's log line (debug when normal, info otherwise), a
writer that fails closing its socket with 1011, the reader ending with either side. Real
PostgreSQL, the real LISTEN connection and hub, real sockets."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from aiohttp import web

from service.app import create_app
from service.keys import HUB, LISTENER
from service.progress import job_socket
from service.progress.hub import Hub
from tests.integration.helpers import upload
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration


@pytest.fixture
async def served(settings):
    """The app served as `chemaudit web` serves it, and a client session on it: unlike aiohttp's
    test server, a client that goes away does not cancel its handler (`handler_cancellation` off)."""
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    await asyncio.wait_for(app[LISTENER].connected.wait(), 10)
    try:
        async with aiohttp.ClientSession(base_url=f"http://{host}:{port}") as session:
            yield session, app[HUB]
    finally:
        await runner.cleanup()


def request_lines(caplog, job_id: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "chemaudit.http" and f"/ws/batch/{job_id}" in r.getMessage()]


async def wait_unsubscribed(hub: Hub, job_id: str) -> None:
    async with asyncio.timeout(10):
        while hub.count(job_id):
            await asyncio.sleep(0.01)


async def test_a_stream_ended_with_1000_logs_its_line_at_debug_an_abnormal_end_at_info(served, caplog):
    caplog.set_level(logging.DEBUG, logger="chemaudit.http")
    client, hub = served
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    async with client.ws_connect(f"/ws/batch/{job_id}") as ws:
        await ws.receive_json(timeout=5)
        assert (await client.delete(f"/api/v1/batch/{job_id}")).status in (200, 202)
        assert (await ws.receive_json(timeout=10))["status"] == "cancelled"
        close = await ws.receive(timeout=10)
        assert (close.type, close.data) == (aiohttp.WSMsgType.CLOSE, 1000)
    await wait_unsubscribed(hub, job_id)
    async with client.ws_connect(f"/ws/batch/{job_id}") as ws:  # an ended job: its last message, then 1000
        assert (await ws.receive_json(timeout=5))["status"] == "cancelled"
        assert (await ws.receive(timeout=5)).data == 1000
    await wait_unsubscribed(hub, job_id)

    other = (await upload(client, NCI_SDF_200))["job_id"]
    async with client.ws_connect(f"/ws/batch/{other}") as ws:
        await ws.receive_json(timeout=5)
        await ws.send_bytes(b"\x00")  # refused with 1003
        assert (await ws.receive(timeout=5)).data == 1003
    await wait_unsubscribed(hub, other)
    async with client.ws_connect(f"/ws/batch/{other}") as ws:
        await ws.receive_json(timeout=5)
    await wait_unsubscribed(hub, other)  # the client left with 1000

    async with asyncio.timeout(10):
        while len(request_lines(caplog, job_id)) < 2 or len(request_lines(caplog, other)) < 2:
            await asyncio.sleep(0.01)
    assert [r.levelno for r in request_lines(caplog, job_id)] == [logging.DEBUG, logging.DEBUG]
    assert [r.levelno for r in request_lines(caplog, other)] == [logging.INFO, logging.DEBUG]
    assert " 101 " in request_lines(caplog, job_id)[0].getMessage()


@pytest.mark.parametrize("how", ["raises", "returns"])
async def test_a_writer_that_ends_without_closing_closes_its_socket_with_1011(served, monkeypatch, caplog, how):
    caplog.set_level(logging.INFO)
    client, hub = served
    async def broken_writer(ws, subscriber, backlog, after_seq):
        await ws.send_str('{"status": "processing"}')
        if how == "raises":
            raise RuntimeError("a bug in the writer")

    monkeypatch.setattr(job_socket, "stream_job", broken_writer)
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    async with client.ws_connect(f"/ws/batch/{job_id}") as ws:
        await ws.receive_json(timeout=5)
        close = await ws.receive(timeout=5)
        assert (close.type, close.data) == (aiohttp.WSMsgType.CLOSE, 1011)
    await wait_unsubscribed(hub, job_id)
    failures = [r for r in caplog.records if r.name == "chemaudit.ws" and r.levelno == logging.ERROR]
    assert len(failures) == (1 if how == "raises" else 0)
    assert request_lines(caplog, job_id)[-1].levelno == logging.INFO


async def test_a_client_leaving_ends_the_writer_quietly(served, caplog):
    caplog.set_level(logging.DEBUG)
    client, hub = served
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    for _ in range(3):
        async with client.ws_connect(f"/ws/batch/{job_id}") as ws:
            await ws.receive_json(timeout=5)
    await wait_unsubscribed(hub, job_id)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
