"""Queries about how an upload was read (the job's format and why it was chosen)."""

from __future__ import annotations

from uuid import UUID

from chemaudit.db.queries import Query


def job_format(job_id: UUID) -> Query:
    """The job's format and the reason the upload was read so (NULL for jobs from before it was kept)."""
    return Query("SELECT format, options ->> 'format_reason' AS format_reason FROM jobs WHERE id = %(id)s",
                 {"id": job_id})
