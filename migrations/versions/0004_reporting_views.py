"""Reporting views and the indexes behind result filters and sorts.

Revision ID: 0004
Revises: 0003

Views for analysts (documented in docs/reporting.md, each with COMMENTs visible in psql's \\d+):
job_summary (one row per job: counts, timings, rate), failed_checks_daily, alert_frequencies,
throughput_hourly. Days and hours are UTC.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JOB_SUMMARY = """
CREATE VIEW job_summary AS
SELECT j.id AS job_id, j.filename, j.format, j.compressed, j.upload_bytes, j.status,
  j.total, j.processed, j.errors, j.processed - j.errors AS successful,
  j.created_at, j.started_at, j.finished_at,
  extract(epoch FROM j.started_at - j.created_at)::float8 AS queued_seconds,
  extract(epoch FROM coalesce(j.finished_at, now()) - j.started_at)::float8 AS duration_seconds,
  CASE WHEN coalesce(j.finished_at, now()) > j.started_at
       THEN round((j.processed / extract(epoch FROM coalesce(j.finished_at, now()) - j.started_at))::numeric, 1)::float8
  END AS molecules_per_second,
  (j.statistics ->> 'avg_validation_score')::float8 AS avg_validation_score,
  (j.statistics ->> 'safety_pass_rate')::float8 AS safety_pass_rate,
  j.error_message
FROM jobs j
"""

FAILED_CHECKS_DAILY = """
CREATE VIEW failed_checks_daily AS
SELECT (r.created_at AT TIME ZONE 'UTC')::date AS day, c.check_name,
  count(*) AS molecules, count(DISTINCT r.job_id) AS jobs
FROM results r CROSS JOIN LATERAL unnest(r.failed_checks) AS c(check_name)
GROUP BY 1, 2
"""

ALERT_FREQUENCIES = """
CREATE VIEW alert_frequencies AS
SELECT catalog, rule_name, count(*) AS molecules, count(DISTINCT job_id) AS jobs
FROM (
  SELECT DISTINCT r.job_id, r.idx, a ->> 'catalog' AS catalog, a ->> 'rule_name' AS rule_name
  FROM results r
  CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(r.detail #> '{alerts,alerts}') = 'array'
         THEN r.detail #> '{alerts,alerts}' ELSE '[]'::jsonb END) AS a
  WHERE r.alert_count > 0
) matched
GROUP BY catalog, rule_name
"""

THROUGHPUT_HOURLY = """
CREATE VIEW throughput_hourly AS
SELECT date_trunc('hour', r.created_at AT TIME ZONE 'UTC') AS hour,
  count(*) AS molecules, count(*) FILTER (WHERE r.status = 'error') AS errors,
  count(DISTINCT r.job_id) AS jobs, round(count(*) / 3600.0, 2)::float8 AS molecules_per_second
FROM results r
GROUP BY 1
"""

COMMENTS = {
    "VIEW job_summary": "One row per job: file, status, counts, queue wait, processing time and rate.",
    "COLUMN job_summary.queued_seconds": "Upload to the first stored result.",
    "COLUMN job_summary.duration_seconds": "First stored result to the end (to now while running).",
    "COLUMN job_summary.molecules_per_second": "Processed molecules per second of duration.",
    "COLUMN job_summary.avg_validation_score": "From the stored statistics (set when the job completes).",
    "VIEW failed_checks_daily": "Molecules failing each named check, per UTC day the result was stored.",
    "VIEW alert_frequencies": "Molecules and jobs matched by each structural alert rule, all time.",
    "VIEW throughput_hourly": "Results stored per UTC hour, with errors, jobs and the mean rate.",
}


def upgrade() -> None:
    op.create_index("ix_results_job_id_score", "results", ["job_id", "score"])
    op.create_index("ix_results_job_id_status_idx", "results", ["job_id", "status", "idx"])
    for statement in (JOB_SUMMARY, FAILED_CHECKS_DAILY, ALERT_FREQUENCIES, THROUGHPUT_HOURLY):
        op.execute(statement)
    for target, text in COMMENTS.items():
        op.execute(f"COMMENT ON {target} IS '{text}'")


def downgrade() -> None:
    for view in ("throughput_hourly", "alert_frequencies", "failed_checks_daily", "job_summary"):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    op.drop_index("ix_results_job_id_status_idx", table_name="results")
    op.drop_index("ix_results_job_id_score", table_name="results")
