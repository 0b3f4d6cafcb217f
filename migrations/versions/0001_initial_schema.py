"""Initial schema.

Revision ID: 0001
Revises:
Tables for jobs, their inputs, chunks, per-molecule results and progress events.

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('jobs',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('status', sa.Text(), server_default='processing', nullable=False),
    sa.Column('filename', sa.Text(), nullable=False),
    sa.Column('format', sa.Text(), nullable=False),
    sa.Column('compressed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('upload_bytes', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('owner', sa.Text(), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('errors', sa.Integer(), server_default='0', nullable=False),
    sa.Column('chunk_count', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_event_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('statistics', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.CheckConstraint("status IN ('processing', 'complete', 'failed', 'cancelled')", name=op.f('ck_jobs_status')),
    sa.CheckConstraint('processed >= 0 AND processed <= total', name=op.f('ck_jobs_processed_in_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_index(op.f('ix_jobs_created_at'), 'jobs', ['created_at'], unique=False)
    op.create_index(op.f('ix_jobs_status_created_at'), 'jobs', ['status', 'created_at'], unique=False)
    op.create_table('chunks',
    sa.Column('job_id', sa.UUID(), nullable=False),
    sa.Column('chunk_no', sa.Integer(), nullable=False),
    sa.Column('start_idx', sa.Integer(), nullable=False),
    sa.Column('end_idx', sa.Integer(), nullable=False),
    sa.Column('done', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('touched_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_chunks_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'chunk_no', name=op.f('pk_chunks'))
    )
    op.create_index('ix_chunks_pending', 'chunks', ['touched_at'], unique=False, postgresql_where=sa.text('NOT done'))
    op.create_table('job_events',
    sa.Column('job_id', sa.UUID(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('eta_seconds', sa.Integer(), nullable=False),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('processing', 'complete', 'failed', 'cancelled')", name=op.f('ck_job_events_status')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_events_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'seq', name=op.f('pk_job_events'))
    )
    op.create_table('job_inputs',
    sa.Column('job_id', sa.UUID(), nullable=False),
    sa.Column('idx', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_inputs_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'idx', name=op.f('pk_job_inputs'))
    )
    op.create_table('results',
    sa.Column('job_id', sa.UUID(), nullable=False),
    sa.Column('idx', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('smiles', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('score', sa.SmallInteger(), nullable=True),
    sa.Column('canonical_smiles', sa.Text(), nullable=True),
    sa.Column('inchikey', sa.Text(), nullable=True),
    sa.Column('qed', sa.Float(), nullable=True),
    sa.Column('sa_score', sa.Float(), nullable=True),
    sa.Column('ml_score', sa.Float(), nullable=True),
    sa.Column('lipinski_passed', sa.Boolean(), nullable=True),
    sa.Column('issue_count', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('alert_count', sa.SmallInteger(), server_default='0', nullable=False),
    sa.Column('failed_checks', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('alert_catalogs', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('success', 'error')", name=op.f('ck_results_status')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_results_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'idx', name=op.f('pk_results'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('results')
    op.drop_table('job_inputs')
    op.drop_table('job_events')
    op.drop_index('ix_chunks_pending', table_name='chunks', postgresql_where=sa.text('NOT done'))
    op.drop_table('chunks')
    op.drop_index(op.f('ix_jobs_status_created_at'), table_name='jobs')
    op.drop_index(op.f('ix_jobs_created_at'), table_name='jobs')
    op.drop_table('jobs')
