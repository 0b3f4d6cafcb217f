"""Keys stay out of URLs: a ticket from POST /api/v1/tickets opens sockets and downloads (GET
only), the key in the query still works but is counted as deprecated, and a ticket buys nothing else."""

from __future__ import annotations

import aiohttp
import pytest

from service.app import create_app
from service.http.auth import hash_key
from tests.integration.helpers import follow
from tests.support.molecules import write_csv

pytestmark = pytest.mark.integration
ALICE = {"X-API-Key": "alice-key"}


@pytest.fixture
async def keyed(settings, aiohttp_client):
    return await aiohttp_client(create_app(settings.replace(
        api_key_hashes=f"{hash_key('alice-key')},{hash_key('bob-key')}")))


async def ticket_for(client, headers=ALICE, **params) -> aiohttp.ClientResponse:
    return await client.post("/api/v1/tickets", headers=headers, params=params or None)


async def upload_as(client, path, headers=ALICE) -> str:
    form = aiohttp.FormData()
    form.add_field("file", path.read_bytes(), filename=path.name)
    answer = await client.post("/api/v1/batch/upload", data=form, headers=headers)
    assert answer.status == 202, await answer.text()
    return (await answer.json())["job_id"]


async def test_a_ticket_opens_the_job_socket_and_the_export(keyed, start_worker, tmp_path):
    job_id = await upload_as(keyed, write_csv(tmp_path / "a.csv", 30))
    start_worker()
    answer = await ticket_for(keyed)
    assert answer.status == 201
    body = await answer.json()
    assert body["expires_in"] == 60 and "alice-key" not in body["ticket"]
    messages, code = await follow(keyed, job_id, ticket=body["ticket"])
    assert code == 1000 and messages[-1]["status"] == "complete"
    exported = await keyed.get(f"/api/v1/batch/{job_id}/export", params={"format": "csv", "ticket": body["ticket"]})
    assert exported.status == 200 and (await exported.text()).count("\n") == 31


async def test_a_ticket_is_not_a_key_for_anything_but_reading(keyed, tmp_path):
    job_id = await upload_as(keyed, write_csv(tmp_path / "a.csv", 10))
    ticket = (await (await ticket_for(keyed)).json())["ticket"]
    form = aiohttp.FormData()
    form.add_field("file", write_csv(tmp_path / "b.csv", 5).read_bytes(), filename="b.csv")
    refused = [
        await keyed.post("/api/v1/batch/upload", data=form, params={"ticket": ticket}),
        await keyed.delete(f"/api/v1/batch/{job_id}", params={"ticket": ticket}),
        await ticket_for(keyed, headers={}, ticket=ticket),  # no ticket for a ticket: it cannot be kept alive
    ]
    for answer in refused:
        assert answer.status == 401, await answer.text()
        assert (await answer.json())["error"] == "unauthorized"
    assert (await keyed.get(f"/api/v1/batch/{job_id}/status", params={"ticket": ticket})).status == 200


async def test_a_ticket_reads_only_its_owners_jobs_and_a_forged_one_nothing(keyed, tmp_path):
    job_id = await upload_as(keyed, write_csv(tmp_path / "a.csv", 10))
    bobs = (await (await ticket_for(keyed, headers={"X-API-Key": "bob-key"})).json())["ticket"]
    assert (await keyed.get(f"/api/v1/batch/{job_id}/status", params={"ticket": bobs})).status == 404
    alices = (await (await ticket_for(keyed)).json())["ticket"]
    forged = alices[:-2] + ("00" if not alices.endswith("00") else "11")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await keyed.ws_connect(f"/ws/batch/{job_id}", params={"ticket": forged})
    assert refused.value.status == 401
    assert (await ticket_for(keyed, headers={"X-API-Key": "mallory-key"})).status == 401


async def test_the_key_in_the_query_still_works_and_is_counted_as_deprecated(keyed, tmp_path, caplog):
    job_id = await upload_as(keyed, write_csv(tmp_path / "a.csv", 10))
    before = await _query_key_count(keyed)
    assert (await keyed.get(f"/api/v1/batch/{job_id}/status", params={"api_key": "alice-key"})).status == 200
    assert await _query_key_count(keyed) == before + 1
    assert any("deprecated" in r.getMessage() and "alice-key" not in r.getMessage() for r in caplog.records)


async def test_with_keys_off_a_ticket_is_not_needed(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings))
    answer = await client.post("/api/v1/tickets")
    assert answer.status == 201 and (await answer.json())["ticket"] is None


async def _query_key_count(client) -> float:
    text = await (await client.get("/metrics")).text()
    line = next(line for line in text.splitlines() if line.startswith("chemaudit_query_api_keys_total "))
    return float(line.split()[1])
