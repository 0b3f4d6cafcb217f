"""Many sockets per node (issue 15): 10,000 WebSocket clients on one node, 1 and 2 web processes.

For each scenario, (a) the clients spread over 100 jobs and (b) all on one job, and for each
process count (`--socket-web-processes`, default 1 and 2), a fresh `chemaudit serve
--web-processes N` (2 real workers, a real database) and:

1. the web processes' RSS (the sum over them: the `serve` process itself with N = 1, its
   `web --reuse-port` children otherwise) before any socket, and again once every client has
   connected, read its snapshot and sits idle: the growth per 1,000 idle sockets;
2. progress on those jobs through the real path (with 100 jobs, a tenth of them get an event every
   `--socket-tick` 0.1 s, so each job has one a second; the one job has one every
   `--socket-tick-one-job` 0.5 s: at 10 a second, a job's most, 10,000 sockets are 100,000 frames a
   second, more than two shared cores can write and read): each event is appended with the project's own
   named query (`append_event`) in a transaction of its own, like a worker's batch, and the
   `job_events` trigger NOTIFYs it; the jobs are real rows with no chunks, so the workers never
   touch them. The commit time is the database's: `clock_timestamp()` read as the transaction's
   last statement, just before COMMIT (everything runs on this machine, one clock);
3. at each client, the kernel's receive time of the bytes (SO_TIMESTAMPNS) and the time its process
   read them (bench/socket_clients.py: lean clients spread over `--socket-client-processes`
   processes at nice 19, so that they neither take the cores from the server nor add their own
   reading delay to the figure), and from the receive time the delivery latency p50 / p95 / p99 /
   max; per client, the messages expected (every event of its job after its snapshot) against
   those delivered, missing and repeated, and its close code (1000 after the terminal message).

Printed besides: the latency to the writer's own COMMIT return and to the benchmark's own LISTEN
connection (what PostgreSQL alone takes), the server's NOTIFY -> fan-out histogram (from /metrics,
which adds up every web process), the CPU of the web processes and of the machine by owner.
Targets: p99 <= 50 ms, every message delivered once, <= 30 MB web RSS per 1,000 idle sockets.
Nothing asserts on time.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import queue
import time

from bench.common import Row, load_average, ms, percentile, raise_open_files, say, verdict
from bench.harness import Server
from bench.procs import CLK_TCK, CpuAccount, cmdline, descendants, stat_fields, status_kib
from bench.progress import create_jobs, histogram_summary, server_histogram
from bench.socket_clients import client_process
from bench.socket_events import TOTAL, schedule_events, write_events
from bench.socket_floor import measure_floor

LATENCY_TARGET = 0.050
RSS_TARGET_MB = 30.0


LAG = "chemaudit_event_loop_lag_seconds"
GC = "chemaudit_gc_full_collection_seconds"  # each full collection of a web process (service/ops/gc_policy.py)


def loop_lag(base: str) -> dict[str, float]:
    """The web processes' event-loop lag histogram from /metrics (added up over all of them)."""
    return server_histogram(base, LAG, timeout=30)


def lag_summary(before: dict[str, float], after: dict[str, float]) -> str:
    count = after.get("count", 0) - before.get("count", 0)
    if count <= 0:
        return "no samples"
    late = {le: count - (after[le] - before.get(le, 0)) for le in ("0.025", "0.05", "0.1") if le in after}
    return (f"{int(count)} samples, mean {ms((after['sum'] - before.get('sum', 0)) / count)}, "
            + ", ".join(f"{100 * n / count:.1f}% over {float(le) * 1000:.0f} ms" for le, n in late.items()))


def gc_summary(before: dict[str, float], after: dict[str, float]) -> str:
    """The web processes' full collections in between: how many, their total and the longest's bucket."""
    count = after.get("count", 0) - before.get("count", 0)
    if count <= 0:
        return "none"
    bounds = sorted((float(le), after[le] - before.get(le, 0)) for le in after if le not in ("sum", "count"))
    longest = next((le for le, cumulative in bounds if cumulative >= count), float("inf"))
    return f"{int(count)}, {ms(after['sum'] - before.get('sum', 0))} in all, the longest <= {ms(longest)}"


def web_pids(server: Server, processes: int) -> list[int]:
    if processes == 1:
        return [server.web_pid]
    return sorted(pid for pid, depth in descendants(server.web_pid).items()
                  if depth == 1 and "--reuse-port" in cmdline(pid))


