"""POST /api/v1/batch/upload: read the form and spool the file, then store the job in one short
transaction and enqueue its chunks.

Each upload holds a slot (a cap per node and per client) while its client sends, but no database
connection: the split records wait in a spool file (`service/http/upload_spool.py`) until the whole
body has been read and every field checked (`service/http/upload_form.py`). Only then is the job
stored: job row, COPY of the records, chunk rows and first event in one transaction, with at
most `upload_commit_connections` uploads committing at once. So a 4xx means nothing was stored
and a 202 means everything was.
"""

from __future__ import annotations

import logging
import uuid

from aiohttp import web

from chemaudit.db import queries as q
from chemaudit.errors import BadInput
from chemaudit.ingest import IngestLimits, UploadSplitter
from chemaudit.notify.targets import FIELDS as NOTIFY_FIELDS
from chemaudit.notify.targets import targets_for_upload
from service.http.auth import request_owner
from service.http.job_store import NewJob, StoredInputs, enqueue_job, queued_message, store_job
from service.http.profiles import find_profile, snapshot
from service.http.rate_limit import client_id
from service.http.upload_form import OPTION_FLAGS, FormLimits, UploadForm, read_form
from service.http.upload_spool import UploadSpool
from service.keys import POOL, SETTINGS, UPLOAD_LIMITER, UPLOAD_SLOTS

log = logging.getLogger("chemaudit.upload")

__all__ = ["OPTION_FLAGS", "upload"]


async def upload(request: web.Request) -> web.Response:
    if not request.content_type.startswith("multipart/"):
        raise BadInput("Send the file as multipart/form-data with a field named 'file'.",
                       code="missing_file")
    owner = request_owner(request)
    client = client_id(request, owner)
    settings = request.app[SETTINGS]
    with request.app[UPLOAD_SLOTS].hold(client):
        request.app[UPLOAD_LIMITER].take(client)
        job_id = uuid.uuid4()
        spool = UploadSpool(job_id, settings.upload_spool_dir)
        try:
            form = await read_form(request, spool, FormLimits.from_settings(settings),
                                   lambda filename, values: _splitter(settings, filename, values))
            await _store(request.app, job_id, form, spool, owner)
        finally:
            spool.close()
    total = spool.total
    chunk_count = await enqueue_job(request.app, job_id, total)
    splitter = spool.splitter
    assert splitter is not None, "the form had its file"
    return web.json_response(
        {"job_id": str(job_id), "status": "processing", "total_molecules": total,
         "message": queued_message(total, chunk_count),
         "format": splitter.format, "format_reason": splitter.format_reason},
        status=202,
    )


def _splitter(settings, filename: str, values: dict) -> UploadSplitter:
    return UploadSplitter(filename, smiles_column=values["smiles_column"] or "SMILES",
                          name_column=values["name_column"] or None,
                          limits=IngestLimits.from_settings(settings))


async def _store(app: web.Application, job_id: uuid.UUID, form: UploadForm, spool: UploadSpool,
                 owner: str | None) -> None:
    """The job, its records, chunks and first event, in one transaction on a pooled connection."""
    splitter = spool.splitter
    assert splitter is not None, "the form had its file"
    options = {name: value for name, value in form.values.items()
               if name != "priority" and name not in NOTIFY_FIELDS}
    options["format_reason"] = splitter.format_reason
    if form.values["profile_id"] is not None:  # a copy: editing the profile later leaves the job as it is
        options["profile"] = snapshot(await find_profile(app[POOL], form.values["profile_id"], owner))

    async def copy_spool(conn) -> StoredInputs:
        async with conn.cursor().copy(q.copy_job_inputs()) as copy:
            await spool.copy_into(copy)
        assert splitter.format is not None, "the whole file is split by now"
        return StoredInputs(splitter.format, splitter.compressed, splitter.bytes_in, spool.total)

    targets = tuple(targets_for_upload(app[SETTINGS], form.values))
    await store_job(app, NewJob(job_id, form.filename, options, owner, form.values["priority"], targets=targets),
                    copy_spool)
    log.info("job %s accepted: %s, %s (%s), %d molecules", job_id, form.filename, splitter.format,
             splitter.format_reason, spool.total)
