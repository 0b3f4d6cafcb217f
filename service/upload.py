"""POST /api/v1/batch/upload: read the form and spool the file, then store the job in one short
transaction and enqueue its chunks.

Each upload holds a slot (a cap per node and per client) while its client sends, but no database
connection: the split records wait in a spool file (`service/upload_spool.py`) until the whole
body has been read and every field checked (`service/upload_form.py`). Only then is the job
stored: job row, COPY of the records, chunk rows and first event in one transaction, with at
most `upload_commit_connections` uploads committing at once. So a 4xx means nothing was stored
and a 202 means everything was.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from aiohttp import web

from chemaudit.broker import BROKER_ERRORS, enqueue_chunks
from chemaudit.db import outbox_queries as oq
from chemaudit.db import queries as q
from chemaudit.errors import BadInput
from chemaudit.ingest import IngestLimits, UploadSplitter
from chemaudit.notify.targets import FIELDS as NOTIFY_FIELDS, targets_for_upload
from service.auth import request_owner
from service.db import run
from service.keys import (
    BROKER,
    POOL,
    SETTINGS,
    UPLOAD_COMMITS,
    UPLOAD_LIMITER,
    UPLOAD_SLOTS,
)
from service.rate_limit import client_id
from service.upload_form import OPTION_FLAGS, FormLimits, UploadForm, read_form
from service.upload_spool import UploadSpool

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
    chunk_count = (total + settings.chunk_size - 1) // settings.chunk_size
    try:
        await asyncio.to_thread(enqueue_chunks, request.app[BROKER], job_id, range(chunk_count))
    except BROKER_ERRORS as exc:
        # The job and its chunks are committed: answering an error would invite a duplicate
        # upload. The workers' sweeper sends the messages of chunks nobody has touched.
        log.warning("job %s: chunk messages not sent (%s); the sweeper will send them", job_id, exc)
    splitter = spool.splitter
    return web.json_response(
        {"job_id": str(job_id), "status": "processing", "total_molecules": total,
         "message": f"Job queued: {total} molecules in {chunk_count} chunk{'' if chunk_count == 1 else 's'}.",
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
    settings, splitter = app[SETTINGS], spool.splitter
    options = {name: value for name, value in form.values.items()
               if name != "priority" and name not in NOTIFY_FIELDS}
    options["format_reason"] = splitter.format_reason
    targets = targets_for_upload(settings, form.values)
    async with app[UPLOAD_COMMITS], app[POOL].connection() as conn, conn.transaction():
        await run(conn, q.insert_job(job_id, form.filename, options, owner, form.values["priority"]))
        if targets:
            await run(conn, oq.insert_targets(job_id, targets))
        async with conn.cursor().copy(q.copy_job_inputs()) as copy:
            await spool.copy_into(copy)
        await run(conn, q.finish_upload(job_id, splitter.format, splitter.compressed,
                                        splitter.bytes_in, spool.total, settings.chunk_size))
        await run(conn, q.append_event(job_id, 0))
    log.info("job %s accepted: %s, %s (%s), %d molecules", job_id, form.filename, splitter.format,
             splitter.format_reason, spool.total)