def cpu_split(pids: list[int]) -> tuple[float, float]:
    """(user, system) CPU seconds of these processes: on loopback the system part holds the
    kernel's TCP work of both ends of every frame the web process writes."""
    user = system = 0.0
    for pid in pids:
        fields_ = stat_fields(pid)
        if fields_:
            user += int(fields_[11]) / CLK_TCK
            system += int(fields_[12]) / CLK_TCK
    return user, system


def rss_kib(pids: list[int]) -> int:
    return sum(status_kib(pid, "VmRSS") for pid in pids)


def _ready(ready, procs) -> list[tuple]:
    """Each client process's report once its sockets are open (a process that died is an error)."""
    reports: list[tuple] = []
    deadline = time.monotonic() + 900
    while len(reports) < len(procs):
        try:
            reports.append(ready.get(timeout=1.0))
        except queue.Empty:
            dead = [proc.exitcode for proc in procs if proc.exitcode not in (None, 0)]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"client processes failed (exit codes {dead}) or never connected") from None
    return reports


def _collect(results, finish, count: int, grace: float) -> list[dict]:
    """Each client process's receipts: it ends once the server closed all its sockets (after each
    job's terminal message); one still reading `grace` seconds after the last event is stopped,
    and what it missed counts as not delivered."""
    outputs: list[dict] = []
    deadline = time.monotonic() + grace
    while len(outputs) < count:
        try:
            outputs.append(results.get(timeout=max(0.1, deadline - time.monotonic())))
        except queue.Empty:
            if finish.is_set():
                raise
            say(f"      {count - len(outputs)} client process(es) still reading {grace:.0f} s after the last event:"
                " stopped")
            finish.set()
            deadline = time.monotonic() + 60
    return outputs


