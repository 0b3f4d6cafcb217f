"""Exports of jobs with hostile names, through the real endpoint: formula-like text is guarded in
CSV/TSV (or raw on request) and a string in XLSX, every SD record stays one record, the JSON
document's statistics are of its own snapshot, and a client resetting mid-export is an info
line (499), not a server error. Real PostgreSQL, real worker threads, real sockets."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import socket
import struct
import time

import aiohttp
import openpyxl
import psycopg
import pytest
from aiohttp import web
from rdkit import Chem, RDLogger

from chemaudit.db import results_queries as rq
from service.app import create_app
from service.ops.metrics_registry import REGISTRY
from tests.integration.audited_jobs import (  # noqa: F401 (nci_job is a fixture)
    NCI_JOB_ROWS,
    audit_files,
    nci_job,
    result_rows,
)
from tests.integration.helpers import upload
from tests.support.molecules import write_csv
from tests.unit.export.rows import sd_records

pytestmark = pytest.mark.integration
RDLogger.DisableLog("rdApp.*")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SD_STARTS = ("$$$$", ">", "M  END")
HOSTILE = [("CCO", "=1+1"), ("c1ccccc1O", "$$$$"), ("CC(=O)O", "@SUM(A1)"),
           ('=HYPERLINK("http://evil.example","x")', "evil link"), ("CCN", "-2"), ("CCC", "+cmd|' /C calc'!A0"),
           ("OCC", "two\nlines"), ("CCOC", "M  END"), ("CCCl", "> <chemaudit_index>"),
           ("c1ccncc1", "'=already quoted"), ("CCBr", "$$$$x"), ("CCCC", "plain")]


def unguard(text: str, starts) -> str:
    return text[1:] if text.startswith("'") and text.lstrip("'").startswith(starts) else text


def one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def _sd_file(path):
    """Three NCI records; the middle one's title and one of its data values start with "$$$$"."""
    first, second, third = sd_records(3)
    lines = second.split("\n")
    lines[0] = "$$$$ not the end"
    second = "\n".join(lines) + "> <note>\n$$$$ still inside\n\n"
    path.write_text("".join(record + "$$$$\n" for record in (first, second, third)))
    return path


