"""Claims the next analytics run, computes it, and ends it: complete, retried, or failed.

Every way out leaves the run in a state a user can see: complete with its summary; failed with
a reason (refused input, or the last attempt raised); pending again for another attempt. A
worker that dies mid-run leaves a lease that runs out: the next claim takes the run over, and
after ANALYTICS_MAX_ATTEMPTS lost claims `fail_exhausted` ends it failed. Never stuck running.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from chemaudit.db import analytics_queries as aq
from chemaudit.settings import Settings
from tasks.analytics_context import AnalysisRefused, LostClaim, RunContext
from tasks.analytics_types import COMPUTE

log = logging.getLogger("chemaudit.analytics")

OUTAGE = (psycopg.OperationalError, PoolTimeout)


class AnalyticsRunner:
    def __init__(self, pool: ConnectionPool, settings: Settings):
        self.pool = pool
        self.settings = settings

    def claim(self) -> dict | None:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            for row in cur.execute(*_q(aq.fail_exhausted(self.settings.analytics_max_attempts))).fetchall():
                log.warning("analytics run %s failed: its worker was lost on every attempt", row["id"])
            return cur.execute(*_q(aq.claim_run(self.settings.analytics_lease_seconds))).fetchone()

    def run_next(self) -> int | None:
        """Run one claimable run; returns its id (None: nothing to do)."""
        run = self.claim()
        if run is None:
            return None
        ctx = RunContext(self.pool, self.settings, run)
        log.info("analytics run %s (%s of job %s), attempt %d", run["id"], run["type"], run["job_id"],
                 run["attempts"])
        try:
            ctx.start()
            summary = COMPUTE[run["type"]](ctx)
            self._end(aq.complete_run(run["id"], run["attempts"], summary))
        except AnalysisRefused as exc:
            self._end(aq.fail_run(run["id"], run["attempts"], str(exc)))
        except LostClaim as exc:
            log.warning("analytics: %s; leaving it to its new worker", exc)
        except OUTAGE:
            raise  # nothing can be recorded; the lease brings the run back
        except Exception as exc:  # the run's boundary: any error must end it visibly, not leave it running
            log.exception("analytics run %s raised", run["id"])
            self._give_up_or_retry(run, f"{type(exc).__name__}: {exc}")
        finally:
            ctx.close()
        return run["id"]

    def _give_up_or_retry(self, run: dict, error: str) -> None:
        if run["attempts"] >= self.settings.analytics_max_attempts:
            self._end(aq.fail_run(run["id"], run["attempts"], f"attempt {run['attempts']} failed: {error}"))
        else:
            self._end(aq.retry_run(run["id"], run["attempts"], f"attempt {run['attempts']} failed: {error}"))

    def _end(self, query: aq.Query) -> None:
        with self.pool.connection() as conn:
            if conn.execute(*_q(query)).fetchone() is None:
                log.warning("analytics: a run ended elsewhere before this worker could end it (%s)",
                            query.params.get("id"))


def _q(query: aq.Query) -> tuple[str, dict]:
    return query.sql, query.params