def measure(server: Server, processes: int, jobs: int, sockets: int, opts) -> dict:
    job_ids = create_jobs(server.database_url, jobs, TOTAL)
    pids = web_pids(server, processes)
    time.sleep(1.0)
    rss_before, gc_start = rss_kib(pids), server_histogram(server.base, GC)
    assignment = [(n, n % jobs, job_ids[n % jobs]) for n in range(sockets)]
    count = max(1, opts.socket_client_processes)
    context = multiprocessing.get_context("spawn")
    ready, results, finish = context.Queue(), context.Queue(), context.Event()
    procs = [context.Process(target=client_process, daemon=True,
                             args=("127.0.0.1", server.port, assignment[p::count], ready, finish, results))
             for p in range(count)]
    began = time.monotonic()
    for proc in procs:
        proc.start()
    try:
        reports = _ready(ready, procs)
        connect_seconds = time.monotonic() - began
        connected = sum(r[1] for r in reports)
        failed = sum(r[3] for r in reports)
        time.sleep(2.0)  # idle: nothing is sent until the events start
        rss_after = rss_kib(pids)
        say(f"  [{processes}p, {jobs} jobs] {connected:,} of {sockets:,} sockets open in {connect_seconds:.0f} s "
            f"({failed} failed{': e.g. ' + next((r[2][0] for r in reports if r[2]), '') if failed else ''}); "
            f"web RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MB over {len(pids)} process(es)")
        jobs_per_tick = max(1, jobs // 10) if jobs > 1 else 1
        tick = opts.socket_tick if jobs > 1 else opts.socket_tick_one_job
        schedule = schedule_events(jobs, opts.socket_events if jobs > 1 else 3 * opts.socket_events, jobs_per_tick)
        account = CpuAccount(server.tree_cpu)
        web_cpu_before = cpu_split(pids)
        histogram_before, lag_before = server_histogram(server.base), loop_lag(server.base)
        gc_events = server_histogram(server.base, GC)
        started = time.monotonic()
        db_clock, returned, heard = asyncio.run(write_events(server.database_url, schedule, job_ids, tick))
        events_seconds = time.monotonic() - started
        outputs = _collect(results, finish, len(procs), opts.socket_grace)
        web_cpu = tuple(after - before for after, before in zip(cpu_split(pids), web_cpu_before))
        split = account.stop()
        fanout = histogram_summary(histogram_before, server_histogram(server.base))
        lag = lag_summary(lag_before, loop_lag(server.base))
        gc_end = server_histogram(server.base, GC)
    finally:
        finish.set()
        for proc in procs:
            proc.join(15)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
    return {"connected": connected, "sockets": sockets, "failed": failed, "rss": (rss_before, rss_after),
            "processes": len(pids), "db_clock": db_clock, "returned": returned, "heard": heard,
            "outputs": outputs, "web_cpu": web_cpu, "events_seconds": events_seconds, "split": split,
            "fanout": fanout, "loop_lag": lag, "tick": tick, "events": len(db_clock),
            "gc": (gc_summary(gc_start, gc_events), gc_summary(gc_events, gc_end))}


def summarise(r: dict) -> dict:
    by_job: dict[int, list[int]] = {}
    for (job, seq) in r["db_clock"]:
        by_job.setdefault(job, []).append(seq)
    latency, read, from_return, terminal, others = [], [], [], [], []
    last_seq = {job: max(seqs) for job, seqs in by_job.items()}
    complete = missing = repeated = extra = closed_1000 = clients = terminal_merged = 0
    expected_total = delivered_total = 0
    for out in r["outputs"]:
        for _no, job, snapshot, seqs, times, close_code, read_times, close_at in out["clients"]:
            clients += 1
            expected = {s for s in by_job.get(job, []) if s > (snapshot or 0)}
            got = set(seqs)
            expected_total += len(expected)
            delivered_total += len(got & expected)
            missing += len(expected - got)
            repeated += len(seqs) - len(got)
            extra += len(got - expected)
            complete += expected <= got and len(seqs) == len(got)
            closed_1000 += close_code == 1000
            for seq, at, read_at in zip(seqs, times, read_times):
                if (job, seq) in r["db_clock"]:
                    latency.append(at - r["db_clock"][(job, seq)])
                    (terminal if seq == last_seq[job] else others).append(latency[-1])
                    if seq == last_seq[job] and at == close_at:
                        terminal_merged += 1
                    read.append(read_at - r["db_clock"][(job, seq)])
                    from_return.append(at - r["returned"][(job, seq)])
    rss_before, rss_after = r["rss"]
    per_thousand = (rss_after - rss_before) / 1024 / max(1e-9, r["connected"] / 1000)
    pg = [r["heard"][key] - r["db_clock"][key] for key in r["db_clock"] if key in r["heard"]]
    client_lag = [lag for out in r["outputs"] for lag in out.get("lags", [])]
    return {"latency": latency, "terminal": terminal, "others": others, "read": read, "from_return": from_return, "pg": pg, "client_lag": client_lag, "terminal_merged": terminal_merged, "clients": clients, "complete": complete,
            "missing": missing, "repeated": repeated, "extra": extra, "closed_1000": closed_1000,
            "expected": expected_total, "delivered": delivered_total, "rss_per_thousand": per_thousand}


def report(label: str, r: dict) -> list[Row]:
    s = summarise(r)
    lat = s["latency"]
    p50, p95, p99, worst = (percentile(lat, 50), percentile(lat, 95), percentile(lat, 99),
                            max(lat, default=float("nan")))
    rate = s["delivered"] / max(1e-9, r["events_seconds"])
    say(f"  [{label}] {r['events']} events in {r['events_seconds']:.1f} s ({rate:,.0f} messages/s); "
        f"commit (database clock) -> client's kernel p50 {ms(p50)}, p95 {ms(p95)}, p99 {ms(p99)}, max {ms(worst)}")
    say(f"      delivered {s['delivered']:,} of {s['expected']:,} expected; clients with every message once "
        f"{s['complete']:,} / {s['clients']:,} (missing {s['missing']}, repeated {s['repeated']}, "
        f"unexpected {s['extra']}); closed with 1000: {s['closed_1000']:,}")
    say(f"      of which the terminal messages (each followed by its socket's close): p50 "
        f"{ms(percentile(s['terminal'], 50))}, p99 {ms(percentile(s['terminal'], 99))}; the others: p99 "
        f"{ms(percentile(s['others'], 99))}; terminal messages stamped with their close frame's arrival (read "
        f"after it came, so received earlier than stamped): {s['terminal_merged']:,} of {len(s['terminal']):,}")
    say(f"      commit -> read by the client process p50 {ms(percentile(s['read'], 50))}, p99 "
        f"{ms(percentile(s['read'], 99))}; COMMIT returned -> client p99 {ms(percentile(s['from_return'], 99))}")
    say(f"      commit -> benchmark's own "
        f"LISTEN p50 {ms(percentile(s['pg'], 50))}, p99 {ms(percentile(s['pg'], 99))}")
    say(f"      server NOTIFY -> fan-out done (all web processes): {r['fanout']}; web event-loop lag: {r['loop_lag']}")
    say(f"      web full garbage collections while the sockets connected: {r['gc'][0]}; during the events:"
        f" {r['gc'][1]}")
    say(f"      client processes' event-loop lag (nice 19): p99 {ms(percentile(s['client_lag'], 99))}, "
        f"max {ms(max(s['client_lag'], default=float('nan')))}")
    say(f"      web RSS {r['rss'][0] / 1024:.0f} -> {r['rss'][1] / 1024:.0f} MB with {r['connected']:,} idle "
        f"sockets: {s['rss_per_thousand']:.1f} MB per 1,000")
    user, system = r["web_cpu"]
    say(f"      web CPU {user + system:.1f} s (user {user:.1f} + system {system:.1f}) over {r['events_seconds']:.1f} s: "
        f"{1e6 * (user + system) / max(1, s['delivered']):.0f} us per delivered message; "
        f"{CpuAccount.describe(r['split'])}; load average {load_average()}")
    every = s["delivered"] == s["expected"] and not s["repeated"] and s["clients"] == r["sockets"]
    return [
        Row("sockets", f"{label}: commit -> client p50 | p95 | p99 | max",
            f"{ms(p50)} | {ms(p95)} | {ms(p99)} | {ms(worst)}", f"p99 <= {LATENCY_TARGET * 1000:.0f} ms",
            verdict(p99, LATENCY_TARGET, False)),
        Row("sockets", f"{label}: delivered / expected (repeats)",
            f"{s['delivered']:,} / {s['expected']:,} ({s['repeated']})", "all, once", "met" if every else "NOT met"),
        Row("sockets", f"{label}: web RSS per 1,000 idle sockets", f"{s['rss_per_thousand']:.1f} MB",
            f"<= {RSS_TARGET_MB:.0f} MB", verdict(s["rss_per_thousand"], RSS_TARGET_MB, False)),
    ]


def run(opts) -> list[Row]:
    sockets = opts.sockets
    limit = raise_open_files(sockets + 1024)
    say(f"sockets: {sockets:,} WebSocket clients over {opts.socket_client_processes} client processes, web "
        f"processes {opts.socket_web_processes}; this process's open-file limit {limit}; "
        f"load average {load_average()}")
    env = {"CHEMAUDIT_WS_MAX_PER_JOB": str(sockets + 100), "CHEMAUDIT_WS_MAX_PER_ADDRESS": str(sockets + 100)}
    rows: list[Row] = []
    for jobs in opts.socket_jobs or (min(100, max(1, sockets // 100)), 1):
        for processes in opts.socket_web_processes:
            label = f"{sockets:,} sockets, {jobs} job{'s' if jobs > 1 else ''}, {processes} web process" \
                    f"{'es' if processes > 1 else ''}"
            with Server(f"sockets-{processes}p-{jobs}j", env=env,
                        serve_args=["--web-processes", str(processes)]) as server:
                rows += report(label, measure(server, processes, jobs, sockets, opts))
    if opts.socket_floor:
        rows += floor_rows(sockets, sorted({1, max(opts.socket_web_processes)}))
    return rows


def floor_rows(sockets: int, senders: list[int]) -> list[Row]:
    """What one event to every socket costs with no server at all (bench/socket_floor.py)."""
    rows = []
    for count in senders:
        f = measure_floor(sockets, senders=count)
        wall = f["wall"]
        say(f"  [floor, {count} sender(s)] one frame to each of {sockets:,} loopback sockets by plain send(), "
            f"{f['rounds']} rounds: loop {ms(percentile(wall, 50))} median ({ms(wall[0])} - {ms(wall[-1])}); "
            f"user {f['user_us']:.1f} + system {f['system_us']:.1f} us per send; round start -> client's kernel "
            f"p50 {ms(f['p50'])}, p99 {ms(f['p99'])}; received {f['received']:,} of {f['expected']:,}")
        rows.append(Row("sockets", f"floor, no server, {count} sending thread(s): one frame to {sockets:,} sockets,"
                        " start -> client p99", ms(f["p99"]), "(what no server here can beat)", ""))
    return rows
