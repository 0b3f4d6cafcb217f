"""The actors, declared against a given broker (so tests can run real workers in-process)."""

from __future__ import annotations

import gc
import logging
import os

import dramatiq
import psycopg
from dramatiq.broker import Broker
from dramatiq.middleware import Middleware
from psycopg_pool import ConnectionPool, PoolTimeout

from chemaudit.broker import AUDIT_CHUNK, QUEUE
from chemaudit.chemistry import warm_up
from chemaudit.settings import Settings
from tasks.chunk_runner import ChunkRunner
from tasks.notify import NotificationSender
from tasks.sweeper import Sweeper
from tasks.watchdog import MoleculeWatchdog

log = logging.getLogger("chemaudit.worker")

BOOT_FAILED = 3
OUTAGE_RETRIES = 30  # with backoff capped at 5 s: about two and a half minutes of outage
OTHER_RETRIES = 3


class WorkerResources(Middleware):
    """Opens the pool, warms the chemistry caches and runs the sweeper in each worker process."""

    def __init__(self, settings: Settings, freeze_after_boot: bool = False):
        self.settings = settings
        self.freeze_after_boot = freeze_after_boot
        self.pool: ConnectionPool | None = None
        self.runner: ChunkRunner | None = None
        self.sweeper: Sweeper | None = None
        self.notifier: NotificationSender | None = None
        self.watchdog: MoleculeWatchdog | None = None

    def after_process_boot(self, broker):
        try:
            self.open(broker)
        except Exception:  # process boundary: a worker without its resources must not take work
            log.exception("worker could not start its resources; exiting so it is restarted")
            os._exit(BOOT_FAILED)

    def before_process_stop(self, broker):
        self.close()

    def open(self, broker: Broker) -> None:
        self.pool = ConnectionPool(self.settings.sync_database_url, min_size=1,
                                   max_size=self.settings.worker_threads + 2, open=True)
        self.watchdog = MoleculeWatchdog(self.settings.molecule_timeout)
        self.watchdog.start()
        self.runner = ChunkRunner(self.pool, self.settings, self.watchdog)
        warm_up()
        if self.freeze_after_boot:
            # What exists now (modules, toolkit catalogs, pools) lives as long as the process;
            # frozen, it is no longer walked by every full collection (about 1% of a worker's CPU).
            gc.collect()
            gc.freeze()
        self.sweeper = Sweeper(self.pool, broker, self.settings)
        self.sweeper.start()
        self.notifier = NotificationSender(self.pool, self.settings)  # a thread: never holds up audits
        self.notifier.start()

    def close(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
        if self.sweeper is not None:
            self.sweeper.stop()
        if self.notifier is not None:
            self.notifier.stop(wait=self.settings.notify_timeout)
        if self.pool is not None:
            self.pool.close()


def retry_when(retries: int, exception: BaseException) -> bool:
    """Ride out a database restart (connection errors retry for minutes); give up sooner otherwise."""
    if isinstance(exception, (psycopg.OperationalError, PoolTimeout)):
        return retries < OUTAGE_RETRIES
    return retries < OTHER_RETRIES


def declare_actors(broker: Broker, resources: WorkerResources) -> dict[str, dramatiq.Actor]:
    def audit_chunk(job_id: str, chunk_no: int) -> None:
        """A token for one chunk of work; the chunk it names is only where it came from.

        The worker runs the chunk the fair-share rule picks, which may belong to another job.
        """
        if resources.runner is None:
            raise RuntimeError("worker resources are not open")  # after_process_boot opens them
        outcome = resources.runner.run_next()
        if outcome.chunk_no is None:
            log.debug("token from %s/%s: nothing claimable", job_id, chunk_no)
        else:
            log.debug("chunk %s/%s: audited %d, stored %d", outcome.job_id, outcome.chunk_no,
                      outcome.audited, outcome.stored)

    return {
        AUDIT_CHUNK: dramatiq.actor(
            actor_name=AUDIT_CHUNK, queue_name=QUEUE, broker=broker, retry_when=retry_when,
            min_backoff=500, max_backoff=5_000, time_limit=30 * 60 * 1000)(audit_chunk),
    }
