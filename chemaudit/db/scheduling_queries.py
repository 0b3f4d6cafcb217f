"""The SQL of fair scheduling: choosing, claiming, renewing and releasing chunks, and the sweeper.

A broker message is a token for one chunk of work; which chunk is decided here, in PostgreSQL,
so every worker on every node applies the same rule (docs/architecture.md, Scheduling):

1. among owners with claimable work, the one with the fewest chunks in flight, then the one
   served longest ago (all anonymous uploads are one owner);
2. within that owner, stride scheduling: the job with the lowest pass, where each claim adds
   1 / weight (low 1, normal 2, high 4) and a job that was idle or new starts at the owner's
   current lowest pass, so it neither starves nor bursts.

A claim is a lease renewed by every batch commit; a chunk whose lease ran out (its worker was
killed, hung or cut off) is claimable again. Row locks are always taken job first, then chunk,
as the workers' batch commits do, so a claim cannot deadlock with a commit.
"""

from __future__ import annotations

from uuid import UUID

from chemaudit.db.queries import Query, Read, reads
from chemaudit.db.schema import PRIORITY_WEIGHTS

_WEIGHT = "CASE j.priority " + " ".join(
    f"WHEN '{name}' THEN {weight}" for name, weight in PRIORITY_WEIGHTS.items()) + " ELSE 1 END"

# A chunk is claimable when it is not done, no unexpired lease holds it, and no backoff is due.
_CLAIMABLE = ("NOT c.done AND (c.lease_until IS NULL OR c.lease_until <= now())"
              " AND (c.retry_after IS NULL OR c.retry_after <= now())")


@reads(Read.ALL)
def fair_candidates(limit: int = 8, only_job: UUID | None = None) -> Query:
    """Running jobs with a claimable chunk, fairest first, with the pass a claim starts from.

    `only_job` keeps that job alone (running one job's next chunk on purpose: tests, drills).
    """
    return Query(
        "WITH running AS (SELECT j.id, coalesce(j.owner, '') AS owner, j.sched_pass,"
        "   j.last_claim_at, j.created_at, " + _WEIGHT + " AS weight,"
        "   (SELECT count(*) FROM chunks c WHERE c.job_id = j.id AND NOT c.done"
        "     AND c.lease_until > now()) AS in_flight,"
        "   EXISTS (SELECT 1 FROM chunks c WHERE c.job_id = j.id AND " + _CLAIMABLE + ") AS claimable"
        "  FROM jobs j WHERE j.status = 'processing'),"
        " owners AS (SELECT owner, sum(in_flight) AS in_flight, max(last_claim_at) AS last_claim,"
        "   min(sched_pass) FILTER (WHERE claimable) AS low_pass FROM running GROUP BY owner)"
        " SELECT r.id, r.weight,"
        "   greatest(coalesce(r.sched_pass, o.low_pass, 0), coalesce(o.low_pass, 0)) AS pass"
        " FROM running r JOIN owners o USING (owner)"
        " WHERE r.claimable AND (%(only)s::uuid IS NULL OR r.id = %(only)s::uuid)"
        " ORDER BY o.in_flight, o.last_claim NULLS FIRST, o.owner,"
        "   pass, r.last_claim_at NULLS FIRST, r.created_at"
        " LIMIT %(lim)s",
        {"lim": limit, "only": only_job},
    )


@reads(Read.ALL)
def fifo_candidates(limit: int = 8) -> Query:
    """Running jobs with a claimable chunk in upload order (the `fifo` setting, for comparison)."""
    return Query(
        "SELECT j.id, " + _WEIGHT + " AS weight, coalesce(j.sched_pass, 0) AS pass FROM jobs j"
        " WHERE j.status = 'processing'"
        "   AND EXISTS (SELECT 1 FROM chunks c WHERE c.job_id = j.id AND " + _CLAIMABLE + ")"
        " ORDER BY j.created_at LIMIT %(lim)s",
        {"lim": limit},
    )


