"""POST /api/v1/batch/upload: stream the file in, split it, COPY records, create chunks, enqueue.

The body is never held in memory: multipart pieces go through the splitter straight into a
COPY, inside one transaction with the job and chunk rows, so a failed upload leaves nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from functools import partial

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from chemaudit.broker import BROKER_ERRORS, enqueue_chunks
from chemaudit.db import queries as q
from chemaudit.db.copy_rows import job_input_rows
from chemaudit.db.schema import PRIORITY_WEIGHTS
from chemaudit.errors import BadInput, InvalidOption
from chemaudit.ingest import IngestLimits, UploadSplitter
from service.auth import request_owner
from service.db import run
from service.keys import BROKER, POOL, SETTINGS, UPLOAD_LIMITER
from service.rate_limit import client_id

log = logging.getLogger("chemaudit.upload")

OPTION_FLAGS = ("include_extended_safety", "include_chembl_alerts", "include_standardization")
TEXT_FIELDS = ("smiles_column", "name_column", "priority") + OPTION_FLAGS
PIECE = 64 * 1024
MAX_NAME = 500
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidOption(f"Option {name} must be true or false, not {raw[:40]!r}.")


def parse_priority(raw: str | None) -> str:
    value = (raw or "normal").strip().lower() or "normal"
    if value not in PRIORITY_WEIGHTS:
        raise InvalidOption(f"Option priority must be one of {', '.join(PRIORITY_WEIGHTS)}, not {raw[:40]!r}.")
    return value


async def _next_part(reader):
    try:
        return await reader.next()
    except (ValueError, HttpProcessingError) as exc:
        raise BadInput(f"The multipart body is malformed: {exc}.", code="bad_multipart") from None


async def _read_field(part: BodyPartReader) -> str:
    data = await part.read(decode=True)
    if len(data) > 1024:
        raise BadInput(f"Form field {part.name!r} is longer than 1024 bytes.")
    return data.decode("utf-8", errors="replace").strip()


async def upload(request: web.Request) -> web.Response:
    if not request.content_type.startswith("multipart/"):
        raise BadInput("Send the file as multipart/form-data with a field named 'file'.",
                       code="missing_file")
    owner = request_owner(request)
    request.app[UPLOAD_LIMITER].take(client_id(request, owner))
    try:
        reader = await request.multipart()
    except ValueError as exc:
        raise BadInput(f"The multipart body cannot be read: {exc}.", code="bad_multipart") from None
    fields: dict[str, str] = {}
    job_id = uuid.uuid4()
    created = None
    while (part := await _next_part(reader)) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file" and created is None:
            options = {flag: parse_flag(flag, fields.get(flag, "")) for flag in OPTION_FLAGS}
            created = await _ingest(request, part, job_id, fields, options, owner)
        elif part.name in TEXT_FIELDS:
            fields[part.name] = await _read_field(part)
            if created is not None and part.name in ("smiles_column", "name_column", "priority"):
                raise BadInput(f"Send {part.name} before the file field, so it applies while the file streams in.")
        else:
            await part.release()
    if created is None:
        raise BadInput("The form has no field named 'file'.", code="missing_file")
    total, chunk_count = created
    try:
        await asyncio.to_thread(enqueue_chunks, request.app[BROKER], job_id, range(chunk_count))
    except BROKER_ERRORS as exc:
        # The job and its chunks are committed: answering an error would invite a duplicate
        # upload. The workers' sweeper sends the messages of chunks nobody has touched.
        log.warning("job %s: chunk messages not sent (%s); the sweeper will send them", job_id, exc)
    return web.json_response(
        {"job_id": str(job_id), "status": "processing", "total_molecules": total,
         "message": f"Job queued: {total} molecules in {chunk_count} chunk{'' if chunk_count == 1 else 's'}."},
        status=202,
    )


async def _ingest(request: web.Request, part: BodyPartReader, job_id: uuid.UUID,
                  fields: dict[str, str], options: dict, owner: str | None) -> tuple[int, int]:
    settings = request.app[SETTINGS]
    filename = (part.filename or "upload").strip()[:255] or "upload"
    splitter = UploadSplitter(
        filename,
        smiles_column=fields.get("smiles_column") or "SMILES",
        name_column=fields.get("name_column") or None,
        limits=IngestLimits.from_settings(settings),
    )
    job_key = str(job_id)
    total = 0
    async with request.app[POOL].connection() as conn, conn.transaction():
        await run(conn, q.insert_job(job_id, filename, {**options, **_columns(fields)}, owner,
                                     parse_priority(fields.get("priority"))))
        async with conn.cursor().copy(q.copy_job_inputs()) as copy:
            while piece := await part.read_chunk(PIECE):
                # In a thread: one gzip piece may expand to megabytes of text to split and format.
                count, rows = await asyncio.to_thread(_as_rows, partial(splitter.feed, piece), job_key)
                await copy.write(rows)
                total += count
            count, rows = await asyncio.to_thread(_as_rows, splitter.finish, job_key)
            await copy.write(rows)
            total += count
        await run(conn, q.finish_upload(job_id, splitter.format, splitter.compressed,
                                        splitter.bytes_in, total, settings.chunk_size))
        await run(conn, q.append_event(job_id, 0))
    chunk_count = (total + settings.chunk_size - 1) // settings.chunk_size
    log.info("job %s accepted: %s, %d molecules", job_id, filename, total)
    return total, chunk_count


def _columns(fields: dict[str, str]) -> dict:
    return {"smiles_column": fields.get("smiles_column") or "SMILES",
            "name_column": fields.get("name_column") or None}


def _as_rows(split, job_key: str) -> tuple[int, bytes]:
    """The records `split()` returns (one piece's, or the file's last), as COPY rows."""
    records = split()
    return len(records), job_input_rows(job_key, records, MAX_NAME)
