"""include_profiling and include_safety_assessment on a real server with real workers: the blocks
under ChemAudit's keys in /results, the JSON export and /validate; their columns and the profile
score in the CSV export; a job without them reuses none of their results (issue 13, item 4)."""

from __future__ import annotations

import csv
import io
import json

import aiohttp
import pytest

from chemaudit.chemistry import AuditOptions, audit
from chemaudit.result_rows import DETAIL_COLUMNS, detail_values
from chemaudit.settings import Settings
from chemaudit_client.local_audit import LocalAudit
from chemaudit_client.progress import ProgressDisplay
from service.app import create_app
from tests.integration.helpers import upload, wait_for_status
from tests.integration.test_openapi import assert_conforms
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

BOTH = AuditOptions(include_profiling=True, include_safety_assessment=True)
PROFILING_KEYS = {"pfi", "stars", "abbott", "consensus_logp", "skin_permeation", "druglikeness", "scored_on"}
SAFETY_KEYS = {"cyp_softspots", "herg", "bro5", "reos", "complexity", "scored_on"}
COLUMNS = ["profile_score"] + [name for name, _path, _kind in DETAIL_COLUMNS]


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=10_000)))


async def _finished(client, **fields) -> str:
    job = (await upload(client, NCI_SDF_200, **fields))["job_id"]
    await wait_for_status(client, job, lambda body: body["status"] == "complete", timeout=180)
    return job


async def _items(client, job: str) -> list[dict]:
    items = []
    for page in (1, 2):
        body = await (await client.get(f"/api/v1/batch/{job}", params={"page": page, "page_size": 100})).json()
        items += body["results"]
    assert [item["index"] for item in items] == list(range(200))
    return items


def _records() -> list[str]:
    return [record + "$$$$\n" for record in NCI_SDF_200.read_text().split("$$$$\n") if record.strip()]


async def _csv(client, job: str) -> list[dict]:
    response = await client.get(f"/api/v1/batch/{job}/export", params={"format": "csv", "raw_text": "true"})
    assert response.status == 200
    return list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8"), newline="")))


def _cell(value) -> str:
    return "" if value is None else ("true" if value else "false") if isinstance(value, bool) else str(value)


async def test_an_upload_with_both_flags_stores_chemaudits_blocks(client, start_worker):
    document = await (await client.get("/api/v1/openapi.json")).json()
    start_worker()
    presets = await (await client.get("/api/v1/profiles")).json()
    job = await _finished(client, include_profiling="true", include_safety_assessment="true",
                          profile_id=presets[0]["id"])
    items = await _items(client, job)
    records = _records()
    succeeded = [item for item in items if item["status"] == "success"]
    assert len(succeeded) >= 190
    for item in items:
        if item["status"] != "success":
            assert item["profiling"] is None and item["safety_assessment"] is None
            continue
        assert set(item["profiling"]) == PROFILING_KEYS and set(item["safety_assessment"]) == SAFETY_KEYS
        assert isinstance(item["safety_assessment"]["cyp_softspots"], list)
    for item in succeeded[::10]:  # the worker's blocks are the chemistry's for the same record and options
        expected = audit(records[item["index"]], "mol", BOTH)
        assert item["profiling"] == expected["profiling"] and item["safety_assessment"] == expected["safety_assessment"]
    page = await client.get(f"/api/v1/batch/{job}", params={"page_size": 5})
    assert_conforms(document, "/api/v1/batch/{job_id}", "get", 200, await page.json())

    exported = json.loads(await (await client.get(f"/api/v1/batch/{job}/export", params={"format": "json"})).read())
    assert [item["index"] for item in exported["results"]] == list(range(200))
    assert list(exported["results"][0])[-3:] == ["standardization", "profiling", "safety_assessment"]
    by_index = {item["index"]: item for item in items}
    for item in exported["results"]:
        assert item["profiling"] == by_index[item["index"]]["profiling"]
        assert item["safety_assessment"] == by_index[item["index"]]["safety_assessment"]

    rows = await _csv(client, job)
    assert list(rows[0])[-len(COLUMNS):] == COLUMNS
    for row in rows:
        item = by_index[int(row["index"])]
        detail = {"profiling": item["profiling"], "safety_assessment": item["safety_assessment"]}
        assert {name: row[name] for name in COLUMNS[1:]} == {k: _cell(v) for k, v in detail_values(detail).items()}
        score = (item["scoring"] or {}).get("profile", {}).get("score")
        assert (float(row["profile_score"]) if row["profile_score"] else None) == score
    assert any(row["herg_risk"] == "high" for row in rows) and any(row["bro5_passed"] == "true" for row in rows)
    assert sum(row["pfi_score"] != "" for row in rows) == len(succeeded)
    assert sum(row["profile_score"] != "" for row in rows) == len(succeeded)


