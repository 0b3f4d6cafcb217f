"""Worker entry point: `dramatiq tasks.worker` (what `chemaudit worker` runs).

Settings are read here, once, at the process boundary; the actors are declared against the
broker they select.
"""

from __future__ import annotations

import logging
from uuid import UUID

import dramatiq
from dramatiq.middleware import Middleware
from psycopg_pool import ConnectionPool

from chemaudit.broker import AUDIT_CHUNK, CHUNK_GAVE_UP, QUEUE, make_broker
from chemaudit.chemistry import warm_up
from chemaudit.db import queries as q
from chemaudit.settings import Settings
from tasks.chunk_runner import ChunkRunner
from tasks.sweeper import Sweeper

log = logging.getLogger("chemaudit.worker")


class WorkerResources(Middleware):
    """Opens the pool, warms the chemistry caches and runs the sweeper in each worker process."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.pool: ConnectionPool | None = None
        self.runner: ChunkRunner | None = None
        self.sweeper: Sweeper | None = None

    def after_process_boot(self, broker):
        self.pool = ConnectionPool(self.settings.sync_database_url, min_size=1,
                                   max_size=self.settings.worker_threads + 2, open=True,
                                   kwargs={"autocommit": False})
        self.runner = ChunkRunner(self.pool, self.settings)
        warm_up()
        self.sweeper = Sweeper(self.pool, broker, self.settings)
        self.sweeper.start()

    def before_process_stop(self, broker):
        if self.sweeper is not None:
            self.sweeper.stop()
        if self.pool is not None:
            self.pool.close()


settings = Settings.from_env()
resources = WorkerResources(settings)
broker = make_broker(settings)
broker.add_middleware(resources)
dramatiq.set_broker(broker)


@dramatiq.actor(actor_name=AUDIT_CHUNK, queue_name=QUEUE, max_retries=3, min_backoff=500,
                max_backoff=5_000, time_limit=30 * 60 * 1000, on_retry_exhausted=CHUNK_GAVE_UP)
def audit_chunk(job_id: str, chunk_no: int) -> None:
    outcome = resources.runner.run(UUID(job_id), chunk_no)
    log.debug("chunk %s/%s: audited %d, stored %d", job_id, chunk_no, outcome.audited, outcome.stored)


@dramatiq.actor(actor_name=CHUNK_GAVE_UP, queue_name=QUEUE, max_retries=10)
def chunk_gave_up(message: dict, retry_info: dict) -> None:
    """A chunk failed every retry for a non-molecule reason: the job ends `failed`, visibly."""
    job_id, chunk_no = message["args"][0], message["args"][1]
    trace = (message.get("options") or {}).get("traceback") or ""
    last_line = trace.strip().splitlines()[-1] if trace.strip() else "unknown error"
    reason = (f"chunk {chunk_no} failed after {retry_info.get('retries', 0) + 1} attempts: "
              f"{last_line}")[:1000]
    with resources.pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
        failed = q.fail_job(UUID(job_id), reason)
        if cur.execute(failed.sql, failed.params).fetchone() is not None:
            event = q.append_event(UUID(job_id), 0)
            cur.execute(event.sql, event.params)
    log.error("job %s failed: %s", job_id, reason)

