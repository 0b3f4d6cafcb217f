"""Exports: every format of a 30,000-molecule job has exactly 30,000 data rows, streamed in
memory that does not grow with the job; filters apply; SD records keep their coordinates.

The 30,000-molecule job is built to keep the suite fast: the shared 5,000-molecule job (audited
by the real pipeline) is copied in SQL into a new job of 30,000 distinct indexes (5,010 real
results and inputs, repeated and renamed) - the export path cannot tell the difference.
"""

from __future__ import annotations

import csv
import json
import re
import tracemalloc
import zipfile
import xml.etree.ElementTree as ET

import psycopg
import pytest
from rdkit import Chem

from service.app import create_app
from tests.integration.audited_jobs import audit_files, copy_job, nci_5k_job  # noqa: F401 (fixture)
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

ROWS = 30_000
FORMATS = ("csv", "tsv", "sdf", "json", "ndjson", "xlsx")
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
MEMORY: dict[str, dict[int, int]] = {}  # format -> {rows: peak traced bytes}


@pytest.fixture(scope="module")
def job_30k(nci_5k_job):
    job_id = copy_job(nci_5k_job.database_url, nci_5k_job.job_id, ROWS)
    yield job_id
    with psycopg.connect(nci_5k_job.database_url) as conn:
        conn.execute("DELETE FROM jobs WHERE id = %s", (job_id,))


@pytest.fixture
async def client(aiohttp_client, nci_5k_job):
    return await aiohttp_client(create_app(nci_5k_job.settings))


async def download(client, job_id: str, path, trace: bool = False, **params) -> tuple[dict, int]:
    """Stream the export into a file; with `trace`, the peak of Python memory while it streams
    (server and client share this process, so the figure covers both)."""
    if trace:
        tracemalloc.start()
    try:
        response = await client.get(f"/api/v1/batch/{job_id}/export", params=params)
        assert response.status == 200, await response.text()
        with path.open("wb") as out:
            async for piece in response.content.iter_chunked(1 << 16):
                out.write(piece)
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
    finally:
        if trace:
            tracemalloc.stop()
    return dict(response.headers), peak


