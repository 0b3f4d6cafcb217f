"""The migrations against a real PostgreSQL: models match, every step reverses, 0005's effects."""

from __future__ import annotations

import psycopg

from chemaudit.db import migrate


def column_compression(url: str, table: str, column: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = %s::regclass AND attname = %s",
            (table, column)).fetchone()[0]


def foreign_keys(url: str, table: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                            (table,)).fetchall()
    return sorted(r[0] for r in rows)


def lz4_available(url: str) -> bool:
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE probe (t text COMPRESSION pglz)")
        try:
            conn.execute("ALTER TABLE probe ALTER COLUMN t SET COMPRESSION lz4")
        except psycopg.errors.FeatureNotSupported:
            return False
    return True


def test_the_models_match_the_migrated_database(fresh_database):
    migrate.check(fresh_database)


def test_upload_records_have_no_foreign_key_and_detail_uses_lz4_where_available(fresh_database):
    assert foreign_keys(fresh_database, "job_inputs") == []
    assert foreign_keys(fresh_database, "results") == ["fk_results_job_id_jobs"]
    expected = "l" if lz4_available(fresh_database) else ""
    assert column_compression(fresh_database, "results", "detail") == expected


def test_0005_reverses_and_reapplies(fresh_database):
    migrate.downgrade(fresh_database, "0004")
    assert foreign_keys(fresh_database, "job_inputs") == ["fk_job_inputs_job_id_jobs"]
    assert column_compression(fresh_database, "results", "detail") == ""
    migrate.upgrade(fresh_database)
    assert foreign_keys(fresh_database, "job_inputs") == []
    migrate.check(fresh_database)
