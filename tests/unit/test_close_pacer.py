"""The close pacer: a burst of closes starts a few per turn of the loop, in arrival order."""

import asyncio

from service.progress.close_pacer import ClosePacer, close_pacer


async def _turns_until(tasks: list[asyncio.Task], started: list[int]) -> list[int]:
    """How many had started after each turn of the loop, until all have."""
    seen: list[int] = []
    while not all(task.done() for task in tasks):
        await asyncio.sleep(0)
        seen.append(len(started))
    return seen


def _closers(pacer: ClosePacer, count: int, started: list[int]) -> list[asyncio.Task]:
    """`count` closes that each wait for their turn, then note that they started."""
    async def close(n: int) -> None:
        await pacer.turn()
        started.append(n)

    return [asyncio.create_task(close(n)) for n in range(count)]


async def test_a_burst_starts_at_most_per_turn_closes_each_turn_in_order():
    pacer = ClosePacer(asyncio.get_running_loop(), per_turn=8)
    started: list[int] = []
    tasks = _closers(pacer, 30, started)
    seen = await _turns_until(tasks, started)
    steps = [b - a for a, b in zip([0, *seen], seen)]
    assert max(steps) <= 8 and sum(steps) == 30
    assert len([step for step in steps if step]) == 4  # 8 + 8 + 8 + 6
    assert started == list(range(30))
    assert pacer.waiting == 0


async def test_a_cancelled_waiter_takes_no_slot():
    pacer = ClosePacer(asyncio.get_running_loop(), per_turn=2)
    started: list[int] = []
    tasks = _closers(pacer, 4, started)
    await asyncio.sleep(0)  # all four wait
    tasks[0].cancel()
    await asyncio.sleep(0)  # the first release: 1 and 2 (0 was cancelled)
    await asyncio.sleep(0)
    assert started == [1, 2]
    await asyncio.gather(*tasks[1:])
    assert started == [1, 2, 3]


async def test_one_pacer_per_loop():
    assert close_pacer() is close_pacer()
    lone = ClosePacer(asyncio.get_running_loop())
    await asyncio.wait_for(lone.turn(), 1)  # nobody else waits: released on the next turn
