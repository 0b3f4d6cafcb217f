"""In-process fan-out of progress messages to WebSocket subscribers.

Each subscriber has a bounded queue drained by its own writer, so one slow client never
stalls the others: when its queue overflows it is told to close (1013) instead.

The common case skips the queue: a subscriber given a `direct` sender, whose writer is idle and
whose queue is empty, has each message written at once, inside `publish`, without waking a task
per socket. `direct` declines (returns False) whenever the write could have to wait; the message
is then queued as usual, and so is every later one until the writer has caught up, which keeps
the order. A terminal message is written at once too, so a job's end reaches its sockets as fast
as its progress did; what follows it (a job socket's close) is the writer's, told through
`written_at_once`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable

from chemaudit.db.schema import TERMINAL_STATUSES
from service.ops.metrics_registry import observe_fanout

log = logging.getLogger("chemaudit.hub")


class Subscriber:
    """One socket's view of one job (or of every job, for dashboards)."""

    def __init__(self, job_id: str | None, queue_size: int, after_seq: int = 0, address: str = "",
                 direct: Callable[[dict], bool] | None = None):
        self.job_id = job_id
        self.address = address
        self.queue: asyncio.Queue[dict | None] = asyncio.Queue(maxsize=queue_size)
        self.last_seq: dict[str, int] = defaultdict(int)
        if job_id is not None:
            self.last_seq[job_id] = after_seq
        self.overflowed = False
        self.direct = direct
        self.writing = True  # until the writer first waits in next_message(), everything is queued

    def offer(self, message: dict) -> None:
        """Send or queue a message unless this subscriber already had it (same or older seq)."""
        if self.overflowed:
            return
        job_id = message["job_id"]
        seq = message.get("seq", 0)
        if seq <= self.last_seq[job_id]:
            return
        self.last_seq[job_id] = seq
        if (self.direct is not None and not self.writing and self.queue.empty()
                and self.may_write_at_once(message)
                and self.direct(message)):
            self.written_at_once(message)
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            self._wake_writer()

    def may_write_at_once(self, message: dict) -> bool:
        """Whether `message` may skip the writer (a subclass may need the writer to see it)."""
        return True

    def written_at_once(self, message: dict) -> None:
        """Called after `direct` has written `message` (the queue is empty: there is room)."""

    def _wake_writer(self) -> None:
        # Make room for the sentinel so the writer notices the overflow promptly.
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)

    async def next_message(self) -> dict | None:
        """For the writer: the next queued message (None: overflowed, close with 1013).

        The writer counts as busy from the return of this call until it calls it again.
        """
        self.writing = False
        message = await self.queue.get()
        self.writing = True
        return message


class Hub:
    def __init__(self) -> None:
        self._by_job: dict[str, set[Subscriber]] = defaultdict(set)
        self._firehose: set[Subscriber] = set()
        self._per_address: dict[str, int] = defaultdict(int)

    def subscribe(self, subscriber: Subscriber) -> None:
        self._per_address[subscriber.address] += 1
        if subscriber.job_id is None:
            self._firehose.add(subscriber)
        else:
            self._by_job[subscriber.job_id].add(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._per_address[subscriber.address] -= 1
        if self._per_address[subscriber.address] <= 0:
            del self._per_address[subscriber.address]
        if subscriber.job_id is None:
            self._firehose.discard(subscriber)
            return
        subscribers = self._by_job.get(subscriber.job_id)
        if subscribers is not None:
            subscribers.discard(subscriber)
            if not subscribers:
                del self._by_job[subscriber.job_id]

    def publish(self, message: dict) -> None:
        subscribers = (*self._by_job.get(message["job_id"], ()), *self._firehose)
        for subscriber in subscribers:
            subscriber.offer(message)
        if subscribers:
            observe_fanout(message)

    def watched_jobs(self) -> list[str]:
        return list(self._by_job)

    def count_address(self, address: str) -> int:
        return self._per_address.get(address, 0)

    def count(self, job_id: str | None = None) -> int:
        if job_id is None:
            return sum(len(subs) for subs in self._by_job.values()) + len(self._firehose)
        return len(self._by_job.get(job_id, ()))


def is_terminal(message: dict) -> bool:
    return message.get("status") in TERMINAL_STATUSES
