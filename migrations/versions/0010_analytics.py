"""Batch analytics as durable runs: run rows, per-molecule result tables, fingerprints, NOTIFY.

Revision ID: 0010
Revises: 0007

Every analysis of a job is a row of `analytics_runs` (type, params, status pending / running /
complete / failed with a reason, progress counters, a lease for the worker running it); its
results are rows of the tables below, deleted with the run, and runs are deleted with their job.
A change of a run's `seq` sends its progress message on channel `chemaudit_analytics`, built
by one SQL function that the snapshot query uses too (the batch channel is untouched).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPES = "'scaffold', 'chemical_space', 'mmp', 'similarity_search', 'rgroup', 'clustering', 'taxonomy', 'mcs'"

MESSAGE_FUNCTION = """
CREATE OR REPLACE FUNCTION chemaudit_analytics_json(r analytics_runs) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'type', 'analytics',
    'run_id', r.id,
    'job_id', r.job_id,
    'analysis_type', r.type,
    'status', r.status,
    'progress', CASE WHEN r.status = 'complete' THEN 100::float8
                     WHEN r.total > 0 THEN round(100.0 * least(r.processed, r.total) / r.total, 2)::float8
                     ELSE 0::float8 END,
    'processed', r.processed,
    'total', r.total,
    'seq', r.seq,
    'error', left(r.error, 1000))
$$;
"""

NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION chemaudit_notify_analytics() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.seq <> OLD.seq THEN
    PERFORM pg_notify('chemaudit_analytics', chemaudit_analytics_json(NEW)::text);
  END IF;
  RETURN NULL;
END
$$;
"""


def _run_fk() -> sa.Column:
    return sa.Column("run_id", sa.BigInteger(), sa.ForeignKey("analytics_runs.id", ondelete="CASCADE"),
                     primary_key=True)


def upgrade() -> None:
    op.create_table(
        "analytics_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("job_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("jobs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("params", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("seq", sa.Integer(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"type IN ({TYPES})", name="type"),
        sa.CheckConstraint("status IN ('pending', 'running', 'complete', 'failed')", name="status"),
        comment="One run of one analysis of a job; summary holds the result as the API shows it.",
    )
    op.create_index("ix_analytics_runs_job_id_type_id", "analytics_runs", ["job_id", "type", "id"])
    op.create_index("ix_analytics_runs_open", "analytics_runs", ["id"],
                    postgresql_where=sa.text("status IN ('pending', 'running')"))
    op.create_table(
        "analytics_fingerprints",
        sa.Column("job_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("jobs.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("idx", sa.Integer(), primary_key=True),
        sa.Column("fp", sa.LargeBinary(), nullable=True),
        sa.Column("bits", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.create_table("analytics_scaffolds", _run_fk(), sa.Column("idx", sa.Integer(), primary_key=True),
                    sa.Column("scaffold", sa.Text(), nullable=False))
    op.create_index("ix_analytics_scaffolds_run_id_scaffold", "analytics_scaffolds", ["run_id", "scaffold"])
    op.create_table("analytics_scaffold_groups", _run_fk(), sa.Column("scaffold", sa.Text(), primary_key=True),
                    sa.Column("generic_scaffold", sa.Text(), nullable=False),
                    sa.Column("count", sa.Integer(), nullable=False))
    op.create_table("analytics_clusters", _run_fk(), sa.Column("idx", sa.Integer(), primary_key=True),
                    sa.Column("cluster_id", sa.Integer(), nullable=False),
                    sa.Column("representative", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.create_index("ix_analytics_clusters_run_id_cluster_id", "analytics_clusters", ["run_id", "cluster_id"])
    op.create_table("analytics_coordinates", _run_fk(), sa.Column("idx", sa.Integer(), primary_key=True),
                    sa.Column("x", sa.Float(), nullable=False), sa.Column("y", sa.Float(), nullable=False))
    op.create_table("analytics_taxonomy", _run_fk(), sa.Column("idx", sa.Integer(), primary_key=True),
                    sa.Column("categories", postgresql.ARRAY(sa.Text()), nullable=False))
    op.create_table("analytics_pairs", _run_fk(), sa.Column("idx_a", sa.Integer(), primary_key=True),
                    sa.Column("idx_b", sa.Integer(), primary_key=True),
                    sa.Column("core", sa.Text(), nullable=False), sa.Column("rgroup_a", sa.Text(), nullable=False),
                    sa.Column("rgroup_b", sa.Text(), nullable=False), sa.Column("tanimoto", sa.Float(), nullable=False))
    op.create_table("analytics_rgroups", _run_fk(), sa.Column("idx", sa.Integer(), primary_key=True),
                    sa.Column("rgroups", postgresql.JSONB(), nullable=False))
    op.execute(MESSAGE_FUNCTION)
    op.execute(NOTIFY_FUNCTION)
    op.execute("CREATE TRIGGER analytics_runs_notify AFTER INSERT OR UPDATE ON analytics_runs"
               " FOR EACH ROW EXECUTE FUNCTION chemaudit_notify_analytics()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS analytics_runs_notify ON analytics_runs")
    op.execute("DROP FUNCTION IF EXISTS chemaudit_notify_analytics()")
    op.execute("DROP FUNCTION IF EXISTS chemaudit_analytics_json(analytics_runs)")
    for table in ("analytics_rgroups", "analytics_pairs", "analytics_taxonomy", "analytics_coordinates",
                  "analytics_clusters", "analytics_scaffold_groups", "analytics_scaffolds",
                  "analytics_fingerprints", "analytics_runs"):
        op.drop_table(table)