@pytest.fixture(scope="module")
def hostile_jobs(nci_job, tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("hostile")
    with (folder / "hostile.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([("SMILES", "Name"), *HOSTILE])
    csv_job, sd_job = audit_files(nci_job.settings, [(folder / "hostile.csv", {}),
                                                         (_sd_file(folder / "tricky.sdf"), {})])
    return csv_job, sd_job


@pytest.fixture
async def client(aiohttp_client, nci_job):
    return await aiohttp_client(create_app(nci_job.settings))


async def export(client, job_id: str, **params) -> bytes:
    response = await client.get(f"/api/v1/batch/{job_id}/export", params=params)
    assert response.status == 200, await response.text()
    return await response.read()


async def test_csv_and_tsv_exports_guard_formula_like_text(client, nci_job, hostile_jobs):
    job_id = hostile_jobs[0]
    stored = result_rows(nci_job.database_url, job_id)
    assert {row["name"] for row in stored} >= {"=1+1", "@SUM(A1)", "-2"}
    assert any(row["smiles"].startswith("=") and row["status"] == "error" for row in stored)
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        text = (await export(client, job_id, format=fmt)).decode("utf-8")
        table = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
        assert [int(line["index"]) for line in table] == [row["idx"] for row in stored]
        for row, line in zip(stored, table):
            for column in ("name", "smiles", "error", "inchikey", "canonical_smiles"):
                cell, value = line[column], row[column] or ""
                assert not cell.startswith(FORMULA_STARTS), (fmt, column, cell)
                assert unguard(cell, FORMULA_STARTS) == value
                if cell != value:
                    assert "\"'" + value.replace('"', '""') + '"' in text  # apostrophe, and quoted
        assert '"\'=1+1"' in text and "'-2" in text
        raw = (await export(client, job_id, format=fmt, raw_text="true")).decode("utf-8")
        raw_table = list(csv.DictReader(io.StringIO(raw, newline=""), delimiter=delimiter))
        assert [line["name"] for line in raw_table] == [row["name"] for row in stored]
        assert [line["smiles"] for line in raw_table] == [row["smiles"] for row in stored]
    bad = await client.get(f"/api/v1/batch/{job_id}/export", params={"format": "csv", "raw_text": "maybe"})
    assert bad.status == 422


async def test_xlsx_export_keeps_formula_like_text_as_strings(client, nci_job, hostile_jobs):
    job_id = hostile_jobs[0]
    stored = result_rows(nci_job.database_url, job_id)
    sheet = openpyxl.load_workbook(io.BytesIO(await export(client, job_id, format="xlsx"))).active
    lines = list(sheet.iter_rows())
    header = [cell.value for cell in lines[0]]
    assert len(lines) == 1 + len(stored)
    for row, line in zip(stored, lines[1:]):
        cells = dict(zip(header, line))
        for column in ("name", "smiles"):
            cell = cells[column]
            assert cell.value == row[column] and cell.data_type == "s", (column, cell.value)
            assert cell.quotePrefix == row[column].startswith(FORMULA_STARTS)


async def test_sdf_export_has_one_record_per_result(client, nci_job, hostile_jobs, tmp_path):
    for job_id in hostile_jobs:
        stored = result_rows(nci_job.database_url, job_id)
        path = tmp_path / f"{job_id}.sdf"
        path.write_bytes(await export(client, job_id, format="sdf"))
        supplier = Chem.SDMolSupplier(str(path), sanitize=False, removeHs=False)
        assert len(supplier) == len(stored)
        mols = list(supplier)
        for row, mol in zip(stored, mols):
            assert mol is not None and mol.GetProp("chemaudit_index") == str(row["idx"])
            # a title of its own (the uploaded record's, for an SD job), and the name as a data item
            titles = [mol.GetProp("chemaudit_name")] + ([mol.GetProp("_Name")] if job_id == hostile_jobs[0] else [])
            for read in titles:
                assert not read.startswith(SD_STARTS) and unguard(read, SD_STARTS) == one_line(row["name"])
    tricky = mols[1]
    assert tricky.GetProp("_Name") == "'$$$$ not the end" and tricky.GetProp("note") == "'$$$$ still inside"


async def test_json_export_gives_back_every_name(client, nci_job, hostile_jobs):
    job_id = hostile_jobs[0]
    stored = result_rows(nci_job.database_url, job_id)
    document = json.loads(await export(client, job_id, format="json"))
    assert [(item["index"], item["name"], item["smiles"]) for item in document["results"]] == [
        (row["idx"], row["name"], row["smiles"]) for row in stored]


async def test_json_statistics_are_read_in_the_exports_snapshot(client, nci_job, tmp_path, monkeypatch):
    """A result committed after the export's snapshot began, before its statistics are read,
    must not be counted in them: the document agrees with itself."""
    job_id = (await upload(client, write_csv(tmp_path / "running.csv", 500)))["job_id"]  # no worker: runs on
    copy_results(nci_job.database_url, nci_job.job_id, job_id, range(0, 200))  # 200 stored so far
    real_statistics = rq.statistics
    committed = []

    def statistics_after_a_new_result(job):
        if not committed:  # a worker commits one more result just now
            committed.append(copy_results(nci_job.database_url, nci_job.job_id, job_id, [200]))
        return real_statistics(job)

    monkeypatch.setattr(rq, "statistics", statistics_after_a_new_result)
    document = json.loads(await export(client, job_id, format="json"))
    assert committed == [1]
    assert document["status"] == "processing"
    assert document["statistics"]["total"] == document["total_results"] == len(document["results"])
    assert document["total_results"] == 200


def copy_results(database_url: str, from_job: str, to_job: str, indexes) -> int:
    """Store results of another job's molecules (same idx) as `to_job`'s, committed at once."""
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "INSERT INTO results (job_id, idx, name, smiles, status, error, score, canonical_smiles,"
            " inchikey, qed, sa_score, ml_score, lipinski_passed, issue_count, alert_count,"
            " failed_checks, alert_catalogs, detail)"
            " SELECT %s, idx, name, smiles, status, error, score, canonical_smiles,"
            " inchikey, qed, sa_score, ml_score, lipinski_passed, issue_count, alert_count,"
            " failed_checks, alert_catalogs, detail FROM results WHERE job_id = %s AND idx = ANY(%s)",
            (to_job, from_job, list(indexes))).rowcount


def _sample(name: str, labels: dict) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _reset_mid_download(port: int, path: str) -> int:
    """GET `path`, read the first bytes, stop reading until the server must wait, then reset."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    first = sock.recv(4096)
    time.sleep(1.0)  # the server's buffers fill and its writer pauses
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # with linger 0: RST
    return len(first)


@pytest.fixture(params=["as_chemaudit_web_runs", "handlers_cancelled"])
async def server_port(request, nci_job, aiohttp_client):
    """The app on a real port: as `chemaudit web` serves it (web.run_app's default: a handler
    runs on when its client leaves), or as aiohttp's test server does (handlers cancelled)."""
    if request.param == "handlers_cancelled":
        yield (await aiohttp_client(create_app(nci_job.settings))).server.port
        return
    runner = web.AppRunner(create_app(nci_job.settings))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield runner.addresses[0][1]
    await runner.cleanup()


async def test_a_client_resetting_mid_export_is_an_info_line_not_a_500(server_port, nci_job, caplog):
    caplog.set_level(logging.INFO)
    errors_before = _sample("chemaudit_http_requests_total", {"method": "GET", "status": "500"})
    gone_before = _sample("chemaudit_http_requests_total", {"method": "GET", "status": "499"})
    path = f"/api/v1/batch/{nci_job.job_id}/export?format=ndjson"
    assert await asyncio.to_thread(_reset_mid_download, server_port, path) > 0
    async with asyncio.timeout(20):
        while not [r for r in caplog.records if r.name == "chemaudit.http" and path.split("?")[0] in r.getMessage()]:
            await asyncio.sleep(0.05)
    line = next(r for r in caplog.records if r.name == "chemaudit.http" and "/export" in r.getMessage())
    assert line.levelno == logging.INFO and " 499 " in line.getMessage() and "went away" in line.getMessage()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert _sample("chemaudit_http_requests_total", {"method": "GET", "status": "500"}) == errors_before
    assert _sample("chemaudit_http_requests_total", {"method": "GET", "status": "499"}) == gone_before + 1
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{server_port}/api/v1/batch/{nci_job.job_id}/stats") as again:
            assert again.status == 200 and (await again.json())["total"] == NCI_JOB_ROWS
