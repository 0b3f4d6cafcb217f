"""Exports of chosen rows (`indices` on GET|POST /export, POST /subset/export), refusals of bad
selections with {error, detail}, and memory of a streamed zip format that does not grow with
the rows. Real server, real PostgreSQL, the shared 2,000-molecule job (audited for real)."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile

import psycopg
import pytest
from rdkit import Chem

from service.app import create_app
from tests.integration.audited_jobs import NCI_JOB_ROWS, job_30k, nci_job  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

LARGE = 30_000


@pytest.fixture
async def client(aiohttp_client, nci_job):
    return await aiohttp_client(create_app(nci_job.settings))


def csv_indexes(data: bytes) -> list[int]:
    return [int(row["index"]) for row in csv.DictReader(io.StringIO(data.decode()))]


async def test_indices_in_the_query_and_in_the_body(client, nci_job):
    job = nci_job.job_id
    response = await client.get(f"/api/v1/batch/{job}/export", params={"format": "csv", "indices": "7, 0,1999,7"})
    assert response.status == 200 and response.headers["X-Total-Results"] == "3"
    assert csv_indexes(await response.read()) == [0, 7, 1999]
    response = await client.post(f"/api/v1/batch/{job}/export", params={"format": "csv", "sort_by": "score",
                                                                         "sort_dir": "desc"},
                                 json={"indices": list(range(100, 140))})
    assert response.status == 200
    found = csv_indexes(await response.read())
    assert sorted(found) == list(range(100, 140))
    with psycopg.connect(nci_job.database_url) as conn:
        wanted = [row[0] for row in conn.execute(
            "SELECT idx FROM results WHERE job_id = %s AND idx BETWEEN 100 AND 139"
            " ORDER BY score DESC NULLS LAST, idx", (job,))]
    assert found == wanted  # the request's sort, not the list's order
    # Filters apply on top of the indexes.
    response = await client.post(f"/api/v1/batch/{job}/export", params={"format": "ndjson", "status_filter": "error"},
                                 json={"indices": list(range(NCI_JOB_ROWS))})
    errors = [line for line in (await response.read()).decode().splitlines()]
    with psycopg.connect(nci_job.database_url) as conn:
        count = conn.execute("SELECT count(*) FROM results WHERE job_id = %s AND status = 'error'", (job,)).fetchone()[0]
    assert len(errors) == count > 0 and all('"status":"error"' in line.replace(" ", "") for line in errors)


async def test_subset_export_in_any_format(client, nci_job, tmp_path):
    job, chosen = nci_job.job_id, [3, 1, 4, 1, 5, 9, 2, 6]
    response = await client.post(f"/api/v1/batch/{job}/subset/export", json={"indices": chosen, "format": "sdf"})
    assert response.status == 200 and response.headers["X-Total-Results"] == "7"
    assert "nci_2k_subset.sdf" in response.headers["Content-Disposition"]
    (tmp_path / "subset.sdf").write_bytes(await response.read())
    mols = list(Chem.SDMolSupplier(str(tmp_path / "subset.sdf")))
    assert [int(m.GetProp("chemaudit_index")) for m in mols] == sorted(set(chosen))
    response = await client.post(f"/api/v1/batch/{job}/subset/export",
                                 json={"indices": chosen, "format": "dedup"})
    package = zipfile.ZipFile(io.BytesIO(await response.read()))
    annotated = list(csv.DictReader(io.StringIO(package.read("dedup_annotated.csv").decode())))
    assert [int(row["index"]) for row in annotated] == sorted(set(chosen))
    response = await client.post(f"/api/v1/batch/{job}/subset/export",
                                 json={"indices": [0, 1], "format": "excel", "sheet_layout": "multi"})
    assert response.status == 200 and (await response.read())[:2] == b"PK"
    response = await client.post(f"/api/v1/batch/{job}/subset/export", json={"indices": [0, 2]})  # csv by default
    assert response.headers["Content-Type"].startswith("text/csv") and csv_indexes(await response.read()) == [0, 2]


@pytest.mark.parametrize("method, path, params, body, status, code", [
    ("GET", "export", {"indices": "1,x"}, None, 422, "invalid_option"),
    ("GET", "export", {"indices": "-1"}, None, 422, "invalid_option"),
    ("GET", "export", {"indices": "1,,2"}, None, 422, "invalid_option"),
    ("GET", "export", {"indices": str(NCI_JOB_ROWS)}, None, 422, "index_out_of_range"),
    ("GET", "export", {"format": "pdf", "sheet_layout": "wide"}, None, 422, "invalid_option"),
    ("GET", "export", {"format": "docx"}, None, 422, "invalid_option"),
    ("POST", "export", {}, {"indices": "0,1"}, 422, "invalid_option"),
    ("POST", "export", {}, {"indices": []}, 422, "invalid_option"),
    ("POST", "export", {}, {"indices": [0, 1.5]}, 422, "invalid_option"),
    ("POST", "export", {}, {"indices": [True]}, 422, "invalid_option"),
    ("POST", "export", {"indices": "1"}, {"indices": [1]}, 422, "invalid_option"),
    ("POST", "export", {}, "[1, 2]", 400, "bad_input"),
    ("POST", "subset/export", {}, {"format": "csv"}, 422, "invalid_option"),
    ("POST", "subset/export", {}, {"indices": [0], "format": "docx"}, 422, "invalid_option"),
    ("POST", "subset/export", {}, {"indices": [0], "include_images": "maybe"}, 422, "invalid_option"),
    ("POST", "subset/export", {}, {"indices": [10**12]}, 422, "invalid_option"),
    ("POST", "subset/export", {}, None, 400, "bad_input"),
    ("POST", "subset/export", {}, "not json", 400, "bad_input"),
])
async def test_bad_selections_are_refused(client, nci_job, method, path, params, body, status, code):
    data = body if isinstance(body, str) else None
    response = await client.request(method, f"/api/v1/batch/{nci_job.job_id}/{path}", params=params,
                                    json=body if isinstance(body, dict) else None, data=data)
    answer = await response.json()
    assert response.status == status, answer
    assert answer["error"] == code and answer["detail"]


async def test_unknown_job_is_a_404(client):
    response = await client.post("/api/v1/batch/00000000-0000-4000-8000-000000000000/subset/export",
                                 json={"indices": [0]})
    assert response.status == 404 and (await response.json())["error"] == "job_not_found"


async def test_the_formats_catalog_lists_every_format(client):
    body = await (await client.get("/api/v1/export-formats")).json()
    names = [fmt["name"] for fmt in body["formats"]]
    assert names == ["csv", "tsv", "sdf", "smi", "json", "ndjson", "xlsx", "excel", "pdf", "fingerprint", "dedup",
                     "scaffold", "property_matrix"]
    excel = body["formats"][names.index("excel")]
    assert excel["options"] == ["include_images", "sheet_layout"]
    assert body["options"]["sheet_layout"]["choices"] == ["single", "multi"]


async def _traced_download(client, job_id: str, path, **params) -> tuple[int, int]:
    """(peak of Python's allocations, bytes) of an export streamed into `path`."""
    tracemalloc.start()
    try:
        response = await client.get(f"/api/v1/batch/{job_id}/export", params=params)
        assert response.status == 200
        with path.open("wb") as out:
            async for piece in response.content.iter_chunked(1 << 16):
                out.write(piece)
        return tracemalloc.get_traced_memory()[1], path.stat().st_size
    finally:
        tracemalloc.stop()


async def test_a_streamed_zip_format_runs_in_memory_that_does_not_grow(client, nci_job, job_30k, tmp_path):
    """The dedup zip (two passes, group cells written as rows arrive) of 2,010 and 30,000 rows:
    Python's allocations peak at about the same."""
    small_peak, small_size = await _traced_download(client, nci_job.job_id, tmp_path / "small.zip", format="dedup")
    large_peak, large_size = await _traced_download(client, job_30k, tmp_path / "large.zip", format="dedup")
    with zipfile.ZipFile(tmp_path / "large.zip") as package:  # every row is there, in groups of 14 or 15 copies
        annotated = list(csv.DictReader(io.TextIOWrapper(package.open("dedup_annotated.csv"), "utf-8")))
    assert len(annotated) == LARGE and {row["group_size"] for row in annotated if row["status"] == "success"} >= {"14", "15"}
    print(f"\ndedup: allocations peaked at {small_peak / 1e6:.1f} MB for {NCI_JOB_ROWS:,} rows ({small_size / 1e6:.1f} MB), "
          f"{large_peak / 1e6:.1f} MB for {LARGE:,} rows ({large_size / 1e6:.1f} MB)")
    assert large_size > 2.5 * small_size
    assert large_peak < 1.3 * small_peak + 2e6, (small_peak, large_peak)
