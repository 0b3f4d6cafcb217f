"""Fair scheduling: chunk leases and failures apart from deliveries, job priority and share.

Revision ID: 0006
Revises: 0005

Workers no longer run the chunk their message names: a message is a token for one chunk of
work, and the worker claims the fairest claimable chunk of any running job (across owners,
then across an owner's jobs, weighted by priority). A claim is a lease (`lease_until`) renewed
by every batch commit; an expired lease makes the chunk claimable again. `attempts` keeps
counting claims; `failures` counts runs that raised, and `retry_after` holds a failed chunk
back for a short backoff.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("priority", sa.Text(), server_default="normal", nullable=False))
    op.add_column("jobs", sa.Column("sched_pass", sa.Float(), nullable=True))
    op.add_column("jobs", sa.Column("last_claim_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint("priority", "jobs", "priority IN ('low', 'normal', 'high')")
    op.add_column("chunks", sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("chunks", sa.Column("retry_after", sa.DateTime(timezone=True), nullable=True))
    op.add_column("chunks", sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
    op.drop_index("ix_chunks_pending", table_name="chunks")
    op.create_index("ix_chunks_open", "chunks", ["job_id", "chunk_no"], postgresql_where=sa.text("NOT done"))
    op.create_index("ix_chunks_leased", "chunks", ["job_id"],
                    postgresql_where=sa.text("NOT done AND lease_until IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_chunks_leased", table_name="chunks")
    op.drop_index("ix_chunks_open", table_name="chunks")
    op.create_index("ix_chunks_pending", "chunks", ["touched_at"], postgresql_where=sa.text("NOT done"))
    op.drop_column("chunks", "failures")
    op.drop_column("chunks", "retry_after")
    op.drop_column("chunks", "lease_until")
    op.drop_constraint("priority", "jobs", type_="check")
    op.drop_column("jobs", "last_claim_at")
    op.drop_column("jobs", "sched_pass")
    op.drop_column("jobs", "priority")
