"""Every SQL statement of batch analytics: runs, their claims and progress, results, fingerprints."""

from __future__ import annotations

from uuid import UUID

from psycopg.types.json import Jsonb

from chemaudit.db.queries import Query

RUN_COLUMNS = ("id, job_id, type, params, status, error, processed, total, seq, attempts, summary,"
               " created_at, started_at, finished_at")
RESULT_TABLES = ("analytics_scaffolds", "analytics_scaffold_groups", "analytics_clusters",
                 "analytics_coordinates", "analytics_taxonomy", "analytics_pairs", "analytics_rgroups")


# The web side --------------------------------------------------------------------------------

def analysed_job(job_id: UUID, owner: str | None, check_owner: bool) -> Query:
    """The job's status, if it exists (and is the caller's)."""
    return Query("SELECT status, total FROM jobs WHERE id = %(id)s"
                 " AND (NOT %(check)s OR owner IS NOT DISTINCT FROM %(owner)s)",
                 {"id": job_id, "owner": owner, "check": check_owner})


def matching_run(job_id: UUID, analysis_type: str, params: dict) -> Query:
    """The newest run of the same type and params that is under way or complete."""
    return Query(f"SELECT {RUN_COLUMNS} FROM analytics_runs WHERE job_id = %(job)s AND type = %(type)s"
                 " AND params = %(params)s AND status <> 'failed' ORDER BY id DESC LIMIT 1",
                 {"job": job_id, "type": analysis_type, "params": Jsonb(params)})


def open_runs(job_id: UUID) -> Query:
    return Query("SELECT count(*) AS n FROM analytics_runs WHERE job_id = %(job)s"
                 " AND status IN ('pending', 'running')", {"job": job_id})


def insert_run(job_id: UUID, analysis_type: str, params: dict, total: int) -> Query:
    return Query(f"INSERT INTO analytics_runs (job_id, type, params, total, enqueued_at)"
                 f" VALUES (%(job)s, %(type)s, %(params)s, %(total)s, now()) RETURNING {RUN_COLUMNS}",
                 {"job": job_id, "type": analysis_type, "params": Jsonb(params), "total": total})


def latest_runs(job_id: UUID) -> Query:
    """The newest run of each type the job has."""
    return Query(f"SELECT DISTINCT ON (type) {RUN_COLUMNS} FROM analytics_runs WHERE job_id = %(job)s"
                 " ORDER BY type, id DESC", {"job": job_id})


def run_row(run_id: int, owner: str | None = None, check_owner: bool = False) -> Query:
    return Query(f"SELECT {', '.join('r.' + c.strip() for c in RUN_COLUMNS.split(','))},"
                 " chemaudit_analytics_json(r) AS message"
                 " FROM analytics_runs r JOIN jobs j ON j.id = r.job_id WHERE r.id = %(id)s"
                 " AND (NOT %(check)s OR j.owner IS NOT DISTINCT FROM %(owner)s)",
                 {"id": run_id, "owner": owner, "check": check_owner})


def run_message(run_id: int) -> Query:
    return Query("SELECT chemaudit_analytics_json(r) AS message FROM analytics_runs r WHERE r.id = %(id)s",
                 {"id": run_id})


def success_count(job_id: UUID) -> Query:
    return Query("SELECT count(*) AS n FROM result_rows WHERE job_id = %(job)s AND status = 'success'"
                 " AND canonical_smiles IS NOT NULL", {"job": job_id})


def molecules_at(job_id: UUID, indices: list[int]) -> Query:
    return Query("SELECT idx, canonical_smiles, status FROM result_rows WHERE job_id = %(job)s"
                 " AND idx = ANY(%(idx)s)", {"job": job_id, "idx": indices})


# Claims, progress and endings (the workers) --------------------------------------------------

def fail_exhausted(max_attempts: int) -> Query:
    """End, as failed, the runs whose worker was lost (lease run out) on their last attempt."""
    return Query(
        "UPDATE analytics_runs SET status = 'failed', lease_until = NULL, finished_at = now(),"
        " seq = seq + 1, error = format('the worker running it was lost %%s times (crash, kill or"
        " restart); last attempt started %%s', attempts, started_at)"
        " WHERE status = 'running' AND lease_until < now() AND attempts >= %(max)s RETURNING id",
        {"max": max_attempts})


