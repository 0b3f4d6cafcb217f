"""Retention: delete ended jobs older than an age, with all their rows, in bounded batches.

Each batch is its own short transaction that touches only the rows of one ended job, so running
jobs (whose rows and job row are never touched) keep writing throughout; a purge can be
interrupted at any point and simply run again. A job's child rows go first, its job row last,
so an interrupted purge never leaves orphans. While its rows are being deleted a job may show
fewer results than it had: it is on its way out.

Then the result cache is pruned: every result document no result row points at any more (those
of the jobs just purged, and of engine versions no longer in use, which new jobs never point
at) is deleted, span by span of ids. A document a worker is pointing a new row at right now is
skipped, never waited for; the next purge takes it if it is still unused.
"""

from __future__ import annotations

import logging
import re
from uuid import UUID

import psycopg

from chemaudit.db import cache_queries as cq
from chemaudit.db import results_queries as rq
from chemaudit.db.executor import run
from chemaudit.db.queries import Read

log = logging.getLogger("chemaudit.purge")

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
JOBS_PER_ROUND = 50


def parse_age(text: str) -> float:
    """"30d", "12h", "90m", "45s", "2w" -> seconds. Raises ValueError on anything else."""
    match = _AGE.match(text or "")
    if match is None:
        raise ValueError(f"age must be a number and a unit (s, m, h, d or w), like 30d or 12h; not {text!r}")
    seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"age must be more than zero, not {text!r}")
    return seconds


def purge_job(conn: psycopg.Connection, job_id: UUID, batch_size: int) -> bool:
    """Delete one ended job's rows batch by batch, then the job; False if it was not deleted."""
    for table in rq.CHILD_TABLES:
        while run(conn, rq.delete_child_batch(table, job_id, batch_size), Read.ROWCOUNT):
            pass
    return run(conn, rq.delete_ended_job(job_id), Read.ONE) is not None


def prune_documents(conn: psycopg.Connection, span: int) -> int:
    """Delete the result documents no row points at; returns how many."""
    deleted, after = 0, 0
    while True:
        try:
            row = run(conn, cq.delete_unused_docs(after, span))
        except psycopg.errors.ForeignKeyViolation:
            continue  # a worker pointed a row at one of them meanwhile: look at the span again
        if row["last_id"] is None:
            return deleted
        deleted += row["deleted"]
        after = row["last_id"]


def run_purge(database_url: str, older_than_seconds: float, batch_size: int = 5000) -> int:
    """Delete every job that ended more than `older_than_seconds` ago; returns how many."""
    if older_than_seconds <= 0 or batch_size <= 0:
        raise ValueError("older_than_seconds and batch_size must be positive")
    deleted = 0
    seen: set[UUID] = set()
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            rows = run(conn, rq.purge_candidates(older_than_seconds, JOBS_PER_ROUND), Read.ALL)
            fresh = [row["id"] for row in rows if row["id"] not in seen]
            if not fresh:
                break
            for job_id in fresh:
                seen.add(job_id)
                if purge_job(conn, job_id, batch_size):
                    deleted += 1
                    log.info("purged job %s", job_id)
        documents = prune_documents(conn, batch_size)
    log.info("purge: %d jobs older than %.0f s deleted, %d unused result documents", deleted,
             older_than_seconds, documents)
    return deleted
