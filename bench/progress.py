"""4. Progress delivery: 1,000 WebSocket clients on one job, then 1,000 spread over 100 jobs.

The events are written by the benchmark itself, in a controlled way, with the project's own named
query (`append_event`, whose trigger NOTIFYs): each one in its own transaction, like a worker's
batch, and the wall time right after COMMIT returns is the event's commit time. Every client
records the wall time at which each message reaches it; the latency is the difference (one clock:
everything runs on this machine). A LISTEN connection in the benchmark gives a reference: when
PostgreSQL itself delivered the NOTIFY.

The jobs are real rows of a real server's database, with no chunks: the workers never touch them
and the sweeper has nothing to re-enqueue. The clients run in several processes, so that one
Python process reading 1,000 sockets is not what is measured (they are in
bench/progress_clients.py). On 2 cores the clients share the CPU with the server they measure, so
the server's own figure is printed too: its `chemaudit_notify_to_send_seconds` histogram (NOTIFY
received -> fan-out done, once per message), read from /metrics before and after each scenario.

Target: p99 <= 50 ms.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
import uuid

from bench import profiling
from bench.common import Row, load_average, ms, percentile, raise_open_files, say, verdict
from bench.harness import Server
from bench.procs import CpuAccount
from bench.progress_clients import client_process
from bench.socket_events import write_events

TARGET = 0.050
TICK = 0.1  # seconds between event commits (event_min_interval: at most 10 events/s per job)


# The writer and the reference listener (in this process) ------------------------------------------

def create_jobs(database_url: str, count: int, total: int) -> list[str]:
    """Jobs with a first event and no chunks, through the project's own named queries."""
    import psycopg

    from chemaudit.db import queries as q

    ids = [uuid.uuid4() for _ in range(count)]
    with psycopg.connect(database_url) as conn, conn.transaction():
        for job_id in ids:
            job = q.insert_job(job_id, "bench-progress.smi", {}, None)
            conn.execute(job.sql, job.params)
            conn.execute("UPDATE jobs SET total = %s, format = 'smiles' WHERE id = %s", (total, job_id))
            event = q.append_event(job_id, 0)
            conn.execute(event.sql, event.params)
    return [str(job_id) for job_id in ids]


# The server's own figure --------------------------------------------------------------------------

HISTOGRAM = "chemaudit_notify_to_send_seconds"


