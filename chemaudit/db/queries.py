"""Every SQL statement of the project, each a named function returning a `Query`.

A `Query` (chemaudit/db/query.py) is driver-neutral (psycopg `%(name)s` parameters) and says
how its result is read; chemaudit/db/executor.py runs it, on the web side's async connections
and the workers' sync ones alike. No SQL text lives anywhere else (the migrations keep their
own DDL history).
"""

from __future__ import annotations

from uuid import UUID

from psycopg.types.json import Jsonb

from chemaudit.db.query import Query, Read, reads

__all__ = ["Query", "Read", "reads"]  # re-exported: the other *queries modules import them from here


# Jobs ------------------------------------------------------------------------------------------

@reads(Read.NOTHING)
def insert_job(job_id: UUID, filename: str, options: dict, owner: str | None,
               priority: str = "normal") -> Query:
    return Query(
        "INSERT INTO jobs (id, filename, format, options, owner, total, chunk_count, priority)"
        " VALUES (%(id)s, %(filename)s, 'unknown', %(options)s, %(owner)s, 0, 0, %(priority)s)",
        {"id": job_id, "filename": filename, "options": Jsonb(options), "owner": owner,
         "priority": priority},
    )


@reads(Read.NOTHING)
def finish_upload(job_id: UUID, fmt: str, compressed: bool, upload_bytes: int, total: int,
                  chunk_size: int) -> Query:
    """Record the upload's totals and create its chunk rows, in one statement.

    The chunks are stamped with the clock at the upload's end, not its transaction's start, so
    the sweeper sees them as new while their tokens are on the way.
    """
    return Query(
        "WITH j AS (UPDATE jobs SET format = %(fmt)s, compressed = %(compressed)s,"
        "  upload_bytes = %(bytes)s, total = %(total)s,"
        "  chunk_count = (%(total)s + %(size)s - 1) / %(size)s"
        "  WHERE id = %(id)s RETURNING id, chunk_count)"
        " INSERT INTO chunks (job_id, chunk_no, start_idx, end_idx, touched_at)"
        " SELECT j.id, g, g * %(size)s, least((g + 1) * %(size)s, %(total)s), clock_timestamp()"
        " FROM j, generate_series(0, j.chunk_count - 1) AS g",
        {"id": job_id, "fmt": fmt, "compressed": compressed, "bytes": upload_bytes,
         "total": total, "size": chunk_size},
    )


def copy_job_inputs() -> str:
    """The COPY statement that streams upload records into job_inputs."""
    return "COPY job_inputs (job_id, idx, name, kind, text, error) FROM STDIN"


@reads(Read.ONE)
def append_event(job_id: UUID, eta_seconds: int) -> Query:
    """Append the job's current state as its next progress event (the trigger NOTIFYs it)."""
    return Query(
        "WITH j AS (UPDATE jobs SET last_seq = last_seq + 1, last_event_at = now()"
        "  WHERE id = %(id)s"
        "  RETURNING id, last_seq, status, processed, total, error_message)"
        " INSERT INTO job_events (job_id, seq, status, processed, total, eta_seconds, error_message)"
        " SELECT id, last_seq, status, processed, total, %(eta)s, error_message FROM j"
        " RETURNING seq",
        {"id": job_id, "eta": eta_seconds},
    )


@reads(Read.ONE)
def progress_snapshot(job_id: UUID | str, owner: str | None = None, check_owner: bool = False) -> Query:
    """The latest progress message of a job, with its timestamps; no row if unknown."""
    return Query(
        "SELECT chemaudit_progress_json(e) AS message, j.created_at, j.started_at,"
        "  j.finished_at, j.owner, j.parent_job_id"
        " FROM jobs j JOIN job_events e ON e.job_id = j.id AND e.seq = j.last_seq"
        " WHERE j.id = %(id)s AND (NOT %(check)s OR j.owner IS NOT DISTINCT FROM %(owner)s)",
        {"id": job_id, "owner": owner, "check": check_owner},
    )


