"""The notification tables (migration 0009), on the schema's one metadata.

`notification_targets` holds who a job tells (written with the job at upload);
`notification_outbox` one delivery per (job, terminal transition, channel, target), inserted
by a trigger on the job's terminal UPDATE, so in that transaction and exactly once; and
`notification_attempts` every try of a delivery (started, finished, status code or error).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from chemaudit.db.schema import metadata

_channel_check = "channel IN ('webhook', 'email')"


def _job_id(primary_key: bool) -> Column:
    return Column("job_id", UUID(as_uuid=True), ForeignKey("jobs.id", ondelete="CASCADE"),
                  primary_key=primary_key, nullable=False)


notification_targets = Table(
    "notification_targets",
    metadata,
    _job_id(primary_key=True),
    Column("channel", Text, primary_key=True),
    Column("target", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("secret", Text, nullable=True),  # an upload's own webhook secret; NULL: the service's
    CheckConstraint(_channel_check, name="channel"),
    CheckConstraint("source IN ('upload', 'service')", name="source"),
)

notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("id", BigInteger, Identity(always=False), primary_key=True),
    _job_id(primary_key=False),
    Column("transition", Text, nullable=False),  # the terminal status the job moved to
    Column("channel", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True, server_default=func.now()),
    Column("body", Text, nullable=True),  # the payload as first sent, resent byte for byte
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("transition IN ('complete', 'failed', 'cancelled')", name="transition"),
    CheckConstraint(_channel_check, name="channel"),
    CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
    UniqueConstraint("job_id", "transition", "channel", "target"),
    Index("ix_notification_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
)

notification_attempts = Table(
    "notification_attempts",
    metadata,
    Column("outbox_id", BigInteger, ForeignKey("notification_outbox.id", ondelete="CASCADE"),
           primary_key=True),
    Column("attempt", Integer, primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),  # NULL: the sender stopped mid-way
    Column("status_code", Integer, nullable=True),  # HTTP status, or the SMTP server's reply code
    Column("error", Text, nullable=True),
)