@reads(Read.ONE)
def claim_in_job(job_id: UUID, start_pass: float, weight: int, lease_seconds: float) -> Query:
    """Lease the job's lowest claimable chunk and advance the job's pass; no row if none is free.

    The job row is updated (and locked) first; with no chunk free the caller rolls back, so the
    pass only moves for a real claim. `resumed` says an earlier claim's lease ran out unreleased:
    that worker died or hung, so this run audits each record in isolation.
    """
    return Query(
        "WITH job AS (UPDATE jobs SET sched_pass = %(pass)s + 1.0 / %(w)s, last_claim_at = now(),"
        "   started_at = coalesce(started_at, now())"
        "   WHERE id = %(id)s AND status = 'processing' RETURNING id, options),"
        " pick AS (SELECT c.job_id, c.chunk_no, c.lease_until AS prior_lease FROM chunks c, job"
        "   WHERE c.job_id = job.id AND " + _CLAIMABLE +
        "   ORDER BY c.chunk_no LIMIT 1 FOR UPDATE OF c SKIP LOCKED),"
        " claimed AS (UPDATE chunks c SET attempts = c.attempts + 1, touched_at = now(),"
        "   lease_until = now() + make_interval(secs => %(lease)s), retry_after = NULL"
        "   FROM pick WHERE c.job_id = pick.job_id AND c.chunk_no = pick.chunk_no"
        "   RETURNING c.chunk_no, c.start_idx, c.end_idx, c.attempts, c.failures)"
        " SELECT claimed.*, pick.prior_lease IS NOT NULL AS resumed, job.options"
        " FROM claimed, pick, job",
        {"id": job_id, "pass": start_pass, "w": weight, "lease": lease_seconds},
    )


@reads(Read.NOTHING)
def renew_chunk(job_id: UUID, chunk_no: int, done: bool, lease_seconds: float) -> Query:
    """Extend the chunk's lease after a batch commit; mark it done (lease released) on its last."""
    return Query(
        "UPDATE chunks SET done = done OR %(done)s, touched_at = now(),"
        "  lease_until = CASE WHEN done OR %(done)s THEN NULL"
        "    ELSE now() + make_interval(secs => %(lease)s) END"
        " WHERE job_id = %(id)s AND chunk_no = %(no)s",
        {"id": job_id, "no": chunk_no, "done": done, "lease": lease_seconds},
    )


@reads(Read.ONE)
def record_chunk_failure(job_id: UUID, chunk_no: int, message: str, backoff_seconds: float) -> Query:
    """Count a run that raised, keep its error, release the lease and hold the chunk back a while."""
    return Query(
        "UPDATE chunks SET failures = failures + 1, last_error = %(msg)s, touched_at = now(),"
        "  lease_until = NULL, retry_after = now() + make_interval(secs => %(backoff)s)"
        " WHERE job_id = %(id)s AND chunk_no = %(no)s AND NOT done RETURNING failures",
        {"id": job_id, "no": chunk_no, "msg": message[:1000], "backoff": backoff_seconds},
    )


# Sweeper ---------------------------------------------------------------------------------------

@reads(Read.ONE)
def try_sweep_lock() -> Query:
    return Query("SELECT pg_try_advisory_xact_lock(hashtext('chemaudit-sweeper')) AS locked")


@reads(Read.ONE)
def claimable_count(settled_seconds: float) -> Query:
    """How many chunks of running jobs are claimable and have been for a while.

    A chunk's `touched_at` is its creation (the upload's end), last renewal or failure; a chunk
    touched within the window may have a token on its way (an upload sends them just after its
    commit), so counting it could send a second one.
    """
    return Query(
        "SELECT count(*) AS n FROM chunks c JOIN jobs j ON j.id = c.job_id"
        " WHERE j.status = 'processing' AND " + _CLAIMABLE +
        "   AND c.touched_at < now() - make_interval(secs => %(s)s)",
        {"s": settled_seconds},
    )


