"""The actors, declared against a given broker (so tests can run real workers in-process)."""

from __future__ import annotations

import gc
import logging
import os
import re
from uuid import UUID

import dramatiq
from dramatiq.broker import Broker
from dramatiq.middleware import Middleware
import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from chemaudit.broker import AUDIT_CHUNK, CHUNK_GAVE_UP, QUEUE
from chemaudit.chemistry import warm_up
from chemaudit.db import queries as q
from chemaudit.settings import Settings
from tasks.chunk_runner import ChunkRunner
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

    def close(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
        if self.sweeper is not None:
            self.sweeper.stop()
        if self.pool is not None:
            self.pool.close()


_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exceeded|Timeout)\w*): (.+)$")


def fail_reason(message: dict, retry_info: dict) -> str:
    """A sentence for the user from the last attempt's traceback (exception text first)."""
    chunk_no = message["args"][1]
    trace = ((message.get("options") or {}).get("traceback") or "").strip()
    reason = "unknown error"
    for line in reversed(trace.splitlines()):
        found = _EXCEPTION_LINE.match(line.strip())
        if found:
            reason = f"{found.group(2)} ({found.group(1)})"
            break
    attempts = retry_info.get("retries", 0) + 1
    return f"Chunk {chunk_no} failed after {attempts} attempts: {reason}"[:1000]


def retry_when(retries: int, exception: BaseException) -> bool:
    """Ride out a database restart (connection errors retry for minutes); give up sooner otherwise."""
    if isinstance(exception, (psycopg.OperationalError, PoolTimeout)):
        return retries < OUTAGE_RETRIES
    return retries < OTHER_RETRIES


def declare_actors(broker: Broker, resources: WorkerResources) -> dict[str, dramatiq.Actor]:
    def audit_chunk(job_id: str, chunk_no: int) -> None:
        outcome = resources.runner.run(UUID(job_id), chunk_no)
        log.debug("chunk %s/%s: audited %d, stored %d", job_id, chunk_no, outcome.audited, outcome.stored)

    def chunk_gave_up(message: dict, retry_info: dict) -> None:
        """A chunk failed every retry for a non-molecule reason: the job ends `failed`, visibly."""
        job_id = UUID(message["args"][0])
        reason = fail_reason(message, retry_info)
        with resources.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            failed = q.fail_job(job_id, reason)
            if cur.execute(failed.sql, failed.params).fetchone() is not None:
                event = q.append_event(job_id, 0)
                cur.execute(event.sql, event.params)
        log.error("job %s failed: %s", job_id, reason)

    return {
        AUDIT_CHUNK: dramatiq.actor(
            audit_chunk, actor_name=AUDIT_CHUNK, queue_name=QUEUE, broker=broker, retry_when=retry_when,
            min_backoff=500, max_backoff=5_000, time_limit=30 * 60 * 1000,
            on_retry_exhausted=CHUNK_GAVE_UP),
        CHUNK_GAVE_UP: dramatiq.actor(
            chunk_gave_up, actor_name=CHUNK_GAVE_UP, queue_name=QUEUE, broker=broker, max_retries=10),
    }
