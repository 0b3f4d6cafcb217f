"""A job socket's subscriber: live messages held during the catch-up, then released in order;
a message skips the writer only when it directly follows the last one sent."""

from service.progress.job_stream import TERMINAL_WRITTEN, JobSubscriber


def _message(seq: int, status: str = "processing") -> dict:
    return {"job_id": "a", "status": status, "progress": 0.0, "processed": seq, "total": 10,
            "eta_seconds": 0, "seq": seq}


def _queued(sub: JobSubscriber) -> list[int]:
    return [sub.queue.get_nowait()["seq"] for _ in range(sub.queue.qsize())]


async def test_messages_held_during_the_catch_up_follow_it_in_seq_order():
    sub = JobSubscriber("a", 10)
    for seq in (11, 9, 12, 4):  # arrived while the catch-up (5..10) was read and sent
        sub.offer(_message(seq))
    assert sub.queue.empty()
    sub.release(10)
    assert _queued(sub) == [11, 12]
    sub.offer(_message(12))
    sub.offer(_message(13))
    assert _queued(sub) == [13]


async def test_a_full_hold_keeps_the_newest_messages():
    sub = JobSubscriber("a", 3)
    for seq in range(2, 9):
        sub.offer(_message(seq))
    sub.release(1)
    assert _queued(sub) == [6, 7, 8]  # 2..5 are read from the table by the writer (a gap)
    assert not sub.overflowed


async def test_only_the_next_seq_is_written_at_once():
    written: list[int] = []
    sub = JobSubscriber("a", 10, direct=lambda message: written.append(message["seq"]) or True)
    sub.release(3)
    sub.writing = False  # the writer waits on an empty queue
    sub.offer(_message(4))
    sub.offer(_message(5))
    assert written == [4, 5] and sub.sent_seq == 5
    sub.offer(_message(8))  # 6 and 7 are missing: the writer must fill them in first
    assert written == [4, 5] and _queued(sub) == [8]


async def test_a_terminal_message_is_written_at_once_and_then_tells_the_writer_to_close():
    written: list[int] = []
    sub = JobSubscriber("a", 10, direct=lambda message: written.append(message["seq"]) or True)
    sub.release(3)
    sub.writing = False
    sub.offer(_message(4, "complete"))
    assert written == [4] and sub.sent_seq == 4
    assert sub.queue.get_nowait() is TERMINAL_WRITTEN and sub.queue.empty()
