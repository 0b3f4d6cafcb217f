"""Acting on a selection of a job's molecules: POST /api/v1/batch/{job_id}/subset/...

`revalidate` and `rescore` make a new job of the selected records (their original text, names
kept, numbered 0..n-1 in the parent's order), owned by the caller, linked to its parent
(`parent_job_id` in its status and in the history) and created, queued and followed like any
upload (service/http/job_store.py). `revalidate` audits them afresh with the parent's options;
`rescore` applies a scoring profile (or none) and reuses the stored audits, so it is quick.
`score-inline` answers at once with each selected molecule's profile block, for at most
INLINE_MAX molecules.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import PurePosixPath

from aiohttp import web

from chemaudit.db import subset_queries as sq
from chemaudit.errors import BadInput, InvalidOption, NotFound, TooLarge
from service.db import fetchall, fetchone, run
from service.http.auth import request_owner
from service.http.job_store import NewJob, StoredInputs, enqueue_job, queued_message, store_job
from service.http.json_body import parse_object
from service.http.profiles import find_profile, snapshot
from service.http.rate_limit import client_id
from service.keys import POOL, UPLOAD_LIMITER
from service.progress.source import parse_job_id

log = logging.getLogger("chemaudit.subsets")

API = "/api/v1"
SUBSET_MAX = 100_000  # records in one subset job (a bigger selection is a new upload)
INLINE_MAX = 1_000  # molecules scored in one score-inline answer
_EXAMPLE = '{"indices": [0, 4, 7]}'
_SHOWN = 10


def setup_subset_routes(app: web.Application) -> None:
    app.router.add_post(f"{API}/batch/{{job_id}}/subset/revalidate", revalidate)
    app.router.add_post(f"{API}/batch/{{job_id}}/subset/rescore", rescore)
    app.router.add_post(f"{API}/batch/{{job_id}}/subset/score-inline", score_inline)


def parse_indices(body: dict, total: int, cap: int) -> list[int]:
    """The body's `indices`: distinct, sorted, each a molecule of the job (0 <= i < total)."""
    raw = body.get("indices")
    if not isinstance(raw, list) or not raw:
        raise BadInput(f"indices must be a non-empty list of molecule indices, like {_EXAMPLE}.",
                       code="missing_indices")
    if any(isinstance(i, bool) or not isinstance(i, int) for i in raw):
        raise InvalidOption("indices must hold whole numbers only (the `index` of each result).")
    indices = sorted(set(raw))
    if len(indices) > cap:
        raise TooLarge(f"The selection has {len(indices):,} molecules; at most {cap:,} are accepted at once.",
                       code="too_many_indices")
    outside = [i for i in indices if not 0 <= i < total]
    if outside:
        shown = ", ".join(map(str, outside[:_SHOWN])) + (" ..." if len(outside) > _SHOWN else "")
        raise InvalidOption(f"The job has {total:,} molecules (indices 0 to {total - 1:,}); "
                            f"{len(outside):,} of the indices are outside that: {shown}.",
                            code="index_out_of_range")
    return indices


async def _source(request: web.Request) -> dict:
    job_id = parse_job_id(request.match_info["job_id"])
    owner = request_owner(request)
    job = await fetchone(request.app[POOL], sq.subset_source(job_id, owner, check_owner=owner is not None))
    if job is None:
        raise NotFound(f"No job with id {job_id}.", code="job_not_found")
    return job


def subset_filename(filename: str, action: str) -> str:
    """"nci.sdf.gz" -> "nci_revalidate.sdf.gz": the parent's name, marked with the action."""
    path = PurePosixPath(filename.replace("\\", "/"))
    stem, _, extensions = path.name.partition(".")
    return f"{stem or 'subset'}_{action}{'.' + extensions if extensions else ''}"[:255]


