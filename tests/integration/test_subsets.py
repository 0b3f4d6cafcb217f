"""Subsets of a job on a real server: revalidate and rescore make new jobs linked to their parent,
followed like any job; score-inline answers at once (issue 13, item 2)."""

from __future__ import annotations

import aiohttp
import psycopg
import pytest

from service.app import create_app
from service.http.auth import hash_key
from service.http.subsets import INLINE_MAX
from tests.integration.helpers import follow, upload, wait_for_status
from tests.integration.profile_oracle import expected_score, item_properties
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

PICK = [150, 3, 5, 3, 42]  # unordered, with a repeat


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=10_000)))


async def audited(client, **fields) -> str:
    job_id = (await upload(client, NCI_SDF_200, **fields))["job_id"]
    await wait_for_status(client, job_id, lambda body: body["status"] == "complete", timeout=120)
    return job_id


async def items(client, job_id: str, **params) -> list[dict]:
    body = await (await client.get(f"/api/v1/batch/{job_id}", params={"page_size": 100, **params})).json()
    return body["results"]


async def test_revalidate_makes_a_fresh_job_of_the_selection_linked_to_its_parent(client, start_worker,
                                                                                  database_url):
    start_worker()
    parent = await audited(client, include_extended_safety="true")
    response = await client.post(f"/api/v1/batch/{parent}/subset/revalidate", json={"indices": PICK})
    answer = await response.json()
    assert response.status == 200, answer
    assert list(answer)[:4] == ["new_job_id", "source_job_id", "molecule_count", "action"]
    assert answer["source_job_id"] == parent and answer["action"] == "revalidate"
    assert answer["molecule_count"] == 4  # distinct indices
    child = answer["new_job_id"]
    messages, close_code = await follow(client, child)
    assert close_code == 1000 and messages[-1]["status"] == "complete" and messages[-1]["total"] == 4
    status = await (await client.get(f"/api/v1/batch/{child}/status")).json()
    assert status["parent_job_id"] == parent
    assert "parent_job_id" not in await (await client.get(f"/api/v1/batch/{parent}/status")).json()
    history = {job["job_id"]: job for job in (await (await client.get("/api/v1/batch")).json())["jobs"]}
    assert history[child]["parent_job_id"] == parent and history[parent]["parent_job_id"] is None
    assert history[child]["filename"] == "first_200_revalidate.props.sdf"

    before = {item["index"]: item for item in await items(client, parent, page=2)}
    before.update({item["index"]: item for item in await items(client, parent)})
    after = await items(client, child)
    assert [item["index"] for item in after] == [0, 1, 2, 3]
    for item, source in zip(after, sorted(set(PICK))):
        assert item["name"] == before[source]["name"]
        assert item["validation"]["inchikey"] == before[source]["validation"]["inchikey"]
        assert item["validation"]["overall_score"] == before[source]["validation"]["overall_score"]
    with psycopg.connect(database_url) as conn:
        options, reused = conn.execute("SELECT options, reused FROM jobs WHERE id = %s", (child,)).fetchone()
    assert options["include_extended_safety"] is True  # the parent's options
    assert options["reuse"] is False and reused == 0  # audited afresh, not taken from the cache


async def test_rescore_applies_a_profile_reusing_the_stored_audits(client, start_worker, database_url):
    start_worker()
    parent = await audited(client)
    presets = {p["name"]: p for p in await (await client.get("/api/v1/profiles")).json()}
    cns = presets["CNS-penetrant"]
    response = await client.post(f"/api/v1/batch/{parent}/subset/rescore",
                                 json={"indices": list(range(0, 200, 2)), "profile_id": cns["id"]})
    answer = await response.json()
    assert response.status == 200 and answer["action"] == "rescore" and answer["profile_id"] == cns["id"], answer
    child = answer["new_job_id"]
    await wait_for_status(client, child, lambda body: body["status"] == "complete", timeout=120)
    scored = [item for item in await items(client, child) if item["status"] == "success"]
    assert len(scored) > 80
    for item in scored:
        assert item["scoring"]["profile"]["profile_name"] == "CNS-penetrant"
        assert item["scoring"]["profile"]["score"] == pytest.approx(
            expected_score(item_properties(item), cns["thresholds"], cns["weights"]), abs=0.05)
    stats = await (await client.get(f"/api/v1/batch/{child}/stats")).json()
    assert stats["reused"] == 100 and stats["avg_profile_score"] is not None
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT parent_job_id FROM jobs WHERE id = %s", (child,)).fetchone()[0] is not None


