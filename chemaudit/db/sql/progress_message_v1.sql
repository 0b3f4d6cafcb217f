-- The progress message, version 1: loaded by migration 0002. Never edit this file (see
-- chemaudit/db/sql/__init__.py); its fields are described in chemaudit/progress_fields.py.
--
-- Built from one job_events row, by the NOTIFY trigger and by the snapshot queries alike, so a
-- live message and a snapshot of the same event are identical. jsonb sorts keys by length, so
-- chemaudit.progress.progress_message puts them in their documented order.
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
