"""Result reuse: each distinct result document stored once, result rows point at it.

Revision ID: 0007
Revises: 0006

`results` (one row per molecule with its ~6 kB `detail`) becomes two tables: `result_docs`, one
row per distinct result (the filterable columns and the detail, with the cache key that finds it
again: engine version, options, input kind and text), and `result_rows`, one row per molecule
(per-record fields, a copy of the filterable columns for filters and sorts, and `doc_id`). A
view named `results` joins them with every column the table had, so every reader (pages,
exports, statistics, the reporting views, docs/reporting.md) is unchanged; INSTEAD OF triggers
keep it writable for tools that insert or update rows directly. Each existing row's detail
becomes a document of its own (no cache key: it is kept, never reused). `jobs.reused` counts
the results a job took from the cache.

The reporting views of 0004 are recreated over the view (their SQL is unchanged), and
`job_summary` gains `reused`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DERIVED = ("status, error, score, canonical_smiles, inchikey, qed, sa_score, ml_score, lipinski_passed,"
           " issue_count, alert_count, failed_checks, alert_catalogs")
OLD_COLUMNS = f"job_id, idx, name, smiles, {DERIVED}, detail, created_at"

MOVE_ROWS = f"""
WITH moved AS (
  SELECT r.*, nextval(pg_get_serial_sequence('result_docs', 'id')) AS doc_id FROM results r),
docs AS (
  INSERT INTO result_docs (id, {DERIVED}, detail, created_at)
  SELECT doc_id, {DERIVED}, detail, created_at FROM moved)
INSERT INTO result_rows (job_id, idx, name, smiles, {DERIVED}, doc_id, created_at)
SELECT job_id, idx, name, smiles, {DERIVED}, doc_id, created_at FROM moved
"""

MOVE_BACK = f"""
INSERT INTO results ({OLD_COLUMNS})
SELECT r.job_id, r.idx, r.name, r.smiles, {", ".join("r." + c.strip() for c in DERIVED.split(","))},
  d.detail, r.created_at
FROM result_rows r JOIN result_docs d ON d.id = r.doc_id
"""

# LEFT JOIN, though every row has its document (doc_id is a NOT NULL foreign key): the planner
# then drops the join from any query that does not read `detail` (statistics, counts, filters).
RESULTS_VIEW = f"""
CREATE VIEW results AS
SELECT r.job_id, r.idx, r.name, r.smiles, {", ".join("r." + c.strip() for c in DERIVED.split(","))},
  d.detail, r.created_at
FROM result_rows r LEFT JOIN result_docs d ON d.id = r.doc_id
"""

VIEW_DEFAULTS = {"issue_count": "0", "alert_count": "0", "failed_checks": "'{}'::text[]",
                 "alert_catalogs": "'{}'::text[]", "created_at": "now()"}

_NEW = ", ".join("NEW." + c.strip() for c in DERIVED.split(","))
_SET = ", ".join(f"{c.strip()} = NEW.{c.strip()}" for c in DERIVED.split(","))
# Writes through the view: a row written this way gets a document of its own with no cache key
# (never reused), and an update of `detail` gives the row a new one, so a document shared with
# other rows is never changed under them.
VIEW_WRITES = f"""
CREATE FUNCTION results_view_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  doc bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM result_rows WHERE job_id = OLD.job_id AND idx = OLD.idx;
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.detail IS NOT DISTINCT FROM OLD.detail THEN
    SELECT doc_id INTO doc FROM result_rows WHERE job_id = OLD.job_id AND idx = OLD.idx;
  ELSE
    INSERT INTO result_docs ({DERIVED}, detail) VALUES ({_NEW}, NEW.detail) RETURNING id INTO doc;
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO result_rows (job_id, idx, name, smiles, {DERIVED}, doc_id, created_at)
    VALUES (NEW.job_id, NEW.idx, NEW.name, NEW.smiles, {_NEW}, doc, NEW.created_at);
  ELSE
    UPDATE result_rows SET job_id = NEW.job_id, idx = NEW.idx, name = NEW.name, smiles = NEW.smiles,
      {_SET}, doc_id = doc, created_at = NEW.created_at
    WHERE job_id = OLD.job_id AND idx = OLD.idx;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER results_view_write INSTEAD OF INSERT OR UPDATE OR DELETE ON results
  FOR EACH ROW EXECUTE FUNCTION results_view_write();
"""

LZ4_IF_AVAILABLE = """
DO $$
BEGIN
  ALTER TABLE {table} ALTER COLUMN detail SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this PostgreSQL has no lz4: {table}.detail keeps pglz';
END $$
"""

# The reporting views of 0004, unchanged, now over the `results` view.
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

JOB_SUMMARY = """
CREATE {replace} VIEW job_summary AS
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
  j.error_message{reused}