def indexes(fmt: str, path) -> list[int]:
    """The index of every data row of an export file, read the way its consumers would."""
    if fmt in ("csv", "tsv"):
        with path.open(newline="", encoding="utf-8") as handle:
            table = csv.reader(handle, delimiter="," if fmt == "csv" else "\t")
            assert next(table)[0] == "index"
            return [int(line[0]) for line in table]
    if fmt == "ndjson":
        with path.open(encoding="utf-8") as handle:
            return [json.loads(line)["index"] for line in handle]
    if fmt == "json":  # one item a line between the header and the closing "]}"
        with path.open(encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        header = json.loads(lines[0] + "]}")
        assert header["total_results"] == len(lines) - 2 and lines[-1] == "]}"
        return [json.loads(line.rstrip(","))["index"] for line in lines[1:-1]]
    if fmt == "sdf":
        found, records = [], 0
        with path.open(encoding="utf-8") as handle:
            previous = ""
            for line in handle:
                if previous.startswith("> <chemaudit_index>"):
                    found.append(int(line))
                records += line == "$$$$\n"
                previous = line
        assert records == len(found)
        return found
    if fmt == "xlsx":
        found = []
        with zipfile.ZipFile(path) as package:
            sheets = sorted(name for name in package.namelist() if name.startswith("xl/worksheets/"))
            for sheet in sheets:
                with package.open(sheet) as handle:
                    for _, element in ET.iterparse(handle):
                        if element.tag == f"{SHEET_NS}row":
                            first = element.find(f"{SHEET_NS}c/{SHEET_NS}v")
                            if element.get("r") != "1":
                                found.append(int(first.text))
                            element.clear()
        return found
    raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_every_format_has_every_row(client, job_30k, tmp_path, fmt):
    headers, peak = await download(client, job_30k, tmp_path / f"export.{fmt}", trace=True, format=fmt)
    MEMORY.setdefault(fmt, {})[ROWS] = peak
    assert headers["X-Total-Results"] == str(ROWS)
    assert headers["Content-Disposition"].startswith(f'attachment; filename="copies_nci_5k_results.{fmt}"')
    assert indexes(fmt, tmp_path / f"export.{fmt}") == list(range(ROWS))
    size = (tmp_path / f"export.{fmt}").stat().st_size
    print(f"\n{fmt}: {ROWS} rows, {size / 1e6:.1f} MB file, peak traced memory {peak / 1e6:.1f} MB")


@pytest.mark.parametrize("fmt", ["json", "xlsx", "sdf"])
async def test_memory_does_not_grow_with_the_job(client, nci_5k_job, job_30k, tmp_path, fmt):
    """The same export of 5,010 rows and of 30,000 rows peaks at about the same memory."""
    _, small = await download(client, nci_5k_job.job_id, tmp_path / "small", trace=True, format=fmt)
    _, large = await download(client, job_30k, tmp_path / "large", trace=True, format=fmt)
    MEMORY.setdefault(fmt, {}).update({5_010: small, ROWS: large})
    print(f"\n{fmt}: peak traced memory {small / 1e6:.1f} MB for 5,010 rows, {large / 1e6:.1f} MB for {ROWS}")
    assert large < 1.5 * small + 8e6, (small, large)
    assert large < (tmp_path / "large").stat().st_size / 4


async def test_filters_and_sorts_apply_to_exports(client, nci_5k_job, job_30k, tmp_path):
    with psycopg.connect(nci_5k_job.database_url) as conn:
        catalog = conn.execute(
            "SELECT c, count(*) FROM results, unnest(alert_catalogs) c WHERE job_id = %s"
            " GROUP BY c ORDER BY 2 DESC LIMIT 1", (job_30k,)).fetchone()[0]
        wanted = [row[0] for row in conn.execute(
            "SELECT idx FROM results WHERE job_id = %s AND status = 'success' AND score >= 60"
            " AND %s = ANY(alert_catalogs) ORDER BY qed DESC NULLS LAST, idx", (job_30k, catalog))]
    params = {"status_filter": "success", "min_score": "60", "alert_filter": catalog,
              "sort_by": "qed", "sort_dir": "desc"}
    for fmt in ("tsv", "ndjson", "sdf"):
        headers, _ = await download(client, job_30k, tmp_path / fmt, format=fmt, **params)
        assert headers["X-Total-Results"] == str(len(wanted))
        assert indexes(fmt, tmp_path / fmt) == wanted


@pytest.fixture(scope="module")
def sdf_job(nci_5k_job) -> str:
    """RDKit's NCI SD file (200 records with 2D coordinates and data items), really audited."""
    return audit_files(nci_5k_job.settings, [(NCI_SDF_200, {})])[0]


async def test_sdf_export_keeps_the_original_records(client, sdf_job, tmp_path):
    await download(client, sdf_job, tmp_path / "out.sdf", format="sdf")
    originals = [m for m in Chem.SDMolSupplier(str(NCI_SDF_200), sanitize=False, removeHs=False)]
    exported = list(Chem.SDMolSupplier(str(tmp_path / "out.sdf"), sanitize=False, removeHs=False))
    assert len(exported) == len(originals) == 200
    for original, mol in zip(originals, exported):
        assert mol.GetNumAtoms() == original.GetNumAtoms()
        assert (mol.GetConformer().GetPositions() == original.GetConformer().GetPositions()).all()
        for name in original.GetPropNames():
            assert mol.GetProp(name) == original.GetProp(name)
        assert mol.GetProp("chemaudit_status") in {"success", "error"}
        assert re.fullmatch(r"[A-Z]{14}-[A-Z]{10}-[A-Z]", mol.GetProp("chemaudit_inchikey"))


async def test_a_client_leaving_mid_export_leaves_the_server_well(client, job_30k):
    response = await client.get(f"/api/v1/batch/{job_30k}/export", params={"format": "ndjson"})
    assert response.status == 200
    await response.content.readline()
    response.close()
    again = await client.get(f"/api/v1/batch/{job_30k}/stats")
    assert again.status == 200 and (await again.json())["total"] == ROWS
