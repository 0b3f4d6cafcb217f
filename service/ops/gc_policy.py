"""A web process's garbage-collector policy: full collections do not walk long-lived sockets.

A full (generation 2) collection walks every object the collector tracks, and an open progress
socket holds about 110 of them (its request, protocol, transport, tasks, frames...): with 10,000
sockets one pass held the event loop, and so every socket of the process, for 0.1-0.6 s, to free
nothing, since a socket's objects live as long as it does. `gc.freeze()` moves every tracked
object to the permanent generation, which collections leave alone (in CPython a list splice, a
few microseconds); the startup freeze (service/ops/cli.py) does that once for the imports.

Every INTERVAL seconds the policy compares the progress sockets opened and closed (the tally of
service/progress/socket_loop.py) with what it last did, and `decide` picks one action:

- FREEZE once `freeze_step` sockets opened since the last freeze may still be open: a young
  collection (the short-lived garbage of requests just answered), then `gc.freeze()`.
- FULL: `gc.unfreeze()`, one full collection, `gc.freeze()`. A frozen socket that closes is still
  freed by reference counting, all but the reference cycle of its transport (6 objects, about
  1 KB), which only a full collection of the permanent generation frees; so is anything a freeze
  caught in flight. Done once `min_closes` sockets closed since the last full collection and the
  node is quiet (at most `quiet_share` of the most sockets it froze are open: the pause walks few
  of them), once `max_closes` closed however busy it is, or `max_interval` after a freeze.

The collector's own full passes are timed through `gc.callbacks` (which only note the time: a
callback may run while this thread holds a metric's lock) and reported on /metrics with the
policy's actions. `CHEMAUDIT_GC_FREEZE_SOCKETS=false` keeps the timing and turns the policy off.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import gc
import logging
import time
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import Counter, Histogram

from service.keys import SETTINGS
from service.ops.metrics_registry import REGISTRY
from service.progress.socket_loop import TALLY, SocketTally

log = logging.getLogger("chemaudit.gc")

INTERVAL = 0.5
FREEZES = Counter("chemaudit_gc_freezes_total",
                  "GC policy actions: kind sockets (young collection, freeze) or full (unfreeze, full"
                  " collection, freeze)", ["kind"], registry=REGISTRY)
FULL_PAUSES = Histogram("chemaudit_gc_full_collection_seconds",
                        "Full (generation 2) garbage collections of the web process, each a pause of its event loop",
                        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), registry=REGISTRY)


class Action(enum.Enum):
    NONE = "none"
    FREEZE = "sockets"
    FULL = "full"


@dataclass(frozen=True)
class Counts:
    open: int  # progress sockets open now
    new: int  # sockets opened since the last freeze (some may have closed since)
    closed: int  # sockets closed since the last full collection
    peak: int  # most sockets open at a freeze (or at the full collection) since the last full collection
    freezes: int  # freezes since the last full collection
    since_full: float  # seconds since the last full collection


@dataclass(frozen=True)
class Limits:
    freeze_step: int = 100
    min_closes: int = 1_000
    max_closes: int = 50_000
    quiet_share: float = 0.05
    min_interval: float = 60.0  # between two full collections
    max_interval: float = 3600.0


def decide(counts: Counts, limits: Limits = Limits()) -> Action:
    """What the policy does now, from the counts alone."""
    if counts.peak and counts.since_full >= limits.min_interval and (
            counts.closed >= limits.max_closes
            or (counts.closed >= limits.min_closes and counts.open <= counts.peak * limits.quiet_share)
            or (counts.freezes and counts.since_full >= limits.max_interval)):
        return Action.FULL
    if min(counts.new, counts.open) >= limits.freeze_step:
        return Action.FREEZE
    return Action.NONE


class FullCollectionTimer:
    """A `gc.callbacks` entry noting how long each full collection took."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started: float | None = None

    def __call__(self, phase: str, info: dict) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.pauses.append(time.perf_counter() - self._started)
            self._started = None

    def report(self) -> None:
        """Move the noted pauses to the histogram (from the loop, never from the callback)."""
        while self.pauses:
            FULL_PAUSES.observe(self.pauses.pop())


class GcPolicy:
    def __init__(self, tally: SocketTally = TALLY, limits: Limits = Limits(), clock=time.monotonic):
        self.tally = tally
        self.limits = limits
        self.clock = clock
        self._opened_at_freeze = tally.opened
        self._closed_at_full = tally.closed
        self._peak = 0
        self._freezes = 0
        self._full_at = clock()

    def counts(self) -> Counts:
        return Counts(open=self.tally.open, new=self.tally.opened - self._opened_at_freeze,
                      closed=self.tally.closed - self._closed_at_full, peak=self._peak,
                      freezes=self._freezes, since_full=self.clock() - self._full_at)

    def step(self) -> Action:
        counts = self.counts()
        action = decide(counts, self.limits)
        if action is Action.FREEZE:
            gc.collect(1)
            gc.freeze()
            self._freezes += 1
            self._peak = max(self._peak, self.tally.open)
        elif action is Action.FULL:
            started = time.perf_counter()
            gc.unfreeze()
            freed = gc.collect()
            gc.freeze()
            log.info("full garbage collection after %d socket closes (%d open): %.0f ms, %d objects freed",
                     counts.closed, counts.open, (time.perf_counter() - started) * 1000, freed)
            self._closed_at_full = self.tally.closed
            self._peak = self.tally.open
            self._freezes = 0
            self._full_at = self.clock()
        else:
            return action
        self._opened_at_freeze = self.tally.opened
        FREEZES.labels(action.value).inc()
        return action


GC_POLICY = web.AppKey("gc_policy", GcPolicy)  # set when the policy is on


async def gc_policy_context(app: web.Application, interval: float = INTERVAL, limits: Limits = Limits()):
    """cleanup_ctx entry of a web process: time full collections; freeze sockets if the setting is on."""
    timer = FullCollectionTimer()
    policy = GcPolicy(limits=limits) if app[SETTINGS].gc_freeze_sockets else None
    if policy is not None:
        app[GC_POLICY] = policy
    gc.callbacks.append(timer)

    async def run() -> None:
        while True:
            await asyncio.sleep(interval)
            if policy is not None:
                policy.step()
            timer.report()

    task = asyncio.create_task(run(), name="chemaudit-gc-policy")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    gc.callbacks.remove(timer)
