"""Exports: every format of a 30,000-molecule job has exactly 30,000 data rows (SD files: every
row of the 2,010-row job), streamed in memory that does not grow with the job; filters apply;
SD records keep their coordinates.

The 30,000-molecule job is built to keep the suite fast: the shared 2,000-molecule job (audited
by the real pipeline) is copied in SQL into a new job of 30,000 distinct indexes (2,010 real
results and inputs, repeated and renamed) - the export path cannot tell the difference.
"""

from __future__ import annotations

import csv
import json
import re
import tracemalloc
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import psycopg
import pytest
from rdkit import Chem

from service.app import create_app
from tests.integration.audited_jobs import NCI_JOB_ROWS, audit_files, job_30k, nci_job  # noqa: F401 (fixtures)
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

ROWS = 30_000
FORMATS = ("csv", "tsv", "sdf", "json", "ndjson", "xlsx")
SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ITEM_INDEX = re.compile(r'\{"index" ?: ?(\d+),')
MEMORY: dict[str, dict] = {}  # what each download measured, for the record


@pytest.fixture
async def client(aiohttp_client, nci_job):
    return await aiohttp_client(create_app(nci_job.settings))


def _rss_kib() -> tuple[int, int]:
    """(current, peak) resident memory of this process, in KiB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def _reset_rss_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: peak := current
        return True
    except OSError:
        return False


async def download(client, job_id: str, path, trace: bool = False, **params) -> tuple[dict, dict]:
    """Stream the export into a file, measuring memory while it streams: the growth of the
    resident peak over the resident size before it, and with `trace` the peak of Python's own
    allocations. Server and client share this process, so the figures cover both."""
    memory = {}
    measured_rss = _reset_rss_peak()
    before = _rss_kib()[0]
    if trace:
        tracemalloc.start()
    try:
        response = await client.get(f"/api/v1/batch/{job_id}/export", params=params)
        assert response.status == 200, await response.text()
        with path.open("wb") as out:
            async for piece in response.content.iter_chunked(1 << 16):
                out.write(piece)
        if trace:
            memory["traced_peak"] = tracemalloc.get_traced_memory()[1]
    finally:
        if trace:
            tracemalloc.stop()
    if measured_rss:
        memory["rss_growth"] = (_rss_kib()[1] - before) * 1024
    return dict(response.headers), memory


def indexes(fmt: str, path) -> list[int]:
    """The index of every data row of an export file, read the way its consumers would."""
    if fmt in ("csv", "tsv"):
        with path.open(newline="", encoding="utf-8") as handle:
            table = csv.reader(handle, delimiter="," if fmt == "csv" else "\t")
            assert next(table)[0] == "index"
            return [int(line[0]) for line in table]
    if fmt in ("json", "ndjson"):  # json: one item a line between the header and the closing "]}"
        with path.open(encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        if fmt == "json":
            header = json.loads(lines[0] + "]}")
            assert header["total_results"] == len(lines) - 2 and lines[-1] == "]}"
            lines = [line.rstrip(",") for line in lines[1:-1]]
        found = [int(ITEM_INDEX.match(line).group(1)) for line in lines]
        for line in lines[::97]:  # a sample parsed in full (the whole of a smaller job elsewhere)
            item = json.loads(line)
            assert set(item) == {"index", "name", "smiles", "status", "error", "validation", "alerts",
                                 "scoring", "standardization", "profiling", "safety_assessment"}
        return found
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
async def test_every_format_has_every_row(client, nci_job, job_30k, tmp_path, fmt):
    # An SD record is made with RDKit (about 2 ms each), so SD files are checked on the audited
    # 2,010-row job itself: the same streaming path at a fifteenth of the rows.
    job, rows, stem = ((nci_job.job_id, NCI_JOB_ROWS, "nci_2k") if fmt == "sdf"
                       else (job_30k, ROWS, "copies_nci_2k"))
    headers, memory = await download(client, job, tmp_path / f"export.{fmt}", trace=fmt == "json",
                                     format=fmt)
    MEMORY[f"{fmt} {rows}"] = memory
    assert headers["X-Total-Results"] == str(rows)
    assert headers["Content-Disposition"].startswith(f'attachment; filename="{stem}_results.{fmt}"')
    assert indexes(fmt, tmp_path / f"export.{fmt}") == list(range(rows))
    size = (tmp_path / f"export.{fmt}").stat().st_size
    print(f"\n{fmt}: {rows} rows, {size / 1e6:.1f} MB, resident peak grew "
          f"{memory.get('rss_growth', 0) / 1e6:.1f} MB while it streamed")


async def test_memory_does_not_grow_with_the_job(client, nci_job, job_30k, tmp_path):
    """The JSON export (the largest rows) of 2,010 and of 30,000 rows peaks at the same memory."""
    _, small = await download(client, nci_job.job_id, tmp_path / "small", trace=True, format="json")
    MEMORY[f"json {NCI_JOB_ROWS}"] = small
    document = json.loads((tmp_path / "small").read_text())  # the whole document, parsed
    assert len(document["results"]) == document["total_results"] == NCI_JOB_ROWS
    if "traced_peak" not in MEMORY.get(f"json {ROWS}", {}):  # measured already by the test above
        _, MEMORY[f"json {ROWS}"] = await download(client, job_30k, tmp_path / "large", trace=True,
                                                   format="json")
    large = MEMORY[f"json {ROWS}"]
    size = 30_000 / NCI_JOB_ROWS * (tmp_path / "small").stat().st_size
    print(f"\njson: Python allocations peaked at {small['traced_peak'] / 1e6:.1f} MB for {NCI_JOB_ROWS:,} rows, "
          f"{large['traced_peak'] / 1e6:.1f} MB for {ROWS} rows (about {size / 1e6:.0f} MB streamed)")
    assert large["traced_peak"] < 1.5 * small["traced_peak"] + 8e6, (small, large)
    assert large["traced_peak"] < size / 8


async def test_filters_and_sorts_apply_to_exports(client, nci_job, tmp_path):
    job = nci_job.job_id
    with psycopg.connect(nci_job.database_url) as conn:
        catalog = conn.execute(
            "SELECT c, count(*) FROM results, unnest(alert_catalogs) c WHERE job_id = %s"
            " GROUP BY c ORDER BY 2 DESC LIMIT 1", (job,)).fetchone()[0]
        wanted = [row[0] for row in conn.execute(
            "SELECT idx FROM results WHERE job_id = %s AND status = 'success' AND score >= 60"
            " AND %s = ANY(alert_catalogs) ORDER BY qed DESC NULLS LAST, idx", (job, catalog))]
    params = {"status_filter": "success", "min_score": "60", "alert_filter": catalog,
              "sort_by": "qed", "sort_dir": "desc"}
    for fmt in ("tsv", "ndjson", "sdf"):
        headers, _ = await download(client, job, tmp_path / fmt, format=fmt, **params)
        assert headers["X-Total-Results"] == str(len(wanted))
        assert indexes(fmt, tmp_path / fmt) == wanted


@pytest.fixture(scope="module")
def sdf_job(nci_job) -> str:
    """RDKit's NCI SD file (200 records with 2D coordinates and data items), really audited."""
    return audit_files(nci_job.settings, [(NCI_SDF_200, {})])[0]


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