FROM jobs j
"""

DEPENDENT_VIEWS = ("throughput_hourly", "alert_frequencies", "failed_checks_daily")
COMMENTS = {
    "VIEW failed_checks_daily": "Molecules failing each named check, per UTC day the result was stored.",
    "VIEW alert_frequencies": "Molecules and jobs matched by each structural alert rule, all time.",
    "VIEW throughput_hourly": "Results stored per UTC hour, with errors, jobs and the mean rate.",
}
NEW_COMMENTS = {
    "VIEW results": "One row per molecule: result_rows with the detail of its result_docs document.",
    "TABLE result_docs": "Each distinct audit result once (cache_key: engine version, options, input).",
    "TABLE result_rows": "One row per molecule of a job; doc_id is its result document.",
    "COLUMN job_summary.reused": "Results taken from the result cache instead of audited again.",
}


def _derived_columns() -> list[sa.Column]:
    return [
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("canonical_smiles", sa.Text(), nullable=True),
        sa.Column("inchikey", sa.Text(), nullable=True),
        sa.Column("qed", sa.Float(), nullable=True),
        sa.Column("sa_score", sa.Float(), nullable=True),
        sa.Column("ml_score", sa.Float(), nullable=True),
        sa.Column("lipinski_passed", sa.Boolean(), nullable=True),
        sa.Column("issue_count", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("alert_count", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("failed_checks", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"),
                  nullable=False),
        sa.Column("alert_catalogs", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"),
                  nullable=False),
    ]


def _created_at() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def _recreate_reporting_views() -> None:
    for statement in (FAILED_CHECKS_DAILY, ALERT_FREQUENCIES, THROUGHPUT_HOURLY):
        op.execute(statement)
    for target, text in COMMENTS.items():
        op.execute(f"COMMENT ON {target} IS '{text}'")


def upgrade() -> None:
    for view in DEPENDENT_VIEWS:
        op.execute(f"DROP VIEW {view}")
    op.add_column("jobs", sa.Column("reused", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "result_docs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("cache_key", sa.LargeBinary(), nullable=True),
        sa.Column("engine_version", sa.Text(), nullable=True),
        *_derived_columns(),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _created_at(),
        sa.CheckConstraint("status IN ('success', 'error')", name=op.f("ck_result_docs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_docs")),
        sa.UniqueConstraint("cache_key", name=op.f("uq_result_docs_cache_key")),
    )
    op.execute(LZ4_IF_AVAILABLE.format(table="result_docs"))
    op.create_table(
        "result_rows",
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("smiles", sa.Text(), nullable=False),
        *_derived_columns(),
        sa.Column("doc_id", sa.BigInteger(), nullable=False),
        _created_at(),
        sa.CheckConstraint("status IN ('success', 'error')", name=op.f("ck_result_rows_status")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_result_rows_job_id_jobs"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["doc_id"], ["result_docs.id"], name=op.f("fk_result_rows_doc_id_result_docs")),
        sa.PrimaryKeyConstraint("job_id", "idx", name=op.f("pk_result_rows")),
    )
    op.execute(MOVE_ROWS)
    op.drop_table("results")
    # Indexes after the copy: building one over the rows is cheaper than maintaining it per row.
    op.create_index("ix_result_rows_job_id_score", "result_rows", ["job_id", "score"])
    op.create_index("ix_result_rows_job_id_status_idx", "result_rows", ["job_id", "status", "idx"])
    op.create_index("ix_result_rows_doc_id", "result_rows", ["doc_id"])
    op.execute(RESULTS_VIEW)
    for column, default in VIEW_DEFAULTS.items():
        op.execute(f"ALTER VIEW results ALTER COLUMN {column} SET DEFAULT {default}")
    op.execute(VIEW_WRITES)
    _recreate_reporting_views()
    op.execute(JOB_SUMMARY.format(replace="OR REPLACE", reused=",\n  j.reused"))
    for target, text in NEW_COMMENTS.items():
        op.execute(f"COMMENT ON {target} IS '{text}'")


def downgrade() -> None:
    for view in DEPENDENT_VIEWS:
        op.execute(f"DROP VIEW {view}")
    op.execute("DROP VIEW results")
    op.execute("DROP FUNCTION results_view_write()")
    op.create_table(
        "results",
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("smiles", sa.Text(), nullable=False),
        *_derived_columns(),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        _created_at(),
        sa.CheckConstraint("status IN ('success', 'error')", name=op.f("ck_results_status")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_results_job_id_jobs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "idx", name=op.f("pk_results")),
    )
    op.execute(LZ4_IF_AVAILABLE.format(table="results"))
    op.execute(MOVE_BACK)
    op.drop_table("result_rows")
    op.drop_table("result_docs")
    op.create_index("ix_results_job_id_score", "results", ["job_id", "score"])
    op.create_index("ix_results_job_id_status_idx", "results", ["job_id", "status", "idx"])
    _recreate_reporting_views()
    op.execute("DROP VIEW job_summary")
    op.execute(JOB_SUMMARY.format(replace="", reused=""))
    op.execute("COMMENT ON VIEW job_summary IS"
               " 'One row per job: file, status, counts, queue wait, processing time and rate.'")
    for column, text in (("queued_seconds", "Upload to the first stored result."),
                         ("duration_seconds", "First stored result to the end (to now while running)."),
                         ("molecules_per_second", "Processed molecules per second of duration."),
                         ("avg_validation_score", "From the stored statistics (set when the job completes).")):
        op.execute(f"COMMENT ON COLUMN job_summary.{column} IS '{text}'")
    op.drop_column("jobs", "reused")
