"""Keeps enough work tokens in the queue for the chunks that are waiting for a worker.

Correctness never rests on the broker: a lost or never-sent message, a worker killed mid-chunk
(its lease runs out and its token is gone), or a broker restart all leave claimable chunks
with no token to run them; this sends the missing ones. With the PostgreSQL broker it counts
the queued tokens and tops them up to the claimable chunks, so the queue never holds more than
one token per waiting chunk (plus one prefetched per worker thread); with Redis, whose queue is
not counted, it re-sends the chunks of jobs in which nothing happened for a whole stale window.
Every worker process runs one sweeper thread; an advisory lock lets only one sweep at a time.
"""

from __future__ import annotations

import logging
import threading

import dramatiq
from dramatiq.broker import Broker
from psycopg_pool import ConnectionPool

from chemaudit.broker import BROKER_ERRORS, QUEUE, SWEEPER_ORIGIN, chunk_message, enqueue_messages, is_postgres
from chemaudit.db import scheduling_queries as sq
from chemaudit.db.executor import Database, Session, as_database
from chemaudit.settings import Settings

log = logging.getLogger("chemaudit.sweeper")


MAX_TOKENS_PER_SWEEP = 10_000


def sweep_once(pool: ConnectionPool | Database, broker: Broker, stale_seconds: float) -> int:
    """One sweep; returns how many work tokens were sent."""
    with as_database(pool).transaction() as db:
        messages = missing_tokens(db, is_postgres(broker), stale_seconds)
    enqueue_messages(broker, messages)
    if messages:
        log.info("sweeper sent %d work tokens for chunks waiting without one", len(messages))
    return len(messages)


def missing_tokens(db: Session, queue_is_counted: bool, stale_seconds: float) -> list[dramatiq.Message]:
    """The tokens to send: none when another sweep holds the lock; with a counted queue
    (PostgreSQL), the claimable chunks less the queued tokens; else one per idle job's chunk."""
    if not db.run(sq.try_sweep_lock())["locked"]:
        return []
    if queue_is_counted:
        missing = db.run(sq.claimable_count(stale_seconds))["n"] - db.run(sq.queued_tokens(QUEUE))["n"]
        return [chunk_message(SWEEPER_ORIGIN, 0) for _ in range(min(missing, MAX_TOKENS_PER_SWEEP))]
    return [chunk_message(row["job_id"], row["chunk_no"]) for row in db.run(sq.idle_claimable_chunks(stale_seconds))]


class Sweeper(threading.Thread):
    def __init__(self, pool: ConnectionPool | Database, broker: Broker, settings: Settings):
        super().__init__(name="chemaudit-sweeper", daemon=True)
        self.pool = pool
        self.broker = broker
        self.settings = settings
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.settings.sweep_interval):
            self.sweep()

    def sweep(self) -> int:
        """One sweep that survives the database or the broker being away (it tries next round)."""
        try:
            return sweep_once(self.pool, self.broker, self.settings.stale_chunk_seconds)
        except BROKER_ERRORS as exc:
            log.warning("sweep failed: %s: %s", type(exc).__name__, exc)
            return 0

    def stop(self) -> None:
        self.stopping.set()
