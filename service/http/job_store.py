"""Creating a job: the one path every new job takes (an upload, a subset revalidate or rescore).

In a single transaction on a pooled connection: the job row, its records (the caller's
`InputWriter` fills `job_inputs`: an upload's COPY from its spool, a subset's copy of its parent's
rows), the totals and chunk rows, and the first progress event. Only then, outside it, one broker
message per chunk. At most `upload_commit_connections` jobs are stored at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from aiohttp import web

from chemaudit.broker import BROKER_ERRORS, enqueue_chunks
from chemaudit.db import outbox_queries as oq
from chemaudit.db import queries as q
from chemaudit.db import subset_queries as sq
from service.db import run
from service.keys import BROKER, POOL, SETTINGS, UPLOAD_COMMITS

log = logging.getLogger("chemaudit.upload")


@dataclass(frozen=True)
class NewJob:
    job_id: UUID
    filename: str
    options: dict  # lands in jobs.options
    owner: str | None
    priority: str = "normal"
    parent_job_id: UUID | None = None
    targets: tuple = ()  # who to notify when it ends (chemaudit/notify/targets.py)


@dataclass(frozen=True)
class StoredInputs:
    """What the InputWriter stored: the job's format and totals."""

    format: str
    compressed: bool
    upload_bytes: int
    total: int


InputWriter = Callable[[object], Awaitable[StoredInputs]]  # given the transaction's connection


async def store_job(app: web.Application, job: NewJob, write_inputs: InputWriter) -> StoredInputs:
    """The job, its records, chunks and first event, in one transaction."""
    async with app[UPLOAD_COMMITS], app[POOL].connection() as conn, conn.transaction():
        await run(conn, q.insert_job(job.job_id, job.filename, job.options, job.owner, job.priority))
        if job.parent_job_id is not None:
            await run(conn, sq.link_parent(job.job_id, job.parent_job_id))
        if job.targets:
            await run(conn, oq.insert_targets(job.job_id, list(job.targets)))
        stored = await write_inputs(conn)
        await run(conn, q.finish_upload(job.job_id, stored.format, stored.compressed, stored.upload_bytes,
                                        stored.total, app[SETTINGS].chunk_size))
        await run(conn, q.append_event(job.job_id, 0))
    return stored


async def enqueue_job(app: web.Application, job_id: UUID, total: int) -> int:
    """Send the committed job's chunk messages; returns its chunk count."""
    chunk_size = app[SETTINGS].chunk_size
    chunk_count = (total + chunk_size - 1) // chunk_size
    try:
        await asyncio.to_thread(enqueue_chunks, app[BROKER], job_id, range(chunk_count))
    except BROKER_ERRORS as exc:
        # The job and its chunks are committed: answering an error would invite a duplicate
        # request. The workers' sweeper sends the messages of chunks nobody has touched.
        log.warning("job %s: chunk messages not sent (%s); the sweeper will send them", job_id, exc)
    return chunk_count


def queued_message(total: int, chunk_count: int) -> str:
    return f"Job queued: {total} molecules in {chunk_count} chunk{'' if chunk_count == 1 else 's'}."
