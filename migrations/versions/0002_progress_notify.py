"""Progress NOTIFY trigger on job_events.

Revision ID: 0002
Revises: 0001

The progress message is built by one SQL function, used both by the trigger and by the snapshot
query, so a live message and a snapshot of the same event are identical. Its text is the
versioned file chemaudit/db/sql/progress_message_v1.sql; a later message version is a new file
and a new migration loading it.
"""

from collections.abc import Sequence

from alembic import op

from chemaudit.db.sql import load

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROGRESS_FUNCTION = load("progress_message_v1")  # chemaudit_progress_json(job_events)

NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION chemaudit_notify_progress() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('chemaudit_progress', chemaudit_progress_json(NEW)::text);
  RETURN NULL;
END
$$;
"""

TRIGGER = """
CREATE TRIGGER job_events_notify AFTER INSERT ON job_events
FOR EACH ROW EXECUTE FUNCTION chemaudit_notify_progress();
"""


def upgrade() -> None:
    op.execute(PROGRESS_FUNCTION)
    op.execute(NOTIFY_FUNCTION)
    op.execute(TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS job_events_notify ON job_events")
    op.execute("DROP FUNCTION IF EXISTS chemaudit_notify_progress()")
    op.execute("DROP FUNCTION IF EXISTS chemaudit_progress_json(job_events)")
