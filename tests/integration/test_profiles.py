"""Scoring profiles on a real server: ChemAudit's presets and CRUD routes, `profile_id` on upload,
each molecule's score, the statistics and sort_by=profile_score (issue 13, item 4)."""

from __future__ import annotations

import aiohttp
import psycopg
import pytest

from service.app import create_app
from service.http.auth import hash_key
from tests.integration.helpers import upload, wait_for_status
from tests.integration.profile_oracle import expected_score, item_properties
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

PRESET_NAMES = ["Drug-like (Lipinski)", "Lead-like", "Fragment-like (Rule of 3)", "CNS-penetrant",
                "Ghose (Amgen)", "Veber (GSK)", "PPI-like", "NP-like"]
RESPONSE_FIELDS = ["name", "description", "thresholds", "weights", "id", "is_preset", "is_active",
                   "created_at", "updated_at"]
MINE = {"name": "Oral lead", "description": "MW and logP window",
        "thresholds": {"mw": {"min": 250, "max": 450}, "logp": {"min": 0, "max": 3.5}, "tpsa": {"min": 20, "max": 120}},
        "weights": {"mw": 2.0, "logp": 1.0, "tpsa": 0.5}}


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=10_000)))


async def test_the_presets_are_chemaudits_and_read_only(client):
    response = await client.get("/api/v1/profiles")
    profiles = await response.json()
    assert response.status == 200
    assert [p["name"] for p in profiles] == sorted(PRESET_NAMES)  # presets first, then by name
    assert all(list(p) == RESPONSE_FIELDS and p["is_preset"] for p in profiles)
    lipinski = next(p for p in profiles if p["name"] == "Drug-like (Lipinski)")
    assert lipinski["thresholds"]["mw"] == {"min": 0, "max": 500} and lipinski["weights"]["hba"] == 1.0
    for method in ("PUT", "DELETE"):
        response = await client.request(method, f"/api/v1/profiles/{lipinski['id']}", json={"name": "x"})
        body = await response.json()
        assert response.status == 400 and body["error"] == "preset_read_only", body
    assert (await (await client.get(f"/api/v1/profiles/{lipinski['id']}")).json())["name"] == lipinski["name"]


async def test_create_read_update_duplicate_export_import_delete(client):
    response = await client.post("/api/v1/profiles", json=MINE)
    created = await response.json()
    assert response.status == 201 and list(created) == RESPONSE_FIELDS, created
    assert created["thresholds"]["mw"] == {"min": 250, "max": 450} and created["is_preset"] is False
    pid = created["id"]
    response = await client.put(f"/api/v1/profiles/{pid}", json={"name": "Oral lead v2",
                                                                 "thresholds": {"mw": {"min": 200, "max": 500}}})
    updated = await response.json()
    assert response.status == 200 and updated["name"] == "Oral lead v2", updated
    assert updated["thresholds"] == {"mw": {"min": 200, "max": 500}}
    assert updated["weights"] == {"mw": 2.0}  # weights of dropped properties go with them
    exported = await (await client.get(f"/api/v1/profiles/{pid}/export")).json()
    assert exported == {"name": "Oral lead v2", "description": "MW and logP window",
                        "thresholds": {"mw": {"min": 200, "max": 500}}, "weights": {"mw": 2.0}}
    response = await client.post("/api/v1/profiles/import", json={**exported, "name": "Imported"})
    assert response.status == 201 and (await response.json())["thresholds"] == exported["thresholds"]
    preset = (await (await client.get("/api/v1/profiles")).json())[0]
    response = await client.post(f"/api/v1/profiles/{preset['id']}/duplicate", json={"name": "My CNS"})
    copy = await response.json()
    assert response.status == 201 and copy["description"] == f"Copy of {preset['name']}" and not copy["is_preset"]
    assert (await client.delete(f"/api/v1/profiles/{pid}")).status == 204
    response = await client.get(f"/api/v1/profiles/{pid}")
    assert response.status == 404 and (await response.json())["error"] == "profile_not_found"
    names = [p["name"] for p in await (await client.get("/api/v1/profiles")).json()]
    assert "Oral lead v2" not in names and {"Imported", "My CNS"} <= set(names)


@pytest.mark.parametrize("body, status, words", [
    ({**MINE, "thresholds": {"molwt": {"min": 0, "max": 500}}}, 422, "molwt"),
    ({**MINE, "thresholds": {"mw": {"min": 500, "max": 100}}}, 422, "greater than"),
    ({**MINE, "thresholds": {"mw": {"min": "a lot"}}}, 422, "thresholds.mw.min"),
    ({**MINE, "thresholds": {"mw": {}}}, 422, "min, a max"),
    ({**MINE, "thresholds": {}}, 422, "at least one"),
    ({**MINE, "weights": {"hbd": 1.0}}, 422, "no threshold"),
    ({**MINE, "weights": {"mw": -1}}, 422, "0 or more"),
    ({**MINE, "name": ""}, 422, "name"),
    ({**MINE, "name": "x" * 101}, 422, "name"),
])
async def test_bad_profiles_are_422_naming_the_problem(client, body, status, words):
    response = await client.post("/api/v1/profiles", json=body)
    answer = await response.json()
    assert response.status == status and set(answer) == {"error", "detail"}, answer
    assert words in answer["detail"]


