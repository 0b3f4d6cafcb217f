"""The in-process hub: fan-out, de-duplication by seq, and overflow of slow subscribers."""

import asyncio

from service.hub import Hub, Subscriber, is_terminal


def _message(job_id: str, seq: int, status: str = "processing") -> dict:
    return {"job_id": job_id, "status": status, "progress": 0.0, "processed": 0, "total": 10,
            "eta_seconds": 0, "seq": seq}


async def test_publish_reaches_only_that_jobs_subscribers_and_the_firehose():
    hub = Hub()
    a, b, every = Subscriber("a", 10), Subscriber("b", 10), Subscriber(None, 10)
    for sub in (a, b, every):
        hub.subscribe(sub)
    hub.publish(_message("a", 1))
    assert a.queue.qsize() == 1 and b.queue.qsize() == 0 and every.queue.qsize() == 1
    assert hub.count() == 3 and hub.count("a") == 1
    hub.unsubscribe(a)
    assert hub.watched_jobs() == ["b"]


async def test_messages_already_seen_are_dropped():
    sub = Subscriber("a", 10, after_seq=3)
    for seq in (2, 3, 4, 4, 5, 1):
        sub.offer(_message("a", seq))
    seqs = [sub.queue.get_nowait()["seq"] for _ in range(sub.queue.qsize())]
    assert seqs == [4, 5]


async def test_overflow_leaves_only_the_close_sentinel():
    sub = Subscriber("a", 3)
    for seq in range(1, 10):
        sub.offer(_message("a", seq))
    assert sub.overflowed
    assert sub.queue.qsize() == 1 and sub.queue.get_nowait() is None


async def test_terminal_statuses():
    assert is_terminal(_message("a", 1, "complete"))
    assert is_terminal(_message("a", 1, "cancelled"))
    assert not is_terminal(_message("a", 1, "processing"))
    await asyncio.sleep(0)
