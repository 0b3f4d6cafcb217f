"""In-process fan-out of progress messages to WebSocket subscribers.

Each subscriber has a bounded queue drained by its own writer, so one slow client never
stalls the others: when its queue overflows it is told to close (1013) instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from chemaudit.db.schema import TERMINAL_STATUSES

log = logging.getLogger("chemaudit.hub")


class Subscriber:
    """One socket's view of one job (or of every job, for dashboards)."""

    def __init__(self, job_id: str | None, queue_size: int, after_seq: int = 0, address: str = ""):
        self.job_id = job_id
        self.address = address
        self.queue: asyncio.Queue[dict | None] = asyncio.Queue(maxsize=queue_size)
        self.last_seq: dict[str, int] = defaultdict(int)
        if job_id is not None:
            self.last_seq[job_id] = after_seq
        self.overflowed = False

    def offer(self, message: dict) -> None:
        """Queue a message unless this subscriber already had it (same or older seq)."""
        if self.overflowed:
            return
        job_id = message["job_id"]
        seq = message.get("seq", 0)
        if seq <= self.last_seq[job_id]:
            return
        self.last_seq[job_id] = seq
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            self._wake_writer()

    def _wake_writer(self) -> None:
        # Make room for the sentinel so the writer notices the overflow promptly.
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


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
        for subscriber in tuple(self._by_job.get(message["job_id"], ())):
            subscriber.offer(message)
        for subscriber in tuple(self._firehose):
            subscriber.offer(message)

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
