"""Fair scheduling: a job's wait does not depend on the backlog in front of it (issue 11).

1. A 100-molecule job alone, then uploaded 5 s after a 20,000-molecule job started: its
   completion time against its solo time (target <= 2 x solo + one chunk duration); each the
   median of three.
2. 4 owners (API keys), one 5,000-molecule job each, uploaded 2 s apart: each job's rate while
   all four run (target max/min <= 1.25); then one owner with 3 jobs and another with 1 (the
   lone job's share of the rate, about 0.5), with the median relative ETA error of the 3.
3. Total throughput of the 4-owner mix, fair against CHEMAUDIT_SCHEDULING=fifo, run alternately
   (bench/fair_throughput.py; target >= 0.97).
4. The 4-owner mix with 2 worker nodes (`chemaudit serve --workers 1` and a separate
   `chemaudit worker --workers 1`) on one database.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time

import aiohttp

from bench import fair_throughput
from bench.common import Row, say, verdict, write_smiles
from bench.fair_mix import FRESH, KEYS, OwnerJob, WorkerNode, job_rates, run_mix
from bench.harness import Server, cancel, follow, upload

ENV = {"CHEMAUDIT_API_KEY_HASHES": ",".join(hashlib.sha256(k.encode()).hexdigest() for k in KEYS)}
CHUNK_SIZE = 200  # the default, which the servers here keep


async def _timed_job(server: Server, path, key: str, timeout: float) -> float:
    async with aiohttp.ClientSession(headers={"X-API-Key": key}) as session:
        started = time.perf_counter()
        job = await upload(session, server.base, path, fields=FRESH)
        await follow(session, server.ws_base, job.job_id, timeout)
        return time.perf_counter() - started


async def _small_behind_big(server: Server, big_path, small_path, timeout: float) -> dict:
    solo = statistics.median([await _timed_job(server, small_path, KEYS[1], timeout) for _ in range(3)])
    async with aiohttp.ClientSession(headers={"X-API-Key": KEYS[0]}) as session:
        big = await upload(session, server.base, big_path, fields=FRESH)
        follower = asyncio.create_task(follow(session, server.ws_base, big.job_id, timeout))
        await asyncio.sleep(5)
        behind = []
        for _ in range(3):  # three in turn, while the big job keeps both workers busy
            behind.append(await _timed_job(server, small_path, KEYS[1], timeout))
            await asyncio.sleep(1)
        behind = statistics.median(behind)
        await cancel(session, server.base, big.job_id)
        messages = await follower
    running = [(t, m["processed"]) for t, m in messages if m["processed"] > 0]
    rate = (running[-1][1] - running[0][1]) / max(running[-1][0] - running[0][0], 1e-6)
    return {"solo": solo, "behind": behind, "chunk": CHUNK_SIZE * server.workers / rate, "rate": rate}


def mix(label: str, env: dict, jobs: list[OwnerJob], timeout: float, extra_node: bool = False) -> dict:
    workers = 1 if extra_node else 2
    with Server(label, env={**ENV, **env}, workers=workers, api_key=KEYS[3]) as server:
        node = WorkerNode(server) if extra_node else None
        try:
            if node is not None:
                node.start()
            before = server.cpu()["workers"]
            result = asyncio.run(run_mix(server, jobs, timeout))
            molecules = result["throughput"] * result["seconds"]
            # Molecules per worker CPU second: what the scheduling costs, whatever else loads the machine.
            result["per_cpu"] = molecules / max(server.cpu()["workers"] - before, 1e-6)
            return result
        finally:
            if node is not None:
                node.stop()


def _eta_error(jobs: list[OwnerJob], own_rate: bool = False) -> float:
    return statistics.median(error for job in jobs for error in job.eta_errors(own_rate=own_rate))


def _spread(result: dict) -> tuple[float, list[float]]:
    rates = job_rates(result["jobs"])
    return max(rates) / min(rates), rates


def run(opts) -> list[Row]:
    rows: list[Row] = []
    timeout = opts.timeout
    big_path = write_smiles(opts.fair_big, f"fair_big_{opts.fair_big}.smi")
    small_path = write_smiles(100, "fair_small_100.smi", offset=opts.fair_big)
    job_path = write_smiles(opts.fair_job, f"fair_job_{opts.fair_job}.smi")

    with Server("fair-small", env=ENV, api_key=KEYS[3]) as server:
        r = asyncio.run(_small_behind_big(server, big_path, small_path, timeout))
    allowed = 2 * r["solo"] + r["chunk"]
    say(f"  100 molecules alone {r['solo']:.2f} s; behind {opts.fair_big:,} {r['behind']:.2f} s; one chunk "
        f"{r['chunk']:.2f} s ({r['rate']:.0f} mol/s); allowed {allowed:.2f} s")
    rows.append(Row("fairness", f"100 behind {opts.fair_big:,}: time | solo | chunk",
                    f"{r['behind']:.2f} s | {r['solo']:.2f} s | {r['chunk']:.2f} s",
                    "<= 2 x solo + chunk", "met" if r["behind"] <= allowed else "NOT met"))

    four = fair_throughput.four_owner_jobs(job_path)
    fair = mix("fair-4owners", {}, four, timeout)
    spread, rates = _spread(fair)
    say(f"  4 owners, fair: rates while all run {', '.join(f'{x:.0f}' for x in rates)} mol/s; "
        f"max/min {spread:.2f}; throughput {fair['throughput']:.0f} mol/s")
    rows.append(Row("fairness", "4 owners: max/min job rate", f"{spread:.2f}", "<= 1.25",
                    verdict(spread, 1.25, higher_is_better=False)))

    lopsided = [OwnerJob(KEYS[0], job_path) for _ in range(3)] + [OwnerJob(KEYS[1], job_path)]
    mixed = mix("fair-3and1", {}, lopsided, timeout)
    mixed_rates = job_rates(mixed["jobs"])
    share = mixed_rates[3] / sum(mixed_rates)
    say(f"  owner with 3 jobs vs owner with 1: rates {', '.join(f'{x:.0f}' for x in mixed_rates)} mol/s; "
        f"lone job's share {share:.2f}; median relative ETA error {100 * _eta_error(mixed['jobs']):.0f} % "
        f"(a job's own 15 s rate: {100 * _eta_error(mixed['jobs'], own_rate=True):.0f} %)")
    rows.append(Row("fairness", "3 jobs vs 1: lone job's share", f"{share:.2f}", "about 0.5",
                    "met" if 0.4 <= share <= 0.6 else "NOT met"))

    three = mix("fair-3owners", {}, [OwnerJob(KEYS[n], job_path, delay=5.0 * n) for n in range(3)], timeout)
    eta_error, own_error = _eta_error(three["jobs"]), _eta_error(three["jobs"], own_rate=True)
    say(f"  3 owners' jobs started 5 s apart: median relative ETA error {100 * eta_error:.0f} % "
        f"(per job {', '.join(f'{100 * statistics.median(j.eta_errors()):.0f}' for j in three['jobs'])} %); "
        f"a job's own 15 s rate would give {100 * own_error:.0f} %")
    rows.append(Row("fairness", "3 concurrent jobs: median ETA error | own-rate ETA",
                    f"{100 * eta_error:.0f} % | {100 * own_error:.0f} %"))

    rows.append(fair_throughput.compare(mix, job_path, timeout, opts.fair_rounds))

    nodes = mix("fair-2nodes", {}, four, timeout, extra_node=True)
    node_spread, node_rates = _spread(nodes)
    say(f"  4 owners on 2 worker nodes: rates {', '.join(f'{x:.0f}' for x in node_rates)} mol/s; "
        f"max/min {node_spread:.2f}; throughput {nodes['throughput']:.0f} mol/s")
    rows.append(Row("fairness", "2 worker nodes: max/min job rate", f"{node_spread:.2f}", "<= 1.25",
                    verdict(node_spread, 1.25, higher_is_better=False)))
    return rows

