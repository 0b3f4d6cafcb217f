"""Migration 0011 against real PostgreSQL: the stored scaffold column, writes through the view, reversal."""

from __future__ import annotations

import psycopg

from chemaudit.db import migrate

# Aspirin's canonical SMILES and its scaffold; ethanol has no rings.
ASPIRIN, BENZENE = "CC(=O)Oc1ccccc1C(=O)O", "c1ccccc1"


def _columns(url: str, relation: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
                            " AND NOT attisdropped ORDER BY attnum", (relation,)).fetchall()
    return [r[0] for r in rows]


def _job(conn) -> str:
    return conn.execute("INSERT INTO jobs (id, filename, format, total, chunk_count)"
                        " VALUES (gen_random_uuid(), 'm.smi', 'smiles', 2, 1) RETURNING id").fetchone()[0]


def test_writes_through_the_view_keep_the_scaffold_and_never_leave_a_stale_one(fresh_database):
    assert _columns(fresh_database, "results")[-1] == "scaffold"
    with psycopg.connect(fresh_database) as conn:
        job = _job(conn)
        conn.execute("INSERT INTO results (job_id, idx, name, smiles, status, canonical_smiles, scaffold, detail)"
                     " VALUES (%s, 0, 'a', %s, 'success', %s, %s, '{}'), (%s, 1, 'b', %s, 'success', %s, %s, '{}')",
                     (job, ASPIRIN, ASPIRIN, BENZENE, job, ASPIRIN, ASPIRIN, BENZENE))
        conn.execute("UPDATE results SET name = 'renamed' WHERE job_id = %s AND idx = 0", (job,))
        conn.execute("UPDATE results SET canonical_smiles = 'CCO' WHERE job_id = %s AND idx = 1", (job,))
        rows = conn.execute("SELECT idx, scaffold FROM result_rows WHERE job_id = %s ORDER BY idx", (job,)).fetchall()
        assert rows == [(0, BENZENE), (1, None)]  # the changed structure's is cleared
        assert conn.execute("SELECT count(*) FROM result_docs WHERE scaffold = %s", (BENZENE,)).fetchone() == (2,)
        conn.execute("UPDATE results SET canonical_smiles = %s, scaffold = %s WHERE job_id = %s AND idx = 1",
                     (ASPIRIN, BENZENE, job))
        assert conn.execute("SELECT scaffold FROM results WHERE job_id = %s AND idx = 1", (job,)).fetchone() == (BENZENE,)


def test_0011_reverses_and_reapplies(fresh_database):
    migrate.downgrade(fresh_database, "0010")
    for relation in ("result_rows", "result_docs", "results"):
        assert "scaffold" not in _columns(fresh_database, relation)
    assert _columns(fresh_database, "results")[-1] == "profile_score"
    with psycopg.connect(fresh_database) as conn:  # the view is writable as 0008 left it
        job = _job(conn)
        conn.execute("INSERT INTO results (job_id, idx, name, smiles, status, canonical_smiles, detail)"
                     " VALUES (%s, 0, 'a', %s, 'success', %s, '{}')", (job, ASPIRIN, ASPIRIN))
        conn.execute("UPDATE results SET canonical_smiles = 'CCO' WHERE job_id = %s", (job,))
        assert conn.execute("SELECT count(*) FROM failed_checks_daily").fetchone() == (0,)
    migrate.upgrade(fresh_database)
    migrate.check(fresh_database)
    with psycopg.connect(fresh_database) as conn:
        assert conn.execute("SELECT canonical_smiles, scaffold FROM results").fetchall() == [("CCO", None)]
