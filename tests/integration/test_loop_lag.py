"""The web process reports its event-loop lag on /metrics, and a blocked loop shows there."""

from __future__ import annotations

import asyncio
import re
import time

from aiohttp import web

from service.app import create_app


def lag_figures(text: str) -> tuple[float, float]:
    """(samples later than 100 ms, worst lag) from the Prometheus text."""
    below = total = worst = None
    for line in text.splitlines():
        if line.startswith('chemaudit_event_loop_lag_seconds_bucket{le="0.1"}'):
            below = float(line.rsplit(" ", 1)[1])
        elif line.startswith("chemaudit_event_loop_lag_seconds_count"):
            total = float(line.rsplit(" ", 1)[1])
        elif re.match(r"chemaudit_event_loop_lag_max_seconds ", line):
            worst = float(line.rsplit(" ", 1)[1])
    over = total - below
    return over, worst


async def test_a_blocked_loop_is_counted_and_its_worst_lag_kept(settings, aiohttp_client):
    app = create_app(settings)

    async def block(request):
        time.sleep(0.3)  # what a synchronous step on the loop would do
        return web.json_response({})

    app.router.add_get("/test-block", block)
    client = await aiohttp_client(app)
    await asyncio.sleep(0.1)
    over_before, _ = lag_figures(await (await client.get("/metrics")).text())
    assert (await client.get("/test-block")).status == 200
    await asyncio.sleep(0.05)
    over_after, worst = lag_figures(await (await client.get("/metrics")).text())
    assert over_after >= over_before + 1
    assert 0.25 <= worst < 5
