"""What an analysis computes with: the job's molecules and fingerprints, progress, result COPY.

One `RunContext` per claimed run. Progress reports renew the run's lease and prove the claim
is still this worker's (a run taken over after a lost lease makes them raise `LostClaim`).
Per-molecule RDKit work goes to a process pool of `ANALYTICS_PROCESSES` for large jobs.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from uuid import UUID

import numpy as np
from psycopg_pool import ConnectionPool

from chemaudit.analytics.fingerprints import as_matrix, fingerprint_batch
from chemaudit.db import analytics_queries as aq
from chemaudit.settings import Settings

BATCH = 2_000  # molecules per unit of pool work
READ_BATCH = 20_000  # rows per fetch from the server-side cursor
POOL_FROM = 5_000  # smaller jobs are computed in the worker process itself
PROGRESS_EVERY = 0.5  # seconds between progress reports


class AnalysisRefused(Exception):
    """The analysis cannot be done on this job (the run ends failed, with this as the reason)."""


class LostClaim(Exception):
    """The run is no longer this worker's (another claimed it after the lease ran out)."""


class RunContext:
    def __init__(self, pool: ConnectionPool, settings: Settings, run: dict):
        self.pool = pool
        self.settings = settings
        self.run_id: int = run["id"]
        self.job_id: UUID = run["job_id"]
        self.params: dict = run["params"]
        self.attempt: int = run["attempts"]
        self.total = 0
        self._last_report = 0.0
        self._executor: ProcessPoolExecutor | None = None

    # Progress -----------------------------------------------------------------------------------

    def start(self) -> int:
        """Clear what an earlier attempt left, count the molecules; returns that count."""
        with self.pool.connection() as conn:
            for table in aq.RESULT_TABLES:
                conn.execute(*_q(aq.clear_results(self.run_id, table)))
            row = conn.execute(*_q(aq.success_count(self.job_id))).fetchone()
            assert row is not None, "a count returns one row"
            self.total = row[0]
        self.progress(0.0, force=True)
        return self.total

    def progress(self, fraction: float, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_report < PROGRESS_EVERY:
            return
        self._last_report = now
        done = int(min(max(fraction, 0.0), 1.0) * self.total)
        query = aq.report_progress(self.run_id, self.attempt, done, self.total,
                                   self.settings.analytics_lease_seconds)
        with self.pool.connection() as conn:
            if conn.execute(*_q(query)).fetchone() is None:
                raise LostClaim(f"run {self.run_id} attempt {self.attempt} is no longer running here")

    def phase(self, start: float, end: float) -> Callable[[float], None]:
        """A progress callback for one phase, mapping its own 0..1 onto start..end."""
        return lambda fraction: self.progress(start + (end - start) * fraction)

    # Reading ------------------------------------------------------------------------------------

    def molecule_batches(self, query: aq.Query | None = None) -> Iterator[list[tuple[int, str]]]:
        """(idx, canonical SMILES) of the job's audited molecules (or of those `query` selects),
        BATCH at a time, in idx order."""
        yield from self._batches(query or aq.success_smiles(self.job_id))

    def _batches(self, query: aq.Query) -> Iterator[list[tuple[int, str]]]:
        with self.pool.connection() as conn, conn.transaction(), conn.cursor(name=f"analytics_{self.run_id}") as cur:
            cur.itersize = READ_BATCH
            cur.execute(query.sql, query.params)
            batch: list[tuple[int, str]] = []
            for row in cur:
                batch.append((row[0], row[1]))
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

    def map(self, function: Callable, batches: Iterable[list], size: int | None = None) -> Iterator:
        """`function` over the batches, in order: in a process pool when they hold POOL_FROM
        items or more (`size`; default: the job's molecules)."""
        if (self.total if size is None else size) < POOL_FROM or self.settings.analytics_processes <= 1:
            yield from map(function, batches)
            return
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.settings.analytics_processes,
                                                 mp_context=multiprocessing.get_context("forkserver"))
        pending = []
        for batch in batches:
            pending.append(self._executor.submit(function, batch))
            while len(pending) > 2 * self.settings.analytics_processes:  # bounded read-ahead
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()

    def fingerprints(self, progress: Callable[[float], None]) -> tuple[np.ndarray, np.ndarray]:
        """(indices, packed fingerprints) of the job's readable molecules; the missing ones are
        computed and stored first (once per job, resumable, shared by every later run)."""
        missing = self._batches(aq.missing_fingerprints(self.job_id))
        done = 0
        for rows in self.map(fingerprint_batch, missing):
            with self.pool.connection() as conn:
                conn.execute(*_q(aq.store_fingerprints(
                    self.job_id, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])))
            done += len(rows)
            progress(done / max(self.total, 1))
        query = aq.fingerprints(self.job_id)
        with self.pool.connection() as conn, conn.cursor(binary=True) as cur:
            rows = cur.execute(query.sql, query.params).fetchall()
        indices = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        return indices, as_matrix([bytes(row[1]) for row in rows])

    def lookup(self, query: aq.Query) -> list[tuple]:
        with self.pool.connection() as conn:
            return conn.execute(*_q(query)).fetchall()

    def execute(self, query: aq.Query) -> int:
        """Run a statement that returns no rows; how many rows it wrote."""
        with self.pool.connection() as conn:
            return conn.execute(*_q(query)).rowcount

    # Writing ------------------------------------------------------------------------------------

    def copy(self, table: str, rows: Iterable[tuple]) -> int:
        """Stream rows into one of the run's result tables (each row starts after run_id)."""
        count = 0
        with self.pool.connection() as conn, conn.cursor() as cur:
            with cur.copy(aq.copy_results(table)) as copy:
                for row in rows:
                    copy.write_row((self.run_id, *row))
                    count += 1
        return count

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None


def _q(query: aq.Query) -> tuple[str, dict]:
    return query.sql, query.params
