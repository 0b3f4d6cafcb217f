"""Running one unit of work: claim the fairest chunk, audit its pending records, commit in batches.

A broker message is a token, not an address: the worker claims whichever chunk the scheduling
rule picks (chemaudit/db/scheduling_queries.py) and holds it under a lease that each batch
commit renews. Records whose result the cache already holds are not audited again
(tasks/result_cache.py). Each batch is one transaction: store new result documents, insert
result rows (new rows only), advance the job under its row lock (completing it exactly once),
renew the chunk's lease (done on the last batch), and append a progress event when one is due.
A job that is no longer running makes the batch roll back, so nothing is written after a cancel.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from chemaudit.chemistry import AuditOptions
from chemaudit.db import queries as q
from chemaudit.db import results_queries as rq
from chemaudit.db import scheduling_queries as sq
from chemaudit.db.executor import Database, Rollback, Session, as_database
from chemaudit.job_options import stored_flags
from chemaudit.settings import Settings
from tasks.metrics import CHUNK_SECONDS, MOLECULE_SECONDS, MOLECULES_AUDITED
from tasks.progress_eta import job_eta
from tasks.record_audit import FaultDrill, audit_isolated, audit_record
from tasks.result_cache import ChunkCache, DocumentGone, Pending
from tasks.watchdog import MoleculeWatchdog

log = logging.getLogger("chemaudit.worker")


OUTAGE_ERRORS = (psycopg.OperationalError, PoolTimeout)  # the database is away: nothing to record
FAILURE_BACKOFF_SECONDS = 1.0


@dataclass
class ChunkOutcome:
    job_id: UUID | None = None
    chunk_no: int | None = None  # None: no chunk was claimable (the token was surplus)
    audited: int = 0
    reused: int = 0  # results taken from the cache (or from a repeat earlier in the chunk)
    stored: int = 0
    stopped: bool = False  # the job stopped running (cancelled, failed) before the chunk ended


def _options(settings: Settings, stored: dict) -> AuditOptions:
    return AuditOptions.from_settings(settings, **stored_flags(stored))


class ChunkRunner:
    """Runs chunks on a pool, or on any `Database` (an in-memory one in the unit tests)."""

    def __init__(self, pool: ConnectionPool | Database, settings: Settings,
                 watchdog: MoleculeWatchdog | None = None):
        self.pool = pool
        self.db = as_database(pool)
        self.settings = settings
        self.watchdog = watchdog
        self.drill = FaultDrill(settings.fault_crash_marker, settings.fault_hang_marker)
        # A lease is renewed between molecules only, so it must outlast the slowest molecule the
        # watchdog allows; else a legitimately slow one would hand its chunk to a second worker.
        self.lease_seconds = max(settings.stale_chunk_seconds,
                                 settings.molecule_timeout + settings.commit_interval + 1.0)

    def _audit(self, job_id: str, record: dict, options: AuditOptions, isolated: bool) -> dict:
        started = time.perf_counter()
        row = self._audit_timed(job_id, record, options, isolated)
        MOLECULE_SECONDS.observe(time.perf_counter() - started)
        MOLECULES_AUDITED.labels(row["status"]).inc()
        return row

    def _audit_timed(self, job_id: str, record: dict, options: AuditOptions, isolated: bool) -> dict:
        if isolated:
            return audit_isolated(job_id, record, options, self.drill, self.settings.molecule_timeout)
        if self.watchdog is None:
            return audit_record(job_id, record, options, self.drill)
        self.watchdog.begin(f"record {record['idx']} of job {job_id}")
        try:
            return audit_record(job_id, record, options, self.drill)
        finally:
            self.watchdog.end()

    def run_next(self, only_job: UUID | None = None) -> ChunkOutcome:
        """Claim the fairest claimable chunk of any running job (or of `only_job`) and run it."""
        claim = self.claim(only_job)
        if claim is None:
            return ChunkOutcome()
        job_id, chunk_no = claim["job_id"], claim["chunk_no"]
        try:
            with CHUNK_SECONDS.time():
                return self._run_claimed(claim)
        except OUTAGE_ERRORS:
            raise  # the lease runs out and the chunk is claimed again once the database is back
        except Exception as exc:  # the message's boundary: the failure is recorded, then retried
            log.exception("chunk %s/%s failed", job_id, chunk_no)
            self.record_failure(job_id, chunk_no, exc)
            raise

    def claim(self, only_job: UUID | None = None) -> dict | None:
        """Lease the next chunk by the fair-share rule; None when nothing is claimable."""
        fifo = self.settings.scheduling == "fifo" and only_job is None
        with self.db.transaction() as db:
            candidates = db.run(sq.fifo_candidates() if fifo else sq.fair_candidates(only_job=only_job))
        for job in candidates:
            with self.db.transaction() as db:
                claim = db.run(sq.claim_in_job(job["id"], job["pass"], job["weight"], self.lease_seconds))
                if claim is None:
                    raise Rollback()  # its free chunks were taken a moment ago: try the next job
                claim["records"] = db.run(q.pending_inputs(job["id"], claim["start_idx"], claim["end_idx"]))
                return {**claim, "job_id": job["id"]}
        return None

    def record_failure(self, job_id: UUID, chunk_no: int, exc: BaseException) -> None:
        """Count the failed run on its chunk; past the allowed failures, the job ends `failed`."""
        reason = failure_text(exc)
        with self.db.transaction() as db:
            row = db.run(sq.record_chunk_failure(job_id, chunk_no, reason, FAILURE_BACKOFF_SECONDS))
            if row is None or row["failures"] < self.settings.chunk_max_attempts:
                return
            message = f"Chunk {chunk_no} failed after {row['failures']} attempts: {reason}"[:1000]
            if db.run(q.fail_job(job_id, message)) is not None:
                db.run(q.append_event(job_id, 0))
                log.error("job %s failed: %s", job_id, message)

    def _run_claimed(self, claim: dict) -> ChunkOutcome:
        job_id, chunk_no, records = claim["job_id"], claim["chunk_no"], claim["records"]
        outcome = ChunkOutcome(job_id=job_id, chunk_no=chunk_no)
        stored = claim["options"] or {}
        options = _options(self.settings, stored)
        cache = ChunkCache(str(job_id), options, reuse=stored.get("reuse", True) is not False)
        # An earlier claim of this chunk ran out without being released: its worker died or hung,
        # possibly on one of these records, so each one now runs in its own child process.
        isolated = bool(claim["resumed"])
        if isolated and records:
            log.warning("chunk %s/%s claim %d: auditing %d records in isolation",
                        job_id, chunk_no, claim["attempts"], len(records))
        while True:
            batch, records = self._next_batch(cache, records, options, isolated, outcome)
            if not self.commit_batch(job_id, chunk_no, batch, chunk_done=not records, outcome=outcome,
                                     cache=cache):
                outcome.stopped = True
                return outcome
            if not records:
                return outcome

    def _next_batch(self, cache: ChunkCache, records: list[dict], options: AuditOptions, isolated: bool,
                    outcome: ChunkOutcome) -> tuple[list[Pending], list[dict]]:
        """One batch: the records with a known result, then audits until the commit interval has
        passed; returns the batch and the records left for later batches."""
        if cache.reuse and records:
            with self.db.transaction() as db:
                cache.look_up(db, records)
        batch: list[Pending] = []
        started = time.monotonic()
        ordered = cache.first_the_reusable(records)
        for position, record in enumerate(ordered):
            pending = cache.reused(record)
            if pending is None:
                pending = cache.audited_result(record, self._audit(cache.job_id, record, options, isolated))
                outcome.audited += 1
            else:
                outcome.reused += 1
            batch.append(pending)
            if time.monotonic() - started >= self.settings.commit_interval:
                return batch, ordered[position + 1:]
        return batch, []

    def commit_batch(self, job_id: UUID, chunk_no: int, batch: list[Pending], *, chunk_done: bool,
                     outcome: ChunkOutcome, cache: ChunkCache) -> bool:
        """Store one batch; False when the job is no longer running (nothing was written)."""
        running = False
        with self.db.transaction() as db:
            inserted, errors, reused = 0, 0, 0
            if batch:
                rows_json, reused_idx = cache.store(db, batch)
                counts = db.run(q.insert_results(rows_json, reused_idx))
                if counts["missing"]:
                    raise DocumentGone(f"{counts['missing']} stored results were deleted while in use;"
                                       " the chunk is audited again")
                inserted, errors, reused = counts["inserted"], counts["errors"], counts["reused"]
            job = db.run(q.advance_job(job_id, inserted, errors, reused))
            if job is None:
                raise Rollback()  # swallowed by the transaction block: nothing is kept
            if job["status"] == "complete":
                db.run(rq.store_statistics(job_id))
                log.info("job %s complete: %d molecules", job_id, job["total"])
            db.run(sq.renew_chunk(job_id, chunk_no, chunk_done, self.lease_seconds))
            if job["status"] != "processing" or job["since_event"] >= self.settings.event_min_interval:
                self.append_event(db, job_id, job)
            outcome.stored += inserted
            running = True
        if running:
            cache.committed()
        return running

    @staticmethod
    def append_event(db: Session, job_id: UUID, job: dict) -> None:
        eta = job_eta(db, job_id, job) if job["status"] == "processing" else 0
        db.run(q.append_event(job_id, eta))


def failure_text(exc: BaseException) -> str:
    """The exception as one line for the user: its first line of text, then its type."""
    first = (str(exc).strip().splitlines() or [""])[0] or "no message"
    kind = type(exc)
    return f"{first} ({kind.__module__}.{kind.__qualname__})"[:900]
