"""Where a held event loop is held: a watchdog thread that samples the loop thread's stack.

Off by default (`CHEMAUDIT_LOOP_STALL_TRACE_MS`, a threshold in milliseconds, turns it on): the
lag histogram (service/ops/loop_lag.py) says how often the loop is late, this says what it was
doing. The loop beats every few milliseconds; when no beat has come for the threshold, the thread
takes the loop thread's current stack (sys._current_frames) every SAMPLE seconds until the next
beat, and logs the stall once it ends: how long it lasted and the distinct innermost frames seen.
A stack whose innermost frame is the selector's wait means the loop was idle but the process got
no core (or the GIL) in time, not that a callback held it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
import traceback
from collections import Counter

log = logging.getLogger("chemaudit.loop_stalls")

BEAT = 0.005
SAMPLE = 0.005
FRAMES = 8  # innermost frames kept per sample: enough to name the callback, short enough to read


class StallTracer:
    def __init__(self, threshold: float):
        self.threshold = threshold
        self.beat = time.monotonic()
        self.loop_thread = threading.get_ident()
        self.stalls = 0
        self._stop = threading.Event()

    def stack(self) -> str:
        frame = sys._current_frames().get(self.loop_thread)
        if frame is None:
            return "(no frame)"
        lines = traceback.format_stack(frame)[-FRAMES:]
        return "".join(lines)

    def watch(self) -> None:
        while not self._stop.wait(SAMPLE):
            beat = self.beat
            if time.monotonic() - beat < self.threshold:
                continue
            samples: Counter[str] = Counter()
            while self.beat == beat and not self._stop.is_set():
                samples[self.stack()] += 1
                time.sleep(SAMPLE)
            self.report(time.monotonic() - beat, samples)

    def report(self, held: float, samples: Counter[str]) -> None:
        self.stalls += 1
        parts = [f"--- {count} sample(s):\n{stack}" for stack, count in samples.most_common()]
        log.warning("event loop held %.0f ms (stall %d); innermost frames:\n%s",
                    held * 1000, self.stalls, "\n".join(parts))

    async def beat_forever(self) -> None:
        while True:
            await asyncio.sleep(BEAT)
            self.beat = time.monotonic()

    def stop(self) -> None:
        self._stop.set()


@contextlib.asynccontextmanager
async def stall_tracing(threshold_ms: float):
    """Trace the running loop's stalls over `threshold_ms` while inside (0: do nothing)."""
    if threshold_ms <= 0:
        yield None
        return
    tracer = StallTracer(threshold_ms / 1000)
    thread = threading.Thread(target=tracer.watch, name="chemaudit-stall-tracer", daemon=True)
    thread.start()
    beats = asyncio.create_task(tracer.beat_forever(), name="chemaudit-stall-beat")
    log.info("loop stall tracer on: stalls over %.0f ms are logged with their stacks", threshold_ms)
    try:
        yield tracer
    finally:
        beats.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beats
        tracer.stop()
        thread.join(timeout=1)
