"""The database writes of the pipeline, alone, with the variants the performance notes propose.

Run: python bench/bench_writes.py [--inputs 1000000] [--results 2000] [--messages 5000]

On a fresh, migrated database of CHEMAUDIT_BENCH_DATABASE_URL (dropped at the end):
  1. COPY of the upload's records into job_inputs: as the upload handler does it (one write of
     preformatted rows per piece), a write_row per record, and that with the foreign key to jobs
     that migration 0005 dropped;
  2. result batches (50 rows) as the worker inserts them (lz4 since 0005, where the server has
     it), with pglz as before 0005, and through COPY into a staging table;
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
from psycopg.types.json import Jsonb

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

    print(f"1. COPY {count:,} upload records into job_inputs (one transaction, as service/upload.py):")
    line("now: one write of formatted rows per piece", count, "record", *asyncio.run(copy(True)))
    line("write_row per record", count, "record", *asyncio.run(copy(False)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE job_inputs ADD CONSTRAINT fk_job_inputs_job_id_jobs FOREIGN KEY (job_id)"
                     " REFERENCES jobs (id) ON DELETE CASCADE")
    line("write_row per record + foreign key (before 0005)", count, "record", *asyncio.run(copy(False)))


# 2. Result rows ----------------------------------------------------------------------------------

def results(url: str, count: int) -> None:
    from chemaudit.chemistry import audit, warm_up
    from chemaudit.result_rows import rows_to_json, to_row

    warm_up()
    audited = [(smi, name, audit(smi, "smiles")) for smi, name in
               (text.split("\t") for text in smiles_lines(count))]

    def rows(job_id):
        return [to_row(str(job_id), i, name, smi, result) for i, (smi, name, result) in enumerate(audited)]

    started = time.process_time()
    made = rows(uuid.uuid4())
    to_rows = time.process_time() - started
    started = time.process_time()
    text = rows_to_json(made)
    to_json = time.process_time() - started
    print(f"2. results: to_row {1000 * to_rows / count:.3f} ms/molecule, rows_to_json {1000 * to_json / count:.3f} "
          f"ms/molecule, {len(text) / count:,.0f} bytes of JSON per molecule; batches of {BATCH}:")

    def as_now(conn, job_id):
        batch = rows(job_id)
        for k in range(0, count, BATCH):
            with conn.transaction():
                query = q.insert_results(rows_to_json(batch[k:k + BATCH]))
                conn.execute(query.sql, query.params).fetchone()

    columns = ", ".join(q.RESULT_COLUMNS)

    def staged(conn, job_id):
        batch = rows(job_id)
        for k in range(0, count, BATCH):
            with conn.transaction():
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS stage (LIKE results INCLUDING DEFAULTS)"
                             " ON COMMIT DELETE ROWS")
                with conn.cursor().copy(f"COPY stage ({columns}) FROM STDIN") as cp:
                    for row in batch[k:k + BATCH]:
                        cp.write_row([Jsonb(row[c]) if c == "detail" else row[c] for c in q.RESULT_COLUMNS])
                conn.execute(f"WITH ins AS (INSERT INTO results ({columns}) SELECT {columns} FROM stage"
                             " ON CONFLICT (job_id, idx) DO NOTHING RETURNING status) SELECT count(*) FROM ins"
                             ).fetchone()

    for label, insert, ddl in (
        ("now (jsonb_populate_recordset, lz4 if available)", as_now, None),
        ("COPY into a staging table + INSERT", staged, None),
        ("now, detail with pglz (before 0005)", as_now,
         "ALTER TABLE results ALTER COLUMN detail SET COMPRESSION pglz"),
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
            insert(conn, job_id)
            measured = time.perf_counter() - wall, cpu_seconds(pid) - backend, time.process_time() - client
            size = conn.execute("SELECT avg(pg_column_size(detail)) FROM results WHERE job_id = %s",
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