def server_histogram(base: str, metric: str = HISTOGRAM, timeout: float = 10) -> dict[str, float]:
    """{le: cumulative count, "sum": s, "count": n} of a histogram on the web node's /metrics
    (by default its NOTIFY -> fan-out time)."""
    import urllib.request

    with urllib.request.urlopen(f"{base}/metrics", timeout=timeout) as response:
        text = response.read().decode()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(metric + "_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            out[le] = float(line.rsplit(" ", 1)[1])
        elif line.startswith((metric + "_sum ", metric + "_count ")):
            out[line.split(" ", 1)[0].rsplit("_", 1)[1]] = float(line.rsplit(" ", 1)[1])
    return out


def histogram_summary(before: dict[str, float], after: dict[str, float]) -> str:
    """Mean and the bucket bound holding the p99, of what was observed in between."""
    count = after.get("count", 0) - before.get("count", 0)
    if count <= 0:
        return "no observations"
    mean = (after["sum"] - before.get("sum", 0)) / count
    bounds = sorted((float(le), after[le] - before.get(le, 0)) for le in after if le not in ("sum", "count"))
    p99 = next((le for le, cumulative in bounds if cumulative >= 0.99 * count), float("inf"))
    return f"{int(count)} messages, mean {ms(mean)}, p99 <= {ms(p99)} (bucket bound)"


# One scenario --------------------------------------------------------------------------------------

def scenario(server: Server, label: str, jobs: int, clients: int, processes: int, rounds: int,
             jobs_per_tick: int, spy: bool = False) -> dict:
    job_ids = create_jobs(server.database_url, jobs, 1000)
    assignment = [(i % jobs, job_ids[i % jobs]) for i in range(clients)]
    # Each job's events, round-robin: `jobs_per_tick` jobs get one event per tick.
    order = list(range(jobs))
    schedule = []
    for r in range(rounds):
        start = (r * jobs_per_tick) % jobs
        schedule.append([order[(start + k) % jobs] for k in range(jobs_per_tick)])
    context = multiprocessing.get_context("spawn")
    ready, results = context.Queue(), context.Queue()
    deadline = time.time() + 120 + len(schedule) * TICK + 30
    procs = [context.Process(target=client_process, daemon=True,
                             args=(server.ws_base, assignment[p::processes], deadline, ready, results))
             for p in range(processes)]
    for proc in procs:
        proc.start()
    try:
        connected, failures = 0, []
        for _ in procs:
            _tag, _pid, count, fails = ready.get(timeout=180)
            connected += count
            failures += fails
        say(f"  [{label}] {connected} of {clients} clients connected on {jobs} job(s) "
            f"({processes} client processes){'; e.g. ' + failures[0] if failures else ''}")
        account = CpuAccount(server.tree_cpu)
        web_before = server.cpu()["web"]
        histogram_before = server_histogram(server.base)
        started = time.time()
        recorders = profiling.start([server.web_pid], 600, f"progress-web-{jobs}", idle=False) if spy else []
        _, committed, heard = asyncio.run(write_events(server.database_url, schedule, job_ids, TICK, total=1000))
        web_cpu = server.cpu()["web"] - web_before
        fanout = histogram_summary(histogram_before, server_histogram(server.base))
        if recorders:
            profiling.hot_frames(profiling.stop(recorders))
        outputs = [results.get(timeout=max(5.0, deadline - time.time() + 30)) for _ in procs]
        wall = time.time() - started
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
    split = account.stop()  # after the joins: the clients' CPU is then in RUSAGE_CHILDREN
    latencies, missing_commit = [], 0
    for out in outputs:
        for job_index, seq, at in out["receipts"]:
            commit = committed.get((job_index, seq))
            if commit is None:
                missing_commit += 1
                continue
            latencies.append(at - commit)
    expected = sum(sum(1 for i, _ in assignment if i == job) * sum(1 for (j, _s) in committed if j == job)
                   for job in range(jobs))
    reference = [heard[key] - committed[key] for key in committed if key in heard]
    by_event: dict[tuple[int, int], list[float]] = {}
    for out in outputs:
        for job_index, seq, at in out["receipts"]:
            by_event.setdefault((job_index, seq), []).append(at)
    first = [min(times) - committed[key] for key, times in by_event.items() if key in committed]
    spread = [max(times) - min(times) for times in by_event.values()]
    return {"latencies": latencies, "expected": expected, "received": len(latencies),
            "connected": connected, "events": len(committed), "reference": reference,
            "first": first, "spread": spread, "fanout": fanout,
            "web_cpu": web_cpu, "wall": wall, "split": split,
            "failures": sum(len(out["failures"]) for out in outputs)}


def _report(label: str, r: dict) -> list[Row]:
    lat = r["latencies"]
    p50, p99, worst = percentile(lat, 50), percentile(lat, 99), max(lat, default=float("nan"))
    ref = r["reference"]
    say(f"  [{label}] {r['events']} events committed, {r['received']:,} of {r['expected']:,} receipts "
        f"({r['failures']} client errors): commit -> client p50 {ms(p50)}, p99 {ms(p99)}, max {ms(worst)}; "
        f"commit -> benchmark's own LISTEN p50 {ms(percentile(ref, 50))}, p99 {ms(percentile(ref, 99))}")
    say(f"      per event: commit -> first client p50 {ms(percentile(r['first'], 50))}, "
        f"p99 {ms(percentile(r['first'], 99))}; first -> last client (fan-out) p50 "
        f"{ms(percentile(r['spread'], 50))}, max {ms(max(r['spread'], default=float('nan')))}")
    say(f"      server side, NOTIFY received -> fan-out done (its histogram): {r['fanout']}")
    say(f"      web process CPU {r['web_cpu']:.1f} s over {r['wall']:.1f} s "
        f"({1000 * r['web_cpu'] / max(1, r['received']):.3f} ms per delivered message); "
        f"{CpuAccount.describe(r['split'])}")
    return [
        Row("progress", f"{label}: commit -> client p50 | p99 | max",
            f"{ms(p50)} | {ms(p99)} | {ms(worst)}", f"p99 <= {TARGET * 1000:.0f} ms", verdict(p99, TARGET, False)),
        Row("progress", f"{label}: delivered", f"{r['received']:,} / {r['expected']:,}",
            "all", "met" if r["received"] >= r["expected"] else "NOT met"),
    ]


def run(opts) -> list[Row]:
    limit = raise_open_files(opts.clients * 2 + 1024)
    processes = max(1, opts.client_processes)
    say(f"progress: {opts.clients} WebSocket clients, {processes} client processes, soft open-file limit "
        f"{limit}; load average {load_average()}")
    rows: list[Row] = []
    with Server("progress") as server:
        one = scenario(server, "1 job", jobs=1, clients=opts.clients, processes=processes,
                       rounds=31, jobs_per_tick=1, spy=opts.py_spy)
        rows += _report(f"{opts.clients} clients, 1 job", one)
        jobs = max(1, min(100, opts.clients // 10))
        spread = scenario(server, f"{jobs} jobs", jobs=jobs, clients=opts.clients, processes=processes,
                          rounds=100, jobs_per_tick=max(1, jobs // 10), spy=opts.py_spy)
        rows += _report(f"{opts.clients} clients, {jobs} jobs", spread)
    return rows
