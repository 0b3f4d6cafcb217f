"""The progress events of the sockets benchmark (bench/sockets.py): a schedule, and a writer that
commits each event through the project's own named query, stamping it with the database's clock."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

TOTAL = 1000  # each job's `total`; its events step `processed` towards it


async def write_events(database_url: str, schedule: list[list[int]], job_ids: list[str],
                       tick: float, total: int = TOTAL) -> tuple[dict, dict, dict]:
    """Commit the scheduled events tick by tick (each job's `processed` stepping towards `total`,
    its last event `complete`; the progress and sockets benchmarks share it). Returns, per (job index, seq): the database's
    clock just before COMMIT, the writer's clock once COMMIT returned, and when the benchmark's
    own LISTEN connection heard the NOTIFY."""
    import asyncpg
    import psycopg

    from chemaudit.db import queries as q
    from chemaudit.db.schema import NOTIFY_CHANNEL

    index = {job_id: i for i, job_id in enumerate(job_ids)}
    db_clock: dict[tuple[int, int], float] = {}
    returned: dict[tuple[int, int], float] = {}
    heard: dict[tuple[int, int], float] = {}

    def on_notify(_conn, _pid, _channel, payload):
        now = time.time()
        data = json.loads(payload)
        if data["job_id"] in index:
            heard[(index[data["job_id"]], data["seq"])] = now

    listener = await asyncpg.connect(database_url)
    await listener.add_listener(NOTIFY_CHANNEL, on_notify)
    done = dict.fromkeys(range(len(job_ids)), 0)
    final = {i: (step, k) for step, jobs in enumerate(schedule) for k, i in enumerate(jobs)}
    try:
        async with await psycopg.AsyncConnection.connect(database_url) as conn:
            next_tick = time.monotonic()
            for step, jobs in enumerate(schedule):
                for k, i in enumerate(jobs):
                    last = final[i] == (step, k)  # each job's last event ends it: `complete`
                    job_id = uuid.UUID(job_ids[i])
                    done[i] = total if last else min(total - 1, done[i] + max(1, total // 50))
                    status = "complete" if last else "processing"
                    async with conn.transaction():
                        await conn.execute(
                            "UPDATE jobs SET processed = %s, status = %s,"
                            " finished_at = CASE WHEN %s = 'complete' THEN now() END WHERE id = %s",
                            (done[i], status, status, job_id))
                        event = q.append_event(job_id, 0 if last else 60)
                        seq = (await (await conn.execute(event.sql, event.params)).fetchone())[0]
                        clock = (await (await conn.execute(
                            "SELECT extract(epoch FROM clock_timestamp())::float8")).fetchone())[0]
                    returned[(i, seq)] = time.time()
                    db_clock[(i, seq)] = clock
                next_tick += tick
                await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
        await asyncio.sleep(1.0)
    finally:
        await listener.close()
    return db_clock, returned, heard


def schedule_events(jobs: int, events_per_job: int, jobs_per_tick: int) -> list[list[int]]:
    """Rounds of ticks: in each round every job still running gets one event, `jobs_per_tick`
    jobs a tick. With several jobs, job i has about 2 x events_per_job x (i + 1) / jobs events
    (events_per_job on average), so the jobs end one after another over the run, as they do in
    real life, instead of all closing their sockets in the last round."""
    if jobs == 1:
        counts = [events_per_job]
    else:
        counts = [max(2, round(2 * events_per_job * (i + 1) / jobs)) for i in range(jobs)]
    ticks = -(-jobs // jobs_per_tick)
    return [[i for i in range(t * jobs_per_tick, min(jobs, (t + 1) * jobs_per_tick)) if counts[i] > r]
            for r in range(max(counts)) for t in range(ticks)]
