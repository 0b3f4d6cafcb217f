"""Cheaper bulk writes: no foreign key on upload records, lz4 for result detail.

Revision ID: 0005
Revises: 0004

job_inputs is only ever written by the upload's COPY, in the same transaction that inserts the job
row, and only deleted by the purge, which removes a job's child rows before the job row. The
foreign key therefore guarded nothing, and its per-row check was most of the COPY's cost: a
million records took 12-17 s with it and 4-5 s without (bench/bench_writes.py).

results.detail (the full audit as JSONB, ~9 kB before compression) is TOASTed on every insert;
lz4 compresses it for 20-30% less PostgreSQL CPU than the default pglz. A server built without lz4
(some embedded builds) keeps pglz: the statement is skipped there and nothing else depends on it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LZ4_IF_AVAILABLE = """
DO $$
BEGIN
  ALTER TABLE results ALTER COLUMN detail SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this PostgreSQL has no lz4: results.detail keeps pglz';
END $$
"""


def upgrade() -> None:
    op.drop_constraint("fk_job_inputs_job_id_jobs", "job_inputs", type_="foreignkey")
    op.execute(LZ4_IF_AVAILABLE)


def downgrade() -> None:
    op.execute("ALTER TABLE results ALTER COLUMN detail SET COMPRESSION default")
    op.execute("DELETE FROM job_inputs i WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = i.job_id)")
    op.create_foreign_key("fk_job_inputs_job_id_jobs", "job_inputs", "jobs", ["job_id"], ["id"],
                          ondelete="CASCADE")
