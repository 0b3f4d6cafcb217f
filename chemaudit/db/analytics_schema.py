"""The analytics tables: one row per run of an analysis, its per-molecule results, fingerprints.

A run belongs to a job (deleted with it); every result table belongs to a run (deleted with it),
except the fingerprints, which belong to the job and are shared by every run that needs them.
"""

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
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

from chemaudit.db.schema import metadata

ANALYSIS_TYPES = ("scaffold", "chemical_space", "mmp", "similarity_search", "rgroup", "clustering",
                  "taxonomy", "mcs")
RUN_STATUSES = ("pending", "running", "complete", "failed")
RUN_TERMINAL = frozenset({"complete", "failed"})
ANALYTICS_CHANNEL = "chemaudit_analytics"

_types = ", ".join(f"'{name}'" for name in ANALYSIS_TYPES)
_statuses = ", ".join(f"'{name}'" for name in RUN_STATUSES)


def _run_fk() -> Column:
    return Column("run_id", BigInteger, ForeignKey("analytics_runs.id", ondelete="CASCADE"),
                  primary_key=True)


analytics_runs = Table(
    "analytics_runs",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("type", Text, nullable=False),
    Column("params", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("error", Text, nullable=True),
    Column("processed", Integer, nullable=False, server_default="0"),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("seq", Integer, nullable=False, server_default="0"),  # bumped by every change; the socket's order
    Column("attempts", Integer, nullable=False, server_default="0"),  # claims
    Column("lease_until", DateTime(timezone=True), nullable=True),  # a running claim, renewed with progress
    Column("enqueued_at", DateTime(timezone=True), nullable=True),
    Column("summary", JSONB, nullable=True),  # the API's result document (ChemAudit's shape)
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(f"type IN ({_types})", name="type"),
    CheckConstraint(f"status IN ({_statuses})", name="status"),
    Index(None, "job_id", "type", "id"),
    Index("ix_analytics_runs_open", "id", postgresql_where=text("status IN ('pending', 'running')")),
    comment="One run of one analysis of a job; summary holds the result as the API shows it.",
)

# Morgan fingerprints (radius 2, 2048 bits) of a job's successful results, computed once by the
# first run that needs them. fp NULL: the stored canonical SMILES could not be read back.
analytics_fingerprints = Table(
    "analytics_fingerprints",
    metadata,
    Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("fp", LargeBinary, nullable=True),
    Column("bits", SmallInteger, nullable=False, server_default="0"),
)

analytics_scaffolds = Table(
    "analytics_scaffolds",
    metadata,
    _run_fk(),
    Column("idx", Integer, primary_key=True),
    Column("scaffold", Text, nullable=False),  # '' for a molecule without rings
    Index(None, "run_id", "scaffold"),
)

analytics_scaffold_groups = Table(
    "analytics_scaffold_groups",
    metadata,
    _run_fk(),
    Column("scaffold", Text, primary_key=True),
    Column("generic_scaffold", Text, nullable=False),
    Column("count", Integer, nullable=False),
)

analytics_clusters = Table(
    "analytics_clusters",
    metadata,
    _run_fk(),
    Column("idx", Integer, primary_key=True),
    Column("cluster_id", Integer, nullable=False),
    Column("representative", Boolean, nullable=False, server_default=text("false")),
    Index(None, "run_id", "cluster_id"),
)

analytics_coordinates = Table(
    "analytics_coordinates",
    metadata,
    _run_fk(),
    Column("idx", Integer, primary_key=True),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
)

analytics_taxonomy = Table(
    "analytics_taxonomy",
    metadata,
    _run_fk(),
    Column("idx", Integer, primary_key=True),
    Column("categories", ARRAY(Text), nullable=False),
)

analytics_pairs = Table(
    "analytics_pairs",
    metadata,
    _run_fk(),
    Column("idx_a", Integer, primary_key=True),
    Column("idx_b", Integer, primary_key=True),
    Column("core", Text, nullable=False),
    Column("rgroup_a", Text, nullable=False),
    Column("rgroup_b", Text, nullable=False),
    Column("tanimoto", Float, nullable=False),
)

analytics_rgroups = Table(
    "analytics_rgroups",
    metadata,
    _run_fk(),
    Column("idx", Integer, primary_key=True),
    Column("rgroups", JSONB, nullable=False),
)