async def test_score_inline_answers_with_each_molecules_profile_block(client, start_worker):
    start_worker()
    parent = await audited(client)
    presets = {p["name"]: p for p in await (await client.get("/api/v1/profiles")).json()}
    lead = presets["Lead-like"]
    response = await client.post(f"/api/v1/batch/{parent}/subset/score-inline",
                                 json={"indices": PICK, "profile_id": lead["id"]})
    answer = await response.json()
    assert response.status == 200, answer
    assert list(answer)[:3] == ["profile_name", "profile_id", "molecules"]
    assert answer["profile_name"] == "Lead-like" and answer["profile_id"] == lead["id"]
    by_index = {item["index"]: item for item in await items(client, parent)}
    by_index.update({item["index"]: item for item in await items(client, parent, page=2)})
    assert [m["index"] for m in answer["molecules"]] == sorted(set(PICK))
    for molecule in answer["molecules"]:
        item = by_index[molecule["index"]]
        assert list(molecule) == ["index", "name", "smiles", "profile"] and molecule["name"] == item["name"]
        want = expected_score(item_properties(item), lead["thresholds"], lead["weights"])
        assert molecule["profile"]["score"] == pytest.approx(want, abs=0.05) if want is not None \
            else molecule["profile"]["score"] is None
        assert set(molecule["profile"]["properties"]) == set(lead["thresholds"])


async def test_bad_subset_requests_are_4xx_with_error_and_detail(client, start_worker):
    start_worker()
    parent = await audited(client)
    base = f"/api/v1/batch/{parent}/subset"
    cases = [
        ("revalidate", {"indices": []}, 400, "missing_indices"),
        ("revalidate", {"indices": "1,2"}, 400, "missing_indices"),
        ("revalidate", {}, 400, "missing_indices"),
        ("revalidate", {"indices": [1, "2"]}, 422, "invalid_option"),
        ("revalidate", {"indices": [True]}, 422, "invalid_option"),
        ("rescore", {"indices": [0, 200, -1]}, 422, "index_out_of_range"),
        ("rescore", {"indices": [0], "profile_id": 999}, 404, "profile_not_found"),
        ("rescore", {"indices": [0], "profile_id": "lots"}, 422, "invalid_option"),
        ("score-inline", {"indices": [0]}, 400, "missing_profile_id"),
        ("score-inline", {"indices": list(range(INLINE_MAX + 1)), "profile_id": 1}, 413, "too_many_indices"),
    ]
    for action, body, status, code in cases:
        response = await client.post(f"{base}/{action}", json=body)
        answer = await response.json()
        assert (response.status, answer["error"]) == (status, code), (action, body, answer)
        assert set(answer) == {"error", "detail"}
    response = await client.post(f"{base}/score-inline",
                                 json={"indices": list(range(INLINE_MAX + 1)), "profile_id": 1})
    assert f"{INLINE_MAX:,}" in (await response.json())["detail"]
    response = await client.post(f"{base}/revalidate", data=b"[1, 2]", headers={"Content-Type": "application/json"})
    assert response.status == 400
    for job in ("00000000-0000-0000-0000-000000000000", "nope"):
        response = await client.post(f"/api/v1/batch/{job}/subset/revalidate", json={"indices": [0]})
        assert response.status == 404 and (await response.json())["error"] == "job_not_found"
    history = (await (await client.get("/api/v1/batch")).json())["jobs"]
    assert len(history) == 1  # no refused request made a job


async def test_with_api_keys_a_subset_job_is_the_callers_and_anothers_job_is_unknown(settings, aiohttp_client,
                                                                                   start_worker, database_url):
    start_worker()
    keyed = settings.replace(api_key_hashes=f"{hash_key('alice-key')},{hash_key('bob-key')}",
                             upload_rate_per_minute=10_000)
    client = await aiohttp_client(create_app(keyed))
    alice, bob = {"X-API-Key": "alice-key"}, {"X-API-Key": "bob-key"}
    form = aiohttp.FormData()
    form.add_field("file", NCI_SDF_200.read_bytes(), filename=NCI_SDF_200.name)
    parent = (await (await client.post("/api/v1/batch/upload", data=form, headers=alice)).json())["job_id"]
    response = await client.post(f"/api/v1/batch/{parent}/subset/revalidate", json={"indices": [1]}, headers=bob)
    assert response.status == 404
    response = await client.post(f"/api/v1/batch/{parent}/subset/revalidate", json={"indices": [1, 2]}, headers=alice)
    child = (await response.json())["new_job_id"]
    with psycopg.connect(database_url) as conn:
        owners = dict(conn.execute("SELECT id::text, owner FROM jobs").fetchall())
    assert owners[child] == owners[parent] == hash_key("alice-key")[:32]
    assert (await client.get(f"/api/v1/batch/{child}/status", headers=bob)).status == 404
