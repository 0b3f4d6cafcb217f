"""GET /api/v1/batch/{job_id} and /stats over 2,000 real audited molecules, each filter, sort and
statistic checked against a straightforward recomputation from the stored result rows."""

from __future__ import annotations

import csv
import io
import math
import uuid
from collections import Counter

import psycopg
import pytest

from service.app import create_app
from tests.integration.audited_jobs import (  # noqa: F401 (nci_job is a fixture)
    NCI_JOB_MOLECULES,
    nci_job,
    result_rows,
    run_one_chunk,
    write_nci_csv,
)
from tests.integration.helpers import upload, wait_for_status
from tests.support.molecules import write_csv

pytestmark = pytest.mark.integration

SORTS = ("index", "name", "smiles", "score", "qed", "safety", "status", "issues")
SORT_FIELD = {"index": "idx", "name": "name", "smiles": "smiles", "score": "score", "qed": "qed",
              "safety": "alert_count", "status": "status", "issues": "issue_count"}


@pytest.fixture
async def client(aiohttp_client, nci_job):
    return await aiohttp_client(create_app(nci_job.settings))


@pytest.fixture(scope="module")
def rows(nci_job) -> list[dict]:
    return result_rows(nci_job.database_url, nci_job.job_id)


def expected_order(rows: list[dict], sort_by: str, sort_dir: str) -> list[int]:
    """Sorted on the field, missing values last, ties by index ascending."""
    field = SORT_FIELD[sort_by]
    if sort_by == "index":
        return sorted((r["idx"] for r in rows), reverse=sort_dir == "desc")
    present = sorted((r for r in rows if r[field] is not None), key=lambda r: r["idx"])
    present.sort(key=lambda r: r[field], reverse=sort_dir == "desc")  # stable: ties keep idx order
    missing = sorted(r["idx"] for r in rows if r[field] is None)
    return [r["idx"] for r in present] + missing


def matches(row: dict, params: dict) -> bool:
    if "status_filter" in params and row["status"] != params["status_filter"]:
        return False
    if "min_score" in params and (row["score"] is None or row["score"] < params["min_score"]):
        return False
    if "max_score" in params and (row["score"] is None or row["score"] > params["max_score"]):
        return False
    if "issue_filter" in params and params["issue_filter"] not in row["failed_checks"]:
        return False
    if "alert_filter" in params and params["alert_filter"].lower() not in {
            c.lower() for c in row["alert_catalogs"]}:
        return False
    return True


async def get_page(client, job_id: str, **params) -> dict:
    response = await client.get(f"/api/v1/batch/{job_id}", params={k: str(v) for k, v in params.items()})
    body = await response.json()
    assert response.status == 200, body
    return body


def test_the_job_has_the_variety_the_checks_need(rows):
    assert len(rows) >= NCI_JOB_MOLECULES
    statuses = Counter(r["status"] for r in rows)
    assert statuses["success"] > 0.9 * NCI_JOB_MOLECULES and statuses["error"] >= 5
    assert len({c for r in rows for c in r["failed_checks"]}) >= 3
    assert sum(1 for r in rows if r["alert_count"]) > 100
    assert len({r["score"] for r in rows if r["score"] is not None}) > 5  # sorts meet ties and order


def filter_cases(rows: list[dict]) -> list[dict]:
    checks = Counter(c for r in rows for c in r["failed_checks"]).most_common()
    catalogs = Counter(c for r in rows for c in r["alert_catalogs"]).most_common()
    common_check, rare_check = checks[0][0], checks[-1][0]
    catalog = catalogs[0][0]
    return [
        {}, {"status_filter": "success"}, {"status_filter": "error"},
        {"min_score": 80}, {"max_score": 60}, {"min_score": 50, "max_score": 89},
        {"min_score": 100}, {"max_score": 0},
        {"issue_filter": common_check}, {"issue_filter": rare_check},
        {"issue_filter": "no_such_check"},
        {"alert_filter": catalog}, {"alert_filter": catalog.lower()},
        {"status_filter": "success", "min_score": 70, "alert_filter": catalog},
        {"issue_filter": common_check, "max_score": 95, "sort_by": "qed", "sort_dir": "desc"},
    ]


