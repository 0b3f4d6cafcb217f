"""The in-process hub: fan-out, de-duplication by seq, and overflow of slow subscribers."""

import asyncio

from service.ops.metrics_registry import REGISTRY, stamp
from service.progress.hub import Hub, Subscriber, is_terminal
from service.progress.socket_io import text_frame


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


async def test_messages_skip_the_queue_only_while_the_writer_waits_and_the_queue_is_empty():
    written: list[int] = []
    accepting = True

    def direct(message: dict) -> bool:
        if accepting:
            written.append(message["seq"])
        return accepting

    sub = Subscriber("a", 10, direct=direct)
    sub.offer(_message("a", 1))  # the writer has not started: queued (the snapshot goes first)
    assert written == [] and sub.queue.qsize() == 1
    assert (await sub.next_message())["seq"] == 1
    sub.offer(_message("a", 2))  # the writer is busy with 1: queued behind it
    assert written == [] and sub.queue.qsize() == 1
    assert (await sub.next_message())["seq"] == 2

    writer = asyncio.create_task(sub.next_message())
    await asyncio.sleep(0)  # now it waits on an empty queue
    sub.offer(_message("a", 3))
    assert written == [3] and sub.queue.empty() and not writer.done()

    accepting = False
    sub.offer(_message("a", 4))  # the socket cannot take it now: queued
    accepting = True
    sub.offer(_message("a", 5))  # it could, but 4 is still queued: 5 waits behind it
    assert written == [3] and sub.queue.qsize() == 2
    assert (await writer)["seq"] == 4
    assert (await sub.next_message())["seq"] == 5

    writer = asyncio.create_task(sub.next_message())
    await asyncio.sleep(0)
    sub.offer(_message("a", 6, "complete"))  # terminal: written at once like the others
    assert written == [3, 6] and sub.queue.empty() and not writer.done()
    writer.cancel()


async def test_a_socket_that_stops_taking_frames_still_overflows_and_is_told_to_close():
    sub = Subscriber("a", 2, direct=lambda message: message["seq"] <= 3)
    writer = asyncio.create_task(sub.next_message())
    await asyncio.sleep(0)
    for seq in range(1, 10):
        sub.offer(_message("a", seq))
    assert sub.overflowed and sub.queue.qsize() == 1
    assert await writer is None


async def test_the_latency_histogram_is_observed_once_per_message_with_subscribers():
    def observed() -> float:
        return REGISTRY.get_sample_value("chemaudit_notify_to_send_seconds_count") or 0.0

    hub = Hub()
    for sub in (Subscriber("a", 10), Subscriber("a", 10), Subscriber(None, 10)):
        hub.subscribe(sub)
    before = observed()
    message = _message("a", 1)
    stamp(message)
    hub.publish(message)
    assert observed() == before + 1
    unwatched = _message("b", 1)
    stamp(unwatched)
    Hub().publish(unwatched)  # nobody follows it here: not a delivery, not observed
    assert observed() == before + 1


def test_text_frames_have_the_three_length_forms():
    assert text_frame(b"x" * 125)[:2] == bytes([0x81, 125])
    assert text_frame(b"x" * 126)[:4] == bytes([0x81, 126, 0, 126])
    assert text_frame(b"x" * 65535)[:4] == bytes([0x81, 126, 0xFF, 0xFF])
    assert text_frame(b"x" * 65536)[:10] == bytes([0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0])
    assert text_frame(b"abc")[2:] == b"abc"
