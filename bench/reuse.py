"""9. Result reuse: the same 20,000 real molecules fresh, again, 10 % changed, and 5,000 x 4.

One `chemaudit serve` (2 workers), one database, four jobs in a row, each timed end to end
(upload start -> `complete` on a WebSocket):
  fresh     20,000 distinct molecules, nothing in the cache (the baseline);
  same      the same file again: every result is reused;
  changed   the same file with 10 % of the records (random positions) replaced by molecules it
            did not hold: those are audited, the rest reused;
  repeats   5,000 of the molecules, each 4 times under 4 names, shuffled: measured against
            the fresh job, after a purge has emptied the cache.
Storage: pg_total_relation_size of result_rows + result_docs (heap, TOAST, indexes) after the
fresh job over its rows, and its growth over the rows of the fully reused job.
"""

from __future__ import annotations

import asyncio
import random
import time

import psycopg

from bench.common import OUT, Row, load_average, say, verdict
from bench.harness import Server, follow, session_factory, upload
from bench.procs import CpuAccount
from bench.real_molecules import distinct_molecules
from service.ops.purge import run_purge

MOLECULES = 20_000
TARGETS = {"same": 20.0, "changed": 6.0, "repeats": 3.0}
REUSED_BYTES_TARGET = 600
SIZES = ("SELECT pg_total_relation_size('result_rows') + pg_total_relation_size('result_docs'),"
         " (SELECT count(*) FROM result_rows), (SELECT count(*) FROM result_docs)")
TUPLES = "SELECT avg(pg_column_size(r.*)) FROM result_rows r WHERE job_id = %s"
JOB = "SELECT total, processed, reused, errors FROM jobs WHERE id = %s"


def write(name: str, pairs: list[tuple[str, str]]):
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    path.write_text("".join(f"{smiles}\t{label}\n" for smiles, label in pairs))
    return path


def files(count: int) -> dict:
    pool = distinct_molecules(count + count // 10)
    base, spare = pool[:count], pool[count:]
    changed = list(base)
    for position, replacement in zip(random.Random(11).sample(range(count), count // 10), spare):
        changed[position] = replacement
    quarter = base[::4][:count // 4]
    repeats = [(smiles, f"{name}-copy{k}") for smiles, name in quarter for k in range(4)]
    random.Random(13).shuffle(repeats)
    return {"fresh": write(f"reuse_fresh_{count}.smi", base), "same": write(f"reuse_fresh_{count}.smi", base),
            "changed": write(f"reuse_changed_{count}.smi", changed),
            "repeats": write(f"reuse_repeats_{count}.smi", repeats)}


async def _timed_job(server: Server, path, timeout: float) -> dict:
    async with session_factory() as session:
        started = time.perf_counter()
        job = await upload(session, server.base, path)
        messages = await follow(session, server.ws_base, job.job_id, timeout)
        seconds = time.perf_counter() - started
    final = messages[-1][1] if messages else {}
    return {"job_id": job.job_id, "seconds": seconds, "messages": len(messages), "final": final,
            "etas": [m["eta_seconds"] for _, m in messages if m["status"] == "processing"]}


def _measure(conn, job_id: str) -> dict:
    total, rows, documents = conn.execute(SIZES).fetchone()
    job = dict(zip(("total", "processed", "reused", "errors"), conn.execute(JOB, (job_id,)).fetchone()))
    tuple_bytes = conn.execute(TUPLES, (job_id,)).fetchone()[0]
    return {"bytes": total, "rows": rows, "documents": documents, "tuple": float(tuple_bytes or 0), **job}


def run(opts) -> list[Row]:
    count = max(opts.molecules, 1_000)
    paths = files(count)
    say(f"reuse: {count:,} real molecules (RDKit's data), 2 workers; load average {load_average()}")
    results: dict[str, dict] = {}
    with Server("reuse") as server, psycopg.connect(server.database_url, autocommit=True) as conn:
        run_purge(server.database_url, 0.001)  # the server's smoke job: the cache starts empty
        before = conn.execute(SIZES).fetchone()[0]
        for phase in ("fresh", "same", "changed", "repeats"):
            if phase == "repeats":
                started = time.perf_counter()
                purged = run_purge(server.database_url, 0.001)
                say(f"  purge of {purged} jobs and their unused documents: {time.perf_counter() - started:.1f} s")
            account = CpuAccount(server.tree_cpu)
            result = asyncio.run(_timed_job(server, paths[phase], opts.timeout))
            result["split"] = account.stop()
            result.update(_measure(conn, result["job_id"]))
            result["grown"] = result["bytes"] - before
            before = result["bytes"]
            results[phase] = result
            say(f"  {phase:>8}: {result['seconds']:6.1f} s, {result['processed']:,} processed, "
                f"{result['reused']:,} reused, {result['documents']:,} documents stored in all, "
                f"storage +{result['grown'] / 1e6:.1f} MB = {result['grown'] / count:,.0f} B per row "
                f"(row tuple {result['tuple']:.0f} B); {result['messages']} WS messages, "
                f"final {result['final'].get('status')}, max ETA {max(result['etas'], default=0)} s")
            say(f"            {CpuAccount.describe(result['split'])}")
    fresh = results["fresh"]["seconds"]
    others = {phase: f"others used {100 * r['split']['others']:.0f}% CPU" for phase, r in results.items()}
    rows = [Row("reuse", f"fresh job, {count:,} distinct", f"{fresh:.1f} s", "", others["fresh"]),
            Row("reuse", "bytes per fresh result row", f"{results['fresh']['grown'] / count:,.0f} B")]
    for phase, target in TARGETS.items():
        ratio = fresh / results[phase]["seconds"]
        rows.append(Row("reuse", f"{phase}: {results[phase]['seconds']:.1f} s, speed-up vs fresh",
                        f"{ratio:.1f}x", f">= {target:g}x", f"{verdict(ratio, target, True)}; {others[phase]}"))
    reused_bytes = results["same"]["grown"] / count
    rows.append(Row("reuse", "bytes per reused result row", f"{reused_bytes:,.0f} B",
                    f"<= {REUSED_BYTES_TARGET}", verdict(reused_bytes, REUSED_BYTES_TARGET, False)))
    return rows
