"""The schema: every table as SQLAlchemy Core, with a naming convention for constraints."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

JOB_STATUSES = ("processing", "complete", "failed", "cancelled")
# A job's weight within its owner's share of the workers (docs/architecture.md, Scheduling).
PRIORITY_WEIGHTS = {"low": 1, "normal": 2, "high": 4}
TERMINAL_STATUSES = frozenset({"complete", "failed", "cancelled"})
NOTIFY_CHANNEL = "chemaudit_progress"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_status_check = "status IN ('processing', 'complete', 'failed', 'cancelled')"


def _now() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


def _result_columns() -> list[Column]:
    """The columns derived from an audit result, kept on both result_docs and result_rows."""
    return [
        Column("status", Text, nullable=False),
        Column("error", Text, nullable=True),
        Column("score", SmallInteger, nullable=True),
        Column("canonical_smiles", Text, nullable=True),
        Column("inchikey", Text, nullable=True),
        Column("qed", Float, nullable=True),
        Column("sa_score", Float, nullable=True),
        Column("ml_score", Float, nullable=True),
        Column("lipinski_passed", Boolean, nullable=True),
        Column("issue_count", SmallInteger, nullable=False, server_default="0"),
        Column("alert_count", SmallInteger, nullable=False, server_default="0"),
        Column("failed_checks", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
        Column("alert_catalogs", ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")),
    ]


def _scaffold() -> Column:
    """The scaffold of canonical_smiles, computed at audit (migration 0011, so it comes last)."""
    return Column("scaffold", Text, nullable=True,
                  comment="Bemis-Murcko scaffold of canonical_smiles ('': no rings), computed at audit;"
                          " NULL: not computed (error, stored before migration 0011).")


jobs = Table(
    "jobs",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("status", Text, nullable=False, server_default="processing"),
    Column("filename", Text, nullable=False),
    Column("format", Text, nullable=False),
    Column("compressed", Boolean, nullable=False, server_default=text("false")),
    Column("upload_bytes", BigInteger, nullable=False, server_default="0"),
    Column("options", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("owner", Text, nullable=True),
    Column("total", Integer, nullable=False),
    Column("processed", Integer, nullable=False, server_default="0"),
    Column("errors", Integer, nullable=False, server_default="0"),
    Column("chunk_count", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False, server_default="0"),
    Column("last_event_at", DateTime(timezone=True), nullable=True),
    _now(),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("statistics", JSONB, nullable=True),
    Column("reused", Integer, nullable=False, server_default="0"),  # results taken from the cache
    Column("priority", Text, nullable=False, server_default="normal"),
    Column("sched_pass", Float, nullable=True),  # stride-scheduling pass within the owner's jobs
    Column("last_claim_at", DateTime(timezone=True), nullable=True),
    Column("parent_job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True,
           comment="The job whose molecules this subset job (revalidate, rescore) re-runs."),
    CheckConstraint(_status_check, name="status"),
    CheckConstraint("priority IN ('low', 'normal', 'high')", name="priority"),
    CheckConstraint("processed >= 0 AND processed <= total", name="processed_in_range"),
    Index(None, "created_at"),
    Index(None, "status", "created_at"),
    Index("ix_jobs_parent_job_id", "parent_job_id", postgresql_where=text("parent_job_id IS NOT NULL")),
)

# No foreign key: written only by the upload's COPY next to its job row, deleted only by the
# purge before the job row; the per-row check was most of the COPY's cost (migration 0005).
job_inputs = Table(
    "job_inputs",
    metadata,
    Column("job_id", UUID(as_uuid=True), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("error", Text, nullable=True),
)

chunks = Table(
    "chunks",
    metadata,
    Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("chunk_no", Integer, primary_key=True),
    Column("start_idx", Integer, nullable=False),
    Column("end_idx", Integer, nullable=False),
    Column("done", Boolean, nullable=False, server_default=text("false")),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("enqueued_at", DateTime(timezone=True), nullable=True),
    Column("touched_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text, nullable=True),
    Column("lease_until", DateTime(timezone=True), nullable=True),  # a claim, renewed by each commit
    Column("retry_after", DateTime(timezone=True), nullable=True),  # backoff after a failed run
    Column("failures", Integer, nullable=False, server_default="0"),  # runs that raised
    Index("ix_chunks_open", "job_id", "chunk_no", postgresql_where=text("NOT done")),
    Index("ix_chunks_leased", "job_id", postgresql_where=text("NOT done AND lease_until IS NOT NULL")),
)

# One row per distinct result document (the audit of one input under one engine version and one
# set of options), shared by every result row that has that result. `cache_key` is NULL for a
# result that must never be reused (a crash, a timeout, a reuse=false job's own copy, a row
# written through the `results` view); `engine_version` is NULL for rows migrated from 0006.
result_docs = Table(
    "result_docs",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("cache_key", LargeBinary, nullable=True, unique=True),
    Column("engine_version", Text, nullable=True),
    *_result_columns(),
    Column("detail", JSONB, nullable=False),
    _now(),
    _scaffold(),
    CheckConstraint("status IN ('success', 'error')", name="status"),
    comment="Each distinct audit result once (cache_key: engine version, options, input).",
)

# One row per molecule of a job: the per-record fields, a copy of the filterable columns (so
# filters and sorts stay on one table and its indexes) and the document holding the detail.
# The view `results` (migration 0007) joins the two and is what every reader uses.
result_rows = Table(
    "result_rows",
    metadata,
    Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("smiles", Text, nullable=False),
    *_result_columns(),
    Column("doc_id", BigInteger, ForeignKey("result_docs.id"), nullable=False),
    _now(),
    Column("profile", JSONB, nullable=True,
           comment="The job profile's block for this molecule: score and per-property breakdown."),
    _scaffold(),
    CheckConstraint("status IN ('success', 'error')", name="status"),
    Index(None, "job_id", "score"),
    Index(None, "job_id", "status", "idx"),
    Index(None, "doc_id"),
    comment="One row per molecule of a job; doc_id is its result document.",
)

job_events = Table(
    "job_events",
    metadata,
    Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("status", Text, nullable=False),
    Column("processed", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("eta_seconds", Integer, nullable=False),
    Column("error_message", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(_status_check, name="status"),
)

# ChemAudit's desirability profiles (migration 0008): presets (ids 1-8, read-only) and users' own.
scoring_profiles = Table(
    "scoring_profiles",
    metadata,
    Column("id", Integer, Identity(always=False), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("thresholds", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("weights", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("is_preset", Boolean, nullable=False, server_default=text("false")),
    Column("is_active", Boolean, nullable=False, server_default=text("true")),
    Column("owner", Text, nullable=True),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="name_length"),
    comment="Desirability profiles: a range and a weight per property; presets are read-only.",
)

import chemaudit.db.notify_schema  # noqa: E402,F401  the notification tables (migration 0009)
from chemaudit.db import analytics_schema  # noqa: E402,F401  (registers the analytics tables on metadata)
