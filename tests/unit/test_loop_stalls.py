"""The loop stall tracer names what held the event loop, and stays silent while it turns."""

import asyncio
import logging
import time

from service.ops.loop_stalls import stall_tracing


def hold_the_loop_for(seconds: float) -> None:
    time.sleep(seconds)  # a synchronous step inside a callback, as a slow handler would be


async def test_a_held_loop_is_logged_with_the_frame_that_held_it(caplog):
    caplog.set_level(logging.WARNING, logger="chemaudit.loop_stalls")
    async with stall_tracing(40) as tracer:
        await asyncio.sleep(0.05)  # the watchdog and the beat are running
        hold_the_loop_for(0.2)
        await asyncio.sleep(0.05)  # the loop turns again: the stall ends and is reported
        for _ in range(100):
            if tracer.stalls:
                break
            await asyncio.sleep(0.01)
    assert tracer.stalls == 1
    (record,) = [r for r in caplog.records if "event loop held" in r.getMessage()]
    held = int(record.getMessage().split("held ")[1].split(" ms")[0])
    assert 150 <= held < 1000
    assert "hold_the_loop_for" in record.getMessage()


async def test_a_loop_that_keeps_turning_logs_nothing(caplog):
    caplog.set_level(logging.WARNING, logger="chemaudit.loop_stalls")
    async with stall_tracing(500) as tracer:
        for _ in range(30):
            await asyncio.sleep(0.01)
    assert tracer.stalls == 0
    assert not [r for r in caplog.records if "event loop held" in r.getMessage()]


async def test_zero_turns_it_off():
    async with stall_tracing(0) as tracer:
        assert tracer is None