def claim_run(lease_seconds: float) -> Query:
    """Lease the oldest run that is pending or whose worker's lease ran out."""
    return Query(
        "WITH c AS (SELECT id FROM analytics_runs WHERE status IN ('pending', 'running')"
        "   AND (status = 'pending' OR lease_until < now()) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
        " UPDATE analytics_runs r SET status = 'running', attempts = r.attempts + 1, processed = 0,"
        "  lease_until = now() + make_interval(secs => %(lease)s), started_at = now(), seq = r.seq + 1"
        f" FROM c WHERE r.id = c.id RETURNING {', '.join('r.' + c.strip() for c in RUN_COLUMNS.split(','))}",
        {"lease": lease_seconds})


def _ours() -> str:
    return " WHERE id = %(id)s AND status = 'running' AND attempts = %(attempt)s"


def report_progress(run_id: int, attempt: int, processed: int, total: int, lease_seconds: float) -> Query:
    """Move the counters and renew the lease; no row back: the run is no longer this claim's."""
    return Query(
        "UPDATE analytics_runs SET processed = %(done)s, total = %(total)s, seq = seq + 1,"
        " lease_until = now() + make_interval(secs => %(lease)s)" + _ours() + " RETURNING id",
        {"id": run_id, "attempt": attempt, "done": processed, "total": total, "lease": lease_seconds})


def complete_run(run_id: int, attempt: int, summary: dict) -> Query:
    return Query(
        "UPDATE analytics_runs SET status = 'complete', summary = %(summary)s, processed = total,"
        " error = NULL, lease_until = NULL, finished_at = now(), seq = seq + 1" + _ours() + " RETURNING id",
        {"id": run_id, "attempt": attempt, "summary": Jsonb(summary)})


def fail_run(run_id: int, attempt: int, error: str) -> Query:
    return Query(
        "UPDATE analytics_runs SET status = 'failed', error = %(error)s, lease_until = NULL,"
        " finished_at = now(), seq = seq + 1" + _ours() + " RETURNING id",
        {"id": run_id, "attempt": attempt, "error": error[:2000]})


def retry_run(run_id: int, attempt: int, error: str) -> Query:
    """Back to pending after a failed attempt (the next token claims it again)."""
    return Query(
        "UPDATE analytics_runs SET status = 'pending', error = %(error)s, lease_until = NULL,"
        " seq = seq + 1" + _ours() + " RETURNING id",
        {"id": run_id, "attempt": attempt, "error": error[:2000]})


def claimable_stale(stale_seconds: float) -> Query:
    """Claimable runs whose token was sent (or re-sent) longer ago than the stale window: their
    token may be lost. Each one found gets its `enqueued_at` renewed (the sweeper re-sends)."""
    return Query(
        "UPDATE analytics_runs SET enqueued_at = now() WHERE id IN (SELECT id FROM analytics_runs"
        " WHERE (status = 'pending' OR (status = 'running' AND lease_until < now()))"
        " AND coalesce(enqueued_at, created_at) < now() - make_interval(secs => %(stale)s)"
        " ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED) RETURNING id", {"stale": stale_seconds})


def try_sweep_lock() -> Query:
    return Query("SELECT pg_try_advisory_xact_lock(hashtext('chemaudit-analytics-sweeper')) AS locked")


def clear_results(run_id: int, table: str) -> Query:
    if table not in RESULT_TABLES:
        raise ValueError(f"not an analytics result table: {table!r}")
    return Query(f"DELETE FROM {table} WHERE run_id = %(id)s", {"id": run_id})


# Reading the job's molecules and fingerprints ------------------------------------------------

def success_smiles(job_id: UUID) -> Query:
    """(idx, canonical SMILES) of every audited molecule, in idx order (read with a cursor)."""
    return Query("SELECT idx, canonical_smiles FROM result_rows WHERE job_id = %(job)s"
                 " AND status = 'success' AND canonical_smiles IS NOT NULL ORDER BY idx", {"job": job_id})


def store_scaffolds(run_id: int, job_id: UUID) -> Query:
    """The scaffolds the audit stored (result_rows.scaffold) as the run's rows, in one statement;
    the molecules counted by `success_count` without one are `unstored_scaffold_smiles`."""
    return Query("INSERT INTO analytics_scaffolds (run_id, idx, scaffold)"
                 " SELECT %(run)s, idx, scaffold FROM result_rows WHERE job_id = %(job)s"
                 " AND status = 'success' AND canonical_smiles IS NOT NULL AND scaffold IS NOT NULL",
                 {"run": run_id, "job": job_id})


def unstored_scaffold_smiles(job_id: UUID) -> Query:
    """(idx, canonical SMILES) of the audited molecules stored without a scaffold, in idx order."""
    return Query("SELECT idx, canonical_smiles FROM result_rows WHERE job_id = %(job)s"
                 " AND status = 'success' AND canonical_smiles IS NOT NULL AND scaffold IS NULL"
                 " ORDER BY idx", {"job": job_id})


