"""The GC policy in a real app: real sockets on a real job are frozen once they are many, and
after they close one full collection frees what the freeze kept of them (their transports'
reference cycles). Real PostgreSQL, the real LISTEN connection and hub."""

from __future__ import annotations

import asyncio
import functools
import gc
import weakref

import aiohttp
import pytest

from service.app import create_app
from service.keys import HUB, LISTENER
from service.ops.gc_policy import FULL_PAUSES, GC_POLICY, Action, Limits, gc_policy_context
from tests.integration.helpers import upload
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

SOCKETS = 30


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()  # leave the test process as it was: nothing frozen


def app_with_policy(settings, interval: float, limits: Limits):
    app = create_app(settings)
    app.cleanup_ctx.append(functools.partial(gc_policy_context, interval=interval, limits=limits))
    transports: weakref.WeakSet = weakref.WeakSet()

    async def track(request, response):
        if isinstance(response, aiohttp.web.WebSocketResponse) and request.transport is not None:
            transports.add(request.transport)

    app.on_response_prepare.append(track)
    return app, transports


async def open_sockets(client, job_id: str) -> list:
    sockets = []
    async with asyncio.timeout(60):
        for _ in range(SOCKETS):
            ws = await client.ws_connect(f"/ws/batch/{job_id}")
            assert (await ws.receive_json())["status"] == "processing"
            sockets.append(ws)
    return sockets


async def test_sockets_are_frozen_and_a_full_collection_frees_what_closed_ones_left(settings, aiohttp_client,
                                                                                   unfrozen):
    # Stepped by hand (the task's interval is an hour), so each decision is taken at a known moment.
    limits = Limits(freeze_step=SOCKETS, min_closes=SOCKETS, min_interval=0.0)
    app, transports = app_with_policy(settings, 3600, limits)
    client = await aiohttp_client(app)
    await asyncio.wait_for(app[LISTENER].connected.wait(), 10)
    policy = app[GC_POLICY]
    job_id = (await upload(client, NCI_SDF_200))["job_id"]  # no worker: it stays processing
    assert policy.step() is Action.NONE

    sockets = await open_sockets(client, job_id)
    frozen_before = gc.get_freeze_count()
    assert policy.step() is Action.FREEZE
    assert gc.get_freeze_count() > frozen_before + SOCKETS * 50  # the sockets' objects, ~110 each
    assert policy.step() is Action.NONE

    assert (await client.delete(f"/api/v1/batch/{job_id}")).status in (200, 202)
    async with asyncio.timeout(30):
        for ws in sockets:
            assert (await ws.receive_json())["status"] == "cancelled"
            close = await ws.receive()
            assert (close.type, close.data) == (aiohttp.WSMsgType.CLOSE, 1000)
        while app[HUB].count(job_id):
            await asyncio.sleep(0.01)
        while policy.counts().open:  # every handler has left its socket
            await asyncio.sleep(0.01)
    for _ in range(20):  # and the loop has run the transports' connection_lost callbacks, which hold them
        await asyncio.sleep(0)
    gc.collect()  # an ordinary full collection: it does not walk what is frozen
    assert len(transports) == SOCKETS, "the closed sockets' transports were freed without the policy"
    assert all(transport.is_closing() for transport in transports)

    frozen_before = gc.get_freeze_count()
    assert policy.step() is Action.FULL
    assert len(transports) == 0
    assert gc.get_freeze_count() < frozen_before


async def test_the_policy_task_freezes_new_sockets_and_full_collections_are_timed(settings, aiohttp_client,
                                                                                 unfrozen):
    limits = Limits(freeze_step=SOCKETS, min_interval=3600.0)  # freezes, never a full collection
    app, _ = app_with_policy(settings, 0.01, limits)
    client = await aiohttp_client(app)
    await asyncio.wait_for(app[LISTENER].connected.wait(), 10)
    policy = app[GC_POLICY]
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    pauses = FULL_PAUSES.collect()[0]
    timed_before = next(s.value for s in pauses.samples if s.name.endswith("_count"))
    sockets = await open_sockets(client, job_id)
    async with asyncio.timeout(30):
        while policy.counts().freezes == 0:
            await asyncio.sleep(0.01)
        assert policy.counts().new < SOCKETS
        gc.collect()
        while next(s.value for s in FULL_PAUSES.collect()[0].samples if s.name.endswith("_count")) == timed_before:
            await asyncio.sleep(0.01)
    for ws in sockets:
        await ws.close()


async def test_the_setting_turns_the_policy_off(settings, aiohttp_client):
    app, _ = app_with_policy(settings.replace(gc_freeze_sockets=False), 0.01, Limits())
    await aiohttp_client(app)
    assert GC_POLICY not in app
