"""Notifications: each job's targets, a durable outbox filled by a trigger, every attempt.

Revision ID: 0009
Revises: 0007

`notification_targets` is written with the job at upload (the upload's webhook and email, the
service-wide ones). When the job's row moves from `processing` to a terminal status, an AFTER
UPDATE trigger inserts one `notification_outbox` row per target, in the transaction of that
transition: a transition that commits always has its deliveries, one that rolls back has none,
and the unique (job_id, transition, channel, target) makes a second insert a no-op. Senders in
the worker processes claim due rows with FOR UPDATE SKIP LOCKED and log each try in
`notification_attempts`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE_FUNCTION = """
CREATE FUNCTION chemaudit_queue_notifications() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO notification_outbox (job_id, transition, channel, target)
  SELECT NEW.id, NEW.status, t.channel, t.target FROM notification_targets t WHERE t.job_id = NEW.id
  ON CONFLICT (job_id, transition, channel, target) DO NOTHING;
  RETURN NULL;
END $$;
"""

# WHEN keeps the trigger off every progress UPDATE: it fires only on the one terminal transition.
QUEUE_TRIGGER = """
CREATE TRIGGER jobs_queue_notifications AFTER UPDATE OF status ON jobs
FOR EACH ROW WHEN (OLD.status = 'processing' AND NEW.status IN ('complete', 'failed', 'cancelled'))
EXECUTE FUNCTION chemaudit_queue_notifications();
"""

CHANNEL = "channel IN ('webhook', 'email')"


def upgrade() -> None:
    op.create_table(
        "notification_targets",
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.CheckConstraint(CHANNEL, name=op.f("ck_notification_targets_channel")),
        sa.CheckConstraint("source IN ('upload', 'service')", name=op.f("ck_notification_targets_source")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_notification_targets_job_id_jobs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "channel", "target", name=op.f("pk_notification_targets")),
    )
    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=False),
        sa.Column("transition", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("transition IN ('complete', 'failed', 'cancelled')",
                           name=op.f("ck_notification_outbox_transition")),
        sa.CheckConstraint(CHANNEL, name=op.f("ck_notification_outbox_channel")),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name=op.f("ck_notification_outbox_status")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_notification_outbox_job_id_jobs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("job_id", "transition", "channel", "target",
                            name=op.f("uq_notification_outbox_job_id_transition_channel_target")),
    )
    op.create_index("ix_notification_outbox_due", "notification_outbox", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "notification_attempts",
        sa.Column("outbox_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["outbox_id"], ["notification_outbox.id"],
                                name=op.f("fk_notification_attempts_outbox_id_notification_outbox"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outbox_id", "attempt", name=op.f("pk_notification_attempts")),
    )
    op.execute(QUEUE_FUNCTION)
    op.execute(QUEUE_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS jobs_queue_notifications ON jobs")
    op.execute("DROP FUNCTION IF EXISTS chemaudit_queue_notifications()")
    op.drop_table("notification_attempts")
    op.drop_index("ix_notification_outbox_due", table_name="notification_outbox")
    op.drop_table("notification_outbox")
    op.drop_table("notification_targets")
