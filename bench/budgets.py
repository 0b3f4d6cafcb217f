"""What an eleventh user sees while others hold uploads and exports open (issue 16, items 1-2).

One `chemaudit serve` with API keys on. First a probe user's round of requests on an idle node;
then 20 users each start a 1 GB upload and send 2 bytes a second, and 100 exports (10 users x 10)
are opened and never read. While they hang, the probe user repeats the round: `/health`, the job
list, a job's status, a results page, `/validate`, and a 50-molecule upload followed to
`complete`. Printed: each call's median and worst time, idle against loaded; how the 20 uploads
and 100 exports were answered; and the server's PostgreSQL connections (the node's pool plus the
exports' own) against its `max_connections`.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time

import aiohttp
import psycopg

from bench.common import Row, admin_url, say, write_smiles
from bench.harness import Server, follow, upload
from tests.integration.slow_clients import SlowUpload
from tests.integration.stalled_readers import open_get, read_head

UPLOADERS = [f"bench-uploader-{n}" for n in range(20)]
EXPORTERS = [f"bench-exporter-{n}" for n in range(10)]
PROBE = "bench-probe"
KEYS = UPLOADERS + EXPORTERS + [PROBE]
ENV = {"CHEMAUDIT_API_KEY_HASHES": ",".join(hashlib.sha256(k.encode()).hexdigest() for k in KEYS),
       "CHEMAUDIT_UPLOAD_IDLE_TIMEOUT": "600", "CHEMAUDIT_EXPORT_STALL_TIMEOUT": "600"}
ROUNDS = 5


async def _round(session: aiohttp.ClientSession, server: Server, job_id: str, small) -> dict[str, tuple[int, float]]:
    """(status, seconds) of each call of one round of the probe user."""
    calls = {
        "health": lambda: session.get(f"{server.base}/api/v1/health"),
        "job list": lambda: session.get(f"{server.base}/api/v1/batch?limit=20"),
        "status": lambda: session.get(f"{server.base}/api/v1/batch/{job_id}/status"),
        "results page": lambda: session.get(f"{server.base}/api/v1/batch/{job_id}?page_size=50"),
        "validate": lambda: session.post(f"{server.base}/api/v1/validate", json={"molecule": "CC(=O)Oc1ccccc1C(=O)O"}),
    }
    out = {}
    for name, call in calls.items():
        started = time.perf_counter()
        async with call() as answer:
            await answer.read()
            out[name] = (answer.status, time.perf_counter() - started)
    started = time.perf_counter()
    job = await upload(session, server.base, small, fields={"reuse": "false"})
    messages = await follow(session, server.ws_base, job.job_id, 300)
    out["50-molecule job, upload to complete"] = (200 if messages[-1][1]["status"] == "complete" else 500,
                                                  time.perf_counter() - started)
    return out


async def _rounds(server: Server, job_id: str, small) -> dict[str, list[tuple[int, float]]]:
    async with aiohttp.ClientSession(headers={"X-API-Key": PROBE}) as session:
        seen: dict[str, list[tuple[int, float]]] = {}
        for _ in range(ROUNDS):
            for name, result in (await _round(session, server, job_id, small)).items():
                seen.setdefault(name, []).append(result)
        return seen


def _connections(server: Server) -> tuple[int, int]:
    with psycopg.connect(admin_url(), autocommit=True) as conn:
        used = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (server.db_name,)).fetchone()[0]
        limit = int(conn.execute("SHOW max_connections").fetchone()[0])
    return used, limit


async def _hold_and_probe(server: Server, job_id: str, export_jobs: list[str], small) -> dict:
    uploads = [await SlowUpload("127.0.0.1", server.port, key=key, interval=1.0).start() for key in UPLOADERS]
    sockets = [open_get("127.0.0.1", server.port, f"/api/v1/batch/{export_jobs[n // 10]}/export?format=json",
                        headers={"X-API-Key": EXPORTERS[n // 10]}) for n in range(100)]
    try:
        heads = await asyncio.gather(*(asyncio.to_thread(read_head, sock, 60) for sock in sockets),
                                     return_exceptions=True)
        exports = [head[0] if isinstance(head, tuple) else type(head).__name__ for head in heads]
        await asyncio.sleep(2)
        held = sum(not upload.answered() for upload in uploads)
        connections = _connections(server)
        seen = await _rounds(server, job_id, small)
        return {"seen": seen, "exports": exports, "uploads_held": held, "connections": connections}
    finally:
        for upload_ in uploads:
            await upload_.close()
        for sock in sockets:
            sock.close()


def _summary(seen: dict[str, list[tuple[int, float]]]) -> dict[str, str]:
    out = {}
    for name, results in seen.items():
        times = [seconds for _, seconds in results]
        statuses = sorted({status for status, _ in results})
        out[name] = f"{1000 * statistics.median(times):.0f} / {1000 * max(times):.0f} ms ({','.join(map(str, statuses))})"
    return out


def run(opts) -> list[Row]:
    big = write_smiles(2000, "budget_job_2000.smi")
    small = write_smiles(50, "budget_small_50.smi", offset=3000)
    rows: list[Row] = []
    with Server("budgets", env=ENV, api_key=PROBE) as server:
        async def prepare(key: str) -> str:
            async with aiohttp.ClientSession(headers={"X-API-Key": key}) as session:
                job = await upload(session, server.base, big)  # after the first, from the result cache
                await follow(session, server.ws_base, job.job_id, 600)
                return job.job_id

        job_id = asyncio.run(prepare(PROBE))
        export_jobs = [asyncio.run(prepare(key)) for key in EXPORTERS]  # a key sees only its own jobs
        idle = _summary(asyncio.run(_rounds(server, job_id, small)))
        loaded_run = asyncio.run(_hold_and_probe(server, job_id, export_jobs, small))
    loaded = _summary(loaded_run["seen"])
    counts = {status: loaded_run["exports"].count(status) for status in set(loaded_run["exports"])}
    used, limit = loaded_run["connections"]
    say(f"  100 idle exports answered: {counts}; 20 slow uploads still receiving: {loaded_run['uploads_held']}; "
        f"PostgreSQL connections of the server's database {used} of max_connections {limit}")
    for name in idle:
        say(f"  {name}: idle {idle[name]}, loaded {loaded[name]} (median / worst of {ROUNDS}, statuses)")
        rows.append(Row("budgets", f"{name}: idle | with 20 slow uploads + 100 idle exports", f"{idle[name]} | {loaded[name]}"))
    rows.append(Row("budgets", "100 idle exports: answers | database connections",
                    f"{counts} | {used} of {limit}"))
    return rows
