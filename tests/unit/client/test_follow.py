"""Following a job: reconnects with backoff resuming after the last seq, polling fallback, giving up."""

from __future__ import annotations

import random

import pytest

from chemaudit_client.api import ServerError, SocketLost, SocketRefused, Unreachable
from chemaudit_client.follow import Backoff, Follower

JOB = "550e8400-e29b-41d4-a716-446655440000"


def msg(seq: int, processed: int, status: str = "processing", total: int = 10) -> dict:
    return {"job_id": JOB, "status": status, "progress": round(100 * processed / total, 2),
            "processed": processed, "total": total, "eta_seconds": 0, "seq": seq}


class FakeTime:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeServer:
    """Scripted socket sessions and /status answers; records what the client asked for."""

    def __init__(self, sessions=(), statuses=()):
        self.sessions = list(sessions)  # each: a list of messages and/or an exception to raise
        self.statuses = list(statuses)
        self.socket_calls: list[int] = []
        self.status_calls = 0

    async def open_socket(self, after_seq: int):
        self.socket_calls.append(after_seq)
        session = self.sessions.pop(0) if self.sessions else [SocketLost("connection refused")]
        for item in session:
            if isinstance(item, Exception):
                raise item
            if item.get("seq", 0) > after_seq:  # the server's after_seq rule
                yield item

    async def fetch_status(self) -> dict:
        self.status_calls += 1
        item = self.statuses.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def follower(server: FakeServer, time: FakeTime, seen: list, notes: list | None = None, **kwargs) -> Follower:
    backoff = Backoff(initial=0.5, maximum=4.0, jitter=0.0)
    return Follower(server.open_socket, server.fetch_status, seen.append,
                    on_note=(notes if notes is not None else []).append, backoff=backoff,
                    sleep=time.sleep, clock=time.clock, **kwargs)


async def test_socket_to_the_end_without_reconnecting():
    server, time, seen = FakeServer([[msg(1, 0), msg(2, 5), msg(3, 10, "complete")]]), FakeTime(), []
    final = await follower(server, time, seen).run()
    assert final["status"] == "complete"
    assert [m["seq"] for m in seen] == [1, 2, 3]
    assert server.socket_calls == [0] and server.status_calls == 0 and time.sleeps == []


async def test_a_dropped_socket_is_reopened_after_the_last_seq_and_nothing_repeats():
    server = FakeServer([
        [msg(1, 0), msg(2, 3), SocketLost("reset by peer")],
        [SocketLost("connection refused")],  # the node is restarting
        [msg(2, 3), msg(3, 6), msg(4, 10, "complete")],  # seq 2 again: must not be shown twice
    ])
    time, seen, notes = FakeTime(), [], []
    follow = follower(server, time, seen, notes)
    final = await follow.run()
    assert final["seq"] == 4 and final["status"] == "complete"
    assert [m["seq"] for m in seen] == [1, 2, 3, 4]
    assert server.socket_calls == [0, 2, 2]
    assert time.sleeps == [0.5, 1.0]  # backoff doubles while no message gets through
    assert follow.reconnects == 2 and not follow.polling
    assert all("reconnecting" in note for note in notes)


async def test_a_socket_closed_mid_job_without_error_is_reopened_too():
    server = FakeServer([[msg(1, 2)], [msg(2, 10, "cancelled")]])
    time, seen = FakeTime(), []
    final = await follower(server, time, seen).run()
    assert final["status"] == "cancelled" and server.socket_calls == [0, 1]


async def test_backoff_starts_over_after_a_message_gets_through():
    server = FakeServer([
        [msg(1, 1), SocketLost("x")], [SocketLost("x")], [SocketLost("x")],
        [msg(2, 2), SocketLost("x")], [SocketLost("x")],
        [msg(3, 10, "complete")],
    ])
    time, seen = FakeTime(), []
    await follower(server, time, seen).run()
    assert time.sleeps == [0.5, 1.0, 2.0, 0.5, 1.0]


async def test_refused_handshake_falls_back_to_polling_every_second():
    server = FakeServer([[SocketRefused("HTTP 502 Bad Gateway")]],
                        statuses=[msg(1, 0), msg(1, 0), msg(2, 4), msg(3, 10, "complete")])
    time, seen, notes = FakeTime(), [], []
    follow = follower(server, time, seen, notes)
    final = await follow.run()
    assert final["status"] == "complete" and follow.polling
    assert [m["seq"] for m in seen] == [1, 2, 3]  # the unchanged status is not shown again
    assert time.sleeps == [1.0, 1.0, 1.0]
    assert server.socket_calls == [0] and "polling" in notes[0]


async def test_a_socket_that_closes_without_a_word_is_given_up_for_polling():
    server = FakeServer([[]], statuses=[msg(5, 10, "failed")])
    time, seen = FakeTime(), []
    final = await follower(server, time, seen).run()
    assert final["status"] == "failed" and server.status_calls == 1


async def test_polling_rides_out_a_short_outage():
    server = FakeServer([[SocketRefused("HTTP 429")]],
                        statuses=[msg(1, 1), Unreachable("down"), Unreachable("down"), msg(2, 10, "complete")])
    time, seen = FakeTime(), []
    final = await follower(server, time, seen).run()
    assert final["status"] == "complete"
    assert time.sleeps == [1.0, 0.5, 1.0]


async def test_the_follower_gives_up_when_the_server_stays_away():
    server = FakeServer([[msg(1, 1), SocketLost("reset")]])  # then every reconnect is refused
    time, seen = FakeTime(), []
    with pytest.raises(Unreachable, match="Lost the server"):
        await follower(server, time, seen, give_up=20.0).run()
    assert 20.0 < time.now < 20.0 + 4.0 + 0.01  # gave up on the first failure past the limit
    assert max(time.sleeps) == 4.0  # capped


async def test_polling_gives_up_too():
    server = FakeServer([[SocketRefused("HTTP 400")]], statuses=[msg(1, 1)] + [Unreachable("down")] * 50)
    time = FakeTime()
    with pytest.raises(Unreachable):
        await follower(server, time, [], give_up=10.0).run()
    assert time.now > 10.0


async def test_an_unknown_job_is_reported_not_retried():
    async def open_socket(after_seq):
        raise ServerError(404, "job_not_found", "No job.")
        yield  # pragma: no cover - makes this an async generator

    time = FakeTime()
    follow = Follower(open_socket, None, [].append, sleep=time.sleep, clock=time.clock)
    with pytest.raises(ServerError):
        await follow.run()
    assert time.sleeps == []


def test_backoff_doubles_up_to_a_cap_with_bounded_jitter():
    plain = Backoff(initial=0.5, maximum=8.0, jitter=0.0)
    assert [plain.next() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    plain.reset()
    assert plain.next() == 0.5
    jittered = Backoff(initial=1.0, maximum=8.0, jitter=0.2, rng=random.Random(7))
    delays = [jittered.next() for _ in range(50)]
    assert all(0.8 <= d <= 1.2 for d in delays[:1]) and all(6.4 <= d <= 9.6 for d in delays[4:])
    assert len({round(d, 6) for d in delays[4:]}) > 10  # jitter spreads reconnecting clients
