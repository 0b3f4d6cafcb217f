"""Running one chunk: claim it, audit its pending records, commit results in small batches.

Each batch is one transaction: insert results (new rows only), advance the job under its row
lock (completing it exactly once), mark the chunk done on the last batch, and append a
progress event when one is due. A job that is no longer running makes the batch roll back,
so nothing is written after a cancel.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from uuid import UUID

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from chemaudit.chemistry import AuditOptions
from chemaudit.db import queries as q
from chemaudit.db import results_queries as rq
from chemaudit.progress import RATE_WINDOW_SECONDS, estimate_eta
from chemaudit.result_rows import rows_to_json
from chemaudit.settings import Settings
from tasks.metrics import CHUNK_SECONDS, MOLECULE_SECONDS, MOLECULES_AUDITED
from tasks.record_audit import FaultDrill, audit_isolated, audit_record
from tasks.watchdog import MoleculeWatchdog

log = logging.getLogger("chemaudit.worker")


@dataclass
class ChunkOutcome:
    audited: int = 0
    stored: int = 0
    stopped: bool = False  # the job stopped running (cancelled, failed) before the chunk ended


def _run(cur: psycopg.Cursor, query: q.Query):
    cur.execute(query.sql, query.params)
    return cur


def _options(settings: Settings, stored: dict) -> AuditOptions:
    flags = {name: bool(stored.get(name)) for name in
             ("include_extended_safety", "include_chembl_alerts", "include_standardization")}
    return AuditOptions.from_settings(settings, **flags)


class ChunkRunner:
    def __init__(self, pool: ConnectionPool, settings: Settings, watchdog: MoleculeWatchdog | None = None):
        self.pool = pool
        self.settings = settings
        self.watchdog = watchdog
        self.drill = FaultDrill(settings.fault_crash_marker, settings.fault_hang_marker)

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

    def run(self, job_id: UUID, chunk_no: int) -> ChunkOutcome:
        with CHUNK_SECONDS.time():
            return self._run_chunk(job_id, chunk_no)

    def _run_chunk(self, job_id: UUID, chunk_no: int) -> ChunkOutcome:
        outcome = ChunkOutcome()
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            claim = _run(cur, q.claim_chunk(job_id, chunk_no)).fetchone()
            conn.commit()
            if claim is None:
                return outcome  # done already, or the job is no longer running
            records = _run(cur, q.pending_inputs(job_id, claim["start_idx"], claim["end_idx"])).fetchall()
            conn.commit()
        options = _options(self.settings, claim["options"] or {})
        # A chunk claimed before and still not done: its last attempt may have died on one of
        # these records, so each one now runs in its own child process.
        isolated = claim["attempts"] > 1
        if isolated and records:
            log.warning("chunk %s/%s attempt %d: auditing %d records in isolation",
                        job_id, chunk_no, claim["attempts"], len(records))
        batch: list[dict] = []
        last_commit = time.monotonic()
        for position, record in enumerate(records):
            batch.append(self._audit(str(job_id), record, options, isolated))
            outcome.audited += 1
            is_last = position == len(records) - 1
            if is_last or time.monotonic() - last_commit >= self.settings.commit_interval:
                if not self.commit_batch(job_id, chunk_no, batch, chunk_done=is_last, outcome=outcome):
                    outcome.stopped = True
                    return outcome
                batch = []
                last_commit = time.monotonic()
        if not records:
            self.commit_batch(job_id, chunk_no, [], chunk_done=True, outcome=outcome)
        return outcome

    def commit_batch(self, job_id: UUID, chunk_no: int, rows: list[dict], *, chunk_done: bool,
                     outcome: ChunkOutcome) -> bool:
        """Store one batch; False when the job is no longer running (nothing was written)."""
        running = False
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            inserted, errors = 0, 0
            if rows:
                counts = _run(cur, q.insert_results(rows_to_json(rows))).fetchone()
                inserted, errors = counts["inserted"], counts["errors"]
            job = _run(cur, q.advance_job(job_id, inserted, errors)).fetchone()
            if job is None:
                raise psycopg.Rollback()  # swallowed by the transaction block: nothing is kept
            if job["status"] == "complete":
                _run(cur, rq.store_statistics(job_id))
                log.info("job %s complete: %d molecules", job_id, job["total"])
            _run(cur, q.touch_chunk(job_id, chunk_no, chunk_done))
            if job["status"] != "processing" or job["since_event"] >= self.settings.event_min_interval:
                self.append_event(cur, job_id, job)
            outcome.stored += inserted
            running = True
        return running

    @staticmethod
    def append_event(cur: psycopg.Cursor, job_id: UUID, job: dict) -> None:
        eta = 0
        if job["status"] == "processing":
            anchor = _run(cur, q.recent_rate_anchor(job_id, RATE_WINDOW_SECONDS)).fetchone()
            eta = estimate_eta(
                job["processed"], job["total"],
                anchor_processed=anchor["processed"] if anchor else None,
                anchor_age=float(anchor["age"]) if anchor else None,
                running_for=float(job["running_for"]),
            )
        _run(cur, q.append_event(job_id, eta))
