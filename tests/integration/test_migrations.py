"""The migrations against a real PostgreSQL: models match, every step reverses, 0005's and 0007's effects."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

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
    assert foreign_keys(fresh_database, "result_rows") == ["fk_result_rows_doc_id_result_docs",
                                                           "fk_result_rows_job_id_jobs"]
    expected = "l" if lz4_available(fresh_database) else ""
    assert column_compression(fresh_database, "result_docs", "detail") == expected


def test_0005_reverses_and_reapplies(fresh_database):
    migrate.downgrade(fresh_database, "0004")
    assert foreign_keys(fresh_database, "job_inputs") == ["fk_job_inputs_job_id_jobs"]
    assert column_compression(fresh_database, "results", "detail") == ""
    migrate.upgrade(fresh_database)
    assert foreign_keys(fresh_database, "job_inputs") == []
    migrate.check(fresh_database)


ROWS_AT_0006 = [  # (idx, name, smiles, status, error, score, failed_checks, detail)
    (0, "aspirin", "CC(=O)Oc1ccccc1C(=O)O", "success", None, 95, ["undefined_stereocenters"],
     '{"validation": {"overall_score": 95}, "alerts": null, "scoring": null, "standardization": null}'),
    (1, "bad", "C1CC", "error", "unclosed ring", None, [],
     '{"validation": null, "alerts": null, "scoring": null, "standardization": null}'),
]
COMPARED = ("SELECT idx, name, smiles, status, error, score, failed_checks, detail, created_at"
            " FROM results ORDER BY idx")


def _rows(url: str) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(COMPARED).fetchall()


def test_0007_moves_each_result_into_a_document_reverses_and_reapplies(fresh_database):
    migrate.downgrade(fresh_database, "0006")
    with psycopg.connect(fresh_database) as conn:
        job = conn.execute("INSERT INTO jobs (id, status, filename, format, total, processed, chunk_count)"
                           " VALUES (gen_random_uuid(), 'complete', 'm.smi', 'smiles', 2, 2, 1)"
                           " RETURNING id").fetchone()[0]
        for idx, name, smiles, status, error, score, checks, detail in ROWS_AT_0006:
            conn.execute("INSERT INTO results (job_id, idx, name, smiles, status, error, score, failed_checks,"
                         " detail) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)",
                         (job, idx, name, smiles, status, error, score, checks, detail))
    before = _rows(fresh_database)
    migrate.upgrade(fresh_database)
    assert _rows(fresh_database) == before  # the view shows every row exactly as the table held it
    with psycopg.connect(fresh_database) as conn:
        docs = conn.execute("SELECT count(*), count(cache_key) FROM result_docs").fetchone()
        assert docs == (2, 0)  # one document per old row, none of them reusable
        distinct = conn.execute("SELECT count(DISTINCT doc_id) FROM result_rows").fetchone()[0]
        assert distinct == 2
    migrate.downgrade(fresh_database, "0006")
    assert _rows(fresh_database) == before
    assert foreign_keys(fresh_database, "results") == ["fk_results_job_id_jobs"]
    migrate.upgrade(fresh_database)
    assert _rows(fresh_database) == before
    migrate.check(fresh_database)


def test_the_results_view_stays_writable(fresh_database):
    """Tools that wrote `results` directly still can: each row written gets a document of its own."""
    with psycopg.connect(fresh_database) as conn:
        job = conn.execute("INSERT INTO jobs (id, filename, format, total, chunk_count)"
                           " VALUES (gen_random_uuid(), 'm.smi', 'smiles', 3, 1) RETURNING id").fetchone()[0]
        conn.execute("INSERT INTO results (job_id, idx, name, smiles, status, detail)"
                     " SELECT %s, g, 'm' || g, 'CCO', 'success', '{\"g\": 1}' FROM generate_series(0, 2) g", (job,))
        conn.execute("UPDATE results SET name = 'renamed' WHERE job_id = %s AND idx = 0", (job,))
        conn.execute("UPDATE results SET detail = '{\"g\": 2}' WHERE job_id = %s AND idx = 1", (job,))
        conn.execute("DELETE FROM results WHERE job_id = %s AND idx = 2", (job,))
        rows = conn.execute("SELECT idx, name, detail, issue_count, failed_checks FROM results"
                            " WHERE job_id = %s ORDER BY idx", (job,)).fetchall()
        assert rows == [(0, "renamed", {"g": 1}, 0, []), (1, "m1", {"g": 2}, 0, [])]
        assert conn.execute("SELECT count(*) FROM result_rows").fetchone()[0] == 2
        # three documents inserted and one more for the changed detail; none of them reusable
        assert conn.execute("SELECT count(*), count(cache_key) FROM result_docs").fetchone() == (4, 0)
