"""Helpers for the result cache tests: audited jobs, their client-visible results, the cache's tables."""

from __future__ import annotations

from pathlib import Path

import psycopg
from prometheus_client import REGISTRY
from psycopg.rows import dict_row

from tests.integration.helpers import TERMINAL, upload, wait_for_status

ROW_FIELDS = ("idx, name, smiles, status, error, score, canonical_smiles, inchikey, qed, sa_score,"
              " ml_score, lipinski_passed, issue_count, alert_count, failed_checks, alert_catalogs, detail, scaffold")


async def audit_file(client, path: Path, timeout: float = 180, **fields) -> str:
    """Upload and wait until the job is complete; its id."""
    job_id = (await upload(client, path, **fields))["job_id"]
    final = await wait_for_status(client, job_id, lambda body: body["status"] in TERMINAL, timeout)
    assert final["status"] == "complete", final
    return job_id


async def api_items(client, job_id: str) -> list[dict]:
    """Every result item as the API's pages show it, in index order."""
    items, page = [], 1
    while True:
        body = await (await client.get(f"/api/v1/batch/{job_id}", params={"page": page, "page_size": 100})).json()
        items += body["results"]
        if page >= body["total_pages"]:
            return items
        page += 1


async def exported_items(client, job_id: str) -> list[dict]:
    response = await client.get(f"/api/v1/batch/{job_id}/export", params={"format": "json"})
    assert response.status == 200
    return (await response.json(content_type=None))["results"]


def job(database_url: str, job_id: str) -> dict:
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM jobs WHERE id = %s", (job_id,)).fetchone()


def rows(database_url: str, job_id: str) -> list[dict]:
    """The job's results as the `results` view shows them, with each row's document id."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(
            f"SELECT {ROW_FIELDS}, (SELECT doc_id FROM result_rows x WHERE x.job_id = r.job_id"
            "  AND x.idx = r.idx) AS doc_id FROM results r WHERE job_id = %s ORDER BY idx",
            (job_id,)).fetchall()


def docs(database_url: str) -> dict:
    """Counts of the cache's documents: all, reusable (with a key), unused, and per engine version."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        counts = conn.execute(
            "SELECT count(*) AS total, count(cache_key) AS keyed,"
            " count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM result_rows r WHERE r.doc_id = d.id)) AS unused"
            " FROM result_docs d").fetchone()
        versions = conn.execute("SELECT engine_version, count(*) FROM result_docs GROUP BY 1").fetchall()
    return {**counts, "versions": {row["engine_version"]: row["count"] for row in versions}}


def sample(name: str) -> float:
    """A worker-side metric of this process (the workers of these tests run in it)."""
    return REGISTRY.get_sample_value(name) or 0.0


def audited_total() -> float:
    return sum(REGISTRY.get_sample_value("chemaudit_molecules_audited_total", {"status": status}) or 0.0
               for status in ("success", "error"))


def hits_and_misses() -> tuple[float, float]:
    return sample("chemaudit_result_cache_hits_total"), sample("chemaudit_result_cache_misses_total")


def without(item: dict, *fields: str) -> dict:
    return {key: value for key, value in item.items() if key not in fields}
