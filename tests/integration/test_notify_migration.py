"""Migration 0009 against real PostgreSQL: it reverses and reapplies, and without it a job still ends."""

from __future__ import annotations

import uuid

import psycopg

from chemaudit.db import migrate

TABLES = ("notification_targets", "notification_outbox", "notification_attempts")


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'notification_%'").fetchall()
    return {r[0] for r in rows}


def _end_a_job_with_a_target(url: str, with_target: bool) -> int:
    """Insert a job (with one webhook target if asked), cancel it; the deliveries it queued."""
    job = uuid.uuid4()
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO jobs (id, filename, format, total, chunk_count) VALUES (%s, 'm.smi', 'smiles', 1, 1)",
                     (job,))
        if with_target:
            conn.execute("INSERT INTO notification_targets (job_id, channel, target, source)"
                         " VALUES (%s, 'webhook', 'https://example.org/h', 'upload')", (job,))
        conn.execute("UPDATE jobs SET status = 'cancelled' WHERE id = %s", (job,))
        if not with_target:
            return 0
        return conn.execute("SELECT count(*) FROM notification_outbox WHERE job_id = %s", (job,)).fetchone()[0]


def test_0009_reverses_and_reapplies(fresh_database):
    assert _tables(fresh_database) == set(TABLES)
    assert _end_a_job_with_a_target(fresh_database, with_target=True) == 1
    migrate.downgrade(fresh_database, "0008")  # 0009 and what came after it
    assert _tables(fresh_database) == set()
    _end_a_job_with_a_target(fresh_database, with_target=False)  # no trigger left behind to fail
    migrate.upgrade(fresh_database)
    migrate.check(fresh_database)
    assert _end_a_job_with_a_target(fresh_database, with_target=True) == 1
