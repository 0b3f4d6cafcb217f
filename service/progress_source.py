"""Reading a job's current progress message from the tables (snapshots for sockets and /status)."""

from __future__ import annotations

from uuid import UUID

from psycopg_pool import AsyncConnectionPool

from chemaudit.db import queries as q
from chemaudit.errors import NotFound
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
    """The job's latest progress message; None when unknown (or owned by another key)."""
    row = await fetchone(pool, q.progress_snapshot(job_id, owner, check_owner=owner is not None))
    if row is None:
        return None
    message = dict(row["message"])
    message["started_at"] = _iso(row["started_at"])
    message["finished_at"] = _iso(row["finished_at"])
    return message


async def require_message(pool: AsyncConnectionPool, job_id: UUID, owner: str | None = None) -> dict:
    message = await current_message(pool, job_id, owner)
    if message is None:
        raise NotFound(f"No job with id {job_id}.", code="job_not_found")
    return message


async def messages_after(pool: AsyncConnectionPool, job_id: UUID, after_seq: int) -> list[dict]:
    return [row["message"] for row in await fetchall(pool, q.events_after(job_id, after_seq))]