@reads(Read.ALL)
def events_after(job_id: UUID, after_seq: int) -> Query:
    return Query(
        "SELECT chemaudit_progress_json(e) AS message FROM job_events e"
        " WHERE e.job_id = %(id)s AND e.seq > %(after)s ORDER BY e.seq",
        {"id": job_id, "after": after_seq},
    )


@reads(Read.ONE)
def cancel_job(job_id: UUID) -> Query:
    """Flip a running job to cancelled; no row when it had already ended."""
    return Query(
        "UPDATE jobs SET status = 'cancelled', finished_at = now()"
        " WHERE id = %(id)s AND status = 'processing' RETURNING id",
        {"id": job_id},
    )


@reads(Read.ONE)
def fail_job(job_id: UUID, message: str) -> Query:
    return Query(
        "UPDATE jobs SET status = 'failed', finished_at = now(), error_message = %(msg)s"
        " WHERE id = %(id)s AND status = 'processing' RETURNING id",
        {"id": job_id, "msg": message},
    )


# Worker side: chunks and results ---------------------------------------------------------------

@reads(Read.ALL)
def pending_inputs(job_id: UUID, start_idx: int, end_idx: int) -> Query:
    """The chunk's records that have no result yet (a resumed chunk skips finished ones)."""
    return Query(
        "SELECT i.idx, i.name, i.kind, i.text, i.error FROM job_inputs i"
        " WHERE i.job_id = %(id)s AND i.idx >= %(lo)s AND i.idx < %(hi)s"
        "   AND NOT EXISTS (SELECT 1 FROM result_rows r WHERE r.job_id = i.job_id AND r.idx = i.idx)"
        " ORDER BY i.idx",
        {"id": job_id, "lo": start_idx, "hi": end_idx},
    )


# The columns of a result row that come from its document (the rest is per record).
DOC_COLUMNS = (
    "status", "error", "score", "canonical_smiles", "inchikey", "qed", "sa_score", "ml_score",
    "lipinski_passed", "issue_count", "alert_count", "failed_checks", "alert_catalogs", "scaffold",
)


@reads(Read.ONE)
def insert_results(rows_json: str, reused_idx: list[int]) -> Query:
    """Insert result rows given as one JSON array of {job_id, idx, name, smiles, doc_id}; the
    other columns are copied from each row's document. Existing (job_id, idx) rows are kept.

    Returns how many rows were new, how many of those are errors and how many of those were
    reused (their idx in `reused_idx`), so counters move only for genuinely new results (a
    redelivered chunk counts nothing twice); and `missing`, rows whose document does not exist
    (a purge removed it after the worker found it): the caller must not commit then.
    """
    doc_cols = ", ".join(f"d.{c}" for c in DOC_COLUMNS)
    # A job uploaded with a scoring profile keeps it in its options; each successful row gets its
    # block (chemaudit_profile_result, migration 0008). A batch is one job's rows.
    return Query(
        "WITH src AS (SELECT * FROM jsonb_to_recordset(%(rows)s::jsonb)"
        "  AS s(job_id uuid, idx integer, name text, smiles text, doc_id bigint)),"
        " p AS (SELECT options -> 'profile' AS profile FROM jobs WHERE id = (SELECT job_id FROM src LIMIT 1)),"
        " joined AS (SELECT s.job_id, s.idx, s.name, s.smiles, s.doc_id, " + doc_cols + ","
        "  CASE WHEN p.profile IS NOT NULL AND d.status = 'success'"
        "   THEN chemaudit_profile_result(d.detail, p.profile) END AS profile"
        "  FROM src s JOIN result_docs d ON d.id = s.doc_id LEFT JOIN p ON true),"
        " ins AS (INSERT INTO result_rows (job_id, idx, name, smiles, doc_id, " + ", ".join(DOC_COLUMNS) + ", profile)"
        "  SELECT * FROM joined ON CONFLICT (job_id, idx) DO NOTHING RETURNING idx, status)"
        " SELECT count(*) AS inserted, count(*) FILTER (WHERE status = 'error') AS errors,"
        "  count(*) FILTER (WHERE idx = ANY(%(reused)s::integer[])) AS reused,"
        "  (SELECT count(*) FROM src) - (SELECT count(*) FROM joined) AS missing"
        " FROM ins",
        {"rows": rows_json, "reused": reused_idx},
    )


