"""Every query in docs/reporting.md, run against real audited jobs and checked against the same
figure recomputed from the raw rows; and retention (purge)."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import dict_row

from chemaudit.db import results_queries as rq
from service.ops.purge import parse_age, run_purge
from tests.integration.audited_jobs import audit_files, job_settings, write_nci_csv
from tests.support import pg
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "reporting.md"
QUERIES = dict(re.findall(r"```sql\n-- name: (\w+)\n(.*?)```", DOC.read_text(), re.S))


@pytest.fixture(scope="module")
def reporting_db(pg_admin_url, template_database, tmp_path_factory):
    """Three real jobs: an SD file (results moved two days back), a CSV with unreadable records,
    and a small CSV that ended 40 days ago (what a purge would remove)."""
    name = pg.unique_name("chemaudit_report")
    url = pg.create_database(pg_admin_url, name, template=template_database)
    folder = tmp_path_factory.mktemp("reporting")
    files = [(NCI_SDF_200, {}), (write_nci_csv(folder / "nci_300.csv", 300), {}),
             (write_nci_csv(folder / "old.csv", 20), {})]
    sdf_job, csv_job, old_job = audit_files(job_settings(url), files)
    with psycopg.connect(url) as conn:
        for job in (sdf_job, csv_job, old_job):
            if conn.execute("SELECT statistics IS NULL FROM jobs WHERE id = %s", (job,)).fetchone()[0]:
                query = rq.store_statistics(uuid.UUID(job))  # what the completing worker does
                conn.execute(query.sql, query.params)
        conn.execute("UPDATE results SET created_at = created_at - interval '2 days' WHERE job_id = %s", (sdf_job,))
        conn.execute("UPDATE jobs SET created_at = created_at - interval '40 days',"
                     " started_at = started_at - interval '40 days',"
                     " finished_at = finished_at - interval '40 days' WHERE id = %s", (old_job,))
        conn.execute("UPDATE results SET created_at = created_at - interval '40 days' WHERE job_id = %s", (old_job,))
    yield url
    pg.drop_database(pg_admin_url, name)


def fetch(url: str, sql: str, params=None) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def snapshot(url: str) -> dict:
    """The raw rows every expectation is computed from."""
    jobs = fetch(url, "SELECT * FROM jobs")
    results = fetch(url, "SELECT job_id, idx, name, status, error, score, inchikey, failed_checks,"
                         " alert_catalogs, detail #> '{alerts,alerts}' AS alerts,"
                         " (created_at AT TIME ZONE 'UTC') AS utc FROM results")
    documents = fetch(url, "SELECT job_id, doc_id FROM result_rows")
    clock = fetch(url, "SELECT now() AS now, current_date AS today, (now() AT TIME ZONE 'UTC') AS utc_now")[0]
    latest = max(jobs, key=lambda j: j["created_at"])["id"]
    return {"jobs": jobs, "results": results, "latest": [r for r in results if r["job_id"] == latest],
            "documents": documents, **clock}


def ordered_by(rows: list[dict], key: str) -> bool:
    return all(a[key] >= b[key] for a, b in zip(rows, rows[1:]))


def check_recent_jobs(got, s):
    assert [r["job_id"] for r in got] == [j["id"] for j in sorted(s["jobs"], key=lambda j: j["created_at"], reverse=True)]
    for row in got:
        job = next(j for j in s["jobs"] if j["id"] == row["job_id"])
        seconds = (job["finished_at"] - job["started_at"]).total_seconds()
        assert row["total"] == job["total"] and row["errors"] == job["errors"]
        assert row["duration_seconds"] == pytest.approx(seconds)
        if seconds > 0:
            assert row["molecules_per_second"] == pytest.approx(job["processed"] / seconds, abs=0.051)
        else:  # a job done in its first commit has no measurable duration
            assert row["molecules_per_second"] is None


def check_jobs_by_status(got, s):
    recent = [j for j in s["jobs"] if j["created_at"] >= s["now"] - timedelta(days=30)]
    assert {r["status"]: (r["jobs"], r["molecules"]) for r in got} == {
        status: (sum(1 for j in recent if j["status"] == status), sum(j["total"] for j in recent if j["status"] == status))
        for status in {j["status"] for j in recent}}


def check_latest_statistics(got, s):
    job = max((j for j in s["jobs"] if j["status"] == "complete"), key=lambda j: j["finished_at"])
    rows = [r for r in s["results"] if r["job_id"] == job["id"]]
    stats = json.loads(got[0]["statistics"])
    assert got[0]["job_id"] == job["id"] and stats == job["statistics"]
    assert (stats["total"], stats["errors"]) == (len(rows), sum(r["status"] == "error" for r in rows))


def check_score_buckets(got, s):
    def bucket(score):
        return "excellent" if score >= 90 else "good" if score >= 70 else "moderate" if score >= 50 else "poor"

    expected = Counter(bucket(r["score"]) for r in s["latest"] if r["status"] == "success")
    assert {r["bucket"]: r["molecules"] for r in got} == expected
    order = ["excellent", "good", "moderate", "poor"]
    assert [r["bucket"] for r in got] == [b for b in order if b in expected]


def check_worst_molecules(got, s):
    ok = sorted((r for r in s["latest"] if r["status"] == "success"), key=lambda r: (r["score"], r["idx"]))[:20]
    assert [(r["idx"], r["score"], r["failed_checks"]) for r in got] == [
        (r["idx"], r["score"], ", ".join(r["failed_checks"])) for r in ok]


def check_alerts_by_catalog(got, s):
    assert {r["catalog"]: r["molecules"] for r in got} == Counter(c for r in s["latest"] for c in r["alert_catalogs"])
    assert ordered_by(got, "molecules")


def check_error_reasons(got, s):
    assert {r["error"]: r["molecules"] for r in got} == Counter(r["error"] for r in s["latest"] if r["status"] == "error")
    assert got and ordered_by(got, "molecules")


def check_top_failed_checks(got, s):
    recent = [r for r in s["results"] if r["utc"].date() >= s["today"] - timedelta(days=30)]
    per_day = defaultdict(set)
    for r in recent:
        for check in r["failed_checks"]:
            per_day[check, r["utc"].date()].add(r["job_id"])
    expected = {check: (n, max(len(jobs) for (c, _), jobs in per_day.items() if c == check))
                for check, n in Counter(c for r in recent for c in r["failed_checks"]).items()}
    assert {r["check_name"]: (r["molecules"], r["most_jobs_in_a_day"]) for r in got} == expected
    assert ordered_by(got, "molecules")


def check_top_alerts(got, s):
    molecules, jobs = defaultdict(set), defaultdict(set)
    for r in s["results"]:
        for alert in r["alerts"] or []:
            key = (alert["catalog"], alert["rule_name"])
            molecules[key].add((r["job_id"], r["idx"]))
            jobs[key].add(r["job_id"])
    assert got and len(got) == min(20, len(molecules)) and ordered_by(got, "molecules")
    for row in got:
        key = (row["catalog"], row["rule_name"])
        assert (row["molecules"], row["jobs"]) == (len(molecules[key]), len(jobs[key]))
    shown = {(row["catalog"], row["rule_name"]) for row in got}
    assert all(len(m) <= got[-1]["molecules"] for key, m in molecules.items() if key not in shown)


def check_throughput_last_day(got, s):
    recent = [r for r in s["results"] if r["utc"].replace(minute=0, second=0, microsecond=0)
              >= s["utc_now"] - timedelta(hours=24)]
    hours = defaultdict(list)
    for r in recent:
        hours[r["utc"].replace(minute=0, second=0, microsecond=0)].append(r)
    assert [(r["hour"], r["molecules"], r["errors"], r["jobs"]) for r in got] == [
        (hour, len(rows), sum(x["status"] == "error" for x in rows), len({x["job_id"] for x in rows}))
        for hour, rows in sorted(hours.items())]
    assert all(r["molecules_per_second"] == pytest.approx(r["molecules"] / 3600, abs=0.006) for r in got)


def check_repeated_structures(got, s):
    jobs, count = defaultdict(set), Counter()
    for r in s["results"]:
        if r["inchikey"]:
            jobs[r["inchikey"]].add(r["job_id"])
            count[r["inchikey"]] += 1
    repeated = {key for key, found in jobs.items() if len(found) > 1}
    assert got and len(got) == min(50, len(repeated)) and ordered_by(got, "jobs")
    for row in got:
        assert (row["jobs"], row["molecules"]) == (len(jobs[row["inchikey"]]), count[row["inchikey"]])


def check_result_reuse(got, s):
    jobs = sorted(s["jobs"], key=lambda j: j["created_at"], reverse=True)
    assert [r["job_id"] for r in got] == [j["id"] for j in jobs]
    for row, job in zip(got, jobs):
        documents = {d["doc_id"] for d in s["documents"] if d["job_id"] == job["id"]}
        assert (row["total"], row["reused"], row["documents"]) == (job["total"], job["reused"], len(documents))
        assert row["reused_percent"] == pytest.approx(100 * job["reused"] / job["processed"], abs=0.051)
    # The small CSV holds records of the 300-molecule one, audited before it: all reused.
    old = next(r for r in got if r["filename"] == "old.csv")
    assert old["reused"] == old["total"] > 20


def check_purge_preview(got, s):
    old = [j for j in s["jobs"] if j["status"] != "processing"
           and (j["finished_at"] or j["created_at"]) < s["now"] - timedelta(days=30)]
    assert len(old) == 1 and got == [{"jobs": 1, "molecules": old[0]["total"]}]


CHECKS = {name[len("check_"):]: check for name, check in globals().items() if name.startswith("check_")}


def test_every_documented_query_is_checked():
    assert len(QUERIES) >= 10 and set(QUERIES) == set(CHECKS)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_documented_query(reporting_db, name):
    got = fetch(reporting_db, QUERIES[name])
    CHECKS[name](got, snapshot(reporting_db))


def test_parse_age():
    assert [parse_age(t) for t in ("30d", "12h", "90m", "45s", "2w", " 1.5D ")] == [
        30 * 86400, 12 * 3600, 90 * 60, 45, 14 * 86400, 1.5 * 86400]
    for bad in ("30", "d", "-1d", "0h", "30 days", "", "1e3s"):
        with pytest.raises(ValueError):
            parse_age(bad)


def _synthetic_job(conn, status: str, ended_days_ago: float | None, rows: int) -> str:
    job_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO jobs (id, status, filename, format, total, processed, chunk_count, created_at, finished_at)"
        " VALUES (%(id)s, %(status)s, 'x.csv', 'csv', %(n)s, %(n)s, 1, now() - interval '60 days',"
        " now() - make_interval(days => %(ago)s))",
        {"id": job_id, "status": status, "n": rows, "ago": ended_days_ago or 0})
    if ended_days_ago is None:
        conn.execute("UPDATE jobs SET finished_at = NULL, processed = 0 WHERE id = %s", (job_id,))
    conn.execute("INSERT INTO job_inputs (job_id, idx, name, kind, text) SELECT %s, g, 'm' || g, 'smiles', 'CCO'"
                 " FROM generate_series(0, %s - 1) g", (job_id, rows))
    if ended_days_ago is not None:
        conn.execute("INSERT INTO results (job_id, idx, name, smiles, status, detail) SELECT %s, g, 'm' || g,"
                     " 'CCO', 'success', '{}' FROM generate_series(0, %s - 1) g", (job_id, rows))
    conn.execute("INSERT INTO chunks (job_id, chunk_no, start_idx, end_idx) VALUES (%s, 0, 0, %s)", (job_id, rows))
    conn.execute("INSERT INTO job_events (job_id, seq, status, processed, total, eta_seconds)"
                 " VALUES (%s, 1, 'processing', 0, %s, 0)", (job_id, rows))
    return job_id


def test_purge_deletes_old_ended_jobs_and_never_waits_on_running_ones(database_url):
    with psycopg.connect(database_url, autocommit=True) as conn:
        old = [_synthetic_job(conn, "complete", 40, 12_000), _synthetic_job(conn, "cancelled", 31, 10)]
        kept = [_synthetic_job(conn, "complete", 5, 10), _synthetic_job(conn, "processing", None, 100)]
    running = kept[1]
    with psycopg.connect(database_url) as writer:  # a worker mid-transaction on the running job
        writer.execute("SELECT status FROM jobs WHERE id = %s FOR UPDATE", (running,))
        writer.execute("INSERT INTO results (job_id, idx, name, smiles, status, detail)"
                       " VALUES (%s, 0, 'm0', 'CCO', 'success', '{}')", (running,))
        outcome = {}
        purge = threading.Thread(target=lambda: outcome.update(n=run_purge(database_url, parse_age("30d"), 1_000)))
        purge.start()
        purge.join(timeout=30)
        assert not purge.is_alive(), "the purge waited on a running job's transaction"
        writer.commit()
    assert outcome["n"] == 2
    with psycopg.connect(database_url) as conn:
        for table in ("jobs", "results", "job_inputs", "job_events", "chunks"):
            key = "id" if table == "jobs" else "job_id"
            left = dict(conn.execute(f"SELECT {key}::text, count(*) FROM {table} GROUP BY 1").fetchall())
            assert not set(left) & set(old), table
            assert set(left) >= set(kept), table
    assert run_purge(database_url, parse_age("30d")) == 0
