"""Named SQL for subsets of a job: new jobs made of some of its records, and inline profile scores."""

from __future__ import annotations

from uuid import UUID

from psycopg.types.json import Jsonb

from chemaudit.db.queries import Query


def subset_source(job_id: UUID, owner: str | None = None, check_owner: bool = False) -> Query:
    """The parent job as a subset needs it; no row if unknown (or another key's job)."""
    return Query(
        "SELECT id, filename, format, options, total, priority FROM jobs"
        " WHERE id = %(id)s AND (NOT %(check)s OR owner IS NOT DISTINCT FROM %(owner)s)",
        {"id": job_id, "owner": owner, "check": check_owner},
    )


def link_parent(job_id: UUID, parent_job_id: UUID) -> Query:
    return Query("UPDATE jobs SET parent_job_id = %(parent)s WHERE id = %(id)s",
                 {"id": job_id, "parent": parent_job_id})


def copy_subset_inputs(job_id: UUID, parent_job_id: UUID, indices: list[int]) -> Query:
    """Copy the parent's records at `indices` as the new job's records 0..n-1, in the parent's
    order, names and texts unchanged. Returns the number copied (`n`)."""
    return Query(
        "WITH picked AS (INSERT INTO job_inputs (job_id, idx, name, kind, text, error)"
        "  SELECT %(id)s, (row_number() OVER (ORDER BY i.idx) - 1)::integer, i.name, i.kind, i.text, i.error"
        "  FROM job_inputs i WHERE i.job_id = %(parent)s AND i.idx = ANY(%(indices)s::integer[])"
        "  RETURNING 1)"
        " SELECT count(*) AS n FROM picked",
        {"id": job_id, "parent": parent_job_id, "indices": indices},
    )


def profile_scores(job_id: UUID, indices: list[int], profile: dict) -> Query:
    """Each stored result at `indices` with its block under `profile` (the scoring function of
    migration 0008, the same one that scores a job uploaded with a profile)."""
    return Query(
        "SELECT r.idx, r.name, r.smiles, chemaudit_profile_result(coalesce(r.detail, '{}'::jsonb),"
        "  %(profile)s) AS profile"
        " FROM results r WHERE r.job_id = %(id)s AND r.idx = ANY(%(indices)s::integer[]) ORDER BY r.idx",
        {"id": job_id, "indices": indices, "profile": Jsonb(profile)},
    )