@reads(Read.ONE)
def advance_job(job_id: UUID, inserted: int, errors: int, reused: int = 0) -> Query:
    """Add newly stored results (`reused` of them from the cache) to a running job, completing
    it when the count is reached.

    The UPDATE takes the job row lock, so exactly one transaction moves the job to complete.
    No row means the job is no longer running (cancelled, failed): the caller rolls back.
    """
    return Query(
        "UPDATE jobs SET processed = processed + %(n)s, errors = errors + %(e)s, reused = reused + %(r)s,"
        "  started_at = coalesce(started_at, now()),"
        "  status = CASE WHEN processed + %(n)s >= total THEN 'complete' ELSE status END,"
        "  finished_at = CASE WHEN processed + %(n)s >= total THEN now() ELSE finished_at END"
        " WHERE id = %(id)s AND status = 'processing'"
        " RETURNING status, processed, total, last_event_at, started_at,"
        "  extract(epoch FROM now() - coalesce(last_event_at, '-infinity')) AS since_event,"
        "  extract(epoch FROM now() - coalesce(started_at, now())) AS running_for",
        {"id": job_id, "n": inserted, "e": errors, "r": reused},
    )


@reads(Read.ONE)
def recent_rate_anchor(job_id: UUID, window_seconds: float) -> Query:
    """The oldest progress event inside the rate window, to measure the recent rate against."""
    return Query(
        "SELECT processed, extract(epoch FROM now() - at) AS age FROM job_events"
        " WHERE job_id = %(id)s AND at >= now() - make_interval(secs => %(w)s)"
        "   AND processed > 0"
        " ORDER BY seq LIMIT 1",
        {"id": job_id, "w": window_seconds},
    )


# Web side: metrics and health ------------------------------------------------------------------

@reads(Read.ALL)
def jobs_by_status() -> Query:
    return Query("SELECT status, count(*) AS n FROM jobs GROUP BY status")


@reads(Read.ONE)
def work_totals() -> Query:
    return Query(
        "SELECT (SELECT sum(processed) FROM jobs) AS processed,"
        " (SELECT count(*) FROM chunks c JOIN jobs j ON j.id = c.job_id"
        "  WHERE j.status = 'processing' AND NOT c.done) AS pending_chunks")


@reads(Read.ONE)
def ping() -> Query:
    return Query("SELECT 1 AS ok")


# Operations: migration lock and schema revision ------------------------------------------------

MIGRATION_LOCK = "chemaudit-migrations"


@reads(Read.NOTHING)
def lock_migrations() -> Query:
    """Wait for the session-level advisory lock that makes concurrent upgrades take turns."""
    return Query("SELECT pg_advisory_lock(hashtext(%(name)s))", {"name": MIGRATION_LOCK})


@reads(Read.NOTHING)
def unlock_migrations() -> Query:
    return Query("SELECT pg_advisory_unlock(hashtext(%(name)s))", {"name": MIGRATION_LOCK})


@reads(Read.ONE)
def schema_revision() -> Query:
    """The database's Alembic revision (no row, or an error if the table is missing: not migrated)."""
    return Query("SELECT version_num FROM alembic_version")


# Progress sockets: filling gaps --------------------------------------------------------------

@reads(Read.ALL)
def events_between(job_id: UUID, after_seq: int, before_seq: int) -> Query:
    """The job's progress messages with after_seq < seq < before_seq, in seq order."""
    return Query(
        "SELECT chemaudit_progress_json(e) AS message FROM job_events e"
        " WHERE e.job_id = %(id)s AND e.seq > %(after)s AND e.seq < %(before)s ORDER BY e.seq",
        {"id": job_id, "after": after_seq, "before": before_seq},
    )
