"""The ETA a worker writes into a job's progress event.

On shared workers, the fair-share simulation of chemaudit.shared_eta over every running job,
with the service's total rate over the last RATE_WINDOW_SECONDS; before the service has a rate
of its own (its first second), the job's own recent rate as before.
"""

from __future__ import annotations

import math
from uuid import UUID

from chemaudit.db import queries as q
from chemaudit.db import scheduling_queries as sq
from chemaudit.db.executor import Session, SyncTarget, run
from chemaudit.progress import RATE_WINDOW_SECONDS, estimate_eta
from chemaudit.shared_eta import Load, shared_eta

MIN_WINDOW_SECONDS = 1.0


def service_capacity(rows: list[dict]) -> float:
    """Molecules per second processed by the whole service over the recent window."""
    window = float(rows[0]["window_seconds"]) if rows else 0.0
    if window < MIN_WINDOW_SECONDS:
        return 0.0
    return sum(r["recent"] for r in rows) / window


def job_eta(db: Session | SyncTarget, job_id: UUID, job: dict) -> int:
    """Seconds left for a running job (`job` is advance_job's row), as an integer for the message."""
    rows = run(db, sq.service_loads(RATE_WINDOW_SECONDS))
    loads = [Load(r["id"], r["owner"], r["weight"], r["remaining"]) for r in rows if r["status"] == "processing"]
    seconds = shared_eta(job_id, loads, service_capacity(rows))
    if seconds is not None:
        return int(math.ceil(seconds))
    anchor = run(db, q.recent_rate_anchor(job_id, RATE_WINDOW_SECONDS))
    return estimate_eta(job["processed"], job["total"],
                        anchor_processed=anchor["processed"] if anchor else None,
                        anchor_age=float(anchor["age"]) if anchor else None,
                        running_for=float(job["running_for"]))
