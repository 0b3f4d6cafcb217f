"""The analytics actor and its worker resources, declared against a given broker."""

from __future__ import annotations

import logging
import os

import dramatiq
from dramatiq.broker import Broker
from dramatiq.middleware import Middleware
from psycopg_pool import ConnectionPool

from chemaudit.analytics.messages import ANALYTICS_QUEUE, RUN_ANALYTICS
from chemaudit.settings import Settings
from tasks.actors import BOOT_FAILED, retry_when
from tasks.analytics_runner import AnalyticsRunner
from tasks.analytics_sweeper import AnalyticsSweeper

log = logging.getLogger("chemaudit.analytics.worker")


class AnalyticsResources(Middleware):
    """The pool, the runner and the sweeper thread of one analytics worker process."""

    def __init__(self, settings: Settings, lower_priority: bool = False):
        self.settings = settings
        self.lower_priority = lower_priority
        self.pool: ConnectionPool | None = None
        self.runner: AnalyticsRunner | None = None
        self.sweeper: AnalyticsSweeper | None = None

    def after_process_boot(self, broker):
        try:
            self.open(broker)
        except Exception:  # process boundary: a worker without its resources must not take work
            log.exception("analytics worker could not start its resources; exiting so it is restarted")
            os._exit(BOOT_FAILED)

    def before_process_stop(self, broker):
        self.close()

    def open(self, broker: Broker) -> None:
        if self.lower_priority and self.settings.analytics_nice > 0:
            os.nice(self.settings.analytics_nice)  # audit chunks first when both want the cores
        self.pool = ConnectionPool(self.settings.sync_database_url, min_size=1, max_size=6, open=True)
        self.runner = AnalyticsRunner(self.pool, self.settings)
        self.sweeper = AnalyticsSweeper(self.pool, broker, self.settings)
        self.sweeper.start()

    def close(self) -> None:
        if self.sweeper is not None:
            self.sweeper.stop()
        if self.pool is not None:
            self.pool.close()


def declare_analytics_actors(broker: Broker, resources: AnalyticsResources) -> dict[str, dramatiq.Actor]:
    def run_analytics(run_id: int) -> None:
        """A token: runs the oldest claimable analytics run (usually the one it was sent for)."""
        if resources.runner is None:
            raise RuntimeError("analytics worker resources are not open")  # after_process_boot opens them
        ran = resources.runner.run_next()
        log.debug("analytics token for run %s: ran %s", run_id, ran)

    return {RUN_ANALYTICS: dramatiq.actor(
        actor_name=RUN_ANALYTICS, queue_name=ANALYTICS_QUEUE, broker=broker,
        retry_when=retry_when, min_backoff=500, max_backoff=5_000, time_limit=6 * 3600 * 1000)(run_analytics)}
