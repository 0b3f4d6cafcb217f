"""6. Database cost: bytes per stored result (row and document) and per event, NOTIFYs per job, and the progress
write rate with 10 concurrent jobs.

Ten jobs are uploaded at once and followed to `complete`; then the tables are measured:
pg_total_relation_size (heap + TOAST + indexes) over row counts, events (= NOTIFYs: one trigger
call per job_events row) per job, and each job's events per second while it ran.
"""

from __future__ import annotations

import asyncio
import time

import psycopg

from bench.common import Row, load_average, say, write_smiles
from bench.harness import Server, follow, session_factory, upload
from bench.procs import CpuAccount

SIZES = """
SELECT c.relname AS table,
       (SELECT count(*) FROM {table}) AS rows,
       pg_total_relation_size(c.oid) AS total,
       pg_relation_size(c.oid) AS heap,
       coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast,
       pg_indexes_size(c.oid) AS indexes,
       (SELECT avg(pg_column_size(t.*)) FROM {table} t) AS width
FROM pg_class c WHERE c.oid = '{table}'::regclass
"""

PER_JOB = """
SELECT j.id, j.total, j.status, count(e.seq) AS events,
       extract(epoch FROM j.finished_at - j.started_at) AS seconds,
       min(e.at) AS first_at, max(e.at) AS last_at
FROM jobs j JOIN job_events e ON e.job_id = j.id
WHERE j.id = ANY(%s)
GROUP BY j.id
"""

PER_SECOND = """
SELECT date_trunc('second', e.at) AS second, count(*) AS events, count(DISTINCT e.job_id) AS jobs
FROM job_events e WHERE e.job_id = ANY(%s) AND e.processed > 0
GROUP BY 1 ORDER BY 1
"""


async def _jobs(server: Server, paths, timeout: float) -> tuple[list[str], float]:
    async with session_factory() as session:
        started = time.perf_counter()
        jobs = await asyncio.gather(*(upload(session, server.base, path) for path in paths))
        await asyncio.gather(*(follow(session, server.ws_base, job.job_id, timeout) for job in jobs))
        return [job.job_id for job in jobs], time.perf_counter() - started


def run(opts) -> list[Row]:
    count, size = opts.jobs, opts.job_molecules
    say(f"dbcost: {count} concurrent jobs of {size:,} molecules; load average {load_average()}")
    paths = [write_smiles(size, f"dbcost_{k}.smi", offset=k * size) for k in range(count)]
    with Server("dbcost") as server:
        account = CpuAccount(server.tree_cpu)
        job_ids, seconds = asyncio.run(_jobs(server, paths, opts.timeout))
        split = account.stop()
        with psycopg.connect(server.database_url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE result_rows, result_docs, job_events, job_inputs")
            sizes = {}
            for table in ("result_rows", "result_docs", "job_events", "job_inputs"):
                row = conn.execute(SIZES.format(table=table)).fetchone()
                sizes[table] = dict(zip(("table", "rows", "total", "heap", "toast", "indexes", "width"), row))
            detail = conn.execute("SELECT avg(pg_column_size(detail)), avg(octet_length(detail::text))"
                                  " FROM result_docs").fetchone()
            payload = conn.execute("SELECT avg(octet_length(chemaudit_progress_json(e)::text)) FROM job_events e"
                                   ).fetchone()[0]
            per_job = conn.execute(PER_JOB, (job_ids,)).fetchall()
            per_second = conn.execute(PER_SECOND, (job_ids,)).fetchall()
            queue_left = conn.execute("SELECT count(*), pg_total_relation_size('dramatiq.queue')"
                                      " FROM dramatiq.queue").fetchone()
    molecules = count * size
    say(f"  {count} jobs, {molecules:,} molecules, all complete in {seconds:.1f} s "
        f"({molecules / seconds:.1f} molecules/s); {CpuAccount.describe(split)}")
    rows = []
    for table, unit in (("result_rows", "result row"), ("result_docs", "result document"),
                        ("job_events", "event"), ("job_inputs", "input record")):
        s = sizes[table]
        per = s["total"] / max(1, s["rows"])
        say(f"  {table}: {s['rows']:,} rows, {s['total'] / 1e6:.1f} MB total = {per:,.0f} bytes per {unit} "
            f"(heap {s['heap'] / max(1, s['rows']):,.0f}, TOAST {s['toast'] / max(1, s['rows']):,.0f}, "
            f"indexes {s['indexes'] / max(1, s['rows']):,.0f}); average row {float(s['width'] or 0):,.0f} bytes")
        rows.append(Row("dbcost", f"bytes per {unit} ({table}, {s['rows']:,} rows)", f"{per:,.0f} B",
                        "", f"heap {s['heap'] / max(1, s['rows']):,.0f} + TOAST "
                            f"{s['toast'] / max(1, s['rows']):,.0f} + idx {s['indexes'] / max(1, s['rows']):,.0f}"))
    stored = sizes["result_rows"]["total"] + sizes["result_docs"]["total"]
    say(f"  results (rows + documents): {stored / max(1, sizes['result_rows']['rows']):,.0f} bytes per result")
    say(f"  result_docs.detail: {detail[0]:,.0f} bytes stored (compressed) per row, {detail[1]:,.0f} bytes as JSON text")
    say(f"  NOTIFY payload: {payload:.0f} bytes on average; broker queue after the run: {queue_left[0]} rows, "
        f"{queue_left[1] / 1e3:.0f} kB")
    events = [r[3] for r in per_job]
    rates = [(r[3] - 1) / float(r[4]) for r in per_job if r[4]]
    durations = [float(r[4]) for r in per_job if r[4]]
    say(f"  events (= NOTIFYs) per job of {size:,}: min {min(events)}, mean {sum(events) / len(events):.1f}, "
        f"max {max(events)} ({1000 * sum(events) / molecules:.1f} per 1,000 molecules)")
    say(f"  per job while it ran: {min(durations):.1f}-{max(durations):.1f} s, "
        f"{min(rates):.1f}-{max(rates):.1f} events/s (mean {sum(rates) / len(rates):.1f})")
    busy = [r for r in per_second]
    if busy:
        say(f"  all jobs together: peak {max(r[1] for r in busy)} events/s, mean "
            f"{sum(r[1] for r in busy) / len(busy):.1f} events/s over {len(busy)} s; jobs progressing in the "
            f"same second: max {max(r[2] for r in busy)}, mean {sum(r[2] for r in busy) / len(busy):.1f}")
    rows += [
        Row("dbcost", f"NOTIFYs per job of {size:,} (min/mean/max)",
            f"{min(events)} / {sum(events) / len(events):.0f} / {max(events)}",
            "", f"{1000 * sum(events) / molecules:.1f} per 1k molecules"),
        Row("dbcost", f"{count} concurrent jobs: events/s per job (min-max)",
            f"{min(rates):.1f}-{max(rates):.1f}", "",
            f"jobs progressing at once: max {max(r[2] for r in busy)}" if busy else ""),
        Row("dbcost", f"{count} concurrent jobs: all events/s (peak | mean)",
            f"{max(r[1] for r in busy)} | {sum(r[1] for r in busy) / len(busy):.1f}" if busy else "-"),
    ]
    return rows
