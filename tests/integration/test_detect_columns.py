"""POST /api/v1/batch/detect-columns on a real server: ChemAudit's fields, real files, only the
first bytes read (issue 13, item 1)."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io

import aiohttp
import pytest

from service.app import create_app
from service.http.detect_columns import DETECT_BYTES
from tests.integration.slow_clients import BOUNDARY
from tests.support.molecules import DATA, nci_smiles

pytestmark = pytest.mark.integration

CHEMAUDIT_FIELDS = ["columns", "suggested_smiles", "suggested_name", "column_samples", "row_count_estimate",
                    "file_size_mb"]
WEHI = DATA / "Pains" / "test_data" / "wehi_mols.csv"
TPSA_200 = DATA / "NCI" / "first_200.tpsa.csv"


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings))


def nci_csv(count: int) -> bytes:
    rows = ["ID,canonical_smiles,MW,Name"] + [f"NSC-{i},{smiles},{100 + i},{name}"
                                             for i, (smiles, name) in enumerate(nci_smiles(count))]
    return ("\n".join(rows) + "\n").encode()


async def detect(client, data: bytes, filename: str, **fields) -> tuple[int, dict]:
    form = aiohttp.FormData()
    for key, value in fields.items():
        form.add_field(key, str(value))
    form.add_field("file", data, filename=filename)
    response = await client.post("/api/v1/batch/detect-columns", data=form)
    return response.status, await response.json()


async def test_a_small_csv_gets_its_columns_suggestions_samples_and_exact_count(client):
    data = nci_csv(300)
    status, body = await detect(client, data, "library.csv")
    assert status == 200, body
    assert list(body)[:6] == CHEMAUDIT_FIELDS
    assert body["columns"] == ["ID", "canonical_smiles", "MW", "Name"]
    assert body["suggested_smiles"] == "canonical_smiles"
    assert body["suggested_name"] == "Name"  # the column an upload takes names from, not "ID"
    first = next(csv.DictReader(io.StringIO(data.decode())))
    assert body["column_samples"] == dict(first)
    assert body["row_count_estimate"] == 300 and body["row_count_exact"] is True
    assert body["file_size_mb"] == round(len(data) / 1024 / 1024, 2)
    assert body["has_header"] is True and body["format"] == "csv"


async def test_a_headerless_file_gets_chemaudits_synthetic_columns(client):
    status, body = await detect(client, TPSA_200.read_bytes(), TPSA_200.name)  # a comment line, then rows
    assert status == 200, body
    assert body["has_header"] is False
    assert body["columns"] == ["SMILES", "col_1"]
    assert body["suggested_smiles"] == "SMILES" and body["suggested_name"] is None
    assert body["row_count_estimate"] == 200 and body["row_count_exact"] is True


async def test_a_larger_file_is_estimated_from_its_first_bytes(client):
    data = WEHI.read_bytes()  # 10,000 quoted, headerless rows: more than is read
    assert len(data) > DETECT_BYTES
    status, body = await detect(client, data, WEHI.name)
    assert status == 200, body
    assert body["row_count_exact"] is False and body["sampled_bytes"] < len(data)
    assert body["columns"][0] == "SMILES"
    assert 9_000 <= body["row_count_estimate"] <= 11_000


async def test_a_gzipped_csv_is_read_and_estimated_through_its_compression(client):
    plain = nci_csv(20_000)
    packed = gzip.compress(plain)
    status, body = await detect(client, packed, "library.csv.gz")
    assert status == 200, body
    assert body["columns"] == ["ID", "canonical_smiles", "MW", "Name"]
    assert body["file_size_mb"] == round(len(packed) / 1024 / 1024, 2)
    assert 18_000 <= body["row_count_estimate"] <= 22_000


async def test_a_tsv_and_a_smiles_file(client):
    tsv = b"SMILES\tName\n" + b"".join(f"{s}\t{n}\n".encode() for s, n in nci_smiles(50))
    status, body = await detect(client, tsv, "mols.tsv")
    assert status == 200 and body["columns"] == ["SMILES", "Name"] and body["format"] == "tsv", body
    smi = (DATA / "NCI" / "first_5K.smi").read_bytes()
    status, body = await detect(client, smi, "first_5K.smi")
    assert status == 200, body
    assert body["format"] == "smiles" and body["columns"] == ["SMILES", "col_1"]
    assert 4_500 <= body["row_count_estimate"] <= 5_500


async def test_a_gigabyte_file_is_answered_from_its_first_bytes(client):
    """The body is a declared 1 GB file sent from a generator that stops after 4 MiB until the
    answer arrives: a server that read the whole body would never answer."""
    line = "".join(f"NSC-{i},{s},{n}\n" for i, (s, n) in enumerate(nci_smiles(200))).encode()
    total = 1024 ** 3
    answered = asyncio.Event()
    sent = 0

    async def body():
        nonlocal sent
        yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file_size\"\r\n\r\n{total}\r\n"
               f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.csv\"\r\n"
               "Content-Type: text/csv\r\n\r\nID,SMILES,Name\n").encode()
        while sent < total:
            if sent >= 4 * 1024 * 1024:
                await asyncio.wait_for(answered.wait(), 60)
                return  # the answer came: the rest is never sent
            piece = line * (1024 * 1024 // len(line) + 1)
            sent += len(piece)
            yield piece

    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    response = await client.post("/api/v1/batch/detect-columns", data=body(), headers=headers)
    answered.set()
    result = await response.json()
    assert response.status == 200, result
    assert sent <= 5 * 1024 * 1024  # answered long before the end
    assert result["columns"] == ["ID", "SMILES", "Name"] and result["file_size_mb"] == 1024.0
    expected = total / (len(line) / 200)
    assert abs(result["row_count_estimate"] - expected) / expected < 0.05


@pytest.mark.parametrize("data, filename, status, code", [
    (b"", "empty.csv", 400, "bad_input"),
    (b"\n\n# only a comment\n", "blank.csv", 400, "bad_input"),
    ((DATA / "NCI" / "first_200.props.sdf").read_bytes(), "mols.sdf", 415, "not_delimited"),
    (b"\x89PNG\r\n\x1a\n" + bytes(2000), "picture.csv", 415, "unsupported_format"),
    (b"anything", "book.xlsx", 415, "unsupported_format"),
])
async def test_bad_files_are_4xx_with_error_and_detail(client, data, filename, status, code):
    got, body = await detect(client, data, filename)
    assert (got, body["error"]) == (status, code), body
    assert body["detail"]


async def test_bad_requests_are_4xx_with_error_and_detail(client):
    response = await client.post("/api/v1/batch/detect-columns", data=b"SMILES\nCCO\n")
    assert response.status == 400 and (await response.json())["error"] == "missing_file"
    form = aiohttp.FormData()
    form.add_field("smiles_column", "SMILES")
    response = await client.post("/api/v1/batch/detect-columns", data=form)
    assert response.status == 400 and (await response.json())["error"] == "missing_file"
    status, body = await detect(client, nci_csv(5), "x.csv", file_size="lots")
    assert status == 422 and "file_size" in body["detail"], body
    response = await client.get("/api/v1/batch/detect-columns")
    assert response.status == 405 and set(await response.json()) == {"error", "detail"}


async def test_an_empty_file_with_odd_fields_around_it_is_a_4xx(settings, aiohttp_client):
    """Found by schemathesis: an empty file part, then a field after it, was a 500."""
    from service.app import create_app

    client = await aiohttp_client(create_app(settings))
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"G]\x0c\"\r\n\r\n-100409446164\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file_size\"\r\n\r\n0289\r\n--{boundary}--\r\n")
    answer = await client.post("/api/v1/batch/detect-columns", data=body.encode("latin-1"),
                               headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert 400 <= answer.status < 500, await answer.text()
    assert set(await answer.json()) == {"error", "detail"}
