"""Reading a job's progress messages from the tables (snapshots for sockets and /status).

Sockets send messages in exactly the shape of a live NOTIFY (`progress_message`); `/status`
adds the job's `started_at`/`finished_at` after them.
"""

from __future__ import annotations

from uuid import UUID

from psycopg_pool import AsyncConnectionPool

from chemaudit.db import queries as q
from chemaudit.errors import NotFound
from chemaudit.progress import progress_message
from service.db import fetchall, fetchone


def parse_job_id(raw: str) -> UUID:
    """A job id from a URL; a malformed one is simply an unknown job (404)."""
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound(f"No job with id {raw[:64]!r}.", code="job_not_found") from None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


async def current_message(pool: AsyncConnectionPool, job_id: UUID | str,
                          owner: str | None = None) -> dict | None:
    """The job's latest progress message with its timestamps (for /status); None when unknown
    (or owned by another key)."""
    row = await fetchone(pool, q.progress_snapshot(job_id, owner, check_owner=owner is not None))
    if row is None:
        return None
    message = progress_message(row["message"])
    message["started_at"] = _iso(row["started_at"])
    message["finished_at"] = _iso(row["finished_at"])
    if row["parent_job_id"] is not None:  # a subset job (service/http/subsets.py)
        message["parent_job_id"] = str(row["parent_job_id"])
    return message


async def latest_message(pool: AsyncConnectionPool, job_id: UUID | str,
                         owner: str | None = None) -> dict | None:
    """The job's latest progress message as sockets send it (the same as its live message)."""
    row = await fetchone(pool, q.progress_snapshot(job_id, owner, check_owner=owner is not None))
    return progress_message(row["message"]) if row is not None else None


async def require_message(pool: AsyncConnectionPool, job_id: UUID, owner: str | None = None) -> dict:
    message = await current_message(pool, job_id, owner)
    if message is None:
        raise NotFound(f"No job with id {job_id}.", code="job_not_found")
    return message


async def messages_after(pool: AsyncConnectionPool, job_id: UUID, after_seq: int,
                         before_seq: int | None = None) -> list[dict]:
    """The job's messages with after_seq < seq (< before_seq, when given), in seq order."""
    query = (q.events_after(job_id, after_seq) if before_seq is None
             else q.events_between(job_id, after_seq, before_seq))
    return [progress_message(row["message"]) for row in await fetchall(pool, query)]
