"""Progress NOTIFY trigger on job_events.

Revision ID: 0002
Revises: 0001

The progress message is built by one SQL function, used both by the trigger and by the snapshot
query, so a live message and a snapshot of the same event are identical.
"""

from typing import Sequence, Union

from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PROGRESS_FUNCTION = """
CREATE OR REPLACE FUNCTION chemaudit_progress_json(e job_events) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object(
    'job_id', e.job_id,
    'status', e.status,
    'progress', CASE WHEN e.total > 0
                     THEN round(100.0 * e.processed / e.total, 2)::float8 ELSE 0::float8 END,
    'processed', e.processed,
    'total', e.total,
    'eta_seconds', e.eta_seconds,
    'seq', e.seq,
    'error_message', e.error_message)
$$;
"""

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