async def test_a_job_without_the_flags_has_no_blocks_and_reuses_none_of_their_results(client, start_worker, tmp_path):
    start_worker()
    with_blocks = await _finished(client, include_profiling="true", include_safety_assessment="true")
    # The export query's columns (SQL) are the local audit's (Python): the same file, byte for byte.
    served = await (await client.get(f"/api/v1/batch/{with_blocks}/export", params={"format": "csv"})).read()
    local = LocalAudit(NCI_SDF_200, tmp_path / "local.csv", "csv", jobs=1, settings=Settings(),
                       flags={"include_profiling": True, "include_safety_assessment": True})
    local.run(ProgressDisplay(io.StringIO(), label="audit", tty=False, plain_interval=60.0))
    assert (tmp_path / "local.csv").read_bytes() == served
    plain = await _finished(client)
    stats = (await (await client.get(f"/api/v1/batch/{plain}/stats")).json())
    assert stats["reused"] == 0  # another option set is another cache key
    assert all(item["profiling"] is None and item["safety_assessment"] is None for item in await _items(client, plain))
    rows = await _csv(client, plain)
    assert all(row[name] == "" for row in rows for name in COLUMNS)
    again = await _finished(client, include_profiling="true", include_safety_assessment="true")
    assert (await (await client.get(f"/api/v1/batch/{again}/stats")).json())["reused"] == 200
    assert await _items(client, again) == await _items(client, with_blocks)
    only_profile = await _finished(client, include_profiling="true")
    items = await _items(client, only_profile)
    assert all(item["safety_assessment"] is None for item in items)
    assert sum(item["profiling"] is not None for item in items) >= 190


async def test_validate_takes_both_flags(client):
    document = await (await client.get("/api/v1/openapi.json")).json()
    plain = await (await client.post("/api/v1/validate", json={"molecule": "CC(=O)Oc1ccccc1C(=O)O"})).json()
    assert plain["profiling"] is None and plain["safety_assessment"] is None
    response = await client.post("/api/v1/validate", json={"molecule": "CC(=O)Oc1ccccc1C(=O)O",
                                                           "include_profiling": True, "include_safety_assessment": True})
    answer = await response.json()
    assert response.status == 200, answer
    assert_conforms(document, "/api/v1/validate", "post", 200, answer)
    assert set(answer["profiling"]) == PROFILING_KEYS and set(answer["safety_assessment"]) == SAFETY_KEYS
    assert answer["profiling"]["abbott"]["abbott_score"] == 0.85  # aspirin, an acid of TPSA 64 (Martin 2005)
    assert answer["safety_assessment"]["herg"]["herg_risk"] == "low"
    bad = await client.post("/api/v1/validate", json={"molecule": "CCO", "include_profiling": "perhaps"})
    body = await bad.json()
    assert bad.status == 422 and body["error"] == "invalid_option" and "include_profiling" in body["detail"], body


async def test_the_upload_form_refuses_a_bad_flag_value(client):
    for field in ("include_profiling", "include_safety_assessment"):
        data = aiohttp.FormData()
        data.add_field(field, "maybe")
        data.add_field("file", b"CCO ethanol\n", filename="one.smi")
        response = await client.post("/api/v1/batch/upload", data=data)
        body = await response.json()
        assert response.status == 422 and field in body["detail"], body
