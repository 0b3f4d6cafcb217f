"""1. Pipeline efficiency: the same file through a bare process pool and through the whole service.

(a) `multiprocessing.Pool(cores)` calling `chemaudit.chemistry.audit` on every molecule: no
    database, no broker, no serialisation of results: the ceiling of this machine.
(b) `chemaudit serve` (2 workers) end to end: upload -> `complete` seen on a WebSocket.

The ratio b/a is how much of the machine the service turns into audited molecules (target >= 0.90).
CPU seconds of the workers, the web process and PostgreSQL during (b) show where the rest goes.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time

from bench import profiling
from bench.common import Row, load_average, say, smiles_lines, verdict, write_smiles
from bench.harness import Server, follow, session_factory, upload
from bench.procs import CpuAccount, bench_cpu, cpu_seconds, postgres_cpu_seconds

TARGET = 0.90


# (a) the bare pool --------------------------------------------------------------------------------

def _init() -> None:
    from chemaudit.chemistry import warm_up

    # The bench's own SIGTERM handler is inherited through fork; a pool worker must die on
    # terminate(), not run it (one blocked in the task queue's lock then hung the pool forever).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    warm_up()


def _audit(text: str) -> tuple[str, float]:
    from chemaudit.chemistry import audit

    started = time.process_time()
    status = audit(text, "smiles")["status"]
    return status, time.process_time() - started


def _ready(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def bare_pool(texts: list[str], processes: int) -> dict:
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_init) as pool:
        # Every process through its initializer (warm caches) before the clock starts, as the
        # service's workers are warm before the upload.
        pool.map(_ready, [0.3] * processes * 2, chunksize=1)
        account = CpuAccount(bench_cpu)
        started = time.perf_counter()
        outcomes = pool.map(_audit, texts, chunksize=25)
        seconds = time.perf_counter() - started
        split = account.stop()
        pool.close()
        pool.join()
    cpu = sum(cpu_ms for _, cpu_ms in outcomes)
    errors = sum(status != "success" for status, _ in outcomes)
    return {"seconds": seconds, "rate": len(texts) / seconds, "cpu_per_molecule": cpu / len(texts),
            "errors": errors, "split": split}


# (b) the service ------------------------------------------------------------------------------------

async def _through_service(server: Server, path, count: int, timeout: float) -> dict:
    async with session_factory() as session:
        started = time.perf_counter()
        job = await upload(session, server.base, path)
        accepted = time.perf_counter()
        messages = await follow(session, server.ws_base, job.job_id, timeout)
        done = time.perf_counter()
    final = messages[-1][1] if messages else {}
    first_progress = next((t for t, m in messages if m["processed"] > 0), None)
    return {"seconds": done - started, "accept_seconds": accepted - started,
            "first_progress_seconds": (first_progress - job.started) if first_progress else None,
            "messages": len(messages), "status": final.get("status"), "total": job.total,
            "rate": count / (done - started)}


def service_run(path, count: int, timeout: float, spy: bool) -> dict:
    with Server("pipeline") as server:
        workers = server.worker_pids()
        before = {"web": cpu_seconds(server.web_pid), "workers": sum(cpu_seconds(p) for p in workers),
                  "postgres": postgres_cpu_seconds()}
        account = CpuAccount(server.tree_cpu)
        recorders = []
        if spy:
            # Start right away; the samples of the first second (upload) are a small share.
            recorders = profiling.start(workers, min(60, count / 400), "pipeline-worker")
        result = asyncio.run(_through_service(server, path, count, timeout))
        result["split"] = account.stop()
        after = {"web": cpu_seconds(server.web_pid), "workers": sum(cpu_seconds(p) for p in workers),
                 "postgres": postgres_cpu_seconds()}
        result["cpu"] = {role: after[role] - before[role] for role in before}
        result["workers"] = len(workers)
        if recorders:
            raws = profiling.finish(recorders)
            profiling.summarise(raws)
            profiling.print_paths(raws)
    return result


def _merge(first: dict, second: dict, count: int) -> dict:
    seconds = first["seconds"] + second["seconds"]
    capacity = {key: (first["split"][key] * first["seconds"] + second["split"][key] * second["seconds"]) / seconds
                for key in first["split"] if key != "wall"}
    return {"seconds": seconds, "rate": count / seconds, "errors": first["errors"] + second["errors"],
            "cpu_per_molecule": (first["cpu_per_molecule"] * first["n"] + second["cpu_per_molecule"] * second["n"])
            / count, "split": capacity}


def run(opts) -> list[Row]:
    count = opts.molecules
    processes = os.cpu_count() or 1
    say(f"pipeline: {count:,} real molecules (NCI first_5K cycled), {processes} cores, "
        f"load average {load_average()}")
    path = write_smiles(count, f"pipeline_{count}.smi")
    texts = [line.split("\t")[0] for line in smiles_lines(count)]

    # A-B-A: half of the file through the pool before the service run, half after, so a change
    # of the machine's background load during the run weighs on both sides alike.
    half = count // 2
    first = bare_pool(texts[:half], processes) | {"n": half}
    say(f"  (a) Pool({processes}) + audit(), first half: {first['seconds']:.1f} s, {first['rate']:.1f} molecules/s; "
        f"{CpuAccount.describe(first['split'])}")
    service = service_run(path, count, opts.timeout, opts.py_spy)
    second = bare_pool(texts[half:], processes) | {"n": count - half}
    say(f"  (a) Pool({processes}) + audit(), second half: {second['seconds']:.1f} s, {second['rate']:.1f} molecules/s; "
        f"{CpuAccount.describe(second['split'])}")
    pool = _merge(first, second, count)
    say(f"  (a) Pool({processes}) + audit(): {pool['seconds']:.1f} s, {pool['rate']:.1f} molecules/s, "
        f"{pool['cpu_per_molecule'] * 1000:.2f} ms CPU per molecule, {pool['errors']} error results")
    cpu = service["cpu"]
    per_k = {role: 1000 * seconds / count for role, seconds in cpu.items()}
    say(f"  (b) service end to end: {service['seconds']:.1f} s, {service['rate']:.1f} molecules/s "
        f"(upload accepted in {service['accept_seconds']:.2f} s, first progress after "
        f"{service['first_progress_seconds'] or float('nan'):.2f} s, {service['messages']} WebSocket "
        f"messages, final status {service['status']})")
    busy = cpu["workers"] / (service["seconds"] * service["workers"])
    say(f"      CPU seconds per 1,000 molecules: workers {per_k['workers']:.2f} "
        f"(pool: {pool['cpu_per_molecule'] * 1000:.2f} in audit() alone), web {per_k['web']:.2f}, "
        f"PostgreSQL {per_k['postgres']:.2f} (all of the machine's postgres processes); "
        f"workers busy {100 * busy:.0f}% of wall time")
    say(f"      {CpuAccount.describe(service['split'])}")
    ratio = service["rate"] / pool["rate"]
    drift = abs(first["rate"] - second["rate"]) / max(first["rate"], second["rate"])
    if drift > 0.10:
        say(f"  WARNING: the two pool halves differ by {100 * drift:.0f}% (the machine's background load changed "
            f"during the run): b/a against the first half {service['rate'] / first['rate']:.3f}, against the "
            f"second {service['rate'] / second['rate']:.3f}; rerun on a quiet machine for a figure to trust")
    service_cpu = per_k["workers"] + per_k["web"] + per_k["postgres"]
    cpu_ratio = pool["cpu_per_molecule"] * 1000 / service_cpu
    say(f"  ratio b/a = {ratio:.3f} (target >= {TARGET}); CPU per molecule, audit() alone / whole service "
        f"= {cpu_ratio:.3f} (the ratio a dedicated, CPU-bound machine would reach)")
    return [
        Row("pipeline", f"(a) Pool({processes}) audit(), {count:,} mol", f"{pool['rate']:.1f} mol/s"),
        Row("pipeline", "(b) service upload -> complete on WS", f"{service['rate']:.1f} mol/s"),
        Row("pipeline", "ratio b/a (wall clock)", f"{ratio:.3f}", f">= {TARGET}",
            verdict(ratio, TARGET, True) if drift <= 0.10 else f"unreliable: pool halves differ {100 * drift:.0f}%"),
        Row("pipeline", "CPU ms/mol: audit() | workers+web+postgres",
            f"{pool['cpu_per_molecule'] * 1000:.2f} | "
            f"{per_k['workers']:.2f}+{per_k['web']:.2f}+{per_k['postgres']:.2f}",
            f">= {TARGET} as a ratio", f"{cpu_ratio:.3f}: " + verdict(cpu_ratio, TARGET, True)),
        Row("pipeline", "CPU used by other processes (a) | (b)",
            f"{100 * pool['split']['others']:.0f}% | {100 * service['split']['others']:.0f}%",
            "0% on a quiet machine"),
    ]
