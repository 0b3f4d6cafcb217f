"""Re-enqueues chunks of running jobs that nobody has touched for a while.

Correctness never rests on the broker: a lost or never-sent message, a worker killed mid-chunk,
or a broker restart all leave chunks that are not done and not touched; this finds them.
Every worker process runs one sweeper thread; an advisory lock lets only one sweep at a time.
"""

from __future__ import annotations

import logging
import threading

import psycopg
from dramatiq.broker import Broker
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from chemaudit.broker import chunk_message, enqueue_messages
from chemaudit.db import queries as q
from chemaudit.settings import Settings

log = logging.getLogger("chemaudit.sweeper")


def sweep_once(pool: ConnectionPool, broker: Broker, stale_seconds: float) -> int:
    """One sweep; returns how many chunks were re-enqueued."""
    with pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        lock = q.try_sweep_lock()
        if not cur.execute(lock.sql, lock.params).fetchone()["locked"]:
            return 0
        stale = q.stale_chunks(stale_seconds)
        rows = cur.execute(stale.sql, stale.params).fetchall()
    enqueue_messages(broker, [chunk_message(row["job_id"], row["chunk_no"]) for row in rows])
    if rows:
        log.info("sweeper re-enqueued %d stale chunks", len(rows))
    return len(rows)


class Sweeper(threading.Thread):
    def __init__(self, pool: ConnectionPool, broker: Broker, settings: Settings):
        super().__init__(name="chemaudit-sweeper", daemon=True)
        self.pool = pool
        self.broker = broker
        self.settings = settings
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.settings.sweep_interval):
            try:
                sweep_once(self.pool, self.broker, self.settings.stale_chunk_seconds)
            except psycopg.Error as exc:  # the database may be restarting: try next round
                log.warning("sweep failed: %s", exc)

    def stop(self) -> None:
        self.stopping.set()
