"""The upload form: a 4xx stores nothing, a 202 stores everything; fields in any order, every value
checked, one file part (issue 18, items 1 to 3)."""

from __future__ import annotations

import aiohttp
import psycopg
import pytest

from service.app import create_app
from tests.integration.slow_clients import BOUNDARY, multipart_head

pytestmark = pytest.mark.integration

SMI = b"CCO ethanol\nCCN ethylamine\nc1ccccc1 benzene\n"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=10_000)))


def _jobs(database_url: str) -> list[dict]:
    with psycopg.connect(database_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT id, format, total, priority, options FROM jobs").fetchall()


def _form(*parts: tuple[str, object]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in parts:
        if name == "file":
            form.add_field("file", value, filename="mols.smi")
        else:
            form.add_field(name, value)
    return form


async def _post(client, form) -> tuple[int, dict]:
    response = await client.post("/api/v1/batch/upload", data=form)
    return response.status, await response.json()


async def test_a_body_without_its_closing_boundary_is_a_400_and_stores_nothing(client, database_url):
    body = multipart_head("mols.smi") + SMI + b"CCC propane"  # no CRLF--boundary-- at the end
    response = await client.post("/api/v1/batch/upload", data=body, headers=MULTIPART)
    answer = await response.json()
    assert response.status == 400 and answer["error"] == "bad_multipart", answer
    assert _jobs(database_url) == []


async def test_smiles_column_after_the_file_is_a_400_naming_it_and_stores_nothing(client, database_url):
    status, body = await _post(client, _form(("file", b"SMILES,Name\nCCO,ethanol\n"), ("smiles_column", "SMILES")))
    assert status == 400 and body["error"] == "field_after_file", body
    assert "smiles_column" in body["detail"]
    assert _jobs(database_url) == []


async def test_flags_and_priority_after_the_file_apply(client, database_url):
    status, body = await _post(client, _form(("file", SMI), ("include_standardization", "true"),
                                             ("priority", "high")))
    assert status == 202, body
    [job] = _jobs(database_url)
    assert job["options"]["include_standardization"] is True and job["priority"] == "high"
    assert job["options"]["include_chembl_alerts"] is False


@pytest.mark.parametrize("field, value", [("include_standardization", "perhaps"), ("priority", "urgent"),
                                          ("include_chembl_alerts", "2")])
async def test_an_invalid_value_after_the_file_is_a_422_and_stores_nothing(client, database_url, field, value):
    status, body = await _post(client, _form(("file", SMI), (field, value)))
    assert status == 422 and body["error"] == "invalid_option", body
    assert field in body["detail"]
    assert _jobs(database_url) == []


async def test_a_second_file_part_is_a_400_and_stores_nothing(client, database_url):
    status, body = await _post(client, _form(("file", SMI), ("file", SMI)))
    assert status == 400 and body["error"] == "duplicate_file", body
    assert _jobs(database_url) == []


async def test_a_repeated_field_is_a_400(client, database_url):
    status, body = await _post(client, _form(("priority", "low"), ("priority", "high"), ("file", SMI)))
    assert status == 400 and body["error"] == "duplicate_field" and "priority" in body["detail"], body
    assert _jobs(database_url) == []


async def test_a_v3000_name_in_a_csv_keeps_it_a_csv_and_the_job_says_why(client, database_url):
    csv = b"SMILES,Name\nCCO,ethanol\nCCN,Reagent kit V3000\nCCC,propane\n"
    form = aiohttp.FormData()
    form.add_field("file", csv, filename="kit.csv")
    status, body = await _post(client, form)
    assert status == 202 and body["total_molecules"] == 3, body
    assert body["format"] == "csv" and "header" in body["format_reason"]
    page = await (await client.get(f"/api/v1/batch/{body['job_id']}")).json()
    assert page["format"] == "csv" and page["format_reason"] == body["format_reason"]
    [job] = _jobs(database_url)
    assert job["format"] == "csv" and job["options"]["format_reason"] == body["format_reason"]