def missing_fingerprints(job_id: UUID) -> Query:
    return Query(
        "SELECT r.idx, r.canonical_smiles FROM result_rows r WHERE r.job_id = %(job)s"
        " AND r.status = 'success' AND r.canonical_smiles IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM analytics_fingerprints f WHERE f.job_id = r.job_id AND f.idx = r.idx)"
        " ORDER BY r.idx", {"job": job_id})


def store_fingerprints(job_id: UUID, idx: list[int], fps: list[bytes | None], bits: list[int]) -> Query:
    return Query(
        "INSERT INTO analytics_fingerprints (job_id, idx, fp, bits)"
        " SELECT %(job)s, i, f, b FROM unnest(%(idx)s::int[], %(fp)s::bytea[], %(bits)s::int2[]) AS t(i, f, b)"
        " ON CONFLICT DO NOTHING", {"job": job_id, "idx": idx, "fp": fps, "bits": bits})


def fingerprints(job_id: UUID) -> Query:
    """(idx, fp) of the job's readable molecules, in idx order."""
    return Query("SELECT f.idx, f.fp FROM analytics_fingerprints f JOIN result_rows r"
                 " ON r.job_id = f.job_id AND r.idx = f.idx WHERE f.job_id = %(job)s AND f.fp IS NOT NULL"
                 " ORDER BY f.idx", {"job": job_id})


def scores(job_id: UUID, indices: list[int]) -> Query:
    return Query("SELECT idx, score FROM result_rows WHERE job_id = %(job)s AND idx = ANY(%(idx)s)",
                 {"job": job_id, "idx": indices})


def smiles_of(job_id: UUID, indices: list[int]) -> Query:
    return Query("SELECT idx, canonical_smiles FROM result_rows WHERE job_id = %(job)s AND idx = ANY(%(idx)s)",
                 {"job": job_id, "idx": indices})


# Writing and summarising results ---------------------------------------------------------------

COPY_COLUMNS = {
    "analytics_scaffolds": ("run_id", "idx", "scaffold"),
    "analytics_scaffold_groups": ("run_id", "scaffold", "generic_scaffold", "count"),
    "analytics_clusters": ("run_id", "idx", "cluster_id", "representative"),
    "analytics_coordinates": ("run_id", "idx", "x", "y"),
    "analytics_taxonomy": ("run_id", "idx", "categories"),
    "analytics_pairs": ("run_id", "idx_a", "idx_b", "core", "rgroup_a", "rgroup_b", "tanimoto"),
    "analytics_rgroups": ("run_id", "idx", "rgroups"),
}


def copy_results(table: str) -> str:
    """The COPY statement that streams result rows into one analytics table."""
    return f"COPY {table} ({', '.join(COPY_COLUMNS[table])}) FROM STDIN"


def scaffold_counts(run_id: int) -> Query:
    return Query("SELECT scaffold, count(*) AS n FROM analytics_scaffolds WHERE run_id = %(id)s"
                 " GROUP BY scaffold", {"id": run_id})


def scaffold_groups(run_id: int, groups: int, members: int) -> Query:
    """The most frequent scaffolds as ChemAudit's ScaffoldGroup documents, with their first members."""
    return Query(
        "SELECT jsonb_build_object('scaffold_smiles', g.scaffold, 'generic_scaffold_smiles', g.generic_scaffold,"
        "  'count', g.count, 'molecule_indices', coalesce((SELECT jsonb_agg(m.idx ORDER BY m.idx) FROM"
        "   (SELECT idx FROM analytics_scaffolds s WHERE s.run_id = g.run_id AND s.scaffold = g.scaffold"
        "    ORDER BY idx LIMIT %(members)s) m), '[]'))"
        " FROM analytics_scaffold_groups g WHERE g.run_id = %(id)s ORDER BY g.count DESC, g.scaffold"
        " LIMIT %(groups)s", {"id": run_id, "groups": groups, "members": members})


def taxonomy_rows(run_id: int, job_id: UUID, limit: int) -> Query:
    """(idx, canonical SMILES, rule names) of the first classified molecules."""
    return Query(
        "SELECT t.idx, r.canonical_smiles, t.categories FROM analytics_taxonomy t JOIN result_rows r"
        " ON r.job_id = %(job)s AND r.idx = t.idx WHERE t.run_id = %(id)s ORDER BY t.idx LIMIT %(n)s",
        {"id": run_id, "job": job_id, "n": limit})
