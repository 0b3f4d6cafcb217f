"""Named SQL of the notification outbox: targets at upload, claims and outcomes for the senders,
the delivery log for the API (tables in `notify_schema.py`, trigger in migration 0009)."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from psycopg.types.json import Jsonb

from chemaudit.db.queries import Query


def insert_targets(job_id: UUID, targets: list) -> Query:
    """Store a job's targets (`chemaudit.notify.targets.Target`s) next to its row."""
    return Query(
        "INSERT INTO notification_targets (job_id, channel, target, source, secret)"
        " SELECT %(id)s, t.channel, t.target, t.source, t.secret FROM jsonb_to_recordset(%(rows)s)"
        "  AS t(channel text, target text, source text, secret text)"
        " ON CONFLICT (job_id, channel, target) DO NOTHING",
        {"id": job_id, "rows": Jsonb([asdict(target) for target in targets])},
    )


def claim_due(lease_seconds: float) -> Query:
    """Claim the delivery that has waited longest, if one is due, and open its attempt.

    The claim counts the attempt and pushes `next_attempt_at` past the lease, so if the sender
    dies mid-way the row is due again once the lease is over; other senders skip the locked row
    meanwhile. The attempt number is the fence of `record_outcome`.
    """
    return Query(
        "WITH due AS (SELECT id FROM notification_outbox"
        "  WHERE status = 'pending' AND next_attempt_at <= now()"
        "  ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED),"
        " claimed AS (UPDATE notification_outbox o SET attempts = o.attempts + 1,"
        "  next_attempt_at = now() + make_interval(secs => %(lease)s)"
        "  FROM due WHERE o.id = due.id"
        "  RETURNING o.id, o.job_id, o.transition, o.channel, o.target, o.attempts, o.body),"
        " opened AS (INSERT INTO notification_attempts (outbox_id, attempt) SELECT id, attempts FROM claimed)"
        " SELECT c.*, t.source, t.secret FROM claimed c LEFT JOIN notification_targets t"
        "  ON t.job_id = c.job_id AND t.channel = c.channel AND t.target = c.target",
        {"lease": lease_seconds},
    )


def payload_facts(job_id: UUID) -> Query:
    """What the payload tells of an ended job: counts, end time, reason, average score."""
    return Query(
        "SELECT j.id AS job_id, j.status, j.processed, j.errors, j.total, j.finished_at, j.error_message,"
        "  (SELECT round(avg(r.score)::numeric, 2)::float8 FROM result_rows r"
        "   WHERE r.job_id = j.id AND r.status = 'success') AS avg_score"
        " FROM jobs j WHERE j.id = %(id)s",
        {"id": job_id},
    )


def keep_body(outbox_id: int, body: str) -> Query:
    """Store the body of a delivery's first send; returns the one stored (a retry resends it)."""
    return Query(
        "UPDATE notification_outbox SET body = coalesce(body, %(body)s) WHERE id = %(id)s RETURNING body",
        {"id": outbox_id, "body": body},
    )


def record_outcome(outbox_id: int, attempt: int, status: str, code: int | None, error: str | None,
                   retry_in: float | None = None) -> Query:
    """Close the attempt with its status code or error, and move the delivery to `status`
    (`pending` again after `retry_in` seconds, `delivered` or `failed`).

    The delivery only moves while it is still this attempt's: a sender whose lease ran out and
    whose row was claimed again records its attempt but changes nothing else.
    """
    return Query(
        "WITH closed AS (UPDATE notification_attempts SET finished_at = now(), status_code = %(code)s,"
        "  error = %(error)s WHERE outbox_id = %(id)s AND attempt = %(attempt)s)"
        " UPDATE notification_outbox SET status = %(status)s::text, last_error = %(error)s,"
        "  next_attempt_at = CASE WHEN %(status)s::text = 'pending'"
        "   THEN now() + make_interval(secs => %(retry_in)s::float8) END,"
        "  delivered_at = CASE WHEN %(status)s::text = 'delivered' THEN now() END"
        " WHERE id = %(id)s AND attempts = %(attempt)s AND status = 'pending'"
        " RETURNING status",
        {"id": outbox_id, "attempt": attempt, "status": status, "code": code, "error": error,
         "retry_in": retry_in},
    )


def job_notifications(job_id: UUID) -> Query:
    """Each target of a job with its delivery (none while the job runs) and every attempt."""
    return Query(
        "SELECT t.channel, t.target, t.source, o.id AS delivery_id, o.transition,"
        "  coalesce(o.status, 'waiting') AS status, coalesce(o.attempts, 0) AS attempts,"
        "  o.next_attempt_at, o.delivered_at, o.last_error,"
        "  coalesce((SELECT jsonb_agg(jsonb_build_object('attempt', a.attempt, 'started_at', a.started_at,"
        "     'finished_at', a.finished_at, 'status_code', a.status_code, 'error', a.error) ORDER BY a.attempt)"
        "   FROM notification_attempts a WHERE a.outbox_id = o.id), '[]'::jsonb) AS history"
        " FROM notification_targets t LEFT JOIN notification_outbox o"
        "  ON o.job_id = t.job_id AND o.channel = t.channel AND o.target = t.target"
        " WHERE t.job_id = %(id)s ORDER BY t.channel DESC, t.source DESC, t.target",
        {"id": job_id},
    )
