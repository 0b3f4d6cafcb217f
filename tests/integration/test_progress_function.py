"""The migrated database's progress function is the latest versioned SQL file, and builds the described fields."""

from __future__ import annotations

import uuid

import psycopg

from chemaudit.db.sql import load
from chemaudit.progress_fields import MESSAGE_FIELDS, SQL_VERSION


def test_the_database_runs_the_latest_progress_sql_file(database_url):
    with psycopg.connect(database_url) as conn:
        source = conn.execute("SELECT prosrc FROM pg_proc WHERE proname = 'chemaudit_progress_json'").fetchone()[0]
    assert source == load(f"progress_message_v{SQL_VERSION}").split("$$")[1]


def test_an_event_becomes_a_message_with_exactly_the_described_fields(database_url):
    job_id = uuid.uuid4()
    with psycopg.connect(database_url) as conn:
        conn.execute("INSERT INTO jobs (id, filename, format, total, chunk_count) VALUES (%s, 'm.smi', 'smiles', 8, 1)",
                     (job_id,))
        conn.execute("INSERT INTO job_events (job_id, seq, status, processed, total, eta_seconds)"
                     " VALUES (%s, 1, 'processing', 3, 8, 12)", (job_id,))
        message = conn.execute("SELECT chemaudit_progress_json(e) FROM job_events e WHERE e.job_id = %s",
                               (job_id,)).fetchone()[0]
    assert set(message) == set(MESSAGE_FIELDS)
    assert message == {"job_id": str(job_id), "status": "processing", "progress": 37.5, "processed": 3,
                       "total": 8, "eta_seconds": 12, "seq": 1, "error_message": None}