async def _new_subset_job(request: web.Request, parent: dict, indices: list[int], action: str,
                          options: dict) -> dict:
    owner = request_owner(request)
    request.app[UPLOAD_LIMITER].take(client_id(request, owner))
    job_id = uuid.uuid4()
    options = {**options, "subset": {"action": action, "source_job_id": str(parent["id"])}}

    async def copy_records(conn) -> StoredInputs:
        copied = (await (await run(conn, sq.copy_subset_inputs(job_id, parent["id"], indices))).fetchone())["n"]
        if copied != len(indices):  # the parent was purged meanwhile: nothing is kept
            raise NotFound(f"The records of job {parent['id']} are gone; it was purged.", code="job_not_found")
        return StoredInputs(parent["format"], False, 0, copied)

    job = NewJob(job_id, subset_filename(parent["filename"], action), options, owner, parent["priority"],
                 parent_job_id=parent["id"])
    stored = await store_job(request.app, job, copy_records)
    chunk_count = await enqueue_job(request.app, job_id, stored.total)
    log.info("job %s: %s of %d molecules of job %s", job_id, action, stored.total, parent["id"])
    return {"new_job_id": str(job_id), "source_job_id": str(parent["id"]), "molecule_count": stored.total,
            "action": action, "job_id": str(job_id), "status": "processing",
            "message": queued_message(stored.total, chunk_count)}


async def revalidate(request: web.Request) -> web.Response:
    """A fresh audit of the selection (never taken from the result cache), with the parent's options."""
    parent = await _source(request)
    body = parse_object(await request.read(), _EXAMPLE)
    indices = parse_indices(body, parent["total"], SUBSET_MAX)
    options = {**(parent["options"] or {}), "reuse": False}
    return web.json_response(await _new_subset_job(request, parent, indices, "revalidate", options))


async def rescore(request: web.Request) -> web.Response:
    """The selection scored with `profile_id` (none: no profile), reusing the stored audits."""
    parent = await _source(request)
    body = parse_object(await request.read(), _EXAMPLE)
    indices = parse_indices(body, parent["total"], SUBSET_MAX)
    profile_id = _optional_profile_id(body)
    options = {name: value for name, value in (parent["options"] or {}).items() if name != "profile"}
    options.update(reuse=True, profile_id=profile_id)
    if profile_id is not None:
        options["profile"] = snapshot(await find_profile(request.app[POOL], profile_id, request_owner(request)))
    answer = await _new_subset_job(request, parent, indices, "rescore", options)
    answer["profile_id"] = profile_id
    return web.json_response(answer)


async def score_inline(request: web.Request) -> web.Response:
    """Each selected molecule's profile block, computed now from its stored result."""
    parent = await _source(request)
    body = parse_object(await request.read(), '{"indices": [0, 4, 7], "profile_id": 1}')
    profile_id = _optional_profile_id(body)
    if profile_id is None:
        raise BadInput("profile_id is required: the profile to score the molecules with "
                       "(GET /api/v1/profiles lists them).", code="missing_profile_id")
    indices = parse_indices(body, parent["total"], INLINE_MAX)
    profile = await find_profile(request.app[POOL], profile_id, request_owner(request))
    rows = await fetchall(request.app[POOL], sq.profile_scores(parent["id"], indices, snapshot(profile)))
    if not rows:
        raise NotFound(f"No results yet for job {parent['id']} at the given indices.", code="results_not_found")
    found = {row["idx"] for row in rows}
    return web.json_response({
        "profile_name": profile["name"], "profile_id": profile["id"],
        "molecules": [{"index": row["idx"], "name": row["name"], "smiles": row["smiles"],
                       "profile": row["profile"]} for row in rows],
        "not_found": [i for i in indices if i not in found],  # not audited yet (the job is running)
    })


def _optional_profile_id(body: dict) -> int | None:
    raw = body.get("profile_id")
    if raw is None:
        return None
    text = str(raw).strip() if isinstance(raw, (int, str)) and not isinstance(raw, bool) else ""
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise InvalidOption("profile_id must be a profile's id (a positive integer) or null.")
    return int(text)
