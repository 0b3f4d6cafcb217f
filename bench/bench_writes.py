"""The database writes of the pipeline, alone, with the variants the performance notes propose.

Run: python bench/bench_writes.py [--inputs 1000000] [--results 2000] [--messages 5000]

On a fresh, migrated database of CHEMAUDIT_BENCH_DATABASE_URL (dropped at the end):
  1. COPY of the upload's records into job_inputs: as the upload handler does it (one write of
     preformatted rows per piece), a write_row per record, and that with the foreign key to jobs
     that migration 0005 dropped;
  2. result batches (50 rows) as the worker stores them: new documents (lz4 since 0005, where
     the server has it) and rows pointing at them, rows reusing stored documents, and pglz as
     before 0005;
  3. chunk messages one transaction each (the broker's enqueue) and in bulk (enqueue_chunks).
Prints wall time, the PostgreSQL backend's CPU time (from /proc) and this process's CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bench.common import smiles_lines, write_smiles  # noqa: E402
from bench.harness import create_database, drop_database  # noqa: E402
from bench.procs import cpu_seconds  # noqa: E402
from chemaudit.db import migrate  # noqa: E402
from chemaudit.db import queries as q  # noqa: E402

BATCH = 50


def line(label: str, count: int, unit: str, wall: float, backend: float, client: float, extra: str = "") -> None:
    scale, name = (1e6, "µs") if wall / count < 1e-4 else (1e3, "ms")
    print(f"  {label:<46} wall {scale * wall / count:7.3f} {name}/{unit}  PostgreSQL CPU "
          f"{scale * backend / count:7.3f}  client CPU {scale * client / count:7.3f}{extra}  "
          f"({wall:.2f} s for {count:,}, PostgreSQL CPU {backend:.2f} s)")


# 1. Upload records -------------------------------------------------------------------------------

def inputs(url: str, count: int) -> None:
    from chemaudit.ingest import IngestLimits, UploadSplitter
    from chemaudit.settings import Settings

    data = write_smiles(count, f"writes_{count}.smi").read_bytes()
    splitter = UploadSplitter("x.smi", limits=IngestLimits.from_settings(Settings()))
    records = []
    for offset in range(0, len(data), 65536):
        records.extend(splitter.feed(data[offset:offset + 65536]))
    records.extend(splitter.finish())

    pieces = [records[k:k + 1500] for k in range(0, len(records), 1500)]  # about one 64 KiB piece each

    async def copy(preformatted: bool) -> tuple[float, float, float]:
        from chemaudit.db.copy_rows import job_input_rows

        job_id = uuid.uuid4()
        async with await psycopg.AsyncConnection.connect(url) as conn:
            pid = (await (await conn.execute("SELECT pg_backend_pid()")).fetchone())[0]
            backend, wall, client = cpu_seconds(pid), time.perf_counter(), time.process_time()
            async with conn.transaction():
                job = q.insert_job(job_id, "x.smi", {}, None)
                await conn.execute(job.sql, job.params)
                async with conn.cursor().copy(q.copy_job_inputs()) as cp:
                    key = str(job_id)
                    for piece in pieces:
                        if preformatted:
                            await cp.write(job_input_rows(key, piece, 500))
                            continue
                        for r in piece:
                            await cp.write_row((key, r.idx, r.name[:500], r.kind, r.text, r.error))
            return time.perf_counter() - wall, cpu_seconds(pid) - backend, time.process_time() - client

    print(f"1. COPY {count:,} upload records into job_inputs (one transaction, as service/http/upload.py):")
    line("now: one write of formatted rows per piece", count, "record", *asyncio.run(copy(True)))
    line("write_row per record", count, "record", *asyncio.run(copy(False)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE job_inputs ADD CONSTRAINT fk_job_inputs_job_id_jobs FOREIGN KEY (job_id)"
                     " REFERENCES jobs (id) ON DELETE CASCADE")
    line("write_row per record + foreign key (before 0005)", count, "record", *asyncio.run(copy(False)))


# 2. Result rows ----------------------------------------------------------------------------------

def results(url: str, count: int) -> None:
    from chemaudit.chemistry import AuditOptions, audit, warm_up
    from chemaudit.result_rows import to_row
    from tasks.result_cache import ChunkCache

    warm_up()
    records = [{"idx": i, "name": name, "kind": "smiles", "text": smi, "error": None}
               for i, (smi, name) in enumerate(text.split("\t") for text in smiles_lines(count))]
    audited = [(record, audit(record["text"], "smiles")) for record in records]
    print(f"2. results of {count:,} molecules, batches of {BATCH} as the worker commits them"
          " (documents, then rows pointing at them):")

    def store(conn, job_id, version: str, reuse: bool) -> None:
        cache = ChunkCache(str(job_id), AuditOptions(), reuse=True, version=version)
        for k in range(0, count, BATCH):
            part = audited[k:k + BATCH]
            if reuse:
                cache.look_up(conn, [record for record, _ in part])
                batch = [cache.reused(record) for record, _ in part]
            else:
                batch = [cache.audited_result(record, to_row(str(job_id), record["idx"], record["name"],
                                                             record["text"], result))
                         for record, result in part]
            with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
                rows_json, reused = cache.store(cur, batch)
                query = q.insert_results(rows_json, reused)
                cur.execute(query.sql, query.params).fetchone()
            cache.committed()

    for label, version, reuse, ddl in (
        ("fresh: new documents (lz4 if available) + rows", "bench-lz4", False, None),
        ("reused: rows pointing at stored documents", "bench-lz4", True, None),
        ("fresh, detail with pglz (before 0005)", "bench-pglz", False,
         "ALTER TABLE result_docs ALTER COLUMN detail SET COMPRESSION pglz"),
    ):
        with psycopg.connect(url) as conn:
            if ddl:
                conn.execute(ddl)
                conn.commit()
            job_id = uuid.uuid4()
            job = q.insert_job(job_id, "x.smi", {}, None)
            conn.execute(job.sql, job.params)
            conn.execute("UPDATE jobs SET total = %s WHERE id = %s", (count, job_id))
            pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            conn.commit()
            backend, wall, client = cpu_seconds(pid), time.perf_counter(), time.process_time()
            store(conn, job_id, version, reuse)
            measured = time.perf_counter() - wall, cpu_seconds(pid) - backend, time.process_time() - client
            size = conn.execute("SELECT avg(pg_column_size(d.detail)) FROM result_rows r"
                                " JOIN result_docs d ON d.id = r.doc_id WHERE r.job_id = %s",
                                (job_id,)).fetchone()[0]
        line(label, count, "result", *measured, f"  detail {float(size):,.0f} B stored")


# 3. Broker messages --------------------------------------------------------------------------------

def messages(url: str, count: int) -> None:
    from chemaudit.broker import chunk_message, enqueue_chunks, make_broker
    from chemaudit.settings import Settings

    print(f"3. enqueue {count:,} chunk messages (PostgreSQL broker):")
    broker = make_broker(Settings(database_url=url))
    try:
        job_id = uuid.uuid4()
        started = time.perf_counter()
        for k in range(count):
            broker.enqueue(chunk_message(job_id, k))
        seconds = time.perf_counter() - started
        print(f"  {'broker.enqueue each (a transaction each)':<46} {seconds:6.2f} s = "
              f"{1000 * seconds / count:.3f} ms each")
        started = time.perf_counter()
        enqueue_chunks(broker, uuid.uuid4(), range(count))
        seconds = time.perf_counter() - started
        print(f"  {'enqueue_chunks (one transaction, executemany)':<46} {seconds:6.2f} s = "
              f"{1000 * seconds / count:.3f} ms each")
    finally:
        broker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1_000_000, help="upload records to COPY (0: skip)")
    parser.add_argument("--results", type=int, default=2_000, help="molecules to audit and store (0: skip)")
    parser.add_argument("--messages", type=int, default=5_000, help="chunk messages to enqueue (0: skip)")
    args = parser.parse_args()
    name, url = create_database("writes")
    try:
        migrate.upgrade(url)
        if args.inputs:
            inputs(url, args.inputs)
        if args.results:
            results(url, args.results)
        if args.messages:
            messages(url, args.messages)
    finally:
        drop_database(name)


if __name__ == "__main__":
    main()
