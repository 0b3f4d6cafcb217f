"""Real answers of detect-columns, subsets, profiles and /config validate against the OpenAPI document."""

from __future__ import annotations

import aiohttp
import pytest

from service.app import create_app
from tests.integration.helpers import upload, wait_for_status
from tests.integration.test_openapi import assert_conforms
from tests.support.molecules import NCI_SDF_200, nci_smiles

pytestmark = pytest.mark.integration

JOB = "/api/v1/batch/{job_id}"
PROFILE = "/api/v1/profiles/{profile_id}"


@pytest.fixture
async def client(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings.replace(upload_rate_per_minute=10_000)))


async def call(client, method: str, url: str, **kwargs) -> tuple[int, object]:
    response = await client.request(method, url, **kwargs)
    return response.status, (await response.json() if response.status != 204 else None)


async def test_answers_of_the_new_calls_conform_to_the_document(client, start_worker):
    document = await (await client.get("/api/v1/openapi.json")).json()
    start_worker()
    presets = await (await client.get("/api/v1/profiles")).json()
    job = (await upload(client, NCI_SDF_200, profile_id=presets[0]["id"]))["job_id"]
    await wait_for_status(client, job, lambda body: body["status"] == "complete", timeout=120)
    mine = {"name": "Mine", "thresholds": {"mw": {"min": 100, "max": 400}}, "weights": {"mw": 1}}
    status, created = await call(client, "POST", "/api/v1/profiles", json=mine)
    pid = created["id"]
    csv = ("SMILES,Name\n" + "".join(f"{s},{n}\n" for s, n in nci_smiles(40))).encode()
    calls = [
        ("get", "/api/v1/config", "/api/v1/config", {}),
        ("get", "/api/v1/profiles", "/api/v1/profiles", {}),
        ("get", PROFILE, f"/api/v1/profiles/{pid}", {}),
        ("get", PROFILE, "/api/v1/profiles/999", {}),
        ("put", PROFILE, f"/api/v1/profiles/{pid}", {"json": {"description": "changed"}}),
        ("put", PROFILE, f"/api/v1/profiles/{presets[0]['id']}", {"json": {"name": "no"}}),
        ("put", PROFILE, f"/api/v1/profiles/{pid}", {"json": {"thresholds": {"weight": {"max": 1}}}}),
        ("get", PROFILE + "/export", f"/api/v1/profiles/{pid}/export", {}),
        ("post", PROFILE + "/duplicate", f"/api/v1/profiles/{pid}/duplicate", {"json": {"name": "Copy"}}),
        ("post", "/api/v1/profiles/import", "/api/v1/profiles/import", {"json": mine}),
        ("get", JOB, f"/api/v1/batch/{job}", {"sort_by": "profile_score", "page_size": 5}),
        ("get", JOB + "/stats", f"/api/v1/batch/{job}/stats", {}),
        ("post", JOB + "/subset/score-inline", f"/api/v1/batch/{job}/subset/score-inline",
         {"json": {"indices": [0, 1, 2], "profile_id": pid}}),
        ("post", JOB + "/subset/score-inline", f"/api/v1/batch/{job}/subset/score-inline",
         {"json": {"indices": list(range(2000)), "profile_id": pid}}),
        ("post", JOB + "/subset/revalidate", f"/api/v1/batch/{job}/subset/revalidate", {"json": {"indices": [9]}}),
        ("post", JOB + "/subset/rescore", f"/api/v1/batch/{job}/subset/rescore",
         {"json": {"indices": [1, 2], "profile_id": pid}}),
        ("post", JOB + "/subset/rescore", f"/api/v1/batch/{job}/subset/rescore", {"json": {"indices": [500]}}),
        ("delete", PROFILE, f"/api/v1/profiles/{presets[0]['id']}", {}),
        ("delete", PROFILE, f"/api/v1/profiles/{pid}", {}),
    ]
    for method, path, url, kwargs in calls:
        params = {k: v for k, v in kwargs.items() if k != "json"}
        status, body = await call(client, method, url, params=params or None,
                                  **({"json": kwargs["json"]} if "json" in kwargs else {}))
        if body is None:
            assert str(status) in document["paths"][path][method]["responses"]
        else:
            assert_conforms(document, path, method, status, body)
        if method == "post" and "subset/re" in url and status == 200:
            await wait_for_status(client, body["new_job_id"], lambda b: b["status"] == "complete", timeout=60)
            child = await (await client.get(f"/api/v1/batch/{body['new_job_id']}/status")).json()
            assert_conforms(document, JOB + "/status", "get", 200, child)
    history = await (await client.get("/api/v1/batch")).json()
    assert_conforms(document, "/api/v1/batch", "get", 200, history)
    for filename, data in (("mols.csv", csv), ("mols.sdf", NCI_SDF_200.read_bytes())):
        form = aiohttp.FormData()
        form.add_field("file", data, filename=filename)
        status, body = await call(client, "POST", "/api/v1/batch/detect-columns", data=form)
        assert_conforms(document, "/api/v1/batch/detect-columns", "post", status, body)
