"""POST /api/v1/validate has a budget: it needs the key (when keys are on), is rate-limited per
key or address, runs in processes of its own (a slow molecule does not hold the web loop), and
an audit past its time budget is a 422 whose process is replaced. Real server, real PostgreSQL,
real validation processes."""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest

from service.app import create_app
from service.http.auth import hash_key
from service.http.budgets import VALIDATE_POOL
from tests.integration.helpers import upload
from tests.support.molecules import NCI_SDF_200

pytestmark = pytest.mark.integration

VALIDATE = "/api/v1/validate"
RESIDUES = ("N[C@@H](C)C(=O)", "N[C@@H](Cc1ccc(O)cc1)C(=O)", "N[C@@H](CCCNC(=N)N)C(=O)",
            "N[C@@H](Cc1c[nH]c2ccccc12)C(=O)", "N[C@@H](CC(=O)O)C(=O)", "N[C@@H](CS)C(=O)")
# An 80-residue peptide (about 750 heavy atoms) with every option: seconds of chemistry.
PEPTIDE = "".join(RESIDUES[i % len(RESIDUES)] for i in range(80)) + "O"
EVERYTHING = {"include_extended_safety": True, "include_chembl_alerts": True, "include_standardization": True}


def slow_body() -> dict:
    return {"molecule": PEPTIDE, "name": "peptide-80", **EVERYTHING}


async def timed(coro) -> tuple[float, object]:
    started = time.perf_counter()
    result = await coro
    return time.perf_counter() - started, result


async def get_ok(client, path: str) -> float:
    seconds, response = await timed(client.get(path))
    await response.read()
    assert response.status == 200, path
    return seconds


async def warm(client) -> None:
    """The pool's processes start with their first call (outside the budget): get that done."""
    response = await client.post(VALIDATE, json={"molecule": "CCO"})
    assert response.status == 200, await response.text()


async def test_a_slow_validation_does_not_hold_the_node(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings.replace(validate_timeout=120, validate_processes=1)))
    job_id = (await upload(client, NCI_SDF_200))["job_id"]
    await warm(client)
    lags: list[float] = []

    async def sample_lag():
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + 0.01
            await asyncio.sleep(0.01)
            lags.append(loop.time() - due)

    sampler = asyncio.create_task(sample_lag())
    started = time.perf_counter()
    validation = asyncio.create_task(client.post(VALIDATE, json=slow_body()))
    health, status = [], []
    answered_while_running = False
    try:
        await asyncio.sleep(0.2)  # the audit is under way in its process
        while not validation.done():
            health.append(await get_ok(client, "/api/v1/health"))
            status.append(await get_ok(client, f"/api/v1/batch/{job_id}/status"))
            answered_while_running = answered_while_running or not validation.done()
            await asyncio.sleep(0.05)
        response = await validation
        took = time.perf_counter() - started
    finally:
        sampler.cancel()
    body = await response.json()
    assert response.status == 200 and body["name"] == "peptide-80" and body["standardization"] is not None
    print(f"\nvalidation of {PEPTIDE.count('N[C@@H]')} residues with every option: {took:.2f} s; meanwhile "
          f"{len(health)} /health (median {statistics.median(health) * 1000:.1f} ms, max {max(health) * 1000:.1f} ms)"
          f" and /status (median {statistics.median(status) * 1000:.1f} ms, max {max(status) * 1000:.1f} ms);"
          f" event-loop lag max {max(lags) * 1000:.1f} ms")
    assert took > 0.5, "the molecule was not slow enough to show anything"
    assert len(health) >= 3 and answered_while_running
    # Relative, not wall-clock targets: the node answered in a small fraction of the audit's time.
    assert max(health + status) < took / 4
    assert max(lags) < took / 4


async def test_the_key_is_required_when_keys_are_on(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings.replace(api_key_hashes=hash_key("alice-key"))))
    response = await client.post(VALIDATE, json={"molecule": "CCO"})
    assert response.status == 401 and (await response.json())["error"] == "unauthorized"
    response = await client.post(VALIDATE, json={"molecule": "CCO"}, headers={"X-API-Key": "mallory"})
    assert response.status == 401
    response = await client.post(VALIDATE, json={"molecule": "CCO"}, headers={"X-API-Key": "alice-key"})
    assert response.status == 200


async def test_validations_are_rate_limited_per_key(settings, aiohttp_client):
    keys = f"{hash_key('alice-key')},{hash_key('bob-key')}"
    client = await aiohttp_client(create_app(settings.replace(api_key_hashes=keys, validate_rate_per_minute=2)))
    alice, bob = {"X-API-Key": "alice-key"}, {"X-API-Key": "bob-key"}
    for _ in range(2):
        assert (await client.post(VALIDATE, json={"molecule": "CCO"}, headers=alice)).status == 200
    limited = await client.post(VALIDATE, json={"molecule": "CCO"}, headers=alice)
    assert limited.status == 429 and int(limited.headers["Retry-After"]) >= 1
    body = await limited.json()
    assert body["error"] == "rate_limited" and "validations" in body["detail"]
    assert (await client.post(VALIDATE, json={"molecule": "CCO"}, headers=bob)).status == 200


async def test_an_audit_past_its_budget_is_a_422_and_its_process_is_replaced(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings.replace(validate_timeout=0.5, validate_processes=1)))
    await warm(client)
    pool = client.server.app[VALIDATE_POOL]
    (executor,) = pool.executors
    (process,) = executor._processes.values()
    took, response = await timed(client.post(VALIDATE, json=slow_body()))
    body = await response.json()
    assert response.status == 422 and body["error"] == "validation_timeout", body
    assert set(body) == {"error", "detail"} and "0.5 s" in body["detail"]
    assert took < 3, took  # answered at the budget, not when the audit would have ended
    process.join(5)
    assert not process.is_alive() and pool.replaced == 1
    await warm(client)  # a fresh process takes the next call
    assert pool.executors and executor not in pool.executors


async def test_a_full_pool_answers_503_with_retry_after(settings, aiohttp_client):
    client = await aiohttp_client(create_app(settings.replace(
        validate_timeout=60, validate_processes=1, validate_max_waiting=0)))
    await warm(client)
    slow = asyncio.create_task(client.post(VALIDATE, json=slow_body()))
    await asyncio.sleep(0.3)
    busy = await client.post(VALIDATE, json={"molecule": "CCO"})
    body = await busy.json()
    assert busy.status == 503 and int(busy.headers["Retry-After"]) >= 1
    assert body["error"] == "validation_busy" and body["detail"].endswith(".")
    assert (await slow).status == 200