async def test_each_filter_matches_a_recomputation(client, nci_job, rows):
    for params in filter_cases(rows):
        wanted = [r for r in rows if matches(r, params)]
        order = expected_order(wanted, params.get("sort_by", "index"), params.get("sort_dir", "asc"))
        first = await get_page(client, nci_job.job_id, page_size=100, **params)
        assert first["total_results"] == len(wanted), params
        assert first["total_pages"] == math.ceil(len(wanted) / 100), params
        assert [item["index"] for item in first["results"]] == order[:100], params
        if first["total_pages"] > 1:
            last = await get_page(client, nci_job.job_id, page_size=100, page=first["total_pages"], **params)
            assert [item["index"] for item in last["results"]] == order[(first["total_pages"] - 1) * 100:], params
        for item in first["results"][:20]:
            assert matches(rows[item["index"]], params), (params, item["index"])


@pytest.mark.parametrize("sort_dir", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", SORTS)
async def test_each_sort_matches_a_recomputation(client, nci_job, rows, sort_by, sort_dir):
    order = expected_order(rows, sort_by, sort_dir)
    pages = math.ceil(len(rows) / 100)
    for page in (1, pages // 2, pages):
        body = await get_page(client, nci_job.job_id, page=page, page_size=100, sort_by=sort_by,
                              sort_dir=sort_dir)
        assert [item["index"] for item in body["results"]] == order[(page - 1) * 100:page * 100]
    if sort_dir == "asc" and sort_by != "index":
        return
    # The whole order, in one request: the export sorts the same way (desc is where missing
    # values and ties are easiest to get wrong).
    response = await client.get(f"/api/v1/batch/{nci_job.job_id}/export",
                                params={"format": "csv", "sort_by": sort_by, "sort_dir": sort_dir})
    table = list(csv.reader(io.StringIO(await response.text(), newline="")))
    assert [int(line[0]) for line in table[1:]] == order


async def test_items_keep_chemaudits_shape(client, nci_job, rows):
    body = await get_page(client, nci_job.job_id, page=3, page_size=7)
    assert list(body)[:8] == ["job_id", "status", "statistics", "results", "page", "page_size",
                              "total_results", "total_pages"]
    assert body["status"] == "complete" and body["page"] == 3 and body["page_size"] == 7
    item = body["results"][0]
    assert list(item) == ["index", "name", "smiles", "status", "error", "validation", "alerts",
                          "scoring", "standardization", "profiling", "safety_assessment"]
    row = rows[item["index"]]
    assert item["index"] == 14 and item["name"] == row["name"] and item["smiles"] == row["smiles"]
    if item["status"] == "success":
        assert item["validation"]["overall_score"] == row["score"]
        assert item["validation"]["inchikey"] == row["inchikey"]


def expected_statistics(rows: list[dict], seconds: float, reused: int = 0) -> dict:
    ok = [r for r in rows if r["status"] == "success"]

    def mean(field):
        values = [r[field] for r in ok if r[field] is not None]
        return sum(values) / len(values) if values else None

    def rate(flags):
        flags = list(flags)
        return 100.0 * sum(flags) / len(flags) if flags else None

    scores = [r["score"] for r in ok if r["score"] is not None]
    keys = Counter(r["inchikey"] for r in rows if r["inchikey"])
    return {
        "total": len(rows), "successful": len(ok), "errors": len(rows) - len(ok),
        "avg_validation_score": mean("score"), "avg_ml_readiness_score": mean("ml_score"),
        "avg_qed_score": mean("qed"), "avg_sa_score": mean("sa_score"),
        "lipinski_pass_rate": rate(r["lipinski_passed"] for r in ok if r["lipinski_passed"] is not None),
        "safety_pass_rate": rate(r["alert_count"] == 0 for r in ok),
        "score_distribution": {
            "excellent": sum(s >= 90 for s in scores), "good": sum(70 <= s < 90 for s in scores),
            "moderate": sum(50 <= s < 70 for s in scores), "poor": sum(s < 50 for s in scores)},
        "alert_summary": dict(Counter(c for r in rows for c in r["alert_catalogs"])),
        "issue_summary": dict(Counter(c for r in rows for c in r["failed_checks"])),
        "duplicates": {"groups": sum(1 for n in keys.values() if n > 1),
                       "molecules": sum(n for n in keys.values() if n > 1)},
        "processing_time_seconds": seconds,
        "molecules_per_second": len(rows) / seconds,
        "reused": reused,
    }


DECIMALS = {"avg_validation_score": 1, "avg_ml_readiness_score": 1, "avg_qed_score": 2,
            "avg_sa_score": 1, "lipinski_pass_rate": 1, "safety_pass_rate": 1,
            "processing_time_seconds": 3, "molecules_per_second": 1}


async def test_statistics_match_a_recomputation(client, nci_job, rows):
    with psycopg.connect(nci_job.database_url) as conn:
        seconds, stored, reused = conn.execute(
            "SELECT extract(epoch FROM finished_at - started_at)::float8, statistics, reused FROM jobs"
            " WHERE id = %s", (nci_job.job_id,)).fetchone()
        shared = conn.execute("SELECT count(*) - count(DISTINCT doc_id) FROM result_rows WHERE job_id = %s",
                              (nci_job.job_id,)).fetchone()[0]
    # The file repeats some structures: those reused a result of the same job (at most one
    # audit per repeat saved; two chunks racing on one both audit it).
    assert 0 < reused <= shared
    response = await client.get(f"/api/v1/batch/{nci_job.job_id}/stats")
    stats = await response.json()
    assert response.status == 200
    expected = expected_statistics(rows, seconds, reused)
    assert list(stats) == list(expected)
    for key, value in expected.items():
        if key in DECIMALS:
            assert stats[key] == pytest.approx(value, abs=0.5 * 10 ** -DECIMALS[key] + 1e-9), key
        else:
            assert stats[key] == value, key
    page = await get_page(client, nci_job.job_id, page_size=1)
    assert page["statistics"] == stats
    with psycopg.connect(nci_job.database_url) as conn:
        kept = conn.execute("SELECT statistics FROM jobs WHERE id = %s", (nci_job.job_id,)).fetchone()[0]
    assert kept == stats or kept == stored


async def test_invalid_parameters_answer_422(client, nci_job):
    job = nci_job.job_id
    cases = [
        ("", {"page": "0"}), ("", {"page": "two"}), ("", {"page_size": "101"}), ("", {"page_size": "0"}),
        ("", {"status_filter": "ok"}), ("", {"min_score": "-1"}), ("", {"max_score": "101"}),
        ("", {"min_score": "80", "max_score": "20"}), ("", {"sort_by": "weight"}),
        ("", {"sort_dir": "up"}), ("", {"issue_filter": "x'; DROP TABLE results; --"}),
        ("", {"alert_filter": "<script>"}), ("/export", {"format": "docx"}),
        ("/export", {"format": "csv", "min_score": "high"}),
    ]
    for suffix, params in cases:
        response = await client.get(f"/api/v1/batch/{job}{suffix}", params=params)
        body = await response.json()
        assert response.status == 422, (params, body)
        assert set(body) == {"error", "detail"} and body["error"] == "invalid_option", body


async def test_unknown_jobs_are_404(client):
    for suffix in ("", "/stats", "/export?format=csv"):
        for job in (str(uuid.uuid4()), "not-a-job"):
            response = await client.get(f"/api/v1/batch/{job}{suffix}")
            assert response.status == 404
            assert set(await response.json()) == {"error", "detail"}


async def test_a_page_past_the_end_is_empty(client, nci_job, rows):
    body = await get_page(client, nci_job.job_id, page=1_000, page_size=100)
    assert body["results"] == [] and body["total_results"] == len(rows)


# While a job runs, and job history: small jobs of their own ----------------------------------

@pytest.fixture
async def own_client(aiohttp_client, settings):
    return await aiohttp_client(create_app(settings))


async def test_partial_results_and_statistics_while_the_job_runs(own_client, settings, start_worker,
                                                                  tmp_path, database_url):

    job_id = (await upload(own_client, write_nci_csv(tmp_path / "nci.csv", 150)))["job_id"]
    chunk_no = run_one_chunk(settings, job_id)  # one chunk of 50 audited, by the real chunk runner
    body = await get_page(own_client, job_id, page_size=100)
    assert body["status"] == "processing" and body["total_results"] == 50
    assert [item["index"] for item in body["results"]] == list(range(50 * chunk_no, 50 * chunk_no + 50))
    assert body["statistics"]["total"] == 50
    stats = await (await own_client.get(f"/api/v1/batch/{job_id}/stats")).json()
    assert stats["total"] == 50 and stats["processing_time_seconds"] >= 0
    start_worker()
    await wait_for_status(own_client, job_id, lambda b: b["status"] == "complete")
    stats = await (await own_client.get(f"/api/v1/batch/{job_id}/stats")).json()
    assert stats["total"] == 160 and stats["errors"] >= 10 and stats["molecules_per_second"] > 0
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT statistics FROM jobs WHERE id = %s", (job_id,)).fetchone()[0]
    assert stored == stats


async def test_job_history_newest_first_filtered_and_paged(own_client, settings, tmp_path):
    ids = []
    for n in range(4):
        ids.append((await upload(own_client, write_csv(tmp_path / f"batch_{n}.csv", 10 + n)))["job_id"])
    assert run_one_chunk(settings, ids[1]) == 0  # 11 molecules: one chunk completes the job
    assert (await own_client.delete(f"/api/v1/batch/{ids[2]}")).status == 200
    newest_first = ids[::-1]

    body = await (await own_client.get("/api/v1/batch")).json()
    assert [job["job_id"] for job in body["jobs"]] == newest_first and body["next_cursor"] is None
    done = next(job for job in body["jobs"] if job["job_id"] == ids[1])
    assert done["status"] == "complete" and done["filename"] == "batch_1.csv" and done["format"] == "csv"
    assert done["total"] == done["processed"] == 11 and done["duration_seconds"] >= 0

    walked, cursor = [], None
    while True:
        page = await (await own_client.get("/api/v1/batch", params={"limit": 3, **({"cursor": cursor} if cursor else {})})).json()
        walked += [job["job_id"] for job in page["jobs"]]
        if not (cursor := page["next_cursor"]):
            break
    assert walked == newest_first

    for status, expected in (("complete", [ids[1]]), ("cancelled", [ids[2]]), ("processing", [ids[3], ids[0]])):
        page = await (await own_client.get("/api/v1/batch", params={"status": status})).json()
        assert [job["job_id"] for job in page["jobs"]] == expected
    since = body["jobs"][2]["created_at"]  # ids[1]
    page = await (await own_client.get("/api/v1/batch", params={"since": since})).json()
    assert [job["job_id"] for job in page["jobs"]] == newest_first[:3]
    page = await (await own_client.get("/api/v1/batch", params={"until": since})).json()
    assert [job["job_id"] for job in page["jobs"]] == [ids[0]]

    for params in ({"status": "done"}, {"limit": "0"}, {"limit": "501"}, {"since": "yesterday"},
                   {"cursor": "bm90LWEtY3Vyc29y"}, {"cursor": "%%%"}):
        response = await own_client.get("/api/v1/batch", params=params)
        assert response.status == 422 and set(await response.json()) == {"error", "detail"}, params
