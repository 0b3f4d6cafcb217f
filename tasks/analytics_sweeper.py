"""Keeps a work token in the analytics queue for every run that can be claimed.

A run's token can be lost (broker restart, a worker killed holding it); a run whose worker died
has a lease that runs out and no token left. Every analytics worker process runs one sweeper
thread; an advisory lock lets one sweep at a time. Claimable runs whose last token is older than
the stale window get one more (a surplus token finds nothing and is a no-op); with the
PostgreSQL broker, tokens still queued are counted first, so the queue never fills up.
"""

from __future__ import annotations

import logging

from dramatiq.broker import Broker
from psycopg_pool import ConnectionPool

from chemaudit.analytics.messages import ANALYTICS_QUEUE, analytics_message
from chemaudit.broker import BROKER_ERRORS, enqueue_messages, is_postgres
from chemaudit.db import analytics_queries as aq
from chemaudit.db import scheduling_queries as sq
from chemaudit.settings import Settings
from tasks.sweeper import Sweeper

log = logging.getLogger("chemaudit.analytics.sweeper")


def sweep_analytics(pool: ConnectionPool, broker: Broker, settings: Settings) -> int:
    """One sweep; returns how many tokens were sent."""
    with pool.connection() as conn, conn.transaction():
        locked = conn.execute(*_q(aq.try_sweep_lock())).fetchone()
        if locked is None or not locked[0]:
            return 0
        for (run_id,) in conn.execute(*_q(aq.fail_exhausted(settings.analytics_max_attempts))).fetchall():
            log.warning("analytics run %s failed: its worker was lost on every attempt", run_id)
        stale = [row[0] for row in conn.execute(*_q(aq.claimable_stale(settings.stale_chunk_seconds)))]
        queued_row = conn.execute(*_q(sq.queued_tokens(ANALYTICS_QUEUE))).fetchone() if is_postgres(broker) else None
        queued = queued_row[0] if queued_row is not None else 0
    messages = [analytics_message(run_id) for run_id in stale[:max(0, len(stale) - queued)]]
    enqueue_messages(broker, messages)
    if messages:
        log.info("analytics sweeper sent %d tokens for runs waiting without one", len(messages))
    return len(messages)


class AnalyticsSweeper(Sweeper):
    pool: ConnectionPool  # never the Database a job sweeper may be given
    """The audit sweeper's thread and schedule, sweeping the analytics runs instead."""

    def __init__(self, pool: ConnectionPool, broker: Broker, settings: Settings):
        super().__init__(pool, broker, settings)
        self.name = "chemaudit-analytics-sweeper"

    def sweep(self) -> int:
        try:
            return sweep_analytics(self.pool, self.broker, self.settings)
        except BROKER_ERRORS as exc:
            log.warning("analytics sweep failed: %s: %s", type(exc).__name__, exc)
            return 0


def _q(query: aq.Query) -> tuple[str, dict]:
    return query.sql, query.params