async def test_bad_requests_and_unknown_profiles(client):
    response = await client.post("/api/v1/profiles", data=b"not json", headers={"Content-Type": "application/json"})
    assert response.status == 400 and set(await response.json()) == {"error", "detail"}
    for path in ("/api/v1/profiles/999", "/api/v1/profiles/abc", "/api/v1/profiles/999/export"):
        response = await client.get(path)
        assert response.status == 404 and (await response.json())["error"] == "profile_not_found"
    response = await client.post("/api/v1/profiles/999/duplicate", json={"name": "copy"})
    assert response.status == 404


async def test_with_api_keys_a_profile_is_its_owners(settings, aiohttp_client):
    keyed = settings.replace(api_key_hashes=f"{hash_key('alice-key')},{hash_key('bob-key')}")
    client = await aiohttp_client(create_app(keyed))
    alice, bob = {"X-API-Key": "alice-key"}, {"X-API-Key": "bob-key"}
    created = await (await client.post("/api/v1/profiles", json=MINE, headers=alice)).json()
    assert (await client.get(f"/api/v1/profiles/{created['id']}", headers=bob)).status == 404
    assert (await client.delete(f"/api/v1/profiles/{created['id']}", headers=bob)).status == 404
    bobs = [p["name"] for p in await (await client.get("/api/v1/profiles", headers=bob)).json()]
    assert MINE["name"] not in bobs and len(bobs) == len(PRESET_NAMES)
    assert (await client.get(f"/api/v1/profiles/{created['id']}", headers=alice)).status == 200
    assert (await client.get("/api/v1/profiles")).status == 401


async def test_an_upload_with_a_profile_scores_every_molecule(client, start_worker, database_url):
    start_worker()
    profile = await (await client.post("/api/v1/profiles", json=MINE)).json()
    job_id = (await upload(client, NCI_SDF_200, profile_id=profile["id"]))["job_id"]
    await wait_for_status(client, job_id, lambda body: body["status"] == "complete", timeout=120)
    # Editing the profile afterwards leaves the job as it was scored.
    await client.put(f"/api/v1/profiles/{profile['id']}", json={"thresholds": {"mw": {"min": 0, "max": 1}}})
    items = []
    for page in (1, 2):
        body = await (await client.get(f"/api/v1/batch/{job_id}", params={"page": page, "page_size": 100})).json()
        items += body["results"]
    scored = [item for item in items if item["status"] == "success"]
    assert len(items) == 200 and len(scored) > 150
    for item in scored:
        block = item["scoring"]["profile"]
        assert block["profile_id"] == profile["id"] and block["profile_name"] == "Oral lead"
        assert block["score"] == pytest.approx(expected_score(item_properties(item), MINE["thresholds"],
                                                              MINE["weights"]), abs=0.05), item["name"]
        assert set(block["properties"]) == {"mw", "logp", "tpsa"}
        mw = block["properties"]["mw"]
        assert mw["value"] == item["scoring"]["druglikeness"]["molecular_weight"]
        assert mw["in_range"] == (250 <= mw["value"] <= 450) and (mw["min"], mw["max"]) == (250, 450)
    stats = body["statistics"]
    scores = [item["scoring"]["profile"]["score"] for item in scored]
    assert stats["avg_profile_score"] == pytest.approx(sum(scores) / len(scores), abs=0.05)
    assert stats["profile_compliance_rate"] == pytest.approx(
        100 * sum(s >= 80 for s in scores) / len(scores), abs=0.05)
    ranked = await (await client.get(f"/api/v1/batch/{job_id}", params={
        "sort_by": "profile_score", "sort_dir": "desc", "page_size": 100})).json()
    top = [item["scoring"]["profile"]["score"] for item in ranked["results"] if item["status"] == "success"]
    assert top == sorted(scores, reverse=True)[:len(top)]
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT options -> 'profile' FROM jobs WHERE id = %s", (job_id,)).fetchone()[0]
    assert stored["thresholds"] == MINE["thresholds"]
    exported = await (await client.get(f"/api/v1/batch/{job_id}/export", params={"format": "json"})).json()
    by_index = {item["index"]: item for item in scored}
    for item in exported["results"]:
        if item["status"] == "success":
            assert item["scoring"]["profile"] == by_index[item["index"]]["scoring"]["profile"]


async def test_a_job_without_a_profile_has_no_profile_fields(client, start_worker):
    start_worker()
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    await wait_for_status(client, job_id, lambda body: body["status"] == "complete", timeout=120)
    body = await (await client.get(f"/api/v1/batch/{job_id}", params={"sort_by": "profile_score"})).json()
    assert "avg_profile_score" not in body["statistics"]
    assert all("profile" not in (item["scoring"] or {}) for item in body["results"])
    assert [item["index"] for item in body["results"]] == list(range(50))  # no scores: index order


async def test_an_unknown_or_malformed_profile_id_refuses_the_upload_and_stores_nothing(client, database_url):
    for value, status in (("999", 404), ("abc", 422), ("-3", 422)):
        form = aiohttp.FormData()
        form.add_field("profile_id", value)
        form.add_field("file", NCI_SDF_200.read_bytes(), filename=NCI_SDF_200.name)
        response = await client.post("/api/v1/batch/upload", data=form)
        body = await response.json()
        assert response.status == status and set(body) == {"error", "detail"}, body
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 0
