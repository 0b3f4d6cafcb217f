"""Event-loop lag of this web process: how late a short timer fires, as a Prometheus histogram.

Anything that holds the loop (a long synchronous step, the GIL held by a busy thread, or the
process not getting a core) delays every request and socket of the node by as much. The sample
is the overshoot of a 10 ms sleep; `chemaudit_event_loop_lag_seconds` on /metrics counts how
many samples exceeded each bound, and its `_max` gauge keeps the worst one seen.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from prometheus_client import Gauge, Histogram

from service.keys import SETTINGS
from service.ops.loop_stalls import stall_tracing
from service.ops.metrics_registry import REGISTRY

INTERVAL = 0.010
LAG = Histogram(
    "chemaudit_event_loop_lag_seconds", "How late a 10 ms timer of the web process's event loop fired",
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1), registry=REGISTRY)
LAG_MAX = Gauge("chemaudit_event_loop_lag_max_seconds", "Worst event-loop lag of this web process since it started",
                registry=REGISTRY, multiprocess_mode="livemax")


class LoopLagMonitor:
    def __init__(self, interval: float = INTERVAL):
        self.interval = interval
        self.worst = 0.0

    def record(self, lag: float) -> None:
        lag = max(0.0, lag)
        LAG.observe(lag)
        if lag > self.worst:
            self.worst = lag
            LAG_MAX.set(lag)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self.record(loop.time() - due)


async def loop_lag_context(app: web.Application):
    """cleanup_ctx entry: sample the loop for as long as the app runs (and trace its stalls, when
    CHEMAUDIT_LOOP_STALL_TRACE_MS asks for it)."""
    task = asyncio.create_task(LoopLagMonitor().run(), name="chemaudit-loop-lag")
    async with stall_tracing(app[SETTINGS].loop_stall_trace_ms):
        yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
