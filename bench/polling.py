"""5. Polling: GET /api/v1/batch/{id}/status under concurrent load, on loopback.

A bounded load generator: N concurrent clients (keep-alive), each sending its next request as
soon as the last one answered, for a fixed time. Two phases: idle workers (the web process and
PostgreSQL alone) and a job being processed (both workers busy: what polling meets in practice on
a node that also runs workers). Reports requests/s, p50 / p99 / max latency and errors.
"""

from __future__ import annotations

import asyncio
import time

from bench import profiling
from bench.common import Row, load_average, ms, percentile, say, write_smiles
from bench.harness import Server, cancel, follow, session_factory, upload
from bench.procs import CpuAccount


async def load(base: str, job_id: str, clients: int, seconds: float) -> dict:
    import aiohttp

    url = f"{base}/api/v1/batch/{job_id}/status"
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def client(session):
        nonlocal errors
        while time.perf_counter() < stop_at:
            sent = time.perf_counter()
            try:
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                        continue
            except aiohttp.ClientError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - sent)

    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(client(session) for _ in range(clients))), seconds + 60)
        wall = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "wall": wall, "rate": len(latencies) / wall}


async def _phases(server: Server, clients: int, seconds: float, busy_path, spy: bool) -> dict:
    out = {}
    async with session_factory() as session:
        small = await upload(session, server.base, write_smiles(100, "polling_small.smi"))
        await follow(session, server.ws_base, small.job_id, 120)
        account, web = CpuAccount(server.tree_cpu), server.cpu()["web"]
        recorders = profiling.start([server.web_pid], seconds + 30, "polling-web", idle=False) if spy else []
        out["idle workers"] = await load(server.base, small.job_id, clients, seconds)
        out["idle workers"].update(split=account.stop(), web_cpu=server.cpu()["web"] - web)
        if recorders:
            profiling.hot_frames(profiling.stop(recorders))
        big = await upload(session, server.base, busy_path)
        await asyncio.sleep(1)
        account, web = CpuAccount(server.tree_cpu), server.cpu()["web"]
        out["busy workers"] = await load(server.base, big.job_id, clients, seconds)
        out["busy workers"].update(split=account.stop(), web_cpu=server.cpu()["web"] - web)
        await cancel(session, server.base, big.job_id)
    return out


def run(opts) -> list[Row]:
    clients, seconds = opts.poll_clients, opts.poll_seconds
    say(f"polling: {clients} concurrent clients for {seconds:.0f} s per phase; load average {load_average()}")
    busy_path = write_smiles(20_000, "polling_busy.smi")
    rows = []
    with Server("polling") as server:
        phases = asyncio.run(_phases(server, clients, seconds, busy_path, opts.py_spy))
    for label, r in phases.items():
        lat = r["latencies"]
        p50, p99, worst = percentile(lat, 50), percentile(lat, 99), max(lat, default=float("nan"))
        say(f"  {label}: {len(lat):,} answers in {r['wall']:.1f} s = {r['rate']:,.0f} requests/s; "
            f"p50 {ms(p50)}, p99 {ms(p99)}, max {ms(worst)}; {r['errors']} errors; web CPU "
            f"{1000 * r['web_cpu'] / max(1, len(lat)):.2f} ms per request")
        say(f"      {CpuAccount.describe(r['split'])}")
        rows.append(Row("polling", f"GET /status, {clients} clients, {label}: rate | p99",
                        f"{r['rate']:,.0f} req/s | {ms(p99)}", "(no target)",
                        f"{r['errors']} errors"))
    return rows