@reads(Read.ALL)
def idle_claimable_chunks(stale_seconds: float) -> Query:
    """Claimable chunks of running jobs in which nothing was claimed, renewed or re-sent lately.

    For a broker whose queue cannot be counted (Redis): a job idle for the whole window has
    lost its tokens. `enqueued_at` is bumped in the same statement, so it is re-sent once per window.
    """
    return Query(
        "WITH idle AS (SELECT j.id FROM jobs j WHERE j.status = 'processing'"
        "   AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.job_id = j.id"
        "     AND greatest(c.touched_at, c.enqueued_at) > now() - make_interval(secs => %(s)s)))"
        " UPDATE chunks c SET enqueued_at = now() FROM idle"
        " WHERE c.job_id = idle.id AND " + _CLAIMABLE +
        " RETURNING c.job_id, c.chunk_no",
        {"s": stale_seconds},
    )


@reads(Read.ONE)
def queued_tokens(queue_name: str) -> Query:
    """Work tokens waiting in the PostgreSQL broker's queue (not yet taken by a worker)."""
    return Query(
        "SELECT count(*) AS n FROM dramatiq.queue WHERE queue_name = %(queue)s AND state = 'queued'",
        {"queue": queue_name},
    )


@reads(Read.ROWCOUNT)
def drop_surplus_tokens(job_id: UUID, queue_name: str) -> Query:
    """After a cancel, delete as many queued tokens as the job had chunks nobody had claimed.

    Tokens are not bound to chunks, so the job's own tokens may already have run other jobs'
    chunks: the count is what matters. The cancelled job's own tokens go first.
    """
    return Query(
        "DELETE FROM dramatiq.queue WHERE message_id IN (SELECT message_id FROM dramatiq.queue"
        "  WHERE queue_name = %(queue)s AND state = 'queued'"
        "  ORDER BY (message -> 'args' ->> 0 = %(id)s) DESC, position DESC"
        "  LIMIT (SELECT count(*) FROM chunks c WHERE c.job_id = %(uuid)s AND NOT c.done"
        "    AND (c.lease_until IS NULL OR c.lease_until <= now()))"
        "  FOR UPDATE SKIP LOCKED)",
        {"queue": queue_name, "id": str(job_id), "uuid": job_id},
    )


@reads(Read.ALL)
def work_by_owner() -> Query:
    """Running jobs and chunks waiting for a worker, per owner (for /metrics)."""
    return Query(
        "SELECT coalesce(j.owner, 'anonymous') AS owner, count(DISTINCT j.id) AS running_jobs,"
        "  count(c.chunk_no) FILTER (WHERE " + _CLAIMABLE + ") AS queued_chunks,"
        "  count(c.chunk_no) FILTER (WHERE NOT c.done AND c.lease_until > now()) AS chunks_in_flight"
        " FROM jobs j LEFT JOIN chunks c ON c.job_id = j.id AND NOT c.done"
        " WHERE j.status = 'processing' GROUP BY 1",
    )


@reads(Read.ALL)
def service_loads(window_seconds: float) -> Query:
    """The service's recent rate and every running job's remaining work, for the shared ETA.

    The window is the last `window_seconds`, shortened to the oldest running job's run so that
    time the service stood idle (before these jobs) does not dilute the rate. Each row is a job
    running or ended within the window, with what it processed in the window (`recent`).
    """
    return Query(
        "WITH w AS (SELECT least(%(w)s, coalesce(max(extract(epoch FROM now() - started_at)), 0)) AS secs"
        "   FROM jobs WHERE status = 'processing' AND started_at IS NOT NULL)"
        " SELECT j.id, coalesce(j.owner, '') AS owner, " + _WEIGHT + " AS weight, j.status,"
        "  j.total - j.processed AS remaining, j.processed - coalesce(a.processed, 0) AS recent,"
        "  w.secs AS window_seconds"
        " FROM w CROSS JOIN jobs j LEFT JOIN LATERAL (SELECT e.processed FROM job_events e"
        "   WHERE e.job_id = j.id AND e.at <= now() - make_interval(secs => w.secs)"
        "   ORDER BY e.seq DESC LIMIT 1) a ON true"
        " WHERE j.status = 'processing' OR j.finished_at > now() - make_interval(secs => w.secs)",
        {"w": window_seconds},
    )
